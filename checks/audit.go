package checks

import "time"

// AuditEntry is one record of the append-only audit log: a state change or an
// action, with who did it.
type AuditEntry struct {
	// ID orders entries; it is assigned by the log.
	ID          string            `json:"id"`
	Time        time.Time         `json:"time"`
	Actor       string            `json:"actor"`
	Action      string            `json:"action"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

// Audit actions written by the state store itself, in the same atomic step as
// the change they record. Callers add their own (scans, commands, deliveries).
const (
	AuditFindingNew          = "finding.new"
	AuditFindingReopened     = "finding.reopened"
	AuditFindingResolved     = "finding.resolved"
	AuditFindingAcknowledged = "finding.acknowledged"
	AuditFindingSnoozed      = "finding.snoozed"
	AuditFindingUnsnoozed    = "finding.unsnoozed"

	AuditRemediationRequested = "remediation.requested"
	AuditRemediationApproval  = "remediation.approval" // one approver's consent
	AuditRemediationApproved  = "remediation.approved" // enough approvals
	AuditRemediationRejected  = "remediation.rejected"
	AuditRemediationCancelled = "remediation.cancelled"
	AuditRemediationExpired   = "remediation.expired"
	AuditRemediationApplied   = "remediation.applied"
	AuditRemediationFailed    = "remediation.failed"
)
