package checks

import (
	"regexp"

	"github.com/expr-lang/expr/vm"
)

// Rule is one compiled policy rule. Build rules with LoadRules; the compiled
// programs are shared read-only by every evaluation.
type Rule struct {
	ID          string
	Title       string
	Resource    string // resource type
	Severity    Severity
	When        string // optional applicability condition (expr)
	Assert      string // expr: true means compliant
	Message     string // failure message template, {{ expr }} placeholders
	Remediation Remediation
	Frameworks  map[string][]string // framework id -> control ids
	Source      Position

	when                 *vm.Program
	assert               *vm.Program
	message              []messagePart
	refs                 []string // top-level attributes the rule reads: evidence
	whenRefs, assertRefs []string // per expression, for unknown-checks
}

// Remediation says how to fix a failure; Action names an automated fix.
type Remediation struct {
	Text   string `json:"text"`
	Action string `json:"action,omitempty"`
	// Params tune the action (e.g. ports, an age limit); the action
	// documents which it reads.
	Params map[string]any `json:"params,omitempty"`
}

// Position is where a rule was defined.
type Position struct {
	File string
	Line int
}

// Refs lists the attributes the rule reads, in order of first use.
func (r *Rule) Refs() []string { return append([]string(nil), r.refs...) }

// InFramework reports whether the rule maps to the framework id.
func (r *Rule) InFramework(id string) bool {
	_, ok := r.Frameworks[id]
	return ok
}

// FrameworkIDs returns the rule's frameworks in the crosswalk's order.
func (r *Rule) FrameworkIDs() []string {
	var out []string
	for _, f := range Frameworks() {
		if _, ok := r.Frameworks[f.ID]; ok {
			out = append(out, f.ID)
		}
	}
	return out
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// FilterRules keeps the rules mapped to framework (if not empty) at or above
// minSeverity (if valid).
func FilterRules(rules []*Rule, framework string, minSeverity Severity) []*Rule {
	var out []*Rule
	for _, r := range rules {
		if framework != "" && !r.InFramework(framework) {
			continue
		}
		if minSeverity.Valid() && r.Severity < minSeverity {
			continue
		}
		out = append(out, r)
	}
	return out
}
