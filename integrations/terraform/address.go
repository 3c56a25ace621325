package terraform

import "strings"

// modulePath drops the instance keys from a module instance address:
// module.a["x"].module.b[0] -> module.a.module.b (configuration is per module,
// not per module instance).
func modulePath(addr string) string {
	var b strings.Builder
	for i := 0; i < len(addr); {
		c := addr[i]
		if c != '[' {
			b.WriteByte(c)
			i++
			continue
		}
		i = skipIndex(addr, i)
	}
	return b.String()
}

// skipIndex returns the position after the bracketed index starting at
// s[i] == '[', honouring quoted strings with backslash escapes.
func skipIndex(s string, i int) int {
	inStr := false
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == ']':
			return i + 1
		}
	}
	return len(s)
}

// ref is a reference to a resource in a configuration expression:
// aws_s3_bucket.logs, or aws_s3_bucket.logs[0] / ["a"] with a constant key.
type ref struct {
	typ, name string
	key       string // "" when the reference names no (constant) instance
	hasKey    bool
}

// parseRef reads the resource part of a reference string such as
// `aws_s3_bucket.logs[0].id`. Only managed-resource references qualify.
func parseRef(s string) (ref, bool) {
	for _, p := range [...]string{"var.", "local.", "module.", "data.", "each.", "count.", "path.", "terraform.", "self."} {
		if strings.HasPrefix(s, p) {
			return ref{}, false
		}
	}
	typ, rest, ok := strings.Cut(s, ".")
	if !ok || typ == "" {
		return ref{}, false
	}
	end := strings.IndexAny(rest, ".[")
	if end < 0 {
		return ref{typ: typ, name: rest}, rest != ""
	}
	r := ref{typ: typ, name: rest[:end]}
	if r.name == "" {
		return ref{}, false
	}
	if rest[end] == '[' {
		close := skipIndex(rest, end)
		key := rest[end:close]
		// only constant keys: numbers or quoted strings
		inner := strings.TrimSuffix(strings.TrimPrefix(key, "["), "]")
		if isDigits(inner) || (len(inner) >= 2 && inner[0] == '"' && inner[len(inner)-1] == '"') {
			r.key, r.hasKey = key, true
		}
	}
	return r, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// attrRefs are the references of a top-level argument in a plan's
// configuration, plus, when the argument uses each.* or count.index, the
// references of the resource's for_each / count expression (the usual
// `for_each = aws_s3_bucket.all` + `bucket = each.value.id` pattern), with
// sameKey telling the caller to match instance keys.
func (in *instance) attrRefs(attr string) (refs []string, sameKey bool) {
	if in.cfg == nil {
		return nil, false
	}
	expr, ok := in.cfg.Expressions[attr].(map[string]any)
	if !ok {
		return nil, false
	}
	refs = exprRefs(expr)
	for _, r := range refs {
		if strings.HasPrefix(r, "each.") || strings.HasPrefix(r, "count.") {
			sameKey = true
		}
	}
	if sameKey {
		refs = append(refs, exprRefs(in.cfg.ForEachExpr)...)
		refs = append(refs, exprRefs(in.cfg.CountExpr)...)
	}
	return refs, sameKey
}

// unsetOnCreate reports whether a plan creates in without configuring attr
// at all: an optional+computed argument (a security group's inline rules)
// is then unknown in the plan only because the provider fills it after
// apply with what AWS has, and for a new object that is nothing. (A dynamic
// block is not in the configuration representation; one whose for_each is
// unknown at plan time would look unset here.)
func (in *instance) unsetOnCreate(attr string) bool {
	if !in.created || in.cfg == nil {
		return false
	}
	_, set := in.cfg.Expressions[attr]
	return !set
}
