package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

const routingGood = `sources:
  - name: prod
    type: aws
slack:
  channel: "#compliance"
receivers:
  - name: sec-slack
    type: slack
  - name: digest
    type: slack
    slack: {channel: C0123ABCD, mode: digest}
  - name: sec-jira
    type: jira
    jira:
      url: ${JIRA_URL:-https://example.atlassian.net/}
      user: bot@example.com
      api_token: ${JIRA_API_TOKEN}
      project: SEC
      priority_map: {critical: Highest, high: High}
      labels: [comply]
  - name: board
    type: trello
    trello: {board: abcd1234, list: 5f1e2d3c4b5a69788796a5b4, done_list: 5f1e2d3c4b5a69788796a5b5}
  - name: siem
    type: webhook
    webhook: {url: "https://siem.example.com/hook", secret: "${HOOK_SECRET:-dev}", format: splunk-hec, token: t0k}
routes:
  receiver: sec-slack
  group_by: [severity]
  reminders: {high: 7d, critical: 1d}
  routes:
    - name: critical
      matchers:
        - severity: ">=critical"
      receivers: [sec-slack, sec-jira]
      continue: true
    - name: hipaa-prod
      matchers:
        - framework: HIPAA
          account: 111122223333
        - tags: {env: prod}
          region: [eu-*, us-east-1]
      receiver: board
    - matchers: [{severity: "<=low"}]
      receiver: digest
      group_interval: 12h
schedules:
  - name: nightly
    cron: "0 6 * * *"
    timezone: Europe/Berlin
    sources: [prod]
    regions: [eu-west-1]
    services: [s3, iam]
    frameworks: [hipaa]
  - name: hourly
    cron: "@every 1h"
    summary: false
`

func TestRoutingGood(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(routingGood), env(map[string]string{"JIRA_API_TOKEN": "tok"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Receivers) != 5 {
		t.Fatalf("receivers %+v", cfg.Receivers)
	}
	sl := cfg.Receivers[0].Slack
	if sl == nil || sl.Channel != "#compliance" || sl.Mode != SlackModeMessage {
		t.Errorf("slack receiver did not take the defaults: %+v", sl)
	}
	j := cfg.Receivers[2].Jira
	if j.URL != "https://example.atlassian.net" || j.APIToken.Value() != "tok" || j.IssueType != DefaultJiraIssueType ||
		j.DoneCategory != "done" || j.PriorityMap[checks.SeverityCritical] != "Highest" {
		t.Errorf("jira %+v", j)
	}
	w := cfg.Receivers[4].Webhook
	if w.Secret.Value() != "dev" || w.Format != WebhookSplunkHEC || w.MaxAttempts != DefaultWebhookMaxAttempts {
		t.Errorf("webhook %+v", w)
	}
	if cfg.Routes == nil {
		t.Fatal("no route tree")
	}
	route := func(f checks.Finding) string {
		var parts []string
		for _, m := range cfg.Routes.Match(f) {
			parts = append(parts, fmt.Sprintf("%s@%s digest=%v", m.Receiver, m.Route, m.Digest))
		}
		return strings.Join(parts, "; ")
	}
	hipaa := checks.Finding{Severity: checks.SeverityCritical, Account: "111122223333", Region: "eu-west-1",
		Frameworks: map[string][]string{"HIPAA": nil}, Tags: map[string]string{"env": "prod"}}
	if got, want := route(hipaa), "sec-slack@root/critical digest=false; sec-jira@root/critical digest=false; board@root/hipaa-prod digest=false"; got != want {
		t.Errorf("critical hipaa finding:\n got %s\nwant %s", got, want)
	}
	hipaa.Region = "ap-south-1"
	hipaa.Severity = checks.SeverityLow
	if got, want := route(hipaa), "digest@root/2 digest=true"; got != want {
		t.Errorf("low finding outside the regions: got %s want %s", got, want)
	}
	ms := cfg.Routes.Match(hipaa)
	if ms[0].GroupInterval != 12*time.Hour {
		t.Errorf("group interval %v", ms[0].GroupInterval)
	}
	if len(cfg.Schedules) != 2 {
		t.Fatalf("schedules %+v", cfg.Schedules)
	}
	n := cfg.Schedules[0]
	if n.Location.String() != "Europe/Berlin" || !n.Summary || n.Frameworks[0] != "HIPAA" {
		t.Errorf("nightly %+v", n)
	}
	// 06:00 in Berlin on a winter day is 05:00 UTC.
	next := n.Next(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 1, 11, 5, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("next run %v, want %v", next.UTC(), want)
	}
	if cfg.Schedules[1].Summary || cfg.Schedules[1].Location != time.UTC {
		t.Errorf("hourly %+v", cfg.Schedules[1])
	}
}

func TestRoutingSecretsDoNotPrint(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(routingGood), env(map[string]string{"JIRA_API_TOKEN": "very-secret-token"}))
	if err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%+v %+v", *cfg.Receivers[2].Jira, *cfg.Receivers[4].Webhook); strings.Contains(out, "very-secret") || strings.Contains(out, "t0k") {
		t.Errorf("secret printed: %s", out)
	}
}

const recvs = "receivers:\n  - {name: s, type: slack, slack: {channel: C0123ABCD}}\n"

func TestRoutingProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// receivers
		{"dup receiver", recvs + "  - {name: s, type: slack, slack: {channel: C0123ABCD}}\n", `c.yaml:3: receiver name "s" used twice`},
		{"receiver no name", "receivers:\n  - type: slack\n", `c.yaml:2: receiver 1: missing name`},
		{"receiver bad type", "receivers:\n  - name: x\n    type: email\n", `c.yaml:3: receiver "x": unknown type "email"`},
		{"receiver no type", "receivers:\n  - name: x\n", `c.yaml:2: receiver "x": missing type`},
		{"jira without settings", "receivers:\n  - name: j\n    type: jira\n", `c.yaml:2: receiver "j": type jira needs jira settings`},
		{"trello without settings", "receivers:\n  - {name: t, type: trello}\n", `receiver "t": type trello needs trello settings`},
		{"webhook without settings", "receivers:\n  - {name: w, type: webhook}\n", `receiver "w": type webhook needs webhook settings`},
		{"settings of another type", "receivers:\n  - name: j\n    type: slack\n    slack: {channel: C0123ABCD}\n    jira: {project: SEC}\n", `c.yaml:5: receiver "j": jira settings on a receiver of type "slack"`},
		{"typo in receiver", "receivers:\n  - name: j\n    type: jira\n    jira:\n      projcet: SEC\n", `c.yaml:5: unknown field "projcet"`},
		{"slack no channel", "receivers:\n  - {name: s, type: slack}\n", `receiver "s": no channel`},
		{"slack bad channel", "receivers:\n  - name: s\n    type: slack\n    slack: {channel: security}\n", `c.yaml:4: receiver "s": channel "security"`},
		{"slack bad mode", "receivers:\n  - name: s\n    type: slack\n    slack:\n      channel: C0123ABCD\n      mode: thread\n", `c.yaml:6: receiver "s": mode "thread"`},
		{"jira no project", "receivers:\n  - name: j\n    type: jira\n    jira: {issue_type: Bug}\n", `c.yaml:4: receiver "j": jira needs a project key`},
		{"jira bad project", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: sec ops\n", `c.yaml:5: receiver "j": "sec ops" is not a Jira project key`},
		{"jira bad url", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      url: example.com\n", `c.yaml:6: receiver "j": jira url`},
		{"jira bad priority severity", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      priority_map:\n        urgent: Highest\n", `c.yaml:7: receiver "j": priority_map: unknown severity "urgent"`},
		{"jira both auths", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      user: u@x\n      api_token: a\n      pat: b\n", `c.yaml:8: receiver "j": set api_token`},
		{"jira token without user", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      api_token: a\n", `c.yaml:6: receiver "j": api_token needs user`},
		{"jira bad category", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      done_category: Closed\n", `c.yaml:6: receiver "j": done_category "Closed"`},
		{"jira label with space", "receivers:\n  - name: j\n    type: jira\n    jira:\n      project: SEC\n      labels: [ok, not ok]\n", `receiver "j": jira label "not ok"`},
		{"trello missing list", "receivers:\n  - name: t\n    type: trello\n    trello: {board: abcd1234, done_list: 5f1e2d3c4b5a69788796a5b5}\n", `c.yaml:4: receiver "t": trello needs list`},
		{"trello bad id", "receivers:\n  - name: t\n    type: trello\n    trello:\n      board: my board\n      list: 5f1e2d3c4b5a69788796a5b4\n      done_list: 5f1e2d3c4b5a69788796a5b5\n", `c.yaml:5: receiver "t": trello board "my board"`},
		{"trello same lists", "receivers:\n  - name: t\n    type: trello\n    trello:\n      board: abcd1234\n      list: 5f1e2d3c4b5a69788796a5b4\n      done_list: 5f1e2d3c4b5a69788796a5b4\n", `c.yaml:7: receiver "t": done_list must differ`},
		{"webhook no url", "receivers:\n  - name: w\n    type: webhook\n    webhook: {format: json}\n", `c.yaml:4: receiver "w": webhook needs a url`},
		{"webhook bad format", "receivers:\n  - name: w\n    type: webhook\n    webhook:\n      url: https://x\n      format: xml\n", `c.yaml:6: receiver "w": webhook format "xml"`},
		{"webhook token not hec", "receivers:\n  - name: w\n    type: webhook\n    webhook:\n      url: https://x\n      token: t\n", `c.yaml:6: receiver "w": token is the Splunk HEC token`},
		{"webhook attempts", "receivers:\n  - name: w\n    type: webhook\n    webhook:\n      url: https://x\n      max_attempts: 50\n", `c.yaml:6: receiver "w": max_attempts must be 1-20`},
		// routes
		{"route missing receiver", recvs + "routes:\n  receiver: s\n  routes:\n    - receiver: nope\n", `c.yaml:6: routes[0]: receiver "nope" is not defined in receivers`},
		{"root missing receiver", recvs + "routes:\n  group_by: [severity]\n", `c.yaml:4: routes: the root route needs a receiver`},
		{"root undefined receiver", recvs + "routes:\n  receivers: [s, x]\n", `c.yaml:4: routes: receiver "x" is not defined`},
		{"receiver and receivers", recvs + "routes:\n  receiver: s\n  receivers: [s]\n", `c.yaml:5: routes: set receiver or receivers, not both`},
		{"receiver twice", recvs + "routes:\n  receivers: [s, s]\n", `routes: receiver "s" listed twice`},
		{"root matchers", recvs + "routes:\n  receiver: s\n  matchers:\n    - severity: high\n", `c.yaml:6: routes: the root route matches every finding`},
		{"root continue", recvs + "routes:\n  receiver: s\n  continue: true\n", `c.yaml:5: routes: continue applies to child routes only`},
		{"route typo", recvs + "routes:\n  receiver: s\n  routes:\n    - receiver: s\n      contineu: true\n", `c.yaml:7: unknown field "contineu"`},
		{"matcher typo", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - severty: high\n", `c.yaml:7: unknown field "severty"`},
		{"bad severity", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - severity: \">=hihg\"\n", `c.yaml:7: routes[0]: severity: unknown severity "hihg"`},
		{"bad regex", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - rule_id: \"~aws-(s3\"\n", `c.yaml:7: routes[0]: rule_id: pattern 1 "~aws-(s3": bad regular expression`},
		{"matcher of wrong shape", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - region: {eu: 1}\n", `c.yaml:7: routes[0]: region: want a pattern or a list of patterns`},
		{"negation in a list", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - region: [\"!eu-*\", us-east-1]\n", `c.yaml:7: routes[0]: region: a negated pattern`},
		{"empty matcher", recvs + "routes:\n  receiver: s\n  routes:\n    - matchers:\n        - {}\n", `c.yaml:7: routes[0]: empty matcher`},
		{"bad group_by", recvs + "routes:\n  receiver: s\n  group_by: [severity, colour]\n", `c.yaml:5: routes: group_by "colour"`},
		{"group all mixed", recvs + "routes:\n  receiver: s\n  group_by: [..., account]\n", `routes: group_by "..." must stand alone`},
		{"bad interval", recvs + "routes:\n  receiver: s\n  group_interval: soon\n", `c.yaml:5: routes: group_interval: "soon" is not a duration`},
		{"short interval", recvs + "routes:\n  receiver: s\n  group_interval: 30s\n", `c.yaml:5: routes: group_interval must be at least 1m`},
		{"bad reminder", recvs + "routes:\n  receiver: s\n  reminders:\n    urgent: 1d\n", `c.yaml:6: routes: reminders: unknown severity "urgent"`},
		{"bad reminder duration", recvs + "routes:\n  receiver: s\n  reminders:\n    high: often\n", `c.yaml:6: routes: reminders.high: "often"`},
		{"nested route error path", recvs + "routes:\n  receiver: s\n  routes:\n    - receiver: s\n      routes:\n        - receiver: gone\n", `c.yaml:8: routes[0][0]: receiver "gone" is not defined`},
		{"bad route name", recvs + "routes:\n  receiver: s\n  routes:\n    - name: Critical Stuff\n", `c.yaml:6: routes[0]: route name "Critical Stuff"`},
		// schedules
		{"schedule missing source", "sources:\n  - {name: prod, type: aws}\nschedules:\n  - name: n\n    cron: \"0 6 * * *\"\n    sources: [prod, staging]\n", `c.yaml:6: schedule "n": source "staging" is not defined in sources`},
		{"schedule no sources configured", "schedules:\n  - name: n\n    cron: \"0 6 * * *\"\n    sources: [prod]\n", `c.yaml:4: schedule "n": source "prod" is not defined`},
		{"schedule bad cron", "schedules:\n  - name: n\n    cron: \"0 25 * * *\"\n", `c.yaml:3: schedule "n": cron "0 25 * * *"`},
		{"schedule seconds field", "schedules:\n  - name: n\n    cron: \"0 0 6 * * *\"\n", `c.yaml:3: schedule "n": cron "0 0 6 * * *"`},
		{"schedule tz in spec", "schedules:\n  - name: n\n    cron: \"CRON_TZ=UTC 0 6 * * *\"\n", `c.yaml:3: schedule "n": set the time zone with timezone:`},
		{"schedule every seconds", "schedules:\n  - name: n\n    cron: \"@every 30s\"\n", `c.yaml:3: schedule "n": "@every 30s": @every needs a duration of at least 1m`},
		{"schedule every garbage", "schedules:\n  - name: n\n    cron: \"@every soon\"\n", `c.yaml:3: schedule "n": cron "@every soon"`},
		{"schedule no cron", "schedules:\n  - name: n\n", `c.yaml:2: schedule "n": missing cron spec`},
		{"schedule bad tz", "schedules:\n  - name: n\n    cron: \"0 6 * * *\"\n    timezone: Europe/Berlinn\n", `c.yaml:4: schedule "n": unknown time zone "Europe/Berlinn"`},
		{"schedule local tz", "schedules:\n  - name: n\n    cron: \"0 6 * * *\"\n    timezone: Local\n", `c.yaml:4: schedule "n": unknown time zone "Local"`},
		{"schedule dup", "schedules:\n  - {name: n, cron: \"@daily\"}\n  - {name: n, cron: \"@daily\"}\n", `c.yaml:3: schedule name "n" used twice`},
		{"schedule bad region", "schedules:\n  - name: n\n    cron: \"@daily\"\n    regions: [mars-1]\n", `c.yaml:4: schedule "n": "mars-1" is not an AWS region name`},
		{"schedule bad service", "schedules:\n  - name: n\n    cron: \"@daily\"\n    services: [s4]\n", `c.yaml:4: schedule "n": unknown service "s4"`},
		{"schedule bad framework", "schedules:\n  - name: n\n    cron: \"@daily\"\n    frameworks: [gdpr]\n", `c.yaml:4: schedule "n":`},
		{"schedule typo", "schedules:\n  - name: n\n    cron: \"@daily\"\n    sumary: true\n", `c.yaml:4: unknown field "sumary"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.src), env(nil))
			if err == nil {
				t.Fatal("want an error")
			}
			var ps Problems
			if !errors.As(err, &ps) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("want Problems, got %T %v", err, err)
			}
			if all := fmt.Sprint(ps); !strings.Contains(all, tt.want) {
				t.Errorf("problems %v\ndo not contain %q", ps, tt.want)
			}
			for _, p := range ps {
				if strings.Contains(p.String(), "\n") {
					t.Errorf("multi-line problem %q", p.String())
				}
			}
		})
	}
}

// TestExampleConfig keeps examples/comply.yaml valid without any secret in
// the environment, and covering every section.
func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "examples", "comply.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("example config: %v", err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Routes == nil || len(cfg.Receivers) < 4 || len(cfg.Schedules) == 0 || len(cfg.Sources) == 0 || cfg.Slack.Channel == "" {
		t.Errorf("example config does not cover routing: %d receivers, %d schedules, routes %v", len(cfg.Receivers), len(cfg.Schedules), cfg.Routes != nil)
	}
	types := map[string]bool{}
	for _, r := range cfg.Receivers {
		types[r.Type] = true
	}
	for _, want := range []string{ReceiverSlack, ReceiverJira, ReceiverTrello, ReceiverWebhook} {
		if !types[want] {
			t.Errorf("example config has no %s receiver", want)
		}
	}
}
