package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/aws"
)

// serveRemediation builds the remediation policy and the remediator. With
// remediation disabled (the default) it returns nil for both: no
// remediator exists, so nothing in the process can change a resource.
func serveRemediation(ctx context.Context, cfg *config.Config, members bot.GroupMembers, log *slog.Logger) (*bot.RemediationPolicy, bot.Remediator, error) {
	rc := cfg.Remediation
	if !rc.Enabled {
		return nil, nil, nil
	}
	r, err := aws.NewRemediator(ctx, aws.RemediatorOptions{
		Endpoint: remediationEndpoint(cfg), RoleARN: rc.RoleARN, ExternalID: rc.ExternalID.Value(),
		SessionName: rc.SessionName, Accounts: rc.Accounts, MaxAttempts: rc.MaxAttempts, KMSKeyID: rc.KMSKeyID,
	}, log)
	if err != nil {
		return nil, nil, fmt.Errorf("remediation: %w", err)
	}
	for _, a := range rc.Actions {
		if !r.Supports(a) {
			return nil, nil, fmt.Errorf("remediation: action %s is not available in this build", a)
		}
	}
	policy := bot.NewRemediationPolicy(rc, members, log)
	log.Warn("remediation enabled: approved fixes change cloud resources",
		"actions", rc.Actions, "approver_roles", rc.ApproverRoles, "approver_ids", len(rc.ApproverIDs),
		"expiry", rc.Expiry, "auto", rc.Auto, "role_arn", rc.RoleARN)
	return policy, r, nil
}

// remediationEndpoint is remediation.endpoint, else the endpoint of the one
// aws source that sets one (an emulator, a private endpoint): fixes go
// where the findings came from.
func remediationEndpoint(cfg *config.Config) string {
	if cfg.Remediation.Endpoint != "" {
		return cfg.Remediation.Endpoint
	}
	var eps []string
	for _, s := range cfg.Sources {
		if s.Type == config.SourceAWS && s.AWS.Endpoint != "" && !slices.Contains(eps, s.AWS.Endpoint) {
			eps = append(eps, s.AWS.Endpoint)
		}
	}
	if len(eps) == 1 {
		return eps[0]
	}
	return ""
}

// remediationProblems cross-checks the remediation section against the
// loaded rules: every rule listed for auto-remediation must exist and have
// an enabled action.
func remediationProblems(cfg *config.Config, rules []*checks.Rule) []string {
	var out []string
	for _, id := range cfg.Remediation.Auto {
		i := slices.IndexFunc(rules, func(r *checks.Rule) bool { return r.ID == id })
		switch {
		case i < 0:
			out = append(out, fmt.Sprintf("%s: remediation.auto: no loaded rule has the id %q", cfg.File, id))
		case rules[i].Remediation.Action == "":
			out = append(out, fmt.Sprintf("%s: remediation.auto: rule %q has no remediation action", cfg.File, id))
		case !slices.Contains(cfg.Remediation.Actions, rules[i].Remediation.Action):
			out = append(out, fmt.Sprintf("%s: remediation.auto: rule %q uses %s, which is not in remediation.actions", cfg.File, id, rules[i].Remediation.Action))
		}
	}
	return out
}
