// Package report builds per-framework compliance reports from a scan result:
// every control the rule pack maps to the framework, its status, the rules
// and failing resources behind it, and the score. Renderers write it as
// Markdown, one self-contained HTML file, JSON or CSV.
package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/comply-bot/comply/checks"
)

// Status is the verdict on one control.
type Status string

// Control statuses, worst first.
const (
	StatusFail         Status = "fail"
	StatusError        Status = "error"
	StatusNotEvaluated Status = "not_evaluated"
	StatusPass         Status = "pass"
)

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusFail:
		return "Fail"
	case StatusError:
		return "Error"
	case StatusNotEvaluated:
		return "Not evaluated"
	case StatusPass:
		return "Pass"
	}
	return string(s)
}

// Report is the per-framework compliance report (also its JSON form).
type Report struct {
	Framework      string    `json:"framework"`
	FrameworkTitle string    `json:"framework_title"`
	GeneratedAt    time.Time `json:"generated_at,omitzero"`
	Scan           ScanInfo  `json:"scan"`
	Score          Score     `json:"score"`
	Totals         Totals    `json:"totals"`
	Families       []Family  `json:"families"`
	Controls       []Control `json:"controls"`
	// HasSuppressions is true when some failing resource carries an
	// acknowledgement or snooze; only then do renderers show that section.
	HasSuppressions bool `json:"has_suppressions"`
	// Calendar is the compliance calendar (calendar.go), filled in by
	// callers that have the audit log; empty, no section is shown.
	Calendar []CalendarTask `json:"calendar,omitempty"`
	// Trend is the framework's score per scan over the last 30 days
	// (trend.go), set by AddTrend from a history; nil, no section is shown.
	Trend *Trend `json:"trend,omitempty"`
}

// ScanInfo identifies the scan the report is built from.
type ScanInfo struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Complete   bool      `json:"complete"`
	Sources    []string  `json:"sources"`
	Resources  int       `json:"resources"`
	Errors     int       `json:"errors"`
}

// Score is the share of passing evaluations (percent) for the framework and
// overall; nil when nothing was evaluated (no data is not 100%).
type Score struct {
	Framework *float64 `json:"framework"`
	Overall   *float64 `json:"overall"`
}

// Totals counts controls by status.
type Totals struct {
	Controls     int `json:"controls"`
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	Error        int `json:"error"`
	NotEvaluated int `json:"not_evaluated"`
}

func (t *Totals) add(s Status) {
	t.Controls++
	switch s {
	case StatusPass:
		t.Pass++
	case StatusFail:
		t.Fail++
	case StatusError:
		t.Error++
	default:
		t.NotEvaluated++
	}
}

// Family groups controls for the chart (SOC2 CC6, HIPAA 164.312, PCI 3).
// Pass and Fail count the evaluations of the rules mapped to the family's
// controls, each rule once; Score is their pass share, nil with none.
type Family struct {
	Name   string   `json:"name"`
	Totals Totals   `json:"totals"`
	Pass   int      `json:"pass"`
	Fail   int      `json:"fail"`
	Score  *float64 `json:"score"`
}

// Control is one control id of the framework with the evidence behind its status.
type Control struct {
	ID      string       `json:"id"`
	Family  string       `json:"family"`
	Status  Status       `json:"status"`
	Rules   []RuleRow    `json:"rules"`
	Failing []FindingRow `json:"failing"`
}

// RuleRow is one rule mapped to a control, with its outcome counts.
type RuleRow struct {
	ID            string          `json:"id"`
	Title         string          `json:"title"`
	Severity      checks.Severity `json:"severity"`
	ResourceType  string          `json:"resource_type"`
	Pass          int             `json:"pass"`
	Fail          int             `json:"fail"`
	Error         int             `json:"error"`
	Unknown       int             `json:"unknown"`
	NotApplicable int             `json:"not_applicable"`
	Skipped       bool            `json:"skipped,omitempty"`
	Status        Status          `json:"status"`
}

// FindingRow is one failing resource under a control.
type FindingRow struct {
	Fingerprint  string          `json:"fingerprint"`
	RuleID       string          `json:"rule_id"`
	Severity     checks.Severity `json:"severity"`
	ResourceID   string          `json:"resource_id"`
	ResourceType string          `json:"resource_type"`
	ResourceName string          `json:"resource_name,omitempty"`
	Account      string          `json:"account"`
	Region       string          `json:"region"`
	Message      string          `json:"message"`
	// Acknowledged and Snoozed come from the state store, not the scan
	// result; Build leaves them nil and a caller with a store fills them.
	Acknowledged *Suppression `json:"acknowledged,omitempty"`
	Snoozed      *Suppression `json:"snoozed,omitempty"`
}

// Suppression is who acknowledged or snoozed a finding, why, and until when.
type Suppression struct {
	By     string     `json:"by"`
	Reason string     `json:"reason"`
	At     time.Time  `json:"at,omitzero"`
	Until  *time.Time `json:"until,omitempty"`
}

// Options tune Build.
type Options struct {
	// Now stamps GeneratedAt; nil leaves it zero (golden files).
	Now func() time.Time
	// Suppress, when set, returns the acknowledgement and snooze of a
	// fingerprint (either may be nil); the hook for a state store.
	Suppress func(fingerprint string) (ack, snooze *Suppression)
}

// Build derives the report for framework (an id from checks.ParseFramework)
// from a scan result. Controls come from the rules' framework mappings (and,
// for results without rule statistics, from the findings' own mappings).
func Build(rep *checks.ScanReport, framework string, opts Options) (*Report, error) {
	var title string
	for _, f := range checks.Frameworks() {
		if f.ID == framework {
			title = f.Title
		}
	}
	if title == "" {
		return nil, fmt.Errorf("unknown framework %q", framework)
	}
	r := &Report{
		Framework: framework, FrameworkTitle: title,
		Scan: ScanInfo{
			ID: rep.Scan.ID, StartedAt: rep.Scan.StartedAt, FinishedAt: rep.Scan.FinishedAt,
			Complete: rep.Scan.Complete, Sources: rep.Scan.Sources, Resources: rep.Scan.Resources,
			Errors: len(rep.Scan.Errors),
		},
		Score: Score{Overall: rep.Score.Overall},
	}
	if opts.Now != nil {
		r.GeneratedAt = opts.Now().UTC()
	}
	if v, ok := rep.Score.Frameworks[framework]; ok {
		r.Score.Framework = &v
	}

	controls := map[string]*Control{}
	get := func(id string) *Control {
		c := controls[id]
		if c == nil {
			c = &Control{ID: id, Family: family(framework, id)}
			controls[id] = c
		}
		return c
	}
	for _, rs := range rep.Rules {
		for _, id := range dedup(rs.Frameworks[framework]) {
			get(id).Rules = append(get(id).Rules, ruleRow(rs))
		}
	}
	for _, f := range rep.Findings {
		for _, id := range dedup(f.Frameworks[framework]) {
			row := FindingRow{
				Fingerprint: f.Fingerprint, RuleID: f.RuleID, Severity: f.Severity,
				ResourceID: f.ResourceID, ResourceType: f.ResourceType, ResourceName: f.ResourceName,
				Account: f.Account, Region: f.Region, Message: f.Message,
			}
			if opts.Suppress != nil {
				row.Acknowledged, row.Snoozed = opts.Suppress(f.Fingerprint)
				if row.Acknowledged != nil || row.Snoozed != nil {
					r.HasSuppressions = true
				}
			}
			get(id).Failing = append(get(id).Failing, row)
		}
	}

	fams := map[string]*Family{}
	famRules := map[string]map[string]bool{}
	for _, c := range controls {
		c.Status = controlStatus(c)
		r.Controls = append(r.Controls, *c)
	}
	slices.SortFunc(r.Controls, func(a, b Control) int { return CompareControlIDs(a.ID, b.ID) })
	for _, c := range r.Controls {
		r.Totals.add(c.Status)
		fam := fams[c.Family]
		if fam == nil {
			fam = &Family{Name: c.Family}
			fams[c.Family] = fam
			r.Families = append(r.Families, Family{Name: c.Family})
		}
		fam.Totals.add(c.Status)
		if famRules[c.Family] == nil {
			famRules[c.Family] = map[string]bool{}
		}
		for _, rr := range c.Rules {
			if !famRules[c.Family][rr.ID] {
				famRules[c.Family][rr.ID] = true
				fam.Pass += rr.Pass
				fam.Fail += rr.Fail
			}
		}
	}
	// Families are in control order already (controls sort family first).
	for i := range r.Families {
		f := fams[r.Families[i].Name]
		if f.Pass+f.Fail > 0 {
			v := math.Round(float64(f.Pass)*1000/float64(f.Pass+f.Fail)) / 10
			f.Score = &v
		}
		r.Families[i] = *f
	}
	if r.Controls == nil {
		r.Controls = []Control{}
	}
	if r.Families == nil {
		r.Families = []Family{}
	}
	return r, nil
}

func ruleRow(rs checks.RuleStats) RuleRow {
	row := RuleRow{
		ID: rs.RuleID, Title: rs.Title, Severity: rs.Severity, ResourceType: rs.ResourceType,
		Pass: rs.Pass, Fail: rs.Fail, Error: rs.Error, Unknown: rs.Unknown,
		NotApplicable: rs.NotApplicable, Skipped: rs.Skipped,
	}
	row.Status = status(rs.Fail > 0, rs.Error > 0, rs.Pass+rs.Fail > 0)
	return row
}

// controlStatus: fail if any rule fails, else error if any errored, else not
// evaluated when nothing passed or failed (skipped, unknown only, no
// resources), else pass. Failing rows count as failures even if the rule
// statistics are missing.
func controlStatus(c *Control) Status {
	fail, errd, evaluated := len(c.Failing) > 0, false, len(c.Failing) > 0
	for _, r := range c.Rules {
		fail = fail || r.Fail > 0
		errd = errd || r.Error > 0
		evaluated = evaluated || r.Pass+r.Fail > 0
	}
	return status(fail, errd, evaluated)
}

func status(fail, errd, evaluated bool) Status {
	switch {
	case fail:
		return StatusFail
	case errd:
		return StatusError
	case !evaluated:
		return StatusNotEvaluated
	}
	return StatusPass
}

// dedup drops a control listed twice by one rule, so it is not counted twice.
func dedup(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
