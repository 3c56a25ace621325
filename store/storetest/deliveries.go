package storetest

import (
	"testing"
	"time"

	"github.com/comply-bot/comply/store"
)

var deliveryTests = []test{
	{name: "records are kept per finding and receiver", run: testDeliveriesRoundTrip},
	{name: "an empty ref keeps the stored one", run: testDeliveriesKeepRef},
	{name: "empty receiver or fingerprint is refused", run: testDeliveriesInvalid},
	// Redis expires in real time: the retention leaves the records time to be
	// written before the finding goes.
	{name: "records go with a forgotten resolved finding", opts: store.Options{ResolvedRetention: time.Second}, run: testDeliveriesRetention},
	{name: "records with their own TTL expire after it", run: testDeliveriesTTL},
}

func (h *harness) deliveries(fps ...string) map[string]map[string]store.Delivery {
	h.t.Helper()
	got, err := h.s.Deliveries(h.ctx, fps...)
	noErr(h.t, err)
	return got
}

func testDeliveriesRoundTrip(t *testing.T, h *harness) {
	f, g := finding(ruleHigh, "a"), finding(ruleCritical, "b")
	h.reconcile(f, g)
	now := h.clock.Now()
	noErr(t, h.s.RecordDeliveries(h.ctx, "secops",
		store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "new:1", At: now, Ref: "C1/1.2"},
		store.Delivery{Fingerprint: g.Fingerprint, FailedKey: "new:2", Attempts: 2, NextAttempt: now.Add(time.Minute)}))
	noErr(t, h.s.RecordDeliveries(h.ctx, "jira", store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "new:1", At: now, Ref: "SEC-1"}))
	got := h.deliveries(f.Fingerprint, g.Fingerprint, "0123456789abcdef0123456789abcdef")
	if len(got) != 2 || len(got[f.Fingerprint]) != 2 || len(got[g.Fingerprint]) != 1 {
		t.Fatalf("deliveries = %+v", got)
	}
	d := got[f.Fingerprint]["secops"]
	if d.Fingerprint != f.Fingerprint || d.ChangeKey != "new:1" || d.Ref != "C1/1.2" || d.Attempts != 0 {
		t.Errorf("secops record of f = %+v", d)
	}
	wantTime(t, "delivered at", d.At, now)
	if !d.Delivered("new:1") || d.Due("new:1", now) || !d.Due("reopened:3", now) {
		t.Errorf("Delivered/Due of %+v", d)
	}
	if j := got[f.Fingerprint]["jira"]; j.Ref != "SEC-1" || j.ChangeKey != "new:1" {
		t.Errorf("jira record of f = %+v", j)
	}
	e := got[g.Fingerprint]["secops"]
	if e.ChangeKey != "" || e.FailedKey != "new:2" || e.Attempts != 2 || e.Ref != "" {
		t.Errorf("secops record of g = %+v", e)
	}
	wantTime(t, "next attempt", e.NextAttempt, now.Add(time.Minute))
	if e.Due("new:2", now) || !e.Due("new:2", now.Add(time.Minute)) {
		t.Errorf("backoff of %+v not honoured by Due", e)
	}
}

func testDeliveriesKeepRef(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	h.reconcile(f)
	noErr(t, h.s.RecordDeliveries(h.ctx, "secops", store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "new:1", Ref: "C1/1.2"}))
	noErr(t, h.s.RecordDeliveries(h.ctx, "secops", store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "resolved:2", FailedKey: "x", Attempts: 1}))
	d := h.deliveries(f.Fingerprint)[f.Fingerprint]["secops"]
	if d.Ref != "C1/1.2" || d.ChangeKey != "resolved:2" || d.FailedKey != "x" || d.Attempts != 1 {
		t.Errorf("after a ref-less record: %+v", d)
	}
	noErr(t, h.s.RecordDeliveries(h.ctx, "secops", store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "reopened:3", Ref: "C1/9.9"}))
	if d := h.deliveries(f.Fingerprint)[f.Fingerprint]["secops"]; d.Ref != "C1/9.9" || d.FailedKey != "" || d.Attempts != 0 {
		t.Errorf("after a new ref: %+v", d)
	}
}

func testDeliveriesInvalid(t *testing.T, h *harness) {
	wantErr(t, h.s.RecordDeliveries(h.ctx, "", store.Delivery{Fingerprint: "abc"}), store.ErrInvalid)
	wantErr(t, h.s.RecordDeliveries(h.ctx, "secops", store.Delivery{}), store.ErrInvalid)
	noErr(t, h.s.RecordDeliveries(h.ctx, "secops"))
	if got := h.deliveries(); len(got) != 0 {
		t.Errorf("deliveries of nothing = %v", got)
	}
}

func testDeliveriesRetention(t *testing.T, h *harness) {
	f, g := finding(ruleHigh, "a"), finding(ruleHigh, "b")
	h.announce(h.reconcile(f, g))
	rec := func(fp, key string) {
		noErr(t, h.s.RecordDeliveries(h.ctx, "jira", store.Delivery{Fingerprint: fp, ChangeKey: key, Ref: "SEC-" + key}))
	}
	rec(f.Fingerprint, "new")
	h.reconcile(g) // f resolves; g stays open
	rec(f.Fingerprint, "resolved")
	rec(g.Fingerprint, "new")
	h.clock.Advance(2 * time.Second)
	eventually(t, "the resolved finding's records forgotten", func() bool {
		return len(h.deliveries(f.Fingerprint)) == 0
	})
	if d := h.deliveries(g.Fingerprint)[g.Fingerprint]["jira"]; d.Ref != "SEC-new" {
		t.Errorf("open finding's record = %+v", d)
	}
}

func testDeliveriesTTL(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	h.reconcile(f)
	const group = "group:0123456789abcdef"
	noErr(t, h.s.RecordDeliveries(h.ctx, "digest",
		store.Delivery{Fingerprint: group, ChangeKey: "digest", At: h.clock.Now(), TTL: 200 * time.Millisecond},
		store.Delivery{Fingerprint: f.Fingerprint, ChangeKey: "new:1"}))
	if got := h.deliveries(group); got[group]["digest"].ChangeKey != "digest" {
		t.Fatalf("group record before its TTL = %+v", got)
	}
	h.clock.Advance(time.Second)
	eventually(t, "the group record forgotten after its TTL", func() bool { return len(h.deliveries(group)) == 0 })
	if d := h.deliveries(f.Fingerprint)[f.Fingerprint]["digest"]; d.ChangeKey != "new:1" {
		t.Errorf("open finding's record without a TTL = %+v", d)
	}
}
