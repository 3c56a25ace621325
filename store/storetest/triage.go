package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

var triageTests = []test{
	{name: "acknowledge", run: testAcknowledge},
	{name: "snooze: reminder before the end, then expiry", run: testSnoozeLifecycle},
	{name: "short snooze reminds in its last quarter", run: testShortSnooze},
	{name: "unsnooze", run: testUnsnooze},
	{name: "snooze holds across resolve and reopen", run: testSnoozeAcrossReopen},
	{name: "concurrent snoozes", run: testConcurrentSnoozes},
}

func testAcknowledge(t *testing.T, h *harness) {
	f := finding(ruleCritical, "a")
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	h.clock.Advance(time.Hour)
	st, err := h.s.Acknowledge(h.ctx, fp, "alice", "accepted risk")
	noErr(t, err)
	if st.Ack == nil || st.Ack.By != "alice" || st.Ack.Reason != "accepted risk" {
		t.Fatalf("ack = %+v", st.Ack)
	}
	wantTime(t, "acknowledged at", st.Ack.At, start.Add(time.Hour))
	if st.Lifecycle(h.clock.Now()) != checks.LifecycleAcknowledged || st.Finding.RuleID != ruleCritical {
		t.Fatalf("state = %+v", st)
	}
	h.clock.Advance(30 * day)
	res := h.reconcile(f)
	wantCounts(t, res, 0, 0, 1, 0) // still counted
	h.wantChanges(res)             // but not announced

	es, err := h.s.ReadAudit(h.ctx, store.AuditQuery{})
	noErr(t, err)
	i := slices.IndexFunc(es, func(e checks.AuditEntry) bool { return e.Action == checks.AuditFindingAcknowledged })
	if i < 0 || es[i].Actor != "alice" || es[i].Fingerprint != fp || es[i].Details["reason"] != "accepted risk" {
		t.Fatalf("audit = %+v, want alice's acknowledgement", es)
	}
	_, err = h.s.Acknowledge(h.ctx, finding(ruleHigh, "nope").Fingerprint, "alice", "")
	wantErr(t, err, store.ErrNotFound)
	_, err = h.s.Acknowledge(h.ctx, fp, "", "")
	wantErr(t, err, store.ErrInvalid)
}

func testSnoozeLifecycle(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a") // reminder every 72h
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	until := start.Add(7 * day)
	st, err := h.s.Snooze(h.ctx, fp, "bob", "change freeze", until)
	noErr(t, err)
	if st.Snooze == nil || st.Snooze.By != "bob" || st.Snooze.Reason != "change freeze" || st.Lifecycle(start) != checks.LifecycleSnoozed {
		t.Fatalf("snooze = %+v", st.Snooze)
	}
	wantTime(t, "snoozed until", st.Snooze.Until, until)

	h.clock.Advance(4 * day) // the 72h reminder would be due; the snooze silences it
	res := h.reconcile(f)
	wantCounts(t, res, 0, 0, 1, 0)
	h.wantChanges(res)

	h.clock.Advance(2*day - time.Millisecond) // just before until-24h
	h.wantChanges(h.reconcile(f))
	h.clock.Advance(time.Millisecond)
	res = h.reconcile(f)
	h.wantChanges(res, change{checks.ChangeStillOpen, checks.ReasonSnoozeEnding, fp})
	h.announce(res)
	h.clock.Advance(time.Hour)
	h.wantChanges(h.reconcile(f))

	h.clock.Advance(23 * time.Hour) // the snooze ends
	if h.state(fp).Lifecycle(h.clock.Now()) != checks.LifecycleOpen {
		t.Fatal("an expired snooze is still in force")
	}
	res = h.reconcile(f)
	h.wantChanges(res, change{checks.ChangeStillOpen, checks.ReasonSnoozeExpired, fp})
	h.announce(res)
	h.clock.Advance(time.Hour)
	h.wantChanges(h.reconcile(f))
	h.clock.Advance(71 * time.Hour) // back to the 72h rhythm
	h.wantChanges(h.reconcile(f), change{checks.ChangeStillOpen, checks.ReasonReminder, fp})
}

func testShortSnooze(t *testing.T, h *harness) {
	f := finding(ruleCritical, "a")
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	_, err := h.s.Snooze(h.ctx, fp, "bob", "", start.Add(4*time.Hour))
	noErr(t, err)
	h.clock.Advance(3*time.Hour - time.Millisecond) // the lead is capped to a quarter: 1h
	h.wantChanges(h.reconcile(f))
	h.clock.Advance(time.Millisecond)
	h.wantChanges(h.reconcile(f), change{checks.ChangeStillOpen, checks.ReasonSnoozeEnding, fp})
}

func testUnsnooze(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	_, err := h.s.Snooze(h.ctx, fp, "bob", "", start)
	wantErr(t, err, store.ErrInvalid) // not in the future
	_, err = h.s.Snooze(h.ctx, fp, "bob", "", start.Add(-time.Hour))
	wantErr(t, err, store.ErrInvalid)
	_, err = h.s.Snooze(h.ctx, finding(ruleHigh, "nope").Fingerprint, "bob", "", start.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)

	_, err = h.s.Snooze(h.ctx, fp, "bob", "", start.Add(7*day))
	noErr(t, err)
	h.clock.Advance(time.Hour)
	st, err := h.s.Unsnooze(h.ctx, fp, "carol")
	noErr(t, err)
	if st.Snooze != nil || st.Lifecycle(h.clock.Now()) != checks.LifecycleOpen {
		t.Fatalf("after unsnooze: %+v", st)
	}
	h.wantChanges(h.reconcile(f))             // announced an hour ago: nothing due
	_, err = h.s.Unsnooze(h.ctx, fp, "carol") // no snooze: no change, no audit entry
	noErr(t, err)
	h.clock.Advance(71 * time.Hour)
	h.wantChanges(h.reconcile(f), change{checks.ChangeStillOpen, checks.ReasonReminder, fp})

	want := []string{checks.AuditFindingNew, checks.AuditFindingSnoozed, checks.AuditFindingUnsnoozed}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}

func testSnoozeAcrossReopen(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	_, err := h.s.Snooze(h.ctx, fp, "bob", "", start.Add(7*day))
	noErr(t, err)
	h.clock.Advance(time.Hour)
	res := h.reconcile()
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, fp})
	h.announce(res)
	h.clock.Advance(time.Hour)
	res = h.reconcile(f)
	wantCounts(t, res, 0, 1, 0, 0)
	h.wantChanges(res) // reopened while snoozed: quiet
	h.clock.Advance(7 * day)
	h.wantChanges(h.reconcile(f), change{checks.ChangeReopened, checks.ReasonChange, fp})
}

func testConcurrentSnoozes(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	fp := f.Fingerprint
	h.reconcile(f)
	const n = 50
	errs := make([]error, n)
	parallel(n, func(i int) {
		_, errs[i] = h.s.Snooze(h.ctx, fp, fmt.Sprintf("user%d", i), fmt.Sprintf("reason %d", i), start.Add(time.Duration(i+1)*time.Hour))
	})
	for _, err := range errs {
		noErr(t, err)
	}
	st := h.state(fp)
	var i int
	if _, err := fmt.Sscanf(st.Snooze.By, "user%d", &i); err != nil {
		t.Fatalf("snoozed by %q", st.Snooze.By)
	}
	if st.Snooze.Reason != fmt.Sprintf("reason %d", i) || !st.Snooze.Until.Equal(start.Add(time.Duration(i+1)*time.Hour)) {
		t.Fatalf("snooze %+v mixes writers", st.Snooze)
	}
	got := h.auditActions(fp)
	if len(got) != n+1 {
		t.Fatalf("%d audit entries, want %d (new + %d snoozes)", len(got), n+1, n)
	}
}
