package checks

import (
	"cmp"
	"fmt"
	"time"
)

// MessageRemediation is a remediation request's message: the planned change,
// its approvals and its outcome, updated in place.
const MessageRemediation MessageKind = "remediation"

// ModalReject asks why a remediation request (Action.Subject) is rejected.
const ModalReject ModalKind = "reject"

// Verification outcomes: the rule evaluated again after a change.
const (
	VerifiedResolved     = "resolved"
	VerifiedStillFailing = "still failing"
	VerifiedInconclusive = "could not be verified"
)

// RemediationView is what a remediation message shows.
type RemediationView struct {
	Request RemediationRequest
	// Plan is the approved dry run (nil: only Request.PlannedChange is known).
	Plan    *RemediationPlan
	Finding Finding
	// Verification is the outcome of evaluating the rule again after the
	// change (Verified*), with Detail saying more (an error).
	Verification, VerificationDetail string
	// Auto says the change ran without approval, as configured.
	Auto bool
}

// RemediationMessage describes a request as of now, with Approve and Reject
// buttons while it waits for approvals.
func RemediationMessage(v RemediationView, now time.Time) Message {
	r, f := v.Request, v.Finding
	status := r.StatusAt(now)
	m := Message{
		Kind:     MessageRemediation,
		Key:      r.ID,
		Severity: f.Severity,
		Title:    "Fix: " + cmp.Or(f.Title, r.RuleID),
		Text:     remediationText(v, status),
		Fields: []Field{
			ValueField("Resource", cmp.Or(f.ResourceName, f.ResourceID)),
			ValueField("Action", r.Action),
			ValueField("Account", cmp.Or(f.Account, "-")),
			ValueField("Region", cmp.Or(f.Region, "-")),
			{Label: "Requested by", Value: Line{UserSpan(r.Requester), TextSpan(" "), TimeSpan(r.CreatedAt)}},
			TextField("Approvals", fmt.Sprintf("%d of %d", len(r.Approvals), r.RequiredApprovals)),
		},
		State:   remediationState(r, status),
		Context: []Line{{TextSpan("Request "), ValueSpan(r.ID), TextSpan(" · rule "), ValueSpan(r.RuleID), TextSpan(" · finding id "), ValueSpan(shortID(r.Fingerprint))}},
	}
	if v.Auto {
		// Fixed without approval, as configured: announced as an incident.
		m.Title = "Incident · auto-fix: " + cmp.Or(f.Title, r.RuleID)
		m.Fields[4] = TextField("Requested by", "auto-remediation (remediation.auto lists this rule)")
		m.Fields = m.Fields[:5]
	}
	if status == RemediationRequested {
		m.Fields = append(m.Fields, Field{Label: "Expires", Value: Line{TimeSpan(r.ExpiresAt)}})
	}
	plan := r.PlannedChange
	if v.Plan != nil {
		plan = FormatPlan(*v.Plan)
	}
	if plan != "" {
		m.Notes = append(m.Notes, Note{Label: "Planned change", Text: plan})
	}
	if status == RemediationRequested {
		m.Actions = []Action{
			{ID: "approve", Label: "Approve", Command: "approve " + r.ID, Style: StylePrimary,
				Confirm: "Approve this change? It is applied once enough approvers approve."},
			// The form asks for the reason; /comply reject <id> <reason> does the same.
			{ID: "reject", Label: "Reject…", Modal: ModalReject, Subject: r.ID, Style: StyleDanger},
		}
	}
	return m
}

func remediationText(v RemediationView, status RemediationStatus) string {
	r := v.Request
	switch status {
	case RemediationRequested:
		return fmt.Sprintf("Waiting for approval (%d of %d). The resource is checked again just before the change; nothing changes without enough approvers.",
			len(r.Approvals), r.RequiredApprovals)
	case RemediationApproved:
		return "Approved. Checking the resource again and applying the change…"
	case RemediationApplied:
		switch v.Verification {
		case VerifiedResolved:
			return "Applied. Verified: the rule passes now; the finding resolves at the next scan."
		case VerifiedStillFailing:
			return "Applied, but the rule still fails on the resource. Check it by hand."
		case VerifiedInconclusive:
			return "Applied. The rule could not be evaluated again: " + v.VerificationDetail
		}
		return "Applied."
	case RemediationFailed:
		return "The change failed; the finding stays open: " + r.Note
	case RemediationCancelled:
		return "Cancelled; nothing was changed: " + r.Note
	case RemediationRejected:
		return "Rejected; nothing was changed."
	case RemediationExpired:
		return "Expired before enough approvals; nothing was changed. Request the fix again if it is still needed."
	}
	return string(status)
}

func remediationState(r RemediationRequest, status RemediationStatus) Line {
	var l Line
	for i, a := range r.Approvals {
		if i == 0 {
			l = append(l, TextSpan("Approved by "))
		} else {
			l = append(l, TextSpan(", "))
		}
		l = append(l, UserSpan(a.Approver), TextSpan(" "), TimeSpan(a.At))
	}
	closed := func(what string) {
		if len(l) > 0 {
			l = append(l, TextSpan(" · "))
		}
		l = append(l, TextSpan(what))
		if r.ClosedBy != "" && r.ClosedBy != "comply" {
			l = append(l, TextSpan(" by "), UserSpan(r.ClosedBy))
		}
		l = append(l, TextSpan(" "), TimeSpan(r.UpdatedAt))
	}
	switch status {
	case RemediationRejected:
		closed("Rejected")
		if r.Note != "" {
			l = append(l, TextSpan(": "), ValueSpan(r.Note))
		}
	case RemediationCancelled:
		closed("Cancelled")
	case RemediationApplied:
		closed("Applied")
	case RemediationFailed:
		closed("Failed")
	case RemediationExpired:
		if len(l) > 0 {
			l = append(l, TextSpan(" · "))
		}
		l = append(l, TextSpan("Expired "), TimeSpan(r.ExpiresAt))
	}
	if len(l) == 0 {
		l = Line{TextSpan("No approvals yet")}
	}
	return l
}

// pendingLine continues a finding's state line with its active remediation
// request, so whoever looks at the finding finds the request.
func pendingLine(r RemediationRequest) Line {
	what := fmt.Sprintf("waiting for approval, %d of %d", len(r.Approvals), r.RequiredApprovals)
	if r.Status == RemediationApproved {
		what = "approved, being applied"
	}
	return Line{TextSpan(" · remediation-pending: fix "), ValueSpan(r.ID), TextSpan(" (" + what + ")")}
}
