package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func TestRemediationDefaultsToDisabled(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("sources: []\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Remediation
	if r.Enabled || r.ActionEnabled("aws.s3.enable-versioning") || r.AutoFor("x") {
		t.Errorf("remediation on by default: %+v", r)
	}
	if r.Expiry != time.Hour || r.ApprovalsFor(checks.SeverityCritical) != 2 || r.ApprovalsFor(checks.SeverityLow) != 1 ||
		!slices.Equal(r.ApproverRoles, []string{"approver"}) {
		t.Errorf("defaults %+v", r)
	}
}

func TestRemediationSection(t *testing.T) {
	src := `remediation:
  enabled: true
  actions: [aws.s3.block-public-access, aws.s3.enable-versioning]
  approvals: {high: 2, low: 1}
  approvers: [admin, U0CAROL01, S0SECOPS1]
  expiry: 30m
  auto: [aws-s3-bucket-public-access-block]
  role_arn: arn:aws:iam::111122223333:role/comply-remediate
  external_id: ${EXT}
  accounts: {"444455556666": "arn:aws:iam::444455556666:role/comply-remediate"}
  kms_key_id: alias/comply
`
	cfg, err := Parse("c.yaml", []byte(src), env(map[string]string{"EXT": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Remediation
	switch {
	case !r.ActionEnabled("aws.s3.block-public-access"), r.ActionEnabled("aws.kms.enable-rotation"):
		t.Errorf("actions %v", r.Actions)
	case r.ApprovalsFor(checks.SeverityHigh) != 2, r.ApprovalsFor(checks.SeverityCritical) != 2, r.ApprovalsFor(checks.SeverityMedium) != 1:
		t.Errorf("approvals %v", r.Approvals)
	case !slices.Equal(r.ApproverRoles, []string{"admin"}), !slices.Equal(r.ApproverIDs, []string{"U0CAROL01", "S0SECOPS1"}):
		t.Errorf("approvers %v %v", r.ApproverRoles, r.ApproverIDs)
	case r.Expiry != 30*time.Minute, !r.AutoFor("aws-s3-bucket-public-access-block"):
		t.Errorf("expiry/auto %v %v", r.Expiry, r.Auto)
	case r.ExternalID.Value() != "s3cret", fmt.Sprint(r) == "" || strings.Contains(fmt.Sprintf("%v", r), "s3cret"):
		t.Errorf("external id leaked or lost: %v", r)
	case r.Accounts["444455556666"] == "", r.KMSKeyID != "alias/comply", r.SessionName != "comply-remediation":
		t.Errorf("credentials %+v", r)
	}
	// Disabled but configured: nothing is enabled.
	cfg, err = Parse("c.yaml", []byte("remediation:\n  enabled: false\n  actions: [aws.s3.enable-versioning]\n  auto: [r1]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Remediation.ActionEnabled("aws.s3.enable-versioning") || cfg.Remediation.AutoFor("r1") {
		t.Error("a disabled section enables actions")
	}
}

func TestRemediationProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown action", "remediation:\n  actions:\n    - aws.s3.delete-bucket\n", `c.yaml:3: remediation.actions: unknown action "aws.s3.delete-bucket"`},
		{"dup action", "remediation:\n  actions: [aws.s3.enable-versioning, aws.s3.enable-versioning]\n", `listed twice`},
		{"enabled without actions", "remediation:\n  enabled: true\n", `c.yaml:2: remediation.enabled: list the actions`},
		{"bad severity", "remediation:\n  approvals:\n    urgent: 2\n", `c.yaml:3: remediation.approvals: unknown severity`},
		{"zero approvals", "remediation:\n  approvals:\n    critical: 0\n", `c.yaml:3: remediation.approvals.critical must be 1-5`},
		{"bad approver", "remediation:\n  approvers:\n    - \"@alice\"\n", `c.yaml:3: remediation.approvers: "@alice" is not a role`},
		{"short expiry", "remediation:\n  expiry: 10s\n", `c.yaml:2: remediation.expiry must be between 1m and 7d`},
		{"bad expiry", "remediation:\n  expiry: soon\n", `c.yaml:2: remediation.expiry:`},
		{"bad auto", "remediation:\n  auto: [Not A Rule]\n", `remediation.auto: "Not A Rule" is not a rule id`},
		{"bad role", "remediation:\n  role_arn: arn:aws:iam::1:user/x\n", `c.yaml:2: remediation.role_arn:`},
		{"bad account", "remediation:\n  accounts:\n    \"12\": arn:aws:iam::111122223333:role/x\n", `c.yaml:3: remediation.accounts: "12" is not a 12-digit account id`},
		{"bad endpoint", "remediation:\n  endpoint: localhost:5000\n", `remediation.endpoint must be an http(s) URL`},
		{"unknown key", "remediation:\n  enable: true\n", `c.yaml:2: unknown field "enable"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.src, tt.want) })
	}
}
