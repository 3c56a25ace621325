package route

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Fields a matcher (and group_by) may name. Tags are matched per key
// (Tag set) and grouped as "tags.KEY".
const (
	FieldSeverity     = "severity"
	FieldFramework    = "framework"
	FieldAccount      = "account"
	FieldRegion       = "region"
	FieldResourceType = "resource_type"
	FieldResourceID   = "resource_id"
	FieldRuleID       = "rule_id"
	FieldTags         = "tags"
)

// Fields lists the fields matchers accept, tags last.
func Fields() []string {
	return []string{FieldSeverity, FieldFramework, FieldAccount, FieldRegion, FieldResourceType, FieldResourceID, FieldRuleID, FieldTags}
}

// Matcher tests one field of a finding against patterns; a finding matches
// when any pattern matches (or, negated, when none does).
type Matcher struct {
	Field string
	Tag   string // the tag key, for Field == FieldTags
	text  []string
	neg   bool
	sev   []sevCmp
	res   []*regexp.Regexp
}

type sevCmp struct {
	op  string
	sev checks.Severity
}

// NewMatcher compiles patterns for a field other than tags. Severity
// patterns compare: "high", ">=high", ">medium", "<=low", "<high", "!=info".
// Other patterns are globs (* and ?) or, prefixed with ~, anchored regular
// expressions; a single pattern prefixed with ! negates the matcher.
// Framework patterns ignore case, like --framework.
func NewMatcher(field string, patterns ...string) (Matcher, error) {
	if field == FieldTags {
		return Matcher{}, fmt.Errorf("tags: want a mapping of tag keys to patterns")
	}
	if !slices.Contains(Fields(), field) {
		return Matcher{}, fmt.Errorf("unknown matcher field %q (want one of %s)", field, strings.Join(Fields(), ", "))
	}
	return newMatcher(field, "", patterns)
}

// NewTagMatcher compiles a pattern for one tag; a finding without the tag
// never matches a positive pattern.
func NewTagMatcher(key, pattern string) (Matcher, error) {
	if key == "" {
		return Matcher{}, fmt.Errorf("tags: empty tag key")
	}
	return newMatcher(FieldTags, key, []string{pattern})
}

func newMatcher(field, tag string, patterns []string) (Matcher, error) {
	name := field
	if tag != "" {
		name = field + "." + tag
	}
	m := Matcher{Field: field, Tag: tag, text: patterns}
	if len(patterns) == 0 {
		return m, fmt.Errorf("%s: no pattern", name)
	}
	for i, p := range patterns {
		if strings.HasPrefix(p, "!") && field != FieldSeverity {
			if len(patterns) > 1 {
				return m, fmt.Errorf("%s: a negated pattern (%q) must be the only one", name, p)
			}
			m.neg = true
			p = p[1:]
		}
		if field == FieldSeverity {
			c, err := parseSevCmp(p)
			if err != nil {
				return m, fmt.Errorf("%s: %w", name, err)
			}
			m.sev = append(m.sev, c)
			continue
		}
		re, err := compilePattern(p, field == FieldFramework)
		if err != nil {
			return m, fmt.Errorf("%s: pattern %d %q: %w", name, i+1, patterns[i], err)
		}
		m.res = append(m.res, re)
	}
	return m, nil
}

func parseSevCmp(p string) (sevCmp, error) {
	p = strings.TrimSpace(p)
	op := "="
	for _, o := range []string{">=", "<=", "!=", ">", "<", "="} {
		if strings.HasPrefix(p, o) {
			op, p = o, strings.TrimSpace(p[len(o):])
			break
		}
	}
	sev, err := checks.ParseSeverity(p)
	if err != nil {
		return sevCmp{}, err
	}
	return sevCmp{op, sev}, nil
}

func (c sevCmp) match(s checks.Severity) bool {
	switch c.op {
	case ">=":
		return s >= c.sev
	case "<=":
		return s <= c.sev
	case ">":
		return s > c.sev
	case "<":
		return s < c.sev
	case "!=":
		return s != c.sev
	}
	return s == c.sev
}

// compilePattern turns a glob or a ~regex into an anchored expression.
func compilePattern(p string, fold bool) (*regexp.Regexp, error) {
	var expr string
	if re, ok := strings.CutPrefix(p, "~"); ok {
		expr = "^(?:" + re + ")$"
	} else {
		var b strings.Builder
		b.WriteString("^")
		for _, r := range p {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		expr = b.String()
	}
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		// The regexp package's messages span one line and name the problem.
		return nil, fmt.Errorf("bad regular expression: %w", err)
	}
	return re, nil
}

// Match reports whether the finding satisfies the matcher.
func (m Matcher) Match(f checks.Finding) bool {
	if m.Field == FieldSeverity {
		for _, c := range m.sev {
			if c.match(f.Severity) {
				return true
			}
		}
		return false
	}
	vals, present := fieldValues(f, m.Field, m.Tag)
	hit := false
	if present {
		for _, v := range vals {
			for _, re := range m.res {
				if re.MatchString(v) {
					hit = true
				}
			}
		}
	}
	return hit != m.neg
}

// String shows the matcher as configured.
func (m Matcher) String() string {
	name := m.Field
	if m.Tag != "" {
		name += "." + m.Tag
	}
	if len(m.text) == 1 {
		return fmt.Sprintf("%s: %q", name, m.text[0])
	}
	quoted := make([]string, len(m.text))
	for i, t := range m.text {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	return fmt.Sprintf("%s: [%s]", name, strings.Join(quoted, ", "))
}

// fieldValues returns a finding's values for a field; frameworks are
// multi-valued. present is false for a missing tag.
func fieldValues(f checks.Finding, field, tag string) (vals []string, present bool) {
	switch field {
	case FieldSeverity:
		return []string{f.Severity.String()}, true
	case FieldFramework:
		names := make([]string, 0, len(f.Frameworks))
		for k := range f.Frameworks {
			names = append(names, k)
		}
		slices.Sort(names)
		return names, true
	case FieldAccount:
		return []string{f.Account}, true
	case FieldRegion:
		return []string{f.Region}, true
	case FieldResourceType:
		return []string{f.ResourceType}, true
	case FieldResourceID:
		return []string{f.ResourceID}, true
	case FieldRuleID:
		return []string{f.RuleID}, true
	case FieldTags:
		v, ok := f.Tags[tag]
		return []string{v}, ok
	}
	return nil, false
}
