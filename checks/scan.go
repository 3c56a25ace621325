package checks

import "time"

// ScanError is a problem that made a scan incomplete: a collector that failed
// for a service/region/account, or a rule that failed on a resource.
type ScanError struct {
	Source     string `json:"source"`
	Service    string `json:"service,omitempty"`
	Region     string `json:"region,omitempty"`
	Account    string `json:"account,omitempty"`
	RuleID     string `json:"rule_id,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	Message    string `json:"message"`
}

// Collection is what one source gathered.
type Collection struct {
	Resources []Resource
	// Errors made the collection incomplete; what was gathered is still used.
	Errors []ScanError
	// IncompleteTypes are resource types that were not fully collected: rules
	// over them are skipped (no findings, no passes), never reported compliant.
	IncompleteTypes []string
	// APICalls counts calls per service (live sources only).
	APICalls map[string]int
	// Warnings are notes for the user that do not make the scan incomplete.
	Warnings []string
}

// ScanInfo is the "scan" section of a scan report.
type ScanInfo struct {
	ID           string         `json:"id"`
	StartedAt    time.Time      `json:"started_at"`
	FinishedAt   time.Time      `json:"finished_at"`
	Complete     bool           `json:"complete"`
	Errors       []ScanError    `json:"errors"`
	Sources      []string       `json:"sources"`
	Resources    int            `json:"resources"`
	Rules        int            `json:"rules"`
	Evaluations  int            `json:"evaluations"`
	NotEvaluated int            `json:"not_evaluated"`
	APICalls     map[string]int `json:"api_calls,omitempty"`
}

// ScanReport is the machine-readable result of a scan (`--format json`), and
// what `comply report --input` reads. Fields may be added, never renamed.
type ScanReport struct {
	Scan     ScanInfo    `json:"scan"`
	Score    Score       `json:"score"`
	Summary  Summary     `json:"summary"`
	Findings []Finding   `json:"findings"`
	Rules    []RuleStats `json:"rules"`
	// Inconclusive lists the fingerprints whose evaluation errored or lacked
	// data: their stored findings must not be resolved by this scan.
	Inconclusive []string `json:"inconclusive,omitempty"`
}
