package bot

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// openRequest reads the request an approve or reject names and replies
// itself when it no longer takes decisions: missing, finished, or expired
// (which it then records and shows).
func (b *Bot) openRequest(ctx context.Context, req request, id string) (checks.RemediationRequest, remediationRecord, bool) {
	r, err := b.opts.Store.Remediation(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		b.reply(ctx, req, checks.ErrorMessage("No remediation request has the id "+id+".", ""))
		return r, remediationRecord{}, false
	case err != nil:
		b.storeFailed(ctx, req, "read the remediation request", err)
		return r, remediationRecord{}, false
	}
	rec := decodeRecord(r)
	switch st := r.StatusAt(b.now()); st {
	case checks.RemediationRequested:
		return r, rec, true
	case checks.RemediationExpired:
		b.expire(ctx, r, rec)
		b.reply(ctx, req, checks.TextMessage("This request expired; nothing was changed. Request the fix again if it is still needed."))
	default:
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("This request is already %s; the buttons do nothing now.", st)))
	}
	return r, rec, false
}

// expire records a request's expiry, if the sweep (or another click) has
// not yet, and shows it.
func (b *Bot) expire(ctx context.Context, r checks.RemediationRequest, rec remediationRecord) {
	got, _, err := b.opts.Store.ExpireRemediation(ctx, r.ID)
	if err != nil {
		b.log.Warn("expiry not recorded", "request", r.ID, "error", err)
	}
	got = orRequest(got, r)
	b.showClosed(ctx, viewOf(got, rec, b.requestFinding(ctx, got)), rec)
}

// decided handles the store's refusals of a decision on a request.
func (b *Bot) decided(ctx context.Context, req request, r checks.RemediationRequest, rec remediationRecord, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrExpired):
		b.showClosed(ctx, viewOf(r, rec, b.requestFinding(ctx, r)), rec)
		b.reply(ctx, req, checks.TextMessage("This request expired; nothing was changed."))
	case errors.Is(err, store.ErrSelfApproval):
		b.reply(ctx, req, checks.ErrorMessage("You requested this fix: another approver must approve it.", ""))
	case errors.Is(err, store.ErrAlreadyApproved):
		b.reply(ctx, req, checks.TextMessage("You already approved this request."))
	case errors.Is(err, store.ErrTransition), errors.Is(err, store.ErrNotFound):
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("This request is already %s; the buttons do nothing now.", cmp.Or(string(r.Status), "gone"))))
	default:
		b.storeFailed(ctx, req, "record the decision", err)
	}
	return false
}

// approve answers /comply approve <request> and the Approve button.
func (b *Bot) approve(ctx context.Context, req request, cmd command.Command) {
	r, rec, ok := b.openRequest(ctx, req, cmd.ID)
	if !ok {
		return
	}
	switch {
	case !b.opts.Remediation.mayApprove(ctx, b.opts.Authz, req.User):
		b.refuse(ctx, req, cmd, "not an approver", "Only configured approvers may approve fixes (remediation.approvers in the config).")
		return
	case r.Requester == req.User:
		b.refuse(ctx, req, cmd, "self-approval", "You requested this fix: another approver must approve it.")
		return
	case slices.ContainsFunc(r.Approvals, func(a checks.Approval) bool { return a.Approver == req.User }):
		b.reply(ctx, req, checks.TextMessage("You already approved this request."))
		return
	}
	// Check the request and the resource before the approval counts: if the
	// plan no longer matches its finding or the policy, or the resource
	// changed since the plan (fixed by hand, say), what the approvers saw is
	// stale.
	if why, _, err := b.stale(ctx, r, rec); err != nil {
		b.log.Warn("remediation re-check failed", "request", r.ID, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("comply could not check the resource again, so the approval was not counted: "+oneLine(err.Error()), ""))
		return
	} else if why != "" {
		b.cancelStale(ctx, req, r, rec, why)
		return
	}
	r2, approved, err := b.opts.Store.ApproveRemediation(ctx, r.ID, req.User)
	if !b.decided(ctx, req, orRequest(r2, r), rec, err) {
		return
	}
	f := b.requestFinding(ctx, r2)
	b.showRequest(ctx, viewOf(r2, rec, f), rec)
	if !approved {
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Approved (%d of %d).", len(r2.Approvals), r2.RequiredApprovals)))
		return
	}
	b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Approved (%d of %d): applying the change.", len(r2.Approvals), r2.RequiredApprovals)))
	b.applyApproved(ctx, r2, rec, f, req.User)
}

// reject answers /comply reject <request> [reason] and the Reject button:
// approvers may reject, and the requester may withdraw.
func (b *Bot) reject(ctx context.Context, req request, cmd command.Command) {
	r, rec, ok := b.rejectable(ctx, req, cmd)
	if !ok {
		return
	}
	reason := cmp.Or(cmd.Reason, "no reason given")
	r2, err := b.opts.Store.RejectRemediation(ctx, r.ID, req.User, reason)
	if !b.decided(ctx, req, orRequest(r2, r), rec, err) {
		return
	}
	b.showClosed(ctx, viewOf(r2, rec, b.requestFinding(ctx, r2)), rec)
	b.reply(ctx, req, checks.TextMessage("Rejected; nothing was changed."))
}

// rejectable reads the request cmd rejects, and replies itself when it
// cannot be rejected, or not by this user: approvers may reject a request,
// and its requester may withdraw it.
func (b *Bot) rejectable(ctx context.Context, req request, cmd command.Command) (checks.RemediationRequest, remediationRecord, bool) {
	r, rec, ok := b.openRequest(ctx, req, cmd.ID)
	if !ok {
		return r, rec, false
	}
	if r.Requester != req.User && !b.opts.Remediation.mayApprove(ctx, b.opts.Authz, req.User) {
		b.refuse(ctx, req, cmd, "not an approver", "Only approvers (and the requester) may reject a fix.")
		return r, rec, false
	}
	return r, rec, true
}

// checkTarget says why a request's stored plan may not run ("" if it may):
// what it acts on is rebuilt from the request's finding and the policy as
// they are now, and must be what the plan names. The plan is data read back
// from the store, so it is never trusted alone: a plan naming another
// resource, account or region, or an action disabled since, must not run.
func (b *Bot) checkTarget(ctx context.Context, r checks.RemediationRequest, rec remediationRecord) (string, error) {
	st, err := b.opts.Store.Finding(ctx, r.Fingerprint)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "its finding is no longer known", nil
	case err != nil:
		return "", fmt.Errorf("read finding %s: %w", r.Fingerprint, err)
	}
	want, why := b.remediationTarget(findingOf(&st))
	switch {
	case why != "":
		return why, nil
	case want.Fingerprint != r.Fingerprint || want.Action != r.Action || want.RuleID != r.RuleID:
		return "the request does not match its finding", nil
	case !sameTarget(want, rec.Plan.Target):
		return "the plan does not act on the finding's resource", nil
	}
	return "", nil
}

// sameTarget compares two targets as JSON: a stored one has been through it.
func sameTarget(a, b checks.RemediationTarget) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// stale checks the request's target, plans again and says why the
// approved plan no longer holds ("" if it does, with the live plan).
func (b *Bot) stale(ctx context.Context, r checks.RemediationRequest, rec remediationRecord) (string, checks.RemediationPlan, error) {
	if why, err := b.checkTarget(ctx, r, rec); why != "" || err != nil {
		return why, checks.RemediationPlan{}, err
	}
	live, err := b.opts.Remediator.Plan(ctx, rec.Plan.Target)
	if err != nil {
		return "", live, fmt.Errorf("plan again: %w", err)
	}
	return staleReason(rec.Plan, live), live, nil
}

func staleReason(approved, live checks.RemediationPlan) string {
	switch {
	case live.NoOp():
		return "the resource already complies (" + live.NoOpReason + ")"
	case !checks.SamePlanBefore(approved, live):
		return "the resource changed since the plan was made; request the fix again to see the current plan"
	case !checks.SameChange(approved, live):
		return "the change comply would make now differs from the approved plan (its configuration changed); request the fix again to see the current plan"
	}
	return ""
}

func (b *Bot) cancelStale(ctx context.Context, req request, r checks.RemediationRequest, rec remediationRecord, why string) {
	r2, err := b.opts.Store.CancelRemediation(ctx, r.ID, store.SystemActor, why)
	if !b.decided(ctx, req, orRequest(r2, r), rec, err) {
		return
	}
	b.showClosed(ctx, viewOf(r2, rec, b.requestFinding(ctx, r2)), rec)
	b.reply(ctx, req, checks.TextMessage("Cancelled, nothing was changed: "+why+"."))
}

// applyApproved runs an approved request, once (the store reports approval
// exactly once): check the resource again, apply, record, verify. A
// resource that changed since the plan cancels the request instead.
func (b *Bot) applyApproved(ctx context.Context, r checks.RemediationRequest, rec remediationRecord, f checks.Finding, by string) {
	// The outcome is recorded and shown even if ctx ends meanwhile (a
	// shutdown): an approved request nobody records stays approved for good.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	fail := func(note string) {
		r2, err := b.opts.Store.CompleteRemediation(rctx, r.ID, store.SystemActor, false, note)
		if err != nil {
			b.log.Error("remediation failure not recorded", "request", r.ID, "error", err)
			r2 = r
			r2.Status, r2.Note = checks.RemediationFailed, note
		}
		b.showClosed(rctx, viewOf(r2, rec, f), rec)
	}
	why, live, err := b.stale(ctx, r, rec)
	if err != nil {
		fail("the resource could not be checked again: " + oneLine(err.Error()))
		return
	}
	if why != "" {
		r2, err := b.opts.Store.CancelApprovedRemediation(rctx, r.ID, store.SystemActor, why)
		if err != nil {
			b.log.Error("remediation cancellation not recorded", "request", r.ID, "error", err)
			r2 = r
			r2.Status, r2.Note = checks.RemediationCancelled, why
		}
		b.showClosed(rctx, viewOf(r2, rec, f), rec)
		return
	}
	b.audit(rctx, checks.AuditEntry{Actor: by, Action: AuditRemediationRechecked, Fingerprint: r.Fingerprint,
		Details: map[string]string{"request": r.ID, "action": r.Action, "plan": checks.FormatPlan(live)}})
	if err := b.opts.Remediator.Apply(ctx, live); err != nil {
		b.log.Warn("remediation apply failed", "request", r.ID, "action", r.Action, "error", err)
		fail("apply failed: " + oneLine(err.Error()))
		return
	}
	r2, err := b.opts.Store.CompleteRemediation(rctx, r.ID, store.SystemActor, true, "applied "+r.Action)
	if err != nil {
		b.log.Error("applied remediation not recorded", "request", r.ID, "error", err)
		r2 = r
		r2.Status = checks.RemediationApplied
	}
	v := viewOf(r2, rec, f)
	v.Verification, v.VerificationDetail = b.verify(ctx, f)
	b.audit(rctx, checks.AuditEntry{Actor: store.SystemActor, Action: AuditRemediationVerified, Fingerprint: r.Fingerprint,
		Details: map[string]string{"request": r.ID, "result": v.Verification, "detail": v.VerificationDetail}})
	b.showClosed(rctx, v, rec)
}

// recordTimeout bounds recording and showing an approved request's outcome,
// which runs on even when the request's own context has ended.
const recordTimeout = 30 * time.Second

// orRequest is got, or fallback when the store returned no request.
func orRequest(got, fallback checks.RemediationRequest) checks.RemediationRequest {
	if got.ID == "" {
		return fallback
	}
	return got
}
