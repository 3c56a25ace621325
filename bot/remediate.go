package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// Audit actions the bot writes about remediation. The store writes
// requested, approval, approved, rejected, cancelled, expired, applied and
// failed in the same step as the change they record.
const (
	// AuditRemediationPlanned records the dry run shown to the approvers.
	AuditRemediationPlanned = "remediation.planned"
	// AuditRemediationRechecked records the live plan just before the change.
	AuditRemediationRechecked = "remediation.rechecked"
	// AuditRemediationVerified records the rule evaluated again afterwards.
	AuditRemediationVerified = "remediation.verified"
	// AuditRemediationAuto records a fix run without approval, by policy.
	AuditRemediationAuto = "remediation.auto"
)

// autoActor requests auto-remediations; store.SystemActor approves them.
const autoActor = "comply:auto-remediation"

// remediationRecord is what the bot keeps in a request's PlannedChange: the
// plan the approvers see and where its message is.
type remediationRecord struct {
	Plan    checks.RemediationPlan `json:"plan"`
	Message string                 `json:"message,omitempty"` // slack.MessageRef.String()
	Auto    bool                   `json:"auto,omitempty"`
}

func decodeRecord(r checks.RemediationRequest) remediationRecord {
	var rec remediationRecord
	_ = json.Unmarshal([]byte(r.PlannedChange), &rec) // a foreign request shows its text as is
	return rec
}

func newRemediationID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "rem-" + hex.EncodeToString(b[:])
}

// remediation routes fix, approve and reject; with remediation disabled all
// three are refused and nothing else runs.
func (b *Bot) remediation(ctx context.Context, req request, cmd command.Command) {
	if b.opts.Remediation == nil || b.opts.Remediator == nil {
		b.refuse(ctx, req, cmd, "remediation disabled",
			"Automated remediation is disabled in this installation. The finding's Remediation section says how to fix it by hand.")
		return
	}
	switch cmd.Name {
	case command.Fix:
		b.fix(ctx, req, cmd)
	case command.Approve:
		b.approve(ctx, req, cmd)
	case command.Reject:
		b.reject(ctx, req, cmd)
	}
}

// findingView is how the bot shows a finding: with a Fix… button when a fix
// can be requested for it.
func (b *Bot) findingView(f checks.Finding, detail bool) checks.FindingView {
	_, why := b.remediationTarget(f)
	return checks.FindingView{CanFix: why == "", Detail: detail}
}

// pendingView is findingView with the finding's active remediation
// request, if any: shown as remediation-pending with a pointer to the
// request in place of the Fix… button.
func (b *Bot) pendingView(ctx context.Context, f checks.Finding, detail bool) checks.FindingView {
	v := b.findingView(f, detail)
	if b.opts.Remediation == nil {
		return v
	}
	r, err := b.opts.Store.ActiveRemediation(ctx, f.Fingerprint)
	switch {
	case err == nil:
		v.Pending = &r
	case !errors.Is(err, store.ErrNotFound):
		b.log.Warn("remediation request of a finding not read", "fingerprint", f.Fingerprint, "error", err)
		v.CanFix = false // a second request would be refused anyway
	}
	return v
}

// remediationTarget is what a fix of f acts on, or why there is none.
func (b *Bot) remediationTarget(f checks.Finding) (checks.RemediationTarget, string) {
	p := b.opts.Remediation
	switch {
	case p == nil || b.opts.Remediator == nil:
		return checks.RemediationTarget{}, "remediation disabled"
	case f.RemediationAction == "":
		return checks.RemediationTarget{}, "the rule has no automated fix"
	case !p.enabled(f.RemediationAction):
		return checks.RemediationTarget{}, "action " + f.RemediationAction + " is not enabled in remediation.actions"
	case !b.opts.Remediator.Supports(f.RemediationAction):
		return checks.RemediationTarget{}, "action " + f.RemediationAction + " is not available in this build"
	}
	t := checks.RemediationTarget{Action: f.RemediationAction, RuleID: f.RuleID, Fingerprint: f.Fingerprint,
		ResourceID: f.ResourceID, ResourceType: f.ResourceType, ResourceName: f.ResourceName, Account: f.Account, Region: f.Region}
	if r := b.rule(f.RuleID); r != nil {
		t.Params = r.Remediation.Params
	}
	return t, ""
}

func (b *Bot) rule(id string) *checks.Rule {
	i := slices.IndexFunc(b.opts.Rules, func(r *checks.Rule) bool { return r.ID == id })
	if i < 0 {
		return nil
	}
	return b.opts.Rules[i]
}

// fix answers /comply fix <id> and the Fix… button: plan the change live,
// create the request and post the plan for the approvers.
func (b *Bot) fix(ctx context.Context, req request, cmd command.Command) {
	st, ok := b.lookup(ctx, req, cmd.ID)
	if !ok {
		return
	}
	f := findingOf(&st)
	if st.Status == checks.LifecycleResolved {
		b.reply(ctx, req, checks.TextMessage("That finding is resolved; there is nothing to fix: "+f.Title))
		return
	}
	target, why := b.remediationTarget(f)
	if why != "" {
		b.refuse(ctx, req, cmd, why, "No automated fix can be requested for this finding: "+why+".")
		return
	}
	if cur, err := b.opts.Store.ActiveRemediation(ctx, f.Fingerprint); err == nil {
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("A fix for this finding is already requested: %s (%d of %d approvals).",
			cur.ID, len(cur.Approvals), cur.RequiredApprovals)))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		b.storeFailed(ctx, req, "read the finding's remediation requests", err)
		return
	}
	plan, err := b.opts.Remediator.Plan(ctx, target)
	if err != nil {
		b.log.Warn("remediation plan failed", "fingerprint", f.Fingerprint, "action", target.Action, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("comply could not plan the fix: "+oneLine(err.Error()), ""))
		return
	}
	if plan.NoOp() {
		b.reply(ctx, req, checks.TextMessage("Nothing to change: "+plan.NoOpReason+". The finding resolves at the next scan."))
		return
	}
	r, err := b.createRemediation(ctx, f, plan, req.User, false)
	switch {
	case errors.Is(err, store.ErrConflict):
		b.reply(ctx, req, checks.TextMessage("A fix for this finding was requested a moment ago; see its message."))
		return
	case err != nil:
		b.log.Error("remediation request not created", "fingerprint", f.Fingerprint, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("comply could not create the fix request. Try again shortly.", ""))
		return
	}
	b.refreshFinding(ctx, f.Fingerprint) // remediation-pending, in place of its Fix… button
	b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Fix requested (%s). It needs %d approvals from approvers other than you within %s; the plan is posted for them.",
		r.ID, r.RequiredApprovals, command.FormatDuration(b.opts.Remediation.expiry()))))
}

// createRemediation posts the plan's message, then stores the request with
// the message's location (so every replica can update it), then audits the
// plan.
func (b *Bot) createRemediation(ctx context.Context, f checks.Finding, plan checks.RemediationPlan, requester string, auto bool) (checks.RemediationRequest, error) {
	now := b.now()
	required := b.opts.Remediation.approvalsFor(f.Severity)
	if auto {
		required = 1 // the policy's own approval
	}
	r := checks.RemediationRequest{ID: newRemediationID(), Fingerprint: f.Fingerprint, RuleID: f.RuleID, Action: plan.Target.Action,
		Requester: requester, RequiredApprovals: required, Status: checks.RemediationRequested,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(b.opts.Remediation.expiry())}
	rec := remediationRecord{Plan: plan, Auto: auto}
	ref, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, checks.RemediationMessage(viewOf(r, rec, f), now))
	if err != nil {
		return r, fmt.Errorf("post the plan of %s: %w", r.ID, err)
	}
	rec.Message = ref.String()
	js, err := json.Marshal(rec)
	if err != nil {
		return r, fmt.Errorf("encode the plan of %s: %w", r.ID, err)
	}
	r.PlannedChange = string(js)
	created, err := b.opts.Store.CreateRemediation(ctx, r)
	if err != nil {
		// No buttons may stay up for a request that does not exist.
		if uerr := b.opts.Chat.UpdateMessage(ctx, ref, checks.ErrorMessage("This fix request was not created: "+oneLine(err.Error()), "")); uerr != nil {
			b.log.Warn("orphan plan message not updated", "request", r.ID, "error", uerr)
		}
		return r, fmt.Errorf("create remediation request: %w", err)
	}
	b.audit(ctx, checks.AuditEntry{Actor: requester, Action: AuditRemediationPlanned, Fingerprint: f.Fingerprint,
		Details: map[string]string{"request": created.ID, "action": plan.Target.Action, "resource": f.ResourceID, "plan": checks.FormatPlan(plan)}})
	return created, nil
}

func viewOf(r checks.RemediationRequest, rec remediationRecord, f checks.Finding) checks.RemediationView {
	v := checks.RemediationView{Request: r, Finding: f, Auto: rec.Auto}
	if len(rec.Plan.Calls) > 0 || rec.Plan.Target.Action != "" {
		p := rec.Plan
		v.Plan = &p
		v.Request.PlannedChange = ""
	}
	return v
}

// requestFinding is the finding a request is about, as far as it is known.
func (b *Bot) requestFinding(ctx context.Context, r checks.RemediationRequest) checks.Finding {
	st, err := b.opts.Store.Finding(ctx, r.Fingerprint)
	if err != nil {
		b.log.Warn("finding of a remediation request not read", "request", r.ID, "error", err)
		return checks.Finding{Fingerprint: r.Fingerprint, RuleID: r.RuleID, RemediationAction: r.Action}
	}
	return findingOf(&st)
}

// showRequest updates a request's message in place.
func (b *Bot) showRequest(ctx context.Context, v checks.RemediationView, rec remediationRecord) {
	ref, err := slack.ParseMessageRef(rec.Message)
	if err != nil {
		return
	}
	if err := b.opts.Chat.UpdateMessage(ctx, ref, checks.RemediationMessage(v, b.now())); err != nil {
		b.log.Warn("remediation message not updated", "request", v.Request.ID, "error", err)
	}
}
