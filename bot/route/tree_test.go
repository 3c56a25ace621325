package route

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func mustMatcher(t *testing.T, field string, patterns ...string) Matcher {
	t.Helper()
	m, err := NewMatcher(field, patterns...)
	if err != nil {
		t.Fatalf("NewMatcher(%s, %q): %v", field, patterns, err)
	}
	return m
}

func mustTag(t *testing.T, key, pattern string) Matcher {
	t.Helper()
	m, err := NewTagMatcher(key, pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func finding(mod func(*checks.Finding)) checks.Finding {
	f := checks.Finding{
		Fingerprint: "fp1", RuleID: "aws-s3-bucket-encryption", Severity: checks.SeverityHigh,
		ResourceID: "arn:aws:s3:::logs/x", ResourceType: "aws.s3.bucket",
		Account: "111122223333", Region: "eu-west-1",
		Frameworks: map[string][]string{"HIPAA": {"164.312"}, "SOC2": {"CC6.1"}},
		Tags:       map[string]string{"env": "prod", "team": "data"},
	}
	if mod != nil {
		mod(&f)
	}
	return f
}

func TestMatchers(t *testing.T) {
	tests := []struct {
		field    string
		patterns []string
		mod      func(*checks.Finding)
		want     bool
	}{
		{"severity", []string{">=high"}, nil, true},
		{"severity", []string{">=critical"}, nil, false},
		{"severity", []string{">medium"}, nil, true},
		{"severity", []string{">high"}, nil, false},
		{"severity", []string{"<=low"}, func(f *checks.Finding) { f.Severity = checks.SeverityInfo }, true},
		{"severity", []string{"<high"}, nil, false},
		{"severity", []string{"high"}, nil, true},
		{"severity", []string{"=medium"}, nil, false},
		{"severity", []string{"!=high"}, nil, false},
		{"severity", []string{"!=low"}, nil, true},
		{"severity", []string{"low", "critical"}, nil, false},
		{"severity", []string{"low", "HIGH"}, nil, true},
		{"framework", []string{"hipaa"}, nil, true},
		{"framework", []string{"PCI"}, nil, false},
		{"framework", []string{"!PCI"}, nil, true},
		{"framework", []string{"!SOC2"}, nil, false},
		{"framework", []string{"CIS-*"}, func(f *checks.Finding) { f.Frameworks = map[string][]string{"CIS-AWS": nil} }, true},
		{"account", []string{"111122223333"}, nil, true},
		{"account", []string{"444455556666", "111122223333"}, nil, true},
		{"account", []string{"11112222333"}, nil, false},
		{"region", []string{"eu-*"}, nil, true},
		{"region", []string{"us-*"}, nil, false},
		{"region", []string{"!us-*"}, nil, true},
		{"region", []string{"eu-west-?"}, nil, true},
		{"region", []string{"eu-west-??"}, nil, false},
		{"resource_type", []string{"aws.s3.*"}, nil, true},
		{"resource_type", []string{"aws.s3"}, nil, false},
		{"resource_type", []string{"aws?s3.bucket"}, nil, true},
		{"resource_type", []string{"aws-s3-bucket"}, nil, false}, // dots are literal
		{"resource_id", []string{"arn:aws:s3:::logs/*"}, nil, true},
		{"rule_id", []string{"aws-s3-*"}, nil, true},
		{"rule_id", []string{"~aws-(s3|rds)-.*"}, nil, true},
		{"rule_id", []string{"~s3"}, nil, false}, // regexes are anchored
		{"rule_id", []string{"~.*s3.*"}, nil, true},
		{"rule_id", []string{"!~aws-iam-.*"}, nil, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %q", tt.field, tt.patterns)
		t.Run(name, func(t *testing.T) {
			m := mustMatcher(t, tt.field, tt.patterns...)
			if got := m.Match(finding(tt.mod)); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTagMatchers(t *testing.T) {
	tests := []struct {
		key, pattern string
		want         bool
	}{
		{"env", "prod", true},
		{"env", "prod*", true},
		{"env", "dev", false},
		{"env", "!dev", true},
		{"owner", "*", false},  // a missing tag never matches positively
		{"owner", "!x", true},  // ... but satisfies a negation
		{"Env", "prod", false}, // tag keys are case-sensitive, like AWS's
		{"team", "~data|ml", true},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.pattern, func(t *testing.T) {
			if got := mustTag(t, tt.key, tt.pattern).Match(finding(nil)); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatcherErrors(t *testing.T) {
	tests := []struct {
		field    string
		patterns []string
		want     string
	}{
		{"severity", []string{">=hgih"}, "unknown severity"},
		{"severity", []string{"=>high"}, "unknown severity"},
		{"colour", []string{"red"}, "unknown matcher field"},
		{"tags", []string{"x"}, "mapping of tag keys"},
		{"rule_id", []string{"~(unclosed"}, "bad regular expression"},
		{"region", []string{"!eu-*", "us-*"}, "must be the only one"},
		{"region", nil, "no pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			_, err := NewMatcher(tt.field, tt.patterns...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := NewTagMatcher("", "x"); err == nil {
		t.Error("empty tag key accepted")
	}
}

func ptr[T any](v T) *T { return &v }

// testTree is a realistic tree:
//
//	root -> slack (group by severity, reminders high 7d)
//	  critical: severity >= critical -> slack, jira (continue)
//	  hipaa: framework HIPAA, tags env=prod -> hipaa-slack; child eu: region eu-* -> eu-jira
//	  low: severity <= low -> digest, group by account, every 12h
func testTree(t *testing.T) *Tree {
	t.Helper()
	root := &Route{
		Receivers: []string{"slack"},
		GroupBy:   []string{"severity"},
		Reminders: map[checks.Severity]time.Duration{checks.SeverityHigh: 7 * 24 * time.Hour, checks.SeverityCritical: 24 * time.Hour},
		Children: []*Route{
			{Name: "critical", Matchers: []Matcher{mustMatcher(t, "severity", ">=critical")},
				Receivers: []string{"slack", "jira"}, Continue: true,
				Reminders: map[checks.Severity]time.Duration{checks.SeverityCritical: time.Hour}},
			{Name: "hipaa", Matchers: []Matcher{mustMatcher(t, "framework", "HIPAA"), mustTag(t, "env", "prod")},
				Receivers: []string{"hipaa-slack"},
				Children: []*Route{
					{Matchers: []Matcher{mustMatcher(t, "region", "eu-*")}, Receivers: []string{"eu-jira"}, GroupBy: []string{"account", "tags.team"}},
				}},
			{Name: "low", Matchers: []Matcher{mustMatcher(t, "severity", "<=low")},
				Receivers: []string{"digest"}, Digest: ptr(true), GroupBy: []string{"account"}, GroupInterval: 12 * time.Hour},
			{Name: "never", Matchers: []Matcher{mustMatcher(t, "severity", "<=low")}, Receivers: []string{"unreachable"}},
		},
	}
	tree, err := New(root, "slack-digest-mode")
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func summary(ms []Match) string {
	var parts []string
	for _, m := range ms {
		s := m.Receiver + "@" + m.Route
		if m.Digest {
			s += fmt.Sprintf(" digest/%s", m.GroupInterval)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestTreeMatch(t *testing.T) {
	tree := testTree(t)
	tests := []struct {
		name string
		mod  func(*checks.Finding)
		want string
	}{
		{"default route", func(f *checks.Finding) { f.Frameworks = nil }, "slack@root"},
		{"first match wins, child of the match delivers", nil, "eu-jira@root/hipaa/0"},
		{"matched route without matching child delivers itself",
			func(f *checks.Finding) { f.Region = "us-east-1" }, "hipaa-slack@root/hipaa"},
		{"continue tries the next sibling; a receiver is reached once",
			func(f *checks.Finding) { f.Severity = checks.SeverityCritical; f.Region = "us-east-1" },
			"slack@root/critical; jira@root/critical; hipaa-slack@root/hipaa"},
		{"continue with no further match",
			func(f *checks.Finding) { f.Severity = checks.SeverityCritical; f.Frameworks = nil },
			"slack@root/critical; jira@root/critical"},
		{"all matchers must match", func(f *checks.Finding) { f.Tags = map[string]string{"env": "dev"} }, "slack@root"},
		{"digest route, first sibling only",
			func(f *checks.Finding) { f.Severity = checks.SeverityLow; f.Frameworks = nil }, "digest@root/low digest/12h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(tree.Match(finding(tt.mod))); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestTreeInheritance(t *testing.T) {
	tree := testTree(t)
	// eu-jira's route sets group_by; it inherits reminders, interval and
	// digest=false from root.
	ms := tree.Match(finding(nil))
	if len(ms) != 1 {
		t.Fatalf("matches %v", ms)
	}
	m := ms[0]
	if want := `root/hipaa/0{account="111122223333",tags.team="data"}`; m.GroupKey != want {
		t.Errorf("group key %s, want %s", m.GroupKey, want)
	}
	if m.Digest || m.GroupInterval != DefaultGroupInterval || !m.HasReminder || m.Reminder != 7*24*time.Hour {
		t.Errorf("inherited settings wrong: %+v", m)
	}
	// The hipaa route inherits the root's group_by.
	ms = tree.Match(finding(func(f *checks.Finding) { f.Region = "us-east-1" }))
	if want := `root/hipaa{severity="high"}`; ms[0].GroupKey != want {
		t.Errorf("group key %s, want %s", ms[0].GroupKey, want)
	}
	// Reminders merge per severity: critical overridden to 1h on the
	// critical route, high still inherited; medium unset anywhere.
	crit := tree.Match(finding(func(f *checks.Finding) { f.Severity = checks.SeverityCritical; f.Frameworks = nil }))
	if crit[0].Reminder != time.Hour || !crit[0].HasReminder {
		t.Errorf("critical reminder %+v", crit[0])
	}
	med := tree.Match(finding(func(f *checks.Finding) { f.Severity = checks.SeverityMedium; f.Frameworks = nil }))
	if med[0].HasReminder {
		t.Errorf("medium has a reminder: %+v", med[0])
	}
	// Findings in the same group share a key; another account does not.
	low := func(acct string) string {
		return tree.Match(finding(func(f *checks.Finding) {
			f.Severity, f.Frameworks, f.Account, f.Fingerprint = checks.SeverityLow, nil, acct, acct
		}))[0].GroupKey
	}
	if low("1") != low("1") || low("1") == low("2") {
		t.Errorf("group keys: %s %s", low("1"), low("2"))
	}
}

func TestDigestReceiverAndGroupAll(t *testing.T) {
	tree, err := New(&Route{Receivers: []string{"slack-digest-mode", "jira"}, GroupBy: []string{GroupByAll}}, "slack-digest-mode")
	if err != nil {
		t.Fatal(err)
	}
	ms := tree.Match(finding(nil))
	if len(ms) != 2 || !ms[0].Digest || ms[1].Digest {
		t.Fatalf("digest per receiver: %+v", ms)
	}
	if ms[0].GroupKey != `root{fingerprint="fp1"}` {
		t.Errorf("group key %s", ms[0].GroupKey)
	}
}

func TestNewErrors(t *testing.T) {
	m, _ := NewMatcher("severity", "high")
	tests := []struct {
		name string
		root *Route
		want string
	}{
		{"nil", nil, "no root"},
		{"no receiver", &Route{}, "needs a receiver"},
		{"root matchers", &Route{Receivers: []string{"a"}, Matchers: []Matcher{m}}, "takes no matchers"},
		{"root continue", &Route{Receivers: []string{"a"}, Continue: true}, "continue does not apply"},
		{"bad group_by", &Route{Receivers: []string{"a"}, Children: []*Route{{Name: "x", GroupBy: []string{"colour"}}}}, "route root/x: group_by \"colour\""},
		{"group all mixed", &Route{Receivers: []string{"a"}, GroupBy: []string{"...", "account"}}, "must stand alone"},
		{"tags alone", &Route{Receivers: []string{"a"}, GroupBy: []string{"tags"}}, "group_by \"tags\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.root)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMatcherString(t *testing.T) {
	if got, want := mustMatcher(t, "region", "eu-*", "~us-.*").String(), `region: ["eu-*", "~us-.*"]`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
	if got, want := mustTag(t, "env", "prod").String(), `tags.env: "prod"`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
}
