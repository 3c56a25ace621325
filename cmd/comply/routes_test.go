package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const routesConfig = `slack:
  channel: C0123ABCD
receivers:
  - {name: chan, type: slack}
  - {name: digest, type: slack, slack: {channel: "#digest", mode: digest}}
  - name: tickets
    type: jira
    jira: {url: "https://jira.example.com", project: SEC}
routes:
  receiver: chan
  group_by: [account]
  routes:
    - name: critical
      matchers: [{severity: ">=critical"}]
      receivers: [chan, tickets]
      reminders: {critical: 12h}
    - name: low
      matchers: [{severity: "<=low"}]
      receiver: digest
      group_interval: 1w
`

func writeRoutesFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const routesScanJSON = `{"scan": {"id": "s1"}, "findings": [
 {"fingerprint": "aaaa1111", "rule_id": "r-crit", "severity": "critical", "account": "111122223333", "resource_id": "arn:x"},
 {"fingerprint": "aaaa2222", "rule_id": "r-low", "severity": "low", "account": "111122223333"},
 {"fingerprint": "bbbb3333", "rule_id": "r-med", "severity": "medium", "account": "444455556666"}]}`

func TestRoutesTest(t *testing.T) {
	dir := t.TempDir()
	cfg := writeRoutesFile(t, dir, "c.yaml", routesConfig)
	scan := writeRoutesFile(t, dir, "scan.json", routesScanJSON)
	vars := map[string]string{"COMPLY_CONFIG": cfg}

	code, out, errOut := runServeCmd(t, vars, "routes", "test", "--finding", `{"fingerprint":"f1","rule_id":"x","severity":"critical","account":"111122223333"}`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"f1 x (critical)", "chan", "tickets", "root/critical", "per finding", "12h", `root/critical{account="111122223333"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "digest") {
		t.Errorf("critical finding routed to the digest:\n%s", out)
	}

	// --input with a fingerprint prefix, JSON output.
	code, out, errOut = runServeCmd(t, vars, "routes", "test", "--input", scan, "--fingerprint", "aaaa2", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []routedFinding
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(got) != 1 || got[0].Fingerprint != "aaaa2222" || len(got[0].Matches) != 1 {
		t.Fatalf("routed %+v", got)
	}
	if m := got[0].Matches[0]; m.Receiver != "digest" || m.Type != "slack" || !m.Digest || m.GroupInterval != "1w" || m.Route != "root/low" {
		t.Errorf("low finding: %+v", m)
	}

	// --input alone routes every finding; medium falls through to the root.
	code, out, _ = runServeCmd(t, vars, "routes", "test", "--input", scan, "--config", cfg)
	if code != 0 || strings.Count(out, "RECEIVER") != 3 || !strings.Contains(out, `root{account="444455556666"}`) {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestRoutesShow(t *testing.T) {
	cfg := writeRoutesFile(t, t.TempDir(), "c.yaml", routesConfig)
	code, out, errOut := runServeCmd(t, nil, "routes", "show", "--config", cfg)
	want := "root -> chan\n  critical [severity: \">=critical\"] -> chan, tickets\n  low [severity: \"<=low\"] -> digest\n"
	if code != 0 || out != want {
		t.Errorf("exit %d (%s), output:\n%s\nwant:\n%s", code, errOut, out, want)
	}
}

func TestRoutesErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := writeRoutesFile(t, dir, "c.yaml", routesConfig)
	noRoutes := writeRoutesFile(t, dir, "none.yaml", "slack: {channel: C0123ABCD}\n")
	typo := writeRoutesFile(t, dir, "typo.yaml", strings.Replace(routesConfig, "group_interval: 1w", "group_intreval: 1w", 1))
	missing := writeRoutesFile(t, dir, "missing.yaml", strings.Replace(routesConfig, "receiver: digest", "receiver: digests", 1))
	scan := writeRoutesFile(t, dir, "scan.json", routesScanJSON)
	finding := `{"rule_id":"x","severity":"high"}`
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"routes"}, "Usage:"},
		{"unknown subcommand", []string{"routes", "tset"}, `unknown subcommand "tset"`},
		{"nothing to route", []string{"routes", "test", "--config", cfg}, "give --finding JSON or --input"},
		{"both", []string{"routes", "test", "--config", cfg, "--finding", finding, "--input", scan}, "not both"},
		{"fingerprint without input", []string{"routes", "test", "--config", cfg, "--finding", finding, "--fingerprint", "x"}, "--fingerprint needs --input"},
		{"bad json", []string{"routes", "test", "--config", cfg, "--finding", "{"}, "--finding: not a finding"},
		{"typo in finding", []string{"routes", "test", "--config", cfg, "--finding", `{"severty":"high"}`}, `unknown field "severty"`},
		{"no severity", []string{"routes", "test", "--config", cfg, "--finding", `{"rule_id":"x"}`}, "severity is required"},
		{"bad severity", []string{"routes", "test", "--config", cfg, "--finding", `{"severity":"urgent"}`}, "unknown severity"},
		{"no config", []string{"routes", "test", "--finding", finding}, "no config file"},
		{"no routes section", []string{"routes", "test", "--config", noRoutes, "--finding", finding}, "has no routes section"},
		{"config typo", []string{"routes", "test", "--config", typo, "--finding", finding}, `typo.yaml:20: unknown field "group_intreval"`},
		{"missing receiver", []string{"routes", "show", "--config", missing}, `missing.yaml:19: routes[1]: receiver "digests" is not defined in receivers`},
		{"unknown fingerprint", []string{"routes", "test", "--config", cfg, "--input", scan, "--fingerprint", "cccc"}, `no finding with fingerprint "cccc"`},
		{"ambiguous fingerprint", []string{"routes", "test", "--config", cfg, "--input", scan, "--fingerprint", "aaaa"}, "matches 2 findings"},
		{"input not a scan", []string{"routes", "test", "--config", cfg, "--input", cfg}, "not a scan result"},
		{"input missing", []string{"routes", "test", "--config", cfg, "--input", filepath.Join(dir, "nope.json")}, "no such file"},
		{"bad format", []string{"routes", "test", "--config", cfg, "--finding", finding, "--format", "xml"}, `unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runServeCmd(t, nil, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stdout %s", code, exitUsage, out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q lacks %q", errOut, tt.want)
			}
		})
	}
}

// TestExampleConfigChecks: the documented example passes serve's own check
// with nothing but the Slack tokens set.
func TestExampleConfigChecks(t *testing.T) {
	vars := map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}
	code, out, errOut := runServeCmd(t, vars, "serve", "--check-config", "--config", filepath.Join("..", "..", "examples", "comply.yaml"))
	if code != 0 || !strings.Contains(out, "comply.yaml: ok") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, _ = runServeCmd(t, nil, "routes", "show", "--config", filepath.Join("..", "..", "examples", "comply.yaml"))
	if code != 0 || !strings.Contains(out, "(continue)") || !strings.Contains(out, "(digest)") {
		t.Errorf("routes show on the example: exit %d\n%s", code, out)
	}
}
