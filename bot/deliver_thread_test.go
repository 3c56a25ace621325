package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
)

// topLevel and replies split a channel's messages: those in the channel,
// and the thread replies under parent.
func topLevel(ms []slacktest.Message) []slacktest.Message {
	return slices.DeleteFunc(slices.Clone(ms), func(m slacktest.Message) bool { return m.ThreadTS != "" })
}

func replies(ms []slacktest.Message, parent string) []slacktest.Message {
	return slices.DeleteFunc(slices.Clone(ms), func(m slacktest.Message) bool { return m.ThreadTS != parent })
}

func TestDeliveryRemindersThreadOntoTheFindingMessage(t *testing.T) {
	jira := &fakeNotifier{prefix: "SEC"}
	clk := &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	st, _ := testRedis(t, clk.now)
	h := newDH(t, dhOptions{
		store: st, clock: clk,
		routes:    &route.Route{Receivers: []string{"chat", "jira"}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "jira", Notifier: fakeTicketer{jira}}},
	})
	crit, low := dhFinding("r-critical", "a"), dhFinding("r-low", "b")
	h.scan(crit, low)
	first := topLevel(h.fake.Messages(channel))
	if len(first) != 2 {
		t.Fatalf("%d finding messages, want 2", len(first))
	}
	critRef := h.record(crit.Fingerprint, "chat").Ref
	critTS := strings.TrimPrefix(critRef, channel+"/")
	lowTS := strings.TrimPrefix(h.record(low.Fingerprint, "chat").Ref, channel+"/")
	jira.took()

	// 1. The critical finding's reminder (24h by default) is a reply in
	// its message's thread, also shown in the channel; the message itself
	// is updated, not posted again.
	clk.advance(25 * time.Hour)
	ann := h.scan(crit, low)
	if ann.reminded != 1 || ann.posted != 0 || ann.failed != 0 {
		t.Errorf("reminder round %+v, want 1 reminded", ann)
	}
	all := h.fake.Messages(channel)
	if n := len(topLevel(all)); n != 2 {
		t.Errorf("%d messages in the channel after the reminder, want still 2", n)
	}
	rs := replies(all, critTS)
	if len(rs) != 1 {
		t.Fatalf("%d replies under the critical message, want 1", len(rs))
	}
	mustContain(t, "reminder reply", text(rs[0]), "Still failing after 25 hours · reminder", "title of r-critical")
	if _, ok := rs[0].Buttons()["comply_cmd/ack"]; !ok || !rs[0].Broadcast {
		t.Errorf("critical reminder: buttons %v, broadcast %v; want Acknowledge, broadcast", rs[0].Buttons(), rs[0].Broadcast)
	}
	if m, _ := h.fake.Message(channel, critTS); len(m.Revisions) != 2 || m.Revisions[1].Via != "chat.update" {
		t.Errorf("critical message revisions %+v, want the post and one update", m.Revisions)
	}
	if got := h.record(crit.Fingerprint, "chat").Ref; got != critRef {
		t.Errorf("chat ref after the reminder %q, want the message %q", got, critRef)
	}
	if got, err := st.Finding(context.Background(), crit.Fingerprint); err != nil || got.AnnouncementRef != critRef {
		t.Errorf("announcement ref %q (%v), want the message %q", got.AnnouncementRef, err, critRef)
	}
	wantTook(t, "jira", jira.took(), "still-open "+crit.Fingerprint[:8])

	// 2. A low finding's reminder stays in its thread.
	clk.advance(7 * 24 * time.Hour)
	h.scan(crit, low)
	lr := replies(h.fake.Messages(channel), lowTS)
	if len(lr) != 1 || lr[0].Broadcast {
		t.Errorf("low reminder: %d replies, %+v; want one, not broadcast", len(lr), lr)
	}

	// 3. The message is gone: the reminder is a new message, which
	// becomes the finding's message.
	clk.advance(25 * time.Hour)
	h.fake.Fail("chat.update", "message_not_found", 200, 1)
	ann = h.scan(crit, low)
	if ann.posted != 1 || ann.reminded != 0 {
		t.Errorf("round with the message gone %+v, want 1 posted", ann)
	}
	top := topLevel(h.fake.Messages(channel))
	if len(top) != 3 {
		t.Fatalf("%d messages in the channel, want a third", len(top))
	}
	if got, want := h.record(crit.Fingerprint, "chat").Ref, channel+"/"+top[2].TS; got != want {
		t.Errorf("chat ref %q, want the new message %q", got, want)
	}
}

// Reminders in threads do not count against the per-scan message limit.
func TestQuietRemindersAreNotPosts(t *testing.T) {
	h := newDH(t, dhOptions{})
	h.b.dl.maxPosts = 1
	a, b := dhFinding("r-low", "a"), dhFinding("r-low", "b")
	h.scan(a)
	h.clock.advance(time.Hour)
	h.scan(a, b) // b: the one post this scan allows
	h.clock.advance(7 * 24 * time.Hour)
	ann := h.scan(a, b)
	if ann.reminded != 2 || ann.digested != 0 {
		t.Errorf("reminder round %+v, want both reminded in their threads", ann)
	}
}

func TestDeliveryAuditsEachReceiverRound(t *testing.T) {
	jira, hook := &fakeNotifier{prefix: "SEC"}, &fakeNotifier{}
	clk := &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	st, _ := testRedis(t, clk.now)
	h := newDH(t, dhOptions{
		store: st, clock: clk,
		routes:    &route.Route{Receivers: []string{"chat", "jira", "hook"}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "jira", Notifier: fakeTicketer{jira}}, {Name: "hook", Notifier: hook}},
	})
	var fs []checks.Finding
	for i := range 25 {
		fs = append(fs, dhFinding("r-low", fmt.Sprintf("bucket-%02d", i)))
	}
	last := ""
	// round returns the delivery entries written since the last call, by
	// actor.
	round := func() map[string]map[string]string {
		t.Helper()
		es, err := st.ReadAudit(context.Background(), store.AuditQuery{After: last})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]string{}
		for _, e := range es {
			last = e.ID
			if e.Action != AuditDelivery {
				continue
			}
			if out[e.Actor] != nil || e.Fingerprint != "" {
				t.Errorf("entry %+v: a second one for %s, or one per finding", e, e.Actor)
			}
			out[e.Actor] = e.Details
		}
		return out
	}
	want := func(who string, got map[string]string, want map[string]string) {
		t.Helper()
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q (all: %v)", who, k, got[k], v, got)
			}
		}
	}
	keys := func(s string) []string {
		ks := strings.Split(s, ",")
		slices.Sort(ks)
		return ks
	}

	// 1. 25 new findings: one entry per receiver; the ticket receiver lists
	// the first 20 tickets it created and counts them all.
	hook.set(true, false)
	h.scan(fs...)
	got := round()
	if len(got) != 3 {
		t.Fatalf("delivery entries by %v, want one per receiver", got)
	}
	want("chat", got[ReceiverActor("chat")], map[string]string{"posted": "25", "delivered": "25", "failed": "0"})
	j := got[ReceiverActor("jira")]
	want("jira", j, map[string]string{"tickets": "25", "tickets_created": "25", "tickets_transitioned": "0", "failed": "0"})
	created := keys(j["created"])
	if len(created) != auditTicketKeys || !strings.HasPrefix(created[0], "SEC-") {
		t.Errorf("jira created %q, want the first %d keys", j["created"], auditTicketKeys)
	}
	want("hook", got[ReceiverActor("hook")], map[string]string{"delivered": "0", "failed": "25"})
	if _, ok := got[ReceiverActor("hook")]["tickets"]; ok {
		t.Error("a webhook's entry counts tickets")
	}

	// 2. Everything resolves, the webhook is back: the tickets move, the
	// messages are updated in place.
	hook.set(false, false)
	clk.advance(time.Hour)
	h.scan()
	got = round()
	want("chat", got[ReceiverActor("chat")], map[string]string{"updated": "25", "posted": "0"})
	j = got[ReceiverActor("jira")]
	want("jira", j, map[string]string{"tickets": "25", "tickets_created": "0", "tickets_transitioned": "25"})
	if moved := keys(j["transitioned"]); len(moved) != auditTicketKeys || !slices.Contains(created, moved[0]) {
		t.Errorf("jira transitioned %q, want 20 of the created tickets", j["transitioned"])
	}
	want("hook", got[ReceiverActor("hook")], map[string]string{"delivered": "25", "failed": "0"})

	// 3. A round with nothing to deliver writes nothing.
	clk.advance(time.Hour)
	h.scan()
	if got := round(); len(got) != 0 {
		t.Errorf("entries of an empty round: %v", got)
	}
}
