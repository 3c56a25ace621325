package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// On a busy bot the calendar.done entry of a yearly or quarterly task is
// many thousands of audit entries after the occurrence was posted: beyond
// what occurrenceState reads of the log. The report and a second Done must
// still know it was done, and by whom.
func TestCalendarDoneFarIntoTheAuditLog(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	task := monthlyTask(t)
	h.bot.opts.Calendar = []CalendarTask{task}
	ctx := context.Background()
	due := LastOccurrence(task, h.clock.now())
	if err := h.bot.PostCalendarTask(ctx, task.Name, due); err != nil {
		t.Fatal(err)
	}
	// Scans and deliveries between the posting and the click.
	for range calendarAuditPages*1000 + 1 {
		if _, err := h.st.AppendAudit(ctx, checks.AuditEntry{Actor: "scan", Action: AuditScanFinished}); err != nil {
			t.Fatal(err)
		}
	}
	first := strings.Join(h.command(bob, "done access-review"), "\n")
	h.wait()
	mustContain(t, "done", first, "Marked access-review")
	if r := h.bot.calendarReport(ctx); r[0].Status != report.CalendarDone || r[0].DoneBy != bob || r[0].DoneAt.IsZero() {
		t.Errorf("report after done: %+v", r[0])
	}
	again := strings.Join(h.command(alice, "done access-review"), "\n")
	h.wait()
	mustContain(t, "second done", again, "already done", "<@"+bob+">")
	var done int
	for q := (store.AuditQuery{}); ; {
		es, err := h.st.ReadAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Action == AuditCalendarDone {
				done++
			}
		}
		if len(es) == 0 {
			break
		}
		q.After = es[len(es)-1].ID
	}
	if done != 1 {
		t.Errorf("%d calendar.done entries, want 1", done)
	}
}

// cancelAfterPost ends the caller's context once a message is posted, as a
// shutdown at that moment would.
type cancelAfterPost struct {
	Chat
	cancel context.CancelFunc
}

func (c cancelAfterPost) PostMessage(ctx context.Context, channel string, m checks.Message) (slack.MessageRef, error) {
	ref, err := c.Chat.PostMessage(ctx, channel, m)
	c.cancel()
	return ref, err
}

// A task posted just before shutdown is still recorded as posted: the Done
// click finds its message through that entry.
func TestCalendarPostedRecordedDespiteShutdown(t *testing.T) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	st, _ := testRedis(t, clk.now)
	h := newHarness(t, harnessOptions{store: st, clock: clk})
	task := monthlyTask(t)
	h.bot.opts.Calendar = []CalendarTask{task}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.bot.opts.Chat = cancelAfterPost{Chat: h.bot.opts.Chat, cancel: cancel}
	due := LastOccurrence(task, h.clock.now())
	if err := h.bot.PostCalendarTask(ctx, task.Name, due); err != nil {
		t.Fatal(err)
	}
	if n := len(h.audit(AuditCalendarPosted)); n != 1 {
		t.Errorf("%d calendar.posted entries, want 1", n)
	}
}
