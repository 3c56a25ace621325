package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

func monthlyTask(t *testing.T) CalendarTask {
	t.Helper()
	spec, err := cron.ParseStandard("0 9 1 * *")
	if err != nil {
		t.Fatal(err)
	}
	return CalendarTask{Name: "access-review", Description: "Review who can reach production <!here>.", Owner: "S0SECOPS1",
		Cron: "0 9 1 * *", Spec: spec, Location: time.UTC}
}

func TestCalendarTaskDone(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	task := monthlyTask(t)
	h.bot.opts.Calendar = []CalendarTask{task}
	ctx := context.Background()
	due := LastOccurrence(task, h.clock.now())
	if due.IsZero() || due.After(h.clock.now()) || due.Day() != 1 || due.Hour() != 9 {
		t.Fatalf("last occurrence %v", due)
	}
	rows := func() []report.CalendarTask { return h.bot.calendarReport(ctx) }
	if r := rows(); len(r) != 1 || r[0].Status != report.CalendarOverdue || !r[0].LastDue.Equal(due) {
		t.Fatalf("report before done: %+v", r)
	}

	if err := h.bot.PostCalendarTask(ctx, task.Name, due); err != nil {
		t.Fatal(err)
	}
	var posted slacktest.Message
	for _, m := range h.fake.Messages(channel) {
		if _, ok := m.Buttons()["comply_cmd/done"]; ok {
			posted = m
		}
	}
	if posted.TS == "" {
		t.Fatal("no task message with a Done button")
	}
	mustContain(t, "task message", text(posted), "access-review", "<!subteam^S0SECOPS1>", "Review who can reach production &lt;!here&gt;.")

	// bob, a viewer, clicks Done; alice clicks it on the same (stale)
	// message right after.
	first, err := h.fake.ClickButton(h.srv.URL+"/slack/interactions", channel, posted.TS, bob, "comply_cmd/done")
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.fake.ClickButton(h.srv.URL+"/slack/interactions", channel, posted.TS, alice, "comply_cmd/done")
	if err != nil {
		t.Fatal(err)
	}
	h.do(first)
	h.wait()
	h.do(second)
	h.wait()
	mustContain(t, "reply to the click", strings.Join(h.ephemeral(bob), "\n"), "Marked access-review", "done")
	mustContain(t, "reply to the second click", strings.Join(h.ephemeral(alice), "\n"), "already done", "<@"+bob+">")
	msg, _ := h.fake.Message(channel, posted.TS)
	rev := msg.Revisions[len(msg.Revisions)-1]
	if rev.Via != "chat.update" {
		t.Errorf("task message not updated: %+v", rev)
	}
	mustContain(t, "updated task message", text(msg), "Done: compliance task access-review", "by <@"+bob+">")
	if _, ok := msg.Buttons()["comply_cmd/done"]; ok {
		t.Error("the done task still has a Done button")
	}
	done := h.audit(AuditCalendarDone)
	if len(done) != 1 || done[0].Actor != bob || done[0].Details["task"] != task.Name || done[0].Details["occurrence"] != OccurrenceID(due) || done[0].Details["via"] != "button" {
		t.Fatalf("calendar.done audit %+v", done)
	}

	// The typed command says it is already done too.
	typed := h.command(alice, "done access-review")
	h.wait()
	mustContain(t, "typed done", strings.Join(typed, "\n"), "already done")
	if n := len(h.audit(AuditCalendarDone)); n != 1 {
		t.Errorf("%d calendar.done entries after three attempts, want 1", n)
	}

	if r := rows(); r[0].Status != report.CalendarDone || r[0].DoneBy != bob || r[0].DoneAt.IsZero() {
		t.Errorf("report after done: %+v", r)
	}
	// /comply report shows it in its Compliance calendar section.
	h.command(alice, "report soc2 markdown")
	h.wait()
	ups := h.uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	mustContain(t, "report", ups[0].content, "## Compliance calendar", "| `access-review` ", "| done | "+bob+" |")
}

func TestCalendarDoneRefusals(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	task := monthlyTask(t)
	h.bot.opts.Calendar = []CalendarTask{task}
	next := OccurrenceID(task.Next(h.clock.now()))
	for _, tt := range []struct{ text, want string }{
		{"done policy-review", `There is no calendar task "policy-review". Tasks: access-review.`},
		{"done access-review " + next, next + " is not a due occurrence of access-review."},
		{"done access-review 20250101T0930Z", "20250101T0930Z is not a due occurrence of access-review."},
	} {
		got := strings.Join(h.command(bob, tt.text), "\n")
		h.wait()
		if !strings.Contains(got, tt.want) {
			t.Errorf("/comply %s: got %q, want %q", tt.text, got, tt.want)
		}
	}
	if n := len(h.audit(AuditCalendarDone)); n != 0 {
		t.Errorf("%d calendar.done entries after refusals", n)
	}
}

// A task whose post failed at its due time (Slack down) is posted by the
// catch-up once Slack is back, once; a late tick for the same occurrence
// does not post it again.
func TestCalendarCatchUp(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	task := monthlyTask(t)
	h.bot.opts.Calendar = []CalendarTask{task}
	ctx := context.Background()
	due := LastOccurrence(task, h.clock.now())
	h.clock.advance(due.Add(time.Minute).Sub(h.clock.now())) // just after the due time
	taskMessages := func() int {
		n := 0
		for _, m := range h.fake.Messages(channel) {
			if _, ok := m.Buttons()["comply_cmd/done"]; ok {
				n++
			}
		}
		return n
	}

	h.fake.Fail("chat.postMessage", "service_unavailable", 200, 1)
	if err := h.bot.PostCalendarTask(ctx, task.Name, due); err == nil {
		t.Fatal("the post did not fail")
	}
	if n := taskMessages(); n != 0 {
		t.Fatalf("%d task messages while Slack failed", n)
	}
	for range 2 {
		if err := h.bot.CatchUpCalendar(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := taskMessages(); n != 1 {
		t.Fatalf("%d task messages after two catch-ups, want 1", n)
	}
	if err := h.bot.PostCalendarTask(ctx, task.Name, due); err != nil {
		t.Fatal(err)
	}
	if n := taskMessages(); n != 1 {
		t.Errorf("%d task messages after a late tick, want 1", n)
	}

	// Too old to catch up: a task never posted whose occurrence is more
	// than a week past stays unposted (the report shows it overdue).
	other := monthlyTask(t)
	other.Name = "policy-review"
	h.bot.opts.Calendar = append(h.bot.opts.Calendar, other)
	h.clock.advance(8 * 24 * time.Hour)
	if !LastOccurrence(other, h.clock.now()).Equal(due) {
		t.Fatal("the occurrence is not 8 days old")
	}
	if err := h.bot.CatchUpCalendar(ctx); err != nil {
		t.Fatal(err)
	}
	if n := taskMessages(); n != 1 {
		t.Errorf("%d task messages: an occurrence 8 days old was caught up", n)
	}
}
