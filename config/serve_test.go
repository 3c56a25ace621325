package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

const serveConfig = `sources:
  - {name: estate, type: file, path: inventory.json}
slack:
  channel: "#compliance"
  roles:
    viewer: ["*"]
    operator: [U0ALICE01, S0OPS0001]
    approver: [W0BOB0001]
    admin: [U0ADMIN01]
  workers: 8
  queue: 128
  max_finding_messages: 0
store:
  prefix: "comply-prod:"
  reminders: {critical: 12h, high: 3d, info: never}
  history_retention: 400d
  resolved_retention: forever
  audit_retention: 7y
`

func TestParseServeSections(t *testing.T) {
	_, err := Parse("c.yaml", []byte(serveConfig), env(nil))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(ps[0].String(), `c.yaml:18: store.audit_retention: "7y" is not a duration`) {
		t.Fatalf("want one problem with audit_retention, got %v", err)
	}
	cfg, err := Parse("c.yaml", []byte(strings.Replace(serveConfig, "7y", "2555d", 1)), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Slack
	if s.Channel != "#compliance" || s.Workers != 8 || s.Queue != 128 || s.MaxFindingMessages != 0 {
		t.Errorf("slack %+v", s)
	}
	if fmt.Sprint(s.Roles.Viewer, s.Roles.Operator, s.Roles.Approver, s.Roles.Admin) != "[*] [U0ALICE01 S0OPS0001] [W0BOB0001] [U0ADMIN01]" {
		t.Errorf("roles %+v", s.Roles)
	}
	st := cfg.Store
	want := map[checks.Severity]time.Duration{checks.SeverityCritical: 12 * time.Hour, checks.SeverityHigh: 72 * time.Hour, checks.SeverityInfo: 0}
	if st.Prefix != "comply-prod:" || fmt.Sprint(st.Reminders) != fmt.Sprint(want) {
		t.Errorf("store %+v", st)
	}
	if st.HistoryRetention != 400*24*time.Hour || st.ResolvedRetention >= 0 || st.AuditRetention != 2555*24*time.Hour {
		t.Errorf("retention %v %v %v", st.HistoryRetention, st.ResolvedRetention, st.AuditRetention)
	}
}

func TestServeDefaults(t *testing.T) {
	for _, src := range []string{"# nothing\n", "slack: {channel: C0COMPLY1}\nstore: {}\n"} {
		cfg, err := Parse("c.yaml", []byte(src), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if s := cfg.Slack; s.Workers != DefaultWorkers || s.Queue != DefaultQueue || s.MaxFindingMessages != DefaultMaxFindingMessages || !s.Roles.Empty() {
			t.Errorf("%q: slack defaults %+v", src, s)
		}
		if st := cfg.Store; st.Prefix != DefaultStorePrefix || st.Reminders != nil || st.HistoryRetention != 0 || st.ResolvedRetention != 0 {
			t.Errorf("%q: store defaults %+v", src, st)
		}
	}
}

func TestServeProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"typo in slack", "slack:\n  chanel: C0COMPLY1\n", `c.yaml:2: unknown field "chanel"`},
		{"typo in store", "store:\n  prefx: x\n", `c.yaml:2: unknown field "prefx"`},
		{"typo in roles", "slack:\n  roles:\n    operators: [U0ALICE01]\n", `c.yaml:3: unknown field "operators"`},
		{"bad channel", "slack:\n  channel: compliance\n", `c.yaml:2: slack.channel "compliance": want a channel id`},
		{"handle as role", "slack:\n  roles:\n    operator:\n      - U0ALICE01\n      - \"@bob\"\n", `c.yaml:5: slack.roles.operator: "@bob" is not a Slack user id`},
		{"star for operator", "slack:\n  roles:\n    operator: [\"*\"]\n", `slack.roles.operator: "*" (everyone) is allowed for viewer only`},
		{"duplicate id", "slack:\n  roles:\n    admin: [U0ALICE01, U0ALICE01]\n", `"U0ALICE01" listed twice`},
		{"workers", "slack:\n  workers: 100\n", `c.yaml:2: slack.workers must be 1-64`},
		{"queue", "slack:\n  queue: -1\n", `slack.queue must be 1-10000`},
		{"max messages", "slack:\n  max_finding_messages: -2\n", `slack.max_finding_messages must be 0`},
		{"severity", "store:\n  reminders:\n    urgent: 1h\n", `c.yaml:3: store.reminders: unknown severity "urgent"`},
		{"duration", "store:\n  reminders:\n    high: soon\n", `c.yaml:3: store.reminders.high: "soon" is not a duration`},
		{"prefix", "store:\n  prefix: \"a b\"\n", `c.yaml:2: store.prefix "a b"`},
		{"retention", "store:\n  history_retention: 10y\n", `store.history_retention: "10y" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.src, tt.want) })
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"24h", 24 * time.Hour, true}, {"7d", 7 * 24 * time.Hour, true}, {"2w", 14 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true}, {"90s", 90 * time.Second, true}, {"never", 0, true}, {"0", 0, true},
		{"NEVER", 0, true}, {"", 0, false}, {"1y", 0, false}, {"-1h", 0, false}, {"h", 0, false},
		{"99999999d", 0, false}, {"forever", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in, "never")
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
