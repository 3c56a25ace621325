package slack

import (
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

// remediationGoldenCases are a remediation request's message through its
// life; TestRenderGolden renders them with the others. The requester and the
// bucket are hostile, to prove escaping.
func remediationGoldenCases() map[string]checks.Message {
	f := goldenFinding()
	f.Severity = checks.SeverityCritical
	f.ResourceName = "<!channel>-bucket"
	plan := checks.RemediationPlan{
		Target: checks.RemediationTarget{Action: f.RemediationAction, RuleID: f.RuleID, Fingerprint: f.Fingerprint,
			ResourceID: f.ResourceID, ResourceType: f.ResourceType, ResourceName: f.ResourceName, Account: f.Account, Region: f.Region},
		Calls: []checks.PlannedCall{{API: "s3:PutBucketEncryption", Params: map[string]any{
			"Bucket": "<!channel>-bucket", "SSEAlgorithm": "AES256"}}},
		Changes:   []checks.AttributeChange{{Attribute: "encryption_enabled", Before: false, After: true}},
		PlannedAt: goldenNow,
	}
	req := checks.RemediationRequest{ID: "rem-0a1b2c3d4e5f6071", Fingerprint: f.Fingerprint, RuleID: f.RuleID,
		Action: f.RemediationAction, Requester: "U0ALICE01", RequiredApprovals: 2, Status: checks.RemediationRequested,
		CreatedAt: goldenNow, UpdatedAt: goldenNow, ExpiresAt: goldenNow.Add(time.Hour)}
	view := func(mut func(r *checks.RemediationRequest)) checks.RemediationView {
		r := req
		r.Approvals = nil
		if mut != nil {
			mut(&r)
		}
		return checks.RemediationView{Request: r, Plan: &plan, Finding: f}
	}
	one := checks.Approval{Approver: "U0CAROL01", At: goldenNow.Add(5 * time.Minute)}
	two := checks.Approval{Approver: "U0DAVE001", At: goldenNow.Add(7 * time.Minute)}
	applied := view(func(r *checks.RemediationRequest) {
		r.Approvals = []checks.Approval{one, two}
		r.Status, r.ClosedBy, r.Note, r.UpdatedAt = checks.RemediationApplied, "comply", "applied", goldenNow.Add(8*time.Minute)
	})
	applied.Verification = checks.VerifiedResolved
	later := goldenNow.Add(10 * time.Minute)
	return map[string]checks.Message{
		"remediation_requested": checks.RemediationMessage(view(nil), later),
		"remediation_approved_1_of_2": checks.RemediationMessage(view(func(r *checks.RemediationRequest) {
			r.Approvals = []checks.Approval{one}
		}), later),
		"remediation_applied": checks.RemediationMessage(applied, later),
		"remediation_cancelled": checks.RemediationMessage(view(func(r *checks.RemediationRequest) {
			r.Status, r.ClosedBy, r.Note, r.UpdatedAt = checks.RemediationCancelled, "comply", "the resource already complies (<!here> did it)", later
		}), later),
		"remediation_expired": checks.RemediationMessage(view(nil), goldenNow.Add(2*time.Hour)),
		"remediation_failed": checks.RemediationMessage(view(func(r *checks.RemediationRequest) {
			r.Approvals = []checks.Approval{one, two}
			r.Status, r.ClosedBy, r.Note, r.UpdatedAt = checks.RemediationFailed, "comply", "apply failed: AccessDenied on <@U0BOSS01>", later
		}), later),
	}
}

func TestRenderRemediationGolden(t *testing.T) { checkGoldens(t, remediationGoldenCases()) }
