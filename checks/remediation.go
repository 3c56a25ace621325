package checks

import "time"

// RemediationStatus is where a remediation request stands.
type RemediationStatus string

// Remediation statuses. Requested is the only state that takes approvals;
// approved is reached exactly once and only approved may become applied or
// failed. Rejected, expired, applied, failed and cancelled are final.
const (
	RemediationRequested RemediationStatus = "requested"
	RemediationApproved  RemediationStatus = "approved"
	RemediationRejected  RemediationStatus = "rejected"
	RemediationExpired   RemediationStatus = "expired"
	RemediationApplied   RemediationStatus = "applied"
	RemediationFailed    RemediationStatus = "failed"
	RemediationCancelled RemediationStatus = "cancelled"
)

// Final reports whether no further transition is possible.
func (s RemediationStatus) Final() bool {
	switch s {
	case RemediationRejected, RemediationExpired, RemediationApplied, RemediationFailed, RemediationCancelled:
		return true
	}
	return false
}

// Approval is one approver's consent.
type Approval struct {
	Approver string    `json:"approver"`
	At       time.Time `json:"at"`
}

// RemediationRequest asks named humans to approve an automated fix of one
// finding.
type RemediationRequest struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"rule_id"`
	// Action is the remediation action (e.g. aws.s3.enable-default-encryption).
	Action    string `json:"action,omitempty"`
	Requester string `json:"requester"`
	// PlannedChange is the remediator's dry run (text or JSON), shown to the
	// approvers as is.
	PlannedChange     string            `json:"planned_change"`
	RequiredApprovals int               `json:"required_approvals"`
	Approvals         []Approval        `json:"approvals"`
	Status            RemediationStatus `json:"status"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	// ExpiresAt bounds the approval window: no approval counts after it.
	ExpiresAt time.Time `json:"expires_at"`
	// ClosedBy is who rejected, cancelled, applied or failed the request.
	ClosedBy string `json:"closed_by,omitempty"`
	// Note is the rejection or cancellation reason, or the outcome of the
	// change (applied details, failure message).
	Note string `json:"note,omitempty"`
}

// StatusAt is the status at now: a request still waiting for approvals past
// its expiry is expired, whether or not that was written down yet.
func (r *RemediationRequest) StatusAt(now time.Time) RemediationStatus {
	if r.Status == RemediationRequested && !now.Before(r.ExpiresAt) {
		return RemediationExpired
	}
	return r.Status
}

// Active reports whether the request still blocks a new one for the same
// finding: waiting for approval, or approved and not yet applied, within its
// window. An approved request past its window (say its applier crashed) no
// longer blocks, though it may still be marked applied or failed.
func (r *RemediationRequest) Active(now time.Time) bool {
	return (r.Status == RemediationRequested || r.Status == RemediationApproved) && now.Before(r.ExpiresAt)
}

// RemediationTarget is what an automated fix acts on: one finding's
// resource, the rule's action and its parameters.
type RemediationTarget struct {
	Action string `json:"action"`
	// Params are the rule's remediation.params (e.g. the ports a
	// security-group rule checks), as written in the rule file.
	Params       map[string]any `json:"params,omitempty"`
	RuleID       string         `json:"rule_id"`
	Fingerprint  string         `json:"fingerprint"`
	ResourceID   string         `json:"resource_id"`
	ResourceType string         `json:"resource_type"`
	ResourceName string         `json:"resource_name,omitempty"`
	Account      string         `json:"account"`
	Region       string         `json:"region"`
}

// PlannedCall is one API call a fix would make, exactly.
type PlannedCall struct {
	// API is service:Operation, e.g. s3:PutPublicAccessBlock.
	API    string         `json:"api"`
	Params map[string]any `json:"params,omitempty"`
}

// AttributeChange is an attribute's value read live before the change and
// the value the change sets.
type AttributeChange struct {
	Attribute string `json:"attribute"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
}

// RemediationPlan is a fix's dry run, read live: the calls it would make and
// what they change. A plan with no calls means the resource already complies
// (NoOpReason says why).
type RemediationPlan struct {
	Target     RemediationTarget `json:"target"`
	Calls      []PlannedCall     `json:"calls"`
	Changes    []AttributeChange `json:"changes"`
	NoOpReason string            `json:"noop_reason,omitempty"`
	PlannedAt  time.Time         `json:"planned_at"`
}

// NoOp reports whether the plan changes nothing.
func (p *RemediationPlan) NoOp() bool { return len(p.Calls) == 0 }
