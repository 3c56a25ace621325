package checks

import (
	"cmp"
	"math"
	"slices"
)

// Status is the outcome of one rule on one resource.
type Status string

// Evaluation outcomes. Error and Unknown are neither pass nor fail: a rule that
// could not decide never makes a resource look compliant, nor non-compliant.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusError         Status = "error"          // the expression failed at run time
	StatusUnknown       Status = "unknown"        // an attribute the rule reads is not known
	StatusNotApplicable Status = "not_applicable" // the rule's when: condition is false
)

// Finding is a failing (rule, resource) evaluation.
type Finding struct {
	Fingerprint       string              `json:"fingerprint"`
	RuleID            string              `json:"rule_id"`
	Title             string              `json:"title"`
	Severity          Severity            `json:"severity"`
	ResourceID        string              `json:"resource_id"`
	ResourceType      string              `json:"resource_type"`
	ResourceName      string              `json:"resource_name"`
	Account           string              `json:"account"`
	Region            string              `json:"region"`
	Message           string              `json:"message"`
	Remediation       string              `json:"remediation"`
	RemediationAction string              `json:"remediation_action,omitempty"`
	Frameworks        map[string][]string `json:"frameworks"`
	Evidence          map[string]any      `json:"evidence"`
	Tags              map[string]string   `json:"tags,omitempty"`
	Source            RulePosition        `json:"rule_source"`
}

// RulePosition is where the rule behind a finding is defined (for SARIF).
type RulePosition struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Inconclusive is an evaluation that errored or could not run.
type Inconclusive struct {
	Fingerprint  string `json:"fingerprint"`
	RuleID       string `json:"rule_id"`
	ResourceID   string `json:"resource_id"`
	ResourceType string `json:"resource_type"`
	Account      string `json:"account"`
	Region       string `json:"region"`
	Message      string `json:"message"`
}

// RuleStats counts one rule's outcomes in a scan.
type RuleStats struct {
	RuleID        string              `json:"id"`
	Title         string              `json:"title"`
	Severity      Severity            `json:"severity"`
	ResourceType  string              `json:"resource_type"`
	Frameworks    map[string][]string `json:"frameworks"`
	Pass          int                 `json:"pass"`
	Fail          int                 `json:"fail"`
	Error         int                 `json:"error"`
	Unknown       int                 `json:"unknown"`
	NotApplicable int                 `json:"not_applicable"`
	// Skipped: the rule's resource type was not fully collected, so the rule
	// was not evaluated at all.
	Skipped bool `json:"skipped,omitempty"`
}

// Result is what the engine concluded from one set of resources.
type Result struct {
	Findings  []Finding      // failing evaluations, in a deterministic order
	Errors    []Inconclusive // evaluations whose expression failed
	Unknown   []Inconclusive // evaluations skipped for unknown attributes
	Rules     []RuleStats    // one per rule, in rule order
	Resources int
}

// Evaluations is the number of pass, fail and error outcomes.
func (r *Result) Evaluations() int {
	n := 0
	for _, s := range r.Rules {
		n += s.Pass + s.Fail + s.Error
	}
	return n
}

// Summary counts findings by severity.
func (r *Result) Summary() Summary {
	s := Summary{}
	for _, sev := range Severities() {
		s[sev] = 0
	}
	for _, f := range r.Findings {
		s[f.Severity]++
	}
	return s
}

// Score is the share (percent, one decimal) of passing evaluations among pass
// and fail outcomes, overall and per framework. Error and unknown outcomes are
// counted apart (in RuleStats) and do not move the score. Overall is nil when
// nothing was evaluated: no data is not 100% compliant.
type Score struct {
	Overall    *float64           `json:"overall"`
	Frameworks map[string]float64 `json:"frameworks"`
}

// ComputeScore derives the score from per-rule counts.
func ComputeScore(rules []RuleStats) Score {
	var pass, total int
	fwPass, fwTotal := map[string]int{}, map[string]int{}
	for _, s := range rules {
		pass += s.Pass
		total += s.Pass + s.Fail
		for fw := range s.Frameworks {
			fwPass[fw] += s.Pass
			fwTotal[fw] += s.Pass + s.Fail
		}
	}
	sc := Score{Frameworks: map[string]float64{}}
	if total > 0 {
		v := percent(pass, total)
		sc.Overall = &v
	}
	for fw, t := range fwTotal {
		if t > 0 {
			sc.Frameworks[fw] = percent(fwPass[fw], t)
		}
	}
	return sc
}

func percent(n, d int) float64 {
	return math.Round(float64(n)*1000/float64(d)) / 10
}

// SortFindings orders findings most severe first, then by rule, account,
// region and resource, so output is stable across runs and sources.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.ResourceID, b.ResourceID),
		)
	})
}

func sortInconclusive(xs []Inconclusive) {
	slices.SortFunc(xs, func(a, b Inconclusive) int {
		return cmp.Or(
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.ResourceID, b.ResourceID),
		)
	})
}
