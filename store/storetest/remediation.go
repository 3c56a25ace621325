package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

var remediationTests = []test{
	{name: "one approval, applied once", run: testRemediationSingle},
	{name: "two approvers for critical, self and duplicate approval refused", run: testRemediationTwoApprovers},
	{name: "expiry", run: testRemediationExpiry},
	{name: "reject and cancel", run: testRemediationRejectCancel},
	{name: "one active request per finding", run: testRemediationConflict},
	{name: "invalid requests", run: testRemediationInvalid},
	{name: "50 concurrent approvers, applied once", run: testRemediationConcurrentApprovers},
	{name: "one approver clicking 50 times", run: testRemediationSameApprover},
	{name: "open index: listed until closed, soonest expiry first", run: testRemediationOpenIndex},
	{name: "expiry written by the sweep, once", run: testRemediationExpire},
	{name: "expiry written by a decision first", run: testRemediationExpireAfterDecision},
	{name: "20 concurrent sweeps expire once", run: testRemediationConcurrentExpire},
	{name: "approved, then cancelled by the re-check", run: testRemediationCancelApproved},
	{name: "completion races cancellation of an approved request", run: testRemediationCancelApprovedRace},
}

func (h *harness) request(fp string, need int, expiresIn time.Duration) checks.RemediationRequest {
	h.t.Helper()
	req, err := h.s.CreateRemediation(h.ctx, checks.RemediationRequest{
		Fingerprint: fp, RuleID: ruleCritical, Action: "aws.s3.enable-default-encryption", Requester: "rita",
		PlannedChange:     `{"PutBucketEncryption":{"Bucket":"a","SSEAlgorithm":"AES256"}}`,
		RequiredApprovals: need, ExpiresAt: h.clock.Now().Add(expiresIn),
	})
	noErr(h.t, err)
	return req
}

func (h *harness) remediation(id string) checks.RemediationRequest {
	h.t.Helper()
	r, err := h.s.Remediation(h.ctx, id)
	noErr(h.t, err)
	return r
}

func approvers(r checks.RemediationRequest) []string {
	var out []string
	for _, a := range r.Approvals {
		out = append(out, a.Approver)
	}
	return out
}

func testRemediationSingle(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	if req.ID == "" || req.Status != checks.RemediationRequested || len(req.Approvals) != 0 {
		t.Fatalf("created %+v", req)
	}
	got := h.remediation(req.ID)
	if got.Fingerprint != fp || got.RuleID != ruleCritical || got.Action != req.Action || got.Requester != "rita" ||
		got.PlannedChange != req.PlannedChange || got.RequiredApprovals != 1 || got.Status != checks.RemediationRequested {
		t.Fatalf("stored %+v", got)
	}
	wantTime(t, "created", got.CreatedAt, start)
	wantTime(t, "expires", got.ExpiresAt, start.Add(time.Hour))
	if active, err := h.s.ActiveRemediation(h.ctx, fp); err != nil || active.ID != req.ID {
		t.Fatalf("active = %+v, %v", active, err)
	}

	h.clock.Advance(time.Minute)
	r, approved, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	if !approved || r.Status != checks.RemediationApproved || !slices.Equal(approvers(r), []string{"anna"}) {
		t.Fatalf("approve: %+v approved=%v", r, approved)
	}
	wantTime(t, "approved at", r.Approvals[0].At, start.Add(time.Minute))
	_, err = h.s.RejectRemediation(h.ctx, req.ID, "bert", "too late")
	wantErr(t, err, store.ErrTransition)

	r, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", true, "encryption enabled")
	noErr(t, err)
	if r.Status != checks.RemediationApplied || r.ClosedBy != "comply" || r.Note != "encryption enabled" {
		t.Fatalf("completed %+v", r)
	}
	_, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", false, "again")
	wantErr(t, err, store.ErrTransition)
	if got := h.remediation(req.ID); got.Status != checks.RemediationApplied || got.Note != "encryption enabled" {
		t.Fatalf("after a second completion: %+v", got)
	}
	_, err = h.s.ActiveRemediation(h.ctx, fp)
	wantErr(t, err, store.ErrNotFound)
	want := []string{checks.AuditRemediationRequested, checks.AuditRemediationApproval, checks.AuditRemediationApproved, checks.AuditRemediationApplied}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}

func testRemediationTwoApprovers(t *testing.T, h *harness) {
	fp := finding(ruleCritical, "a").Fingerprint
	req := h.request(fp, 2, time.Hour)

	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "rita")
	wantErr(t, err, store.ErrSelfApproval)
	r, approved, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	if approved || r.Status != checks.RemediationRequested || len(r.Approvals) != 1 {
		t.Fatalf("first approval: %+v approved=%v", r, approved)
	}
	_, approved, err = h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	wantErr(t, err, store.ErrAlreadyApproved)
	if approved {
		t.Fatal("a duplicate approval approved the request")
	}
	h.clock.Advance(time.Second)
	r, approved, err = h.s.ApproveRemediation(h.ctx, req.ID, "bert")
	noErr(t, err)
	if !approved || r.Status != checks.RemediationApproved || !slices.Equal(approvers(r), []string{"anna", "bert"}) {
		t.Fatalf("second approval: %+v approved=%v", r, approved)
	}
	_, approved, err = h.s.ApproveRemediation(h.ctx, req.ID, "carl")
	wantErr(t, err, store.ErrTransition)
	if approved || len(h.remediation(req.ID).Approvals) != 2 {
		t.Fatal("an approval after approval was counted")
	}
	_, err = h.s.CancelRemediation(h.ctx, req.ID, "rita", "changed my mind")
	wantErr(t, err, store.ErrTransition) // approved: the caller is applying it
	r, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", false, "AccessDenied")
	noErr(t, err)
	if r.Status != checks.RemediationFailed || r.Note != "AccessDenied" {
		t.Fatalf("failed: %+v", r)
	}
}

func testRemediationExpiry(t *testing.T, h *harness) {
	fp := finding(ruleCritical, "a").Fingerprint
	req := h.request(fp, 2, time.Hour)
	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	noErr(t, err)
	h.clock.Advance(time.Hour - time.Millisecond)
	if r := h.remediation(req.ID); r.Status != checks.RemediationRequested {
		t.Fatalf("status before expiry = %s", r.Status)
	}
	h.clock.Advance(time.Millisecond)
	// Expired as soon as the window closes, before anything is written.
	if r := h.remediation(req.ID); r.Status != checks.RemediationExpired {
		t.Fatalf("status at expiry = %s, want expired", r.Status)
	}
	_, err = h.s.ActiveRemediation(h.ctx, fp)
	wantErr(t, err, store.ErrNotFound)
	r, approved, err := h.s.ApproveRemediation(h.ctx, req.ID, "bert")
	wantErr(t, err, store.ErrExpired)
	if approved || len(r.Approvals) != 1 || r.Status != checks.RemediationExpired {
		t.Fatalf("late approval: %+v approved=%v", r, approved)
	}
	_, err = h.s.RejectRemediation(h.ctx, req.ID, "bert", "")
	wantErr(t, err, store.ErrExpired)
	_, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", true, "")
	wantErr(t, err, store.ErrTransition)
	want := []string{checks.AuditRemediationRequested, checks.AuditRemediationApproval, checks.AuditRemediationExpired}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v (expiry recorded once)", got, want)
	}
	// A new request for the finding may start.
	h.request(fp, 1, time.Hour)
}

func testRemediationRejectCancel(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	req := h.request(fp, 1, time.Hour)
	r, err := h.s.RejectRemediation(h.ctx, req.ID, "anna", "not during the freeze")
	noErr(t, err)
	if r.Status != checks.RemediationRejected || r.ClosedBy != "anna" || r.Note != "not during the freeze" {
		t.Fatalf("rejected %+v", r)
	}
	_, approved, err := h.s.ApproveRemediation(h.ctx, req.ID, "bert")
	wantErr(t, err, store.ErrTransition)
	if approved {
		t.Fatal("approved after rejection")
	}
	_, err = h.s.CompleteRemediation(h.ctx, req.ID, "comply", true, "")
	wantErr(t, err, store.ErrTransition)
	_, err = h.s.CancelRemediation(h.ctx, req.ID, "rita", "")
	wantErr(t, err, store.ErrTransition)

	req = h.request(fp, 1, time.Hour)
	r, err = h.s.CancelRemediation(h.ctx, req.ID, "rita", "wrong bucket")
	noErr(t, err)
	if r.Status != checks.RemediationCancelled || r.ClosedBy != "rita" {
		t.Fatalf("cancelled %+v", r)
	}
	_, _, err = h.s.ApproveRemediation(h.ctx, req.ID, "anna")
	wantErr(t, err, store.ErrTransition)
	_, _, err = h.s.ApproveRemediation(h.ctx, "rem-nope", "anna")
	wantErr(t, err, store.ErrNotFound)
	_, err = h.s.Remediation(h.ctx, "rem-nope")
	wantErr(t, err, store.ErrNotFound)
}

func testRemediationConflict(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	first := h.request(fp, 1, time.Hour)
	_, err := h.s.CreateRemediation(h.ctx, checks.RemediationRequest{Fingerprint: fp, Requester: "bob", RequiredApprovals: 1, ExpiresAt: start.Add(time.Hour)})
	wantErr(t, err, store.ErrConflict)
	_, _, err = h.s.ApproveRemediation(h.ctx, first.ID, "anna") // approved, not yet applied: still active
	noErr(t, err)
	_, err = h.s.CreateRemediation(h.ctx, checks.RemediationRequest{Fingerprint: fp, Requester: "bob", RequiredApprovals: 1, ExpiresAt: start.Add(time.Hour)})
	wantErr(t, err, store.ErrConflict)
	_, err = h.s.CompleteRemediation(h.ctx, first.ID, "comply", true, "")
	noErr(t, err)
	second := h.request(fp, 1, time.Hour)
	if second.ID == first.ID {
		t.Fatal("request ids repeat")
	}
	// Another finding is independent.
	h.request(finding(ruleHigh, "b").Fingerprint, 1, time.Hour)
	// A caller-chosen id cannot be reused.
	_, err = h.s.CreateRemediation(h.ctx, checks.RemediationRequest{ID: first.ID, Fingerprint: finding(ruleHigh, "c").Fingerprint,
		Requester: "bob", RequiredApprovals: 1, ExpiresAt: start.Add(time.Hour)})
	wantErr(t, err, store.ErrInvalid)
}

func testRemediationInvalid(t *testing.T, h *harness) {
	fp := finding(ruleHigh, "a").Fingerprint
	for _, req := range []checks.RemediationRequest{
		{Requester: "rita", RequiredApprovals: 1, ExpiresAt: start.Add(time.Hour)},
		{Fingerprint: fp, RequiredApprovals: 1, ExpiresAt: start.Add(time.Hour)},
		{Fingerprint: fp, Requester: "rita", RequiredApprovals: 0, ExpiresAt: start.Add(time.Hour)},
		{Fingerprint: fp, Requester: "rita", RequiredApprovals: 1, ExpiresAt: start},
	} {
		_, err := h.s.CreateRemediation(h.ctx, req)
		wantErr(t, err, store.ErrInvalid)
	}
	req := h.request(fp, 1, time.Hour)
	_, _, err := h.s.ApproveRemediation(h.ctx, req.ID, "")
	wantErr(t, err, store.ErrInvalid)
}

func testRemediationConcurrentApprovers(t *testing.T, h *harness) {
	fp := finding(ruleCritical, "a").Fingerprint
	req := h.request(fp, 2, time.Hour)
	const n = 50
	approvedBy := make([]bool, n)
	errs := make([]error, n)
	parallel(n, func(i int) {
		_, approvedBy[i], errs[i] = h.s.ApproveRemediation(h.ctx, req.ID, fmt.Sprintf("approver%02d", i))
	})
	approvals, ok := 0, 0
	for i := range n {
		if approvedBy[i] {
			approvals++
		}
		switch {
		case errs[i] == nil:
			ok++
		case !errors.Is(errs[i], store.ErrTransition):
			t.Fatalf("approver %d: %v", i, errs[i])
		}
	}
	if approvals != 1 || ok != 2 {
		t.Fatalf("%d calls reached approved and %d counted, want 1 and 2", approvals, ok)
	}
	if r := h.remediation(req.ID); r.Status != checks.RemediationApproved || len(r.Approvals) != 2 {
		t.Fatalf("after the race: %+v", r)
	}

	applied := make([]error, n)
	parallel(n, func(i int) {
		_, applied[i] = h.s.CompleteRemediation(h.ctx, req.ID, fmt.Sprintf("worker%d", i), true, "")
	})
	wins := 0
	for _, err := range applied {
		if err == nil {
			wins++
		} else if !errors.Is(err, store.ErrTransition) {
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d completions succeeded, want exactly 1", wins)
	}
	var got []string
	for _, a := range h.auditActions(fp) {
		if a == checks.AuditRemediationApproved || a == checks.AuditRemediationApplied {
			got = append(got, a)
		}
	}
	if !slices.Equal(got, []string{checks.AuditRemediationApproved, checks.AuditRemediationApplied}) {
		t.Fatalf("audit = %v, want one approved and one applied", got)
	}
}

func testRemediationSameApprover(t *testing.T, h *harness) {
	req := h.request(finding(ruleCritical, "a").Fingerprint, 2, time.Hour)
	const n = 50
	errs := make([]error, n)
	approved := make([]bool, n)
	parallel(n, func(i int) { _, approved[i], errs[i] = h.s.ApproveRemediation(h.ctx, req.ID, "anna") })
	ok := 0
	for i, err := range errs {
		if approved[i] {
			t.Fatal("one approver alone approved a request needing two")
		}
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrAlreadyApproved) {
			t.Fatal(err)
		}
	}
	if ok != 1 || len(h.remediation(req.ID).Approvals) != 1 {
		t.Fatalf("%d approvals counted, want 1", ok)
	}
}
