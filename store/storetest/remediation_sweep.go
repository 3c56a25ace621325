package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// openIDs lists the open requests' ids and statuses, in the store's order.
func (h *harness) openIDs() []string {
	h.t.Helper()
	rs, err := h.s.OpenRemediations(h.ctx)
	noErr(h.t, err)
	var out []string
	for _, r := range rs {
		out = append(out, r.ID+":"+string(r.Status))
	}
	return out
}

func wantOpen(t *testing.T, h *harness, want ...string) {
	t.Helper()
	if got := h.openIDs(); !slices.Equal(got, want) {
		t.Fatalf("open requests = %v, want %v", got, want)
	}
}

// auditDetails returns the fingerprint's audit entries with the action.
func (h *harness) auditDetails(fp, action string) []checks.AuditEntry {
	h.t.Helper()
	es, err := h.s.ReadAudit(h.ctx, store.AuditQuery{Limit: 100000})
	noErr(h.t, err)
	var out []checks.AuditEntry
	for _, e := range es {
		if e.Fingerprint == fp && e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func testRemediationOpenIndex(t *testing.T, h *harness) {
	wantOpen(t, h)
	a := h.request(finding(ruleHigh, "a").Fingerprint, 1, time.Hour)
	b := h.request(finding(ruleHigh, "b").Fingerprint, 1, 2*time.Hour)
	c := h.request(finding(ruleHigh, "c").Fingerprint, 1, 30*time.Minute)
	d := h.request(finding(ruleHigh, "d").Fingerprint, 1, 3*time.Hour)
	wantOpen(t, h, c.ID+":requested", a.ID+":requested", b.ID+":requested", d.ID+":requested")

	_, approved, err := h.s.ApproveRemediation(h.ctx, a.ID, "anna")
	noErr(t, err)
	if !approved {
		t.Fatal("not approved")
	}
	_, err = h.s.RejectRemediation(h.ctx, b.ID, "anna", "no")
	noErr(t, err)
	_, err = h.s.CancelRemediation(h.ctx, d.ID, "rita", "wrong bucket")
	noErr(t, err)
	// Approved stays listed until its outcome is recorded; rejected and
	// cancelled leave at once.
	wantOpen(t, h, c.ID+":requested", a.ID+":approved")
	_, err = h.s.CompleteRemediation(h.ctx, a.ID, "comply", true, "")
	noErr(t, err)
	wantOpen(t, h, c.ID+":requested")

	// Past its window, a waiting request is listed as expired until the
	// expiry is written down.
	h.clock.Advance(30 * time.Minute)
	wantOpen(t, h, c.ID+":expired")
	_, expired, err := h.s.ExpireRemediation(h.ctx, c.ID)
	noErr(t, err)
	if !expired {
		t.Fatal("not expired")
	}
	wantOpen(t, h)
}

func testRemediationExpire(t *testing.T, h *harness) {
	fp := finding(ruleCritical, "a").Fingerprint
	req := h.request(fp, 2, time.Hour)
	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	h.clock.Advance(time.Hour - time.Millisecond)
	r, expired, err := h.s.ExpireRemediation(h.ctx, req.ID)
	wantErr(t, err, store.ErrTransition) // the window is still open
	if expired || r.Status != checks.RemediationRequested {
		t.Fatalf("early expiry: %+v expired=%v", r, expired)
	}
	h.clock.Advance(time.Millisecond)
	r, expired, err = h.s.ExpireRemediation(h.ctx, req.ID)
	noErr(t, err)
	if !expired || r.Status != checks.RemediationExpired || len(r.Approvals) != 1 {
		t.Fatalf("expiry: %+v expired=%v", r, expired)
	}
	wantTime(t, "updated", r.UpdatedAt, start.Add(time.Hour))
	if got := h.remediation(req.ID); got.Status != checks.RemediationExpired {
		t.Fatalf("stored status %s", got.Status)
	}
	r, expired, err = h.s.ExpireRemediation(h.ctx, req.ID)
	noErr(t, err)
	if expired || r.Status != checks.RemediationExpired {
		t.Fatalf("second expiry reported: %+v expired=%v", r, expired)
	}
	_, _, err = h.s.ApproveRemediation(h.ctx, req.ID, "bert")
	wantErr(t, err, store.ErrExpired)
	want := []string{checks.AuditRemediationRequested, checks.AuditRemediationApproval, checks.AuditRemediationExpired}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
	if e := h.auditDetails(fp, checks.AuditRemediationExpired); e[0].Actor != store.SystemActor || e[0].Details["request"] != req.ID {
		t.Fatalf("expiry audit %+v", e[0])
	}
	_, err = h.s.ActiveRemediation(h.ctx, fp)
	wantErr(t, err, store.ErrNotFound)

	// Only a waiting request expires.
	other := h.request(finding(ruleHigh, "b").Fingerprint, 1, time.Hour)
	_, _, err = h.s.ApproveRemediation(h.ctx, other.ID, "anna")
	noErr(t, err)
	h.clock.Advance(2 * time.Hour)
	_, expired, err = h.s.ExpireRemediation(h.ctx, other.ID)
	wantErr(t, err, store.ErrTransition)
	if expired || h.remediation(other.ID).Status != checks.RemediationApproved {
		t.Fatal("an approved request expired")
	}
	_, _, err = h.s.ExpireRemediation(h.ctx, "rem-nope")
	wantErr(t, err, store.ErrNotFound)
}

func testRemediationExpireAfterDecision(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	h.clock.Advance(2 * time.Hour)
	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna") // writes the expiry on the way
	wantErr(t, err, store.ErrExpired)
	wantOpen(t, h)
	r, expired, err := h.s.ExpireRemediation(h.ctx, req.ID)
	noErr(t, err)
	if expired || r.Status != checks.RemediationExpired {
		t.Fatalf("sweep after a decision: %+v expired=%v", r, expired)
	}
	if n := len(h.auditDetails(fp, checks.AuditRemediationExpired)); n != 1 {
		t.Fatalf("%d expiry entries, want 1", n)
	}
}

func testRemediationConcurrentExpire(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	h.clock.Advance(time.Hour)
	const n = 20
	expired := make([]bool, n)
	errs := make([]error, n)
	parallel(n, func(i int) {
		if i%2 == 0 {
			_, expired[i], errs[i] = h.s.ExpireRemediation(h.ctx, req.ID)
		} else { // approvers clicking at the same moment
			_, _, errs[i] = h.s.ApproveRemediation(h.ctx, req.ID, "anna")
		}
	})
	wins := 0
	for i := range n {
		if expired[i] {
			wins++
		}
		if errs[i] != nil && !errors.Is(errs[i], store.ErrExpired) {
			t.Fatalf("call %d: %v", i, errs[i])
		}
	}
	if wins > 1 {
		t.Fatalf("%d sweeps reported the expiry, want at most 1", wins)
	}
	if n := len(h.auditDetails(fp, checks.AuditRemediationExpired)); n != 1 {
		t.Fatalf("%d expiry entries, want 1", n)
	}
	if r := h.remediation(req.ID); r.Status != checks.RemediationExpired || len(r.Approvals) != 0 {
		t.Fatalf("after the race: %+v", r)
	}
}

func testRemediationCancelApproved(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	_, err := h.s.CancelApprovedRemediation(h.ctx, req.ID, "comply", "changed")
	wantErr(t, err, store.ErrTransition) // still waiting: CancelRemediation's job
	_, _, err = h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	h.clock.Advance(time.Second)
	_, err = h.s.CancelApprovedRemediation(h.ctx, req.ID, "", "changed")
	wantErr(t, err, store.ErrInvalid)
	r, err := h.s.CancelApprovedRemediation(h.ctx, req.ID, "comply", "the resource already complies")
	noErr(t, err)
	if r.Status != checks.RemediationCancelled || r.ClosedBy != "comply" || r.Note != "the resource already complies" || len(r.Approvals) != 1 {
		t.Fatalf("cancelled %+v", r)
	}
	wantTime(t, "updated", r.UpdatedAt, start.Add(time.Second))
	_, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", true, "")
	wantErr(t, err, store.ErrTransition)
	_, err = h.s.CancelApprovedRemediation(h.ctx, req.ID, "comply", "again")
	wantErr(t, err, store.ErrTransition)
	_, err = h.s.CancelApprovedRemediation(h.ctx, "rem-nope", "comply", "x")
	wantErr(t, err, store.ErrNotFound)
	if got := h.remediation(req.ID); got.Status != checks.RemediationCancelled {
		t.Fatalf("stored %+v", got)
	}
	_, err = h.s.ActiveRemediation(h.ctx, fp)
	wantErr(t, err, store.ErrNotFound)
	wantOpen(t, h)
	want := []string{checks.AuditRemediationRequested, checks.AuditRemediationApproval, checks.AuditRemediationApproved, checks.AuditRemediationCancelled}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
	if e := h.auditDetails(fp, checks.AuditRemediationCancelled); e[0].Details["reason"] != "the resource already complies" {
		t.Fatalf("cancel audit %+v", e[0])
	}
	h.request(fp, 1, time.Hour) // the finding may be fixed again
}

func testRemediationCancelApprovedRace(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	const n = 20
	errs := make([]error, n)
	parallel(n, func(i int) {
		if i%2 == 0 {
			_, errs[i] = h.s.CompleteRemediation(h.ctx, req.ID, "comply", true, "")
		} else {
			_, errs[i] = h.s.CancelApprovedRemediation(h.ctx, req.ID, "comply", "changed")
		}
	})
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if !errors.Is(err, store.ErrTransition) {
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d transitions succeeded, want 1", wins)
	}
	ends := 0
	for _, a := range h.auditActions(fp) {
		if a == checks.AuditRemediationApplied || a == checks.AuditRemediationCancelled {
			ends++
		}
	}
	if ends != 1 {
		t.Fatalf("%d closing audit entries, want 1", ends)
	}
}
