package checks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// RemediationActions lists the automated fixes comply knows, by the names
// rules use in remediation.action (docs/remediation.md). The config file's
// remediation.actions may only enable these.
func RemediationActions() []string {
	return []string{
		"aws.s3.block-public-access",
		"aws.s3.enable-default-encryption",
		"aws.s3.enable-versioning",
		"aws.ec2.revoke-public-ingress",
		"aws.ec2.enable-ebs-default-encryption",
		"aws.cloudtrail.enable-log-validation",
		"aws.kms.enable-rotation",
		"aws.iam.deactivate-access-key",
		"aws.rds.disable-public-access",
		"aws.rds.set-backup-retention",
	}
}

// KnownRemediationAction reports whether name is one of RemediationActions.
func KnownRemediationAction(name string) bool { return slices.Contains(RemediationActions(), name) }

// FormatPlan writes a plan for people: the exact calls, then each attribute's
// value before and after. It is plain text; renderers escape it.
func FormatPlan(p RemediationPlan) string {
	if p.NoOp() {
		return "No change needed: " + p.NoOpReason
	}
	var b strings.Builder
	b.WriteString("API calls:\n")
	for _, c := range p.Calls {
		b.WriteString("  " + c.API)
		if len(c.Params) > 0 {
			b.WriteString(" " + compactJSON(c.Params))
		}
		b.WriteString("\n")
	}
	if len(p.Changes) > 0 {
		b.WriteString("Changes:\n")
		for _, c := range p.Changes {
			fmt.Fprintf(&b, "  %s: %s -> %s\n", c.Attribute, compactJSON(c.Before), compactJSON(c.After))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// SamePlanBefore reports whether two plans read the same values before the
// change: if a resource changed between approval and apply, what the
// approvers saw is no longer what would be changed.
func SamePlanBefore(approved, now RemediationPlan) bool {
	before := func(p RemediationPlan) map[string]string {
		m := map[string]string{}
		for _, c := range p.Changes {
			m[c.Attribute] = compactJSON(c.Before)
		}
		return m
	}
	a, n := before(approved), before(now)
	if len(a) != len(n) {
		return false
	}
	for k, v := range a {
		if w, ok := n[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// SameChange reports whether two plans make the same calls, with the same
// params, and set the same values: a plan approved before the remediator's
// configuration changed (another KMS key, say) must not run as the new one.
// Values are compared as JSON, so a plan read back from the store compares
// equal to the same plan made live.
func SameChange(approved, now RemediationPlan) bool {
	if len(approved.Calls) != len(now.Calls) || len(approved.Changes) != len(now.Changes) {
		return false
	}
	for i, c := range approved.Calls {
		n := now.Calls[i]
		if c.API != n.API || (len(c.Params)+len(n.Params) > 0 && compactJSON(c.Params) != compactJSON(n.Params)) {
			return false
		}
	}
	for i, c := range approved.Changes {
		n := now.Changes[i]
		if c.Attribute != n.Attribute || compactJSON(c.After) != compactJSON(n.After) {
			return false
		}
	}
	return true
}

// compactJSON writes v as one line of JSON (maps sorted by key), or with %v
// if it cannot be marshalled.
func compactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // people read it; renderers escape
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
