package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
)

// TestServeSchedules runs the real serve wiring with schedules and a
// calendar task, firing their ticks through the armed schedulers (the cron
// specs would not fire during the test): a scheduled scan delivers its
// findings and summary, a source that breaks raises a monitoring failure
// message and metric, and a calendar task is posted and marked done once.
func TestServeSchedules(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	const (
		alice = "U0ALICE01"
		bob   = "U0BOB0001"
		ch    = slacktest.DefaultChannel
	)
	dir := writeFiles(t, map[string]string{
		"inv.json":   testInventory,
		"flaky.json": testInventory,
		"comply.yaml": `sources:
  - {name: estate, type: file, path: inv.json}
  - {name: flaky, type: file, path: flaky.json}
slack:
  channel: ` + ch + `
  roles: {viewer: ["*"], operator: [` + alice + `]}
store:
  prefix: "` + prefix + `"
schedules:
  - {name: nightly, cron: "0 6 * * *", sources: [estate], services: [s3]}
  - {name: flaky, cron: "0 7 * * *", sources: [flaky], summary: false}
calendar:
  - {name: access-review, description: Review production access., owner: ` + alice + `, every: monthly}
`})
	fake := slacktest.NewServer(t, slacktest.Options{})
	scheds := make(chan *serveSchedules, 1)
	s := startServeWith(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(), "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "comply.yaml"),
	}, func(h *serveHooks) { h.schedules = func(s *serveSchedules) { scheds <- s } })
	var sc *serveSchedules
	select {
	case sc = <-scheds:
	case <-time.After(10 * time.Second):
		t.Fatalf("schedules not armed\n%s", s.logs.String())
	}
	ctx := context.Background()
	st, err := store.Open(ctx, redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	channelText := func() string {
		var b strings.Builder
		for _, m := range fake.Messages(ch) {
			if !m.Ephemeral {
				b.WriteString(strings.Join(m.AllText(), "\n") + "\n---\n")
			}
		}
		return b.String()
	}

	// The nightly scan runs on its tick and delivers like /comply scan.
	if o, err := sc.scans.Tick(ctx, "nightly", time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)); err != nil || o != schedule.OutcomeRan {
		t.Fatalf("nightly tick: %v %v\n%s", o, err, s.logs.String())
	}
	text := channelText()
	if !strings.Contains(text, "schedule nightly; sources estate; services s3") || !strings.Contains(text, "Scan complete") {
		t.Errorf("no summary of the nightly scan in the channel:\n%s", text)
	}
	var findings int
	for _, m := range fake.Messages(ch) {
		if _, ok := m.Buttons()["comply_cmd/show"]; ok && !m.Ephemeral {
			findings++
		}
	}
	if findings == 0 {
		t.Errorf("the scheduled scan delivered no finding message:\n%s", text)
	}
	if !hasAudit(t, st, bot.AuditScanFinished, "schedule:nightly", "") {
		t.Error("no scan.finished audit entry by schedule:nightly")
	}
	// The same tick again (another replica, or a late one) does not run.
	if o, _ := sc.scans.Tick(ctx, "nightly", time.Date(2026, 1, 5, 6, 0, 30, 0, time.UTC)); o != schedule.OutcomeTaken {
		t.Errorf("second nightly tick: %v, want taken", o)
	}

	// The flaky source breaks: the scan fails, a monitoring failure is
	// posted and counted.
	if err := os.Remove(filepath.Join(dir, "flaky.json")); err != nil {
		t.Fatal(err)
	}
	if o, _ := sc.scans.Tick(ctx, "flaky", time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)); o != schedule.OutcomeFailed {
		t.Fatalf("flaky tick: %v, want failed", o)
	}
	if text := channelText(); !strings.Contains(text, "Monitoring failure") || !strings.Contains(text, "schedule flaky: the 2026-01-05 07:00 UTC run failed") {
		t.Errorf("no monitoring failure message:\n%s", text)
	}
	_, metrics := get(t, s.url+"/metrics")
	for _, want := range []string{
		`comply_monitoring_failures_total{reason="failed",schedule="flaky"} 1`,
		`comply_monitoring_failures_total{reason="overdue",schedule="nightly"} 0`,
		`comply_schedule_runs_total{outcome="ran",schedule="nightly"} 1`,
		`comply_schedule_runs_total{outcome="taken",schedule="nightly"} 1`,
		`comply_schedule_last_success_timestamp{schedule="nightly"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The calendar task is posted on its tick with a Done button.
	task := monthly(t)
	due := bot.LastOccurrence(task, time.Now())
	if o, err := sc.calendar.Tick(ctx, "calendar:access-review", due); err != nil || o != schedule.OutcomeRan {
		t.Fatalf("calendar tick: %v %v\n%s", o, err, s.logs.String())
	}
	var posted slacktest.Message
	for _, m := range fake.Messages(ch) {
		if _, ok := m.Buttons()["comply_cmd/done"]; ok {
			posted = m
		}
	}
	if posted.TS == "" {
		t.Fatalf("no calendar task message:\n%s", channelText())
	}
	// Two clicks on the same message: one completion.
	clicks := map[string]*http.Request{}
	for _, user := range []string{bob, alice} {
		req, err := fake.ClickButton(s.url+"/slack/interactions", ch, posted.TS, user, "comply_cmd/done")
		if err != nil {
			t.Fatal(err)
		}
		clicks[user] = req
	}
	for _, user := range []string{bob, alice} {
		resp, err := http.DefaultClient.Do(clicks[user])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitUntil(t, "the reply to "+user+"'s click", func() bool { return repliesTo(fake, user) != "" })
	}
	if got := repliesTo(fake, alice); !strings.Contains(got, "already done") {
		t.Errorf("the second click was told %q", got)
	}
	msg, _ := fake.Message(ch, posted.TS)
	if rev := msg.Revisions[len(msg.Revisions)-1]; rev.Via != "chat.update" || !strings.Contains(strings.Join(msg.AllText(), "\n"), "<@"+bob+">") {
		t.Errorf("task message not updated with who did it: %v", msg.AllText())
	}
	entries, err := st.ReadAudit(ctx, store.AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	var done int
	for _, e := range entries {
		if e.Action == bot.AuditCalendarDone && e.Details["task"] == "access-review" && e.Details["occurrence"] == bot.OccurrenceID(due) {
			done++
			if e.Actor != bob {
				t.Errorf("done by %s, want %s", e.Actor, bob)
			}
		}
	}
	if done != 1 {
		t.Errorf("%d calendar.done entries, want 1", done)
	}
}

// monthly is the config's "every: monthly" task of TestServeSchedules.
func monthly(t *testing.T) config.CalendarTask {
	t.Helper()
	cfg, err := config.Parse("c.yaml", []byte("calendar:\n  - {name: access-review, description: d, owner: U0ALICE01, every: monthly}\n"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Calendar[0]
}

// repliesTo is what user was told, only them.
func repliesTo(fake *slacktest.Server, user string) string {
	var out []string
	for _, m := range fake.Messages("") {
		if m.Ephemeral && m.User == user {
			out = append(out, strings.Join(m.AllText(), "\n"))
		}
	}
	return strings.Join(out, "\n")
}
