package bot

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
)

// RemediationPolicy says which fixes may run and who must approve them. A
// nil policy (the default) means remediation is disabled.
type RemediationPolicy struct {
	// Actions are the enabled action names.
	Actions []string
	// Approvals is how many distinct approvers a severity needs (missing: 1).
	Approvals map[checks.Severity]int
	// ApproverRole is the least role whose holders may approve (RoleNone:
	// no role approves by itself).
	ApproverRole Role
	// Approvers binds further approvers (user and user-group ids) to
	// RoleApprover; nil: none.
	Approvers *Authorizer
	// Expiry bounds each request's approval window (default 1h).
	Expiry time.Duration
	// Auto lists the rule ids fixed without approval.
	Auto []string
	// VerifyTimeout bounds the re-check after a change (default 5m).
	VerifyTimeout time.Duration
}

// NewRemediationPolicy turns the config file's section into a policy: nil
// when remediation is disabled. members resolves approver user groups.
func NewRemediationPolicy(c config.Remediation, members GroupMembers, log *slog.Logger) *RemediationPolicy {
	if !c.Enabled {
		return nil
	}
	p := &RemediationPolicy{Actions: slices.Clone(c.Actions), Approvals: map[checks.Severity]int{},
		Expiry: c.Expiry, Auto: slices.Clone(c.Auto)}
	for _, s := range checks.Severities() {
		p.Approvals[s] = c.ApprovalsFor(s)
	}
	for _, name := range c.ApproverRoles {
		r := roleNamed(name)
		if r != RoleNone && (p.ApproverRole == RoleNone || r < p.ApproverRole) {
			p.ApproverRole = r // roles nest: the least one named admits the others
		}
	}
	if len(c.ApproverIDs) > 0 {
		p.Approvers = NewAuthorizer(config.Roles{Approver: c.ApproverIDs}, members, nil, log)
	}
	return p
}

func roleNamed(name string) Role {
	for _, r := range []Role{RoleViewer, RoleOperator, RoleApprover, RoleAdmin} {
		if r.String() == name {
			return r
		}
	}
	return RoleNone
}

func (p *RemediationPolicy) enabled(action string) bool {
	return action != "" && slices.Contains(p.Actions, action)
}

func (p *RemediationPolicy) approvalsFor(sev checks.Severity) int {
	if n := p.Approvals[sev]; n > 0 {
		return n
	}
	return 1
}

func (p *RemediationPolicy) expiry() time.Duration {
	if p.Expiry <= 0 {
		return config.DefaultRemediationExpiry
	}
	return p.Expiry
}

func (p *RemediationPolicy) verifyTimeout() time.Duration {
	if p.VerifyTimeout <= 0 {
		return 5 * time.Minute
	}
	return p.VerifyTimeout
}

func (p *RemediationPolicy) auto(ruleID string) bool { return slices.Contains(p.Auto, ruleID) }

// mayApprove reports whether user is an approver: by role, or named.
func (p *RemediationPolicy) mayApprove(ctx context.Context, roles *Authorizer, user string) bool {
	if p.ApproverRole != RoleNone && roles.Allows(ctx, user, p.ApproverRole) {
		return true
	}
	return p.Approvers != nil && p.Approvers.Allows(ctx, user, RoleApprover)
}
