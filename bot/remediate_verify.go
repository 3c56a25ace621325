package bot

import (
	"context"
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// verify collects the finding's service in its account and region again
// and evaluates its rule: resolved only when the rule ran on the resource
// and passed.
func (b *Bot) verify(ctx context.Context, f checks.Finding) (result, detail string) {
	rule := b.rule(f.RuleID)
	if rule == nil {
		return checks.VerifiedInconclusive, "the rule is no longer loaded"
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.Remediation.verifyTimeout())
	defer cancel()
	scope := ScanScope{Region: f.Region, Account: f.Account}
	if parts := strings.SplitN(f.ResourceType, ".", 3); len(parts) == 3 && parts[0] == "aws" {
		scope.Service = parts[1]
	}
	cols, err := scope.collectors(ctx, &b.opts)
	if err != nil {
		return checks.VerifiedInconclusive, oneLine(err.Error())
	}
	for i, c := range cols {
		cols[i] = scopedCollector{Collector: c, scope: scope}
	}
	found := false
	scanner := &Scanner{Engine: checks.NewEngine([]*checks.Rule{rule}), Catalog: b.opts.Catalog, Log: b.log, Now: b.now}
	rep, err := scanner.Run(ctx, cols, ScanOptions{OnCollected: func(rs []checks.Resource) {
		found = slices.ContainsFunc(rs, func(r checks.Resource) bool { return r.ID == f.ResourceID })
	}})
	if err != nil {
		return checks.VerifiedInconclusive, oneLine(err.Error())
	}
	failing := slices.ContainsFunc(rep.Findings, func(x checks.Finding) bool { return x.Fingerprint == f.Fingerprint })
	passed := slices.ContainsFunc(rep.Rules, func(s checks.RuleStats) bool { return s.RuleID == rule.ID && s.Pass > 0 && !s.Skipped })
	switch {
	case failing:
		return checks.VerifiedStillFailing, ""
	case slices.Contains(rep.Inconclusive, f.Fingerprint):
		return checks.VerifiedInconclusive, "the rule could not be evaluated on the resource"
	case !found && len(rep.Scan.Errors) > 0:
		return checks.VerifiedInconclusive, oneLine(rep.Scan.Errors[0].Message)
	case !found:
		return checks.VerifiedInconclusive, "the resource was not found"
	case !passed:
		return checks.VerifiedInconclusive, "the rule was not evaluated"
	}
	return checks.VerifiedResolved, ""
}

// autoRemediate fixes, without approval, the new and reopened findings of
// the rules the policy lists in remediation.auto: the request is created,
// approved by the policy (store.SystemActor) and applied like any other, so
// it is audited and its message is posted.
func (b *Bot) autoRemediate(ctx context.Context, changes []checks.Change) {
	p := b.opts.Remediation
	if p == nil || b.opts.Remediator == nil || len(p.Auto) == 0 {
		return
	}
	for _, c := range changes {
		f := c.Finding
		if (c.Kind != checks.ChangeNew && c.Kind != checks.ChangeReopened) || !p.auto(f.RuleID) {
			continue
		}
		target, why := b.remediationTarget(f)
		if why != "" {
			b.log.Warn("auto-remediation skipped", "rule", f.RuleID, "fingerprint", f.Fingerprint, "reason", why)
			continue
		}
		if _, err := b.opts.Store.ActiveRemediation(ctx, f.Fingerprint); err == nil {
			continue
		}
		plan, err := b.opts.Remediator.Plan(ctx, target)
		if err != nil || plan.NoOp() {
			b.log.Warn("auto-remediation not planned", "fingerprint", f.Fingerprint, "error", err, "noop", plan.NoOpReason)
			continue
		}
		r, err := b.createRemediation(ctx, f, plan, autoActor, true)
		if err != nil {
			b.log.Error("auto-remediation request not created", "fingerprint", f.Fingerprint, "error", err)
			continue
		}
		b.audit(ctx, checks.AuditEntry{Actor: store.SystemActor, Action: AuditRemediationAuto, Fingerprint: f.Fingerprint,
			Details: map[string]string{"request": r.ID, "rule": f.RuleID, "policy": "remediation.auto"}})
		approvedReq, approved, err := b.opts.Store.ApproveRemediation(ctx, r.ID, store.SystemActor)
		if err != nil || !approved {
			b.log.Error("auto-remediation not approved", "request", r.ID, "error", err)
			// No human was asked: withdraw it rather than leave Approve
			// buttons up and the finding pending for the whole window.
			why := "the policy's approval was not recorded; the next scan tries again"
			closed, cerr := b.opts.Store.CancelRemediation(ctx, r.ID, store.SystemActor, why)
			if cerr != nil {
				b.log.Error("auto-remediation request not withdrawn", "request", r.ID, "error", cerr)
				continue
			}
			rec := decodeRecord(closed)
			b.showClosed(ctx, viewOf(closed, rec, f), rec)
			continue
		}
		b.applyApproved(ctx, approvedReq, decodeRecord(approvedReq), f, store.SystemActor)
	}
}
