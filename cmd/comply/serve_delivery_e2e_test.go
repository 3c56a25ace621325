package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/jira/jiratest"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store/evidence"
)

// TestServeDeliveryEndToEnd is issue 7's "done when": `comply serve` with a
// route tree, the real Redis, a fake Slack and a fake Jira. A critical
// finding goes to a channel and a Jira issue, a low one into a digest;
// fixing the resource closes the issue and updates the message; breaking
// it again reopens the same issue.
func TestServeDeliveryEndToEnd(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	const (
		alice   = "U0ALICE01"
		secops  = slacktest.DefaultChannel
		hygiene = "C0HYGIENE"
	)
	fakeJira := jiratest.NewCloud("bot@example.com", "jira-api-token")
	defer fakeJira.Close()
	inventory := func(broken bool) string {
		return `[{"id": "arn:aws:s3:::payments", "type": "aws.s3.bucket", "account": "111122223333", "region": "eu-west-1",
  "name": "payments", "tags": {}, "attributes": {"encryption_enabled": ` + map[bool]string{true: "false", false: "true"}[broken] + `, "versioning_enabled": false}}]`
	}
	dir := writeFiles(t, map[string]string{
		"inv.json": inventory(true),
		"rules/rules.yaml": `rules:
  - id: e2e-bucket-encryption
    title: Buckets encrypt at rest
    resource: aws.s3.bucket
    severity: critical
    assert: encryption_enabled
    frameworks: {PCI: ["1.3.1"]}
  - id: e2e-bucket-versioning
    title: Buckets keep versions
    resource: aws.s3.bucket
    severity: low
    assert: versioning_enabled
    frameworks: {SOC2: [CC6.1]}
`,
		"comply.yaml": `sources:
  - {name: estate, type: file, path: inv.json}
rules: {builtin: false, paths: [rules]}
slack:
  channel: ` + secops + `
  roles: {viewer: ["*"], operator: [` + alice + `]}
store:
  prefix: "` + prefix + `"
evidence: {dir: evidence}
receivers:
  - name: secops
    type: slack
    slack: {channel: ` + secops + `}
  - name: hygiene-digest
    type: slack
    slack: {channel: ` + hygiene + `, mode: digest}
  - name: sec-jira
    type: jira
    jira: {url: ` + fakeJira.URL + `, project: SEC}
routes:
  receiver: secops
  group_by: [severity]
  routes:
    - name: critical
      matchers: [{severity: ">=critical"}]
      receivers: [secops, sec-jira]
    - name: hygiene
      matchers: [{severity: "<=low"}]
      receiver: hygiene-digest
`,
	})
	fake := slacktest.NewServer(t, slacktest.Options{Channels: []string{hygiene}})
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(), "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "comply.yaml"),
		"JIRA_USER": "bot@example.com", "JIRA_API_TOKEN": "jira-api-token",
	})
	waitUntil(t, "/readyz", func() bool { code, _ := get(t, s.url+"/readyz"); return code == http.StatusOK })

	scans := 0
	scan := func() {
		t.Helper()
		scans++
		req, _ := fake.SlashCommandRequest(s.url+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitUntil(t, "the scan summary", func() bool {
			n := 0
			for _, m := range fake.Messages(secops) {
				last := m.Revisions[len(m.Revisions)-1]
				if strings.Contains(m.Revisions[0].Text, "Scan running") && last.Via == "chat.update" && strings.Contains(last.Text, "Scan complete") {
					n++
				}
			}
			return n == scans
		})
	}
	findingMessages := func() []slacktest.Message {
		var out []slacktest.Message
		for _, m := range fake.Messages(secops) {
			if _, ok := m.Buttons()["comply_cmd/show"]; ok && !m.Ephemeral {
				out = append(out, m)
			}
		}
		return out
	}
	creates := func() int {
		n := 0
		for _, c := range fakeJira.Calls() {
			if c.Method == http.MethodPost && c.Path == "/rest/api/2/issue" {
				n++
			}
		}
		return n
	}
	writeInventory := func(broken bool) {
		if err := os.WriteFile(filepath.Join(dir, "inv.json"), []byte(inventory(broken)), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// 1. The critical finding: a message in #secops linking a new Jira
	// issue. The low one: a digest in the hygiene channel, nothing else.
	scan()
	issues := fakeJira.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d Jira issues after the first scan, want 1\n%s", len(issues), s.logs.String())
	}
	key := issues[0].Key
	if cat := fakeJira.StatusOf(key).Category; cat != "new" {
		t.Errorf("issue %s in category %q, want new", key, cat)
	}
	msgs := findingMessages()
	if len(msgs) != 1 {
		t.Fatalf("%d finding messages in #secops, want 1 (the critical one)", len(msgs))
	}
	critical := msgs[0]
	body := strings.Join(critical.AllText(), "\n")
	for _, w := range []string{"Buckets encrypt at rest", "Jira " + key, fakeJira.URL + "/browse/" + key} {
		if !strings.Contains(body, w) {
			t.Errorf("critical finding message lacks %q:\n%s", w, body)
		}
	}
	digests := fake.Messages(hygiene)
	if len(digests) != 1 {
		t.Fatalf("%d messages in the hygiene channel, want one digest", len(digests))
	}
	if d := strings.Join(digests[0].AllText(), "\n"); !strings.Contains(d, "1 compliance changes") || !strings.Contains(d, "payments") {
		t.Errorf("digest:\n%s", d)
	}

	// 2. Fixed: the issue moves to done, the message is updated in place.
	writeInventory(false)
	scan()
	if cat := fakeJira.StatusOf(key).Category; cat != "done" {
		t.Errorf("issue %s in category %q after the fix, want done", key, cat)
	}
	m, _ := fake.Message(secops, critical.TS)
	last := m.Revisions[len(m.Revisions)-1]
	if last.Via != "chat.update" || !strings.Contains(strings.Join(m.AllText(), "\n"), "Resolved") {
		t.Errorf("critical message not updated to resolved: via %s\n%s", last.Via, strings.Join(m.AllText(), "\n"))
	}
	if n := len(fake.Messages(hygiene)); n != 1 {
		t.Errorf("%d messages in the hygiene channel after the fix", n)
	}

	// 3. Broken again: the same issue reopens; no second one is filed.
	writeInventory(true)
	scan()
	if got := fakeJira.Issues(); len(got) != 1 || creates() != 1 {
		t.Errorf("%d issues, %d creates after the regression: want the one issue reopened", len(got), creates())
	}
	if cat := fakeJira.StatusOf(key).Category; cat == "done" {
		t.Errorf("issue %s still done after the regression", key)
	}
	if n := len(findingMessages()); n != 2 {
		t.Errorf("%d finding messages, want the reopened finding announced", n)
	}

	// 4. Who was told what reaches the evidence chain: one delivery entry
	// per receiver and round (exported at the next scan), naming the issue.
	ev, err := evidence.OpenDir(filepath.Join(dir, "evidence"), nil)
	if err != nil {
		t.Fatal(err)
	}
	told := map[string][]map[string]string{}
	if _, err := ev.Walk(context.Background(), func(r evidence.Stored) error {
		var e checks.AuditEntry
		if r.Kind == evidence.KindAudit && json.Unmarshal(r.Payload, &e) == nil && e.Action == bot.AuditDelivery {
			told[e.Actor] = append(told[e.Actor], e.Details)
		}
		return nil
	}); err != nil {
		t.Fatalf("evidence chain: %v", err)
	}
	jiraTold := told[bot.ReceiverActor("sec-jira")]
	if len(jiraTold) < 2 || jiraTold[0]["created"] != key || jiraTold[1]["transitioned"] != key {
		t.Errorf("sec-jira delivery evidence %v, want %s created, then transitioned", jiraTold, key)
	}
	if d := told[bot.ReceiverActor("hygiene-digest")]; len(d) == 0 || d[0]["digested"] != "1" {
		t.Errorf("hygiene-digest delivery evidence %v, want 1 digested", d)
	}
}
