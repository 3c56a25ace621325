package terraform

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Policy documents in Terraform state are JSON strings. These functions read
// them the way the schema (checks/types_*.go) defines the derived
// attributes, with the same reading as the live collector
// (integrations/aws/policy.go), so a Terraform scan and a live scan agree.
// Both belong in checks as one function once the two stand still.

type statement struct {
	effect       string
	principal    any
	notPrincipal bool
	actions      []string
	resources    []string
	condition    map[string]map[string][]string // operator -> key -> values
}

// parsePolicy decodes a policy document; ok is false for text that is not a
// policy document (Terraform would not accept it, so the input is broken).
func parsePolicy(doc string) ([]statement, bool) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, false
	}
	var list []any
	switch s := raw["Statement"].(type) {
	case []any:
		list = s
	case map[string]any:
		list = []any{s}
	case nil:
		return nil, true
	default:
		return nil, false
	}
	out := make([]statement, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		st := statement{principal: m["Principal"], condition: map[string]map[string][]string{}}
		_, st.notPrincipal = m["NotPrincipal"]
		st.effect, _ = m["Effect"].(string)
		st.actions = stringOrList(m["Action"])
		st.resources = stringOrList(m["Resource"])
		if c, ok := m["Condition"].(map[string]any); ok {
			for op, v := range c {
				kv, ok := v.(map[string]any)
				if !ok {
					continue
				}
				st.condition[op] = map[string][]string{}
				for k, vals := range kv {
					st.condition[op][k] = stringOrList(vals)
				}
			}
		}
		out = append(out, st)
	}
	return out, true
}

// stringOrList reads a string or a list of them; condition values may be
// unquoted booleans and numbers.
func stringOrList(v any) []string {
	one := func(x any) (string, bool) {
		switch t := x.(type) {
		case string:
			return t, true
		case bool, float64:
			return fmt.Sprint(t), true
		}
		return "", false
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := one(e); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if s, ok := one(v); ok {
		return []string{s}
	}
	return nil
}

// wildcardPrincipal: "*" or {"AWS": "*"} (or a list holding "*").
func wildcardPrincipal(p any) bool {
	switch x := p.(type) {
	case string:
		return x == "*"
	case map[string]any:
		for _, v := range stringOrList(x["AWS"]) {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// s3RestrictingKeys are the condition keys that, per the aws.s3.bucket
// policy_public doc, keep a wildcard-principal Allow from being public.
var s3RestrictingKeys = []string{
	"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount",
	"aws:sourcearn", "aws:principalorgid", "aws:principalaccount",
}

// kmsRestrictingKeys add the key-policy key that pins callers to an account.
var kmsRestrictingKeys = append(append([]string(nil), s3RestrictingKeys...), "kms:calleraccount")

// restricted: the condition limits who the statement applies to — a
// positive operator (not Not*, not ...IfExists, not Null) on a restricting
// key with a value that is not itself a wildcard.
func (st statement) restricted(keys []string) bool {
	for op, kv := range st.condition {
		lop := strings.ToLower(op)
		if strings.Contains(lop, "not") || strings.HasSuffix(lop, "ifexists") || lop == "null" {
			continue
		}
		for k, vals := range kv {
			if containsFold(keys, k) && len(vals) > 0 && !containsFold(vals, "*") {
				return true
			}
		}
	}
	return false
}

// policyPublic: some Allow statement applies to every principal (a wildcard
// Principal, or any NotPrincipal) without a restricting condition.
func policyPublic(sts []statement, restricting []string) bool {
	for _, st := range sts {
		if strings.EqualFold(st.effect, "Allow") && (wildcardPrincipal(st.principal) || st.notPrincipal) && !st.restricted(restricting) {
			return true
		}
	}
	return false
}

// deniesInsecureTransport: a Deny for all principals on s3:* (or *) when
// aws:SecureTransport is false.
func deniesInsecureTransport(sts []statement) bool {
	for _, st := range sts {
		if !strings.EqualFold(st.effect, "Deny") || !wildcardPrincipal(st.principal) {
			continue
		}
		if !containsFold(st.actions, "s3:*") && !containsFold(st.actions, "*") {
			continue
		}
		for op, kv := range st.condition {
			if !strings.EqualFold(op, "Bool") && !strings.EqualFold(op, "BoolIfExists") {
				continue
			}
			for k, v := range kv {
				if strings.EqualFold(k, "aws:SecureTransport") && len(v) == 1 && strings.EqualFold(v[0], "false") {
					return true
				}
			}
		}
	}
	return false
}

// allowsFullAdmin: an Allow statement with Action "*" on Resource "*".
func allowsFullAdmin(sts []statement) bool {
	for _, st := range sts {
		if strings.EqualFold(st.effect, "Allow") && containsFold(st.actions, "*") && containsFold(st.resources, "*") {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// awsManagedAdmin tells, for AWS managed policies whose documents are public
// and stable, whether they allow Action "*" on Resource "*". Others are not
// in the file, so what they allow is unknown.
func awsManagedAdmin(policyARN string) (admin, known bool) {
	_, name, ok := strings.Cut(policyARN, ":iam::aws:policy/")
	if !ok {
		return false, false
	}
	switch name {
	case "AdministratorAccess":
		return true, true
	case "ReadOnlyAccess", "ViewOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit",
		"PowerUserAccess", "IAMUserChangePassword", "IAMReadOnlyAccess", "job-function/Billing",
		"AmazonS3ReadOnlyAccess", "AmazonEC2ReadOnlyAccess":
		return false, true
	}
	return false, false
}
