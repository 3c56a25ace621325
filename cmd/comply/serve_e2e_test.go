package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
)

// e2eRedis is the Redis of the end-to-end test (COMPLY_TEST_REDIS_URL or
// the local one) and a fresh key prefix whose keys are deleted at cleanup.
// Without Redis the test is skipped, or fails under CI=true.
func e2eRedis(t *testing.T) (url, prefix string) {
	t.Helper()
	url = redistest.URL(t)
	return url, redistest.Prefix(t, url, "comply-e2e")
}

// TestServeEndToEnd runs the real `comply serve` wiring in HTTP mode
// against the real Redis, the example estate and a fake Slack.
func TestServeEndToEnd(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	inv, err := filepath.Abs("../../examples/inventory.json")
	if err != nil {
		t.Fatal(err)
	}
	const (
		alice = "U0ALICE01" // operator
		bob   = "U0BOB0001" // viewer
		ch    = slacktest.DefaultChannel
	)
	dir := writeFiles(t, map[string]string{"comply.yaml": `sources:
  - {name: estate, type: file, path: ` + inv + `}
slack:
  channel: ` + ch + `
  roles:
    viewer: ["*"]
    operator: [` + alice + `]
  max_finding_messages: 15
store:
  prefix: "` + prefix + `"
`})
	fake := slacktest.NewServer(t, slacktest.Options{})
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(), "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "comply.yaml"),
	})
	waitUntil(t, "/readyz", func() bool { code, _ := get(t, s.url+"/readyz"); return code == http.StatusOK })

	ctx := context.Background()
	st, err := store.Open(ctx, redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	send := func(req *http.Request) int {
		t.Helper()
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if d := time.Since(start); resp.StatusCode == http.StatusOK && d > 2*time.Second {
			t.Errorf("%s acknowledged after %v: Slack gives up at 3 s", req.URL.Path, d)
		}
		return resp.StatusCode
	}
	command := func(user, text string) {
		t.Helper()
		req, _ := fake.SlashCommandRequest(s.url+"/slack/commands", slacktest.SlashCommand{Text: text, UserID: user})
		if code := send(req); code != http.StatusOK {
			t.Fatalf("/comply %s: status %d", text, code)
		}
	}
	scanMessages := func() []slacktest.Message {
		var out []slacktest.Message
		for _, m := range fake.Messages(ch) {
			if strings.Contains(m.Revisions[0].Text, "Scan running") {
				out = append(out, m)
			}
		}
		return out
	}
	findingMessages := func() []slacktest.Message {
		var out []slacktest.Message
		for _, m := range fake.Messages(ch) {
			if _, ok := m.Buttons()["comply_cmd/show"]; ok && !m.Ephemeral {
				out = append(out, m)
			}
		}
		return out
	}
	waitScan := func(n int) slacktest.Message {
		t.Helper()
		var last slacktest.Message
		waitUntil(t, "the scan summary", func() bool {
			ms := scanMessages()
			if len(ms) < n {
				return false
			}
			last = ms[n-1]
			rev := last.Revisions[len(last.Revisions)-1]
			return rev.Via == "chat.update" && strings.Contains(rev.Text, "Scan complete")
		})
		return last
	}
	ephemeralFor := func(user string) []string {
		var out []string
		for _, m := range fake.Messages("") {
			if m.Ephemeral && m.User == user {
				out = append(out, strings.Join(m.AllText(), "\n"))
			}
		}
		return out
	}

	// 1. /comply scan: "scan running" posted, then updated with the summary;
	// finding messages posted (15, the rest in one digest).
	command(alice, "scan")
	scan := waitScan(1)
	if scan.Revisions[0].Via != "chat.postMessage" || !strings.Contains(scan.Revisions[0].Text, "Scan running") {
		t.Errorf("first revision %+v", scan.Revisions[0])
	}
	summary := strings.Join(scan.AllText(), "\n")
	for _, w := range []string{"Scan complete", "failing findings", "Score", "List findings", "new"} {
		if !strings.Contains(summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, summary)
		}
	}
	waitUntil(t, "finding messages", func() bool { return len(findingMessages()) == 15 })
	var digests int
	for _, m := range fake.Messages(ch) {
		if strings.Contains(m.Text, "compliance changes") {
			digests++
		}
	}
	if digests != 1 {
		t.Errorf("%d digest messages, want 1", digests)
	}

	// 2. Snooze 7d on one finding message: updated in place, state in
	// Redis, audit entry.
	target := findingMessages()[0]
	value := target.Buttons()["comply_cmd/snooze-7d"]
	fp := strings.Fields(value)[1]
	before := time.Now()
	click, err := fake.ClickButton(s.url+"/slack/interactions", ch, target.TS, alice, "comply_cmd/snooze-7d")
	if err != nil {
		t.Fatal(err)
	}
	if code := send(click); code != http.StatusOK {
		t.Fatalf("click: status %d", code)
	}
	waitUntil(t, "the finding message update", func() bool {
		m, _ := fake.Message(ch, target.TS)
		rev := m.Revisions[len(m.Revisions)-1]
		return rev.Via == "chat.update" && strings.Contains(strings.Join(m.AllText(), "\n"), "Snoozed until")
	})
	fs, err := st.Finding(ctx, fp)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Snooze == nil || fs.Snooze.By != alice || fs.Snooze.Until.Before(before.Add(7*24*time.Hour-time.Minute)) ||
		fs.Snooze.Until.After(time.Now().Add(7*24*time.Hour+time.Minute)) {
		t.Errorf("snooze in Redis %+v", fs.Snooze)
	}
	if !hasAudit(t, st, checks.AuditFindingSnoozed, alice, fp) {
		t.Error("no finding.snoozed audit entry by alice")
	}
	waitUntil(t, "the ephemeral confirmation", func() bool {
		told := ephemeralFor(alice)
		return len(told) > 0 && strings.Contains(told[len(told)-1], "Snoozed until")
	})

	// 3. Rescan: only the scan message is posted.
	posts := len(fake.Calls("chat.postMessage"))
	command(alice, "scan")
	waitScan(2)
	time.Sleep(100 * time.Millisecond) // nothing may trail the summary
	if got := len(fake.Calls("chat.postMessage")) - posts; got != 1 {
		t.Errorf("rescan posted %d messages, want 1 (the scan message)", got)
	}
	if n := len(findingMessages()); n != 15 {
		t.Errorf("%d finding messages after the rescan", n)
	}

	// 4. bob may look but not acknowledge: refused ephemerally, audited.
	command(bob, "ack "+fp)
	waitUntil(t, "bob's refusal", func() bool {
		told := ephemeralFor(bob)
		return len(told) == 1 && strings.Contains(told[0], "You need the operator role")
	})
	if !hasAudit(t, st, "command.refused", bob, fp) {
		t.Error("no command.refused audit entry for bob")
	}
	if fs, _ := st.Finding(ctx, fp); fs.Ack != nil {
		t.Error("bob's refused ack changed the state")
	}

	// 5. Forged, stale and replayed requests: 401, nothing done.
	audits := auditCount(t, st)
	forged, _ := fake.SlashCommandRequest(s.url+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	forged.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("ab", 32))
	calls := len(fake.Calls())
	if code := send(forged); code != http.StatusUnauthorized {
		t.Errorf("forged signature: %d", code)
	}
	body := []byte(slacktest.SlashCommand{Command: "/comply", Text: "scan", UserID: alice, ChannelID: ch, TeamID: slacktest.TeamID,
		ResponseURL: fake.NewResponseURL(ch, "", alice)}.Form().Encode())
	stale := fake.SignedRequestAt(s.url+"/slack/commands", "application/x-www-form-urlencoded", body, time.Now().Add(-6*time.Minute))
	if code := send(stale); code != http.StatusUnauthorized {
		t.Errorf("stale timestamp: %d", code)
	}
	helpBody := []byte(slacktest.SlashCommand{Command: "/comply", Text: "help", UserID: bob, ChannelID: ch, TeamID: slacktest.TeamID,
		ResponseURL: fake.NewResponseURL(ch, "", bob)}.Form().Encode())
	first := fake.SignedRequest(s.url+"/slack/commands", "application/x-www-form-urlencoded", helpBody)
	replay := first.Clone(ctx)
	replay.Body = io.NopCloser(bytes.NewReader(helpBody))
	if code := send(first); code != http.StatusOK {
		t.Fatalf("original of the replay: %d", code)
	}
	waitUntil(t, "the help reply", func() bool { return len(ephemeralFor(bob)) == 2 })
	if code := send(replay); code != http.StatusUnauthorized {
		t.Errorf("replay: %d", code)
	}
	time.Sleep(200 * time.Millisecond)
	// The only Slack call since: the reply to the original help.
	if extra := len(fake.Calls()) - calls; extra != 1 {
		t.Errorf("%d Slack calls after the rejected requests, want 1 (the help reply)", extra)
	}
	if got := auditCount(t, st); got != audits {
		t.Errorf("rejected requests wrote %d audit entries", got-audits)
	}
	if len(scanMessages()) != 2 {
		t.Errorf("a rejected request started a scan")
	}

	// 6. Graceful shutdown.
	if err := s.stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
	if !strings.Contains(s.logs.String(), "comply serve stopped") {
		t.Errorf("no clean stop in the log:\n%s", s.logs.String())
	}
}

func hasAudit(t *testing.T, st store.Store, action, actor, fp string) bool {
	t.Helper()
	entries, err := st.ReadAudit(context.Background(), store.AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action && e.Actor == actor && e.Fingerprint == fp {
			return true
		}
	}
	return false
}

func auditCount(t *testing.T, st store.Store) int {
	t.Helper()
	entries, err := st.ReadAudit(context.Background(), store.AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
