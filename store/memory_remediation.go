package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/comply-bot/comply/checks"
)

// CreateRemediation implements Remediations.
func (m *Memory) CreateRemediation(_ context.Context, req checks.RemediationRequest) (checks.RemediationRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	req, err := checkNewRemediation(req, now)
	if err != nil {
		return req, err
	}
	if id, ok := m.activeRem[req.Fingerprint]; ok && m.rems[id].Active(now) {
		return checks.RemediationRequest{}, fmt.Errorf("create remediation for %s: %w (%s)", req.Fingerprint, ErrConflict, id)
	}
	if _, ok := m.rems[req.ID]; ok {
		return checks.RemediationRequest{}, fmt.Errorf("create remediation %s: id in use: %w", req.ID, ErrInvalid)
	}
	r := req
	m.rems[r.ID] = &r
	m.activeRem[r.Fingerprint] = r.ID
	m.appendAudit(now, r.Requester, checks.AuditRemediationRequested, r.Fingerprint, map[string]string{
		"request": r.ID, "rule": r.RuleID, "action": r.Action, "required_approvals": fmt.Sprint(r.RequiredApprovals),
		"expires_at": r.ExpiresAt.Format(timeFormat),
	})
	return copyRequest(&r), nil
}

// Remediation implements Remediations.
func (m *Memory) Remediation(_ context.Context, id string) (checks.RemediationRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rems[id]
	if r == nil {
		return checks.RemediationRequest{}, fmt.Errorf("remediation %s: %w", id, ErrNotFound)
	}
	out := copyRequest(r)
	out.Status = r.StatusAt(m.now())
	return out, nil
}

// ActiveRemediation implements Remediations.
func (m *Memory) ActiveRemediation(_ context.Context, fp string) (checks.RemediationRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.activeRem[fp]; ok {
		if r := m.rems[id]; r.Active(m.now()) {
			return copyRequest(r), nil
		}
	}
	return checks.RemediationRequest{}, fmt.Errorf("active remediation for %s: %w", fp, ErrNotFound)
}

// ApproveRemediation implements Remediations.
func (m *Memory) ApproveRemediation(_ context.Context, id, approver string) (checks.RemediationRequest, bool, error) {
	if approver == "" {
		return checks.RemediationRequest{}, false, fmt.Errorf("approve remediation %s: empty approver: %w", id, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.pending("approve", id)
	if err != nil {
		return r, false, err
	}
	req := m.rems[id]
	switch {
	case approver == req.Requester:
		return copyRequest(req), false, fmt.Errorf("approve remediation %s by %s: %w", id, approver, ErrSelfApproval)
	case slices.ContainsFunc(req.Approvals, func(a checks.Approval) bool { return a.Approver == approver }):
		return copyRequest(req), false, fmt.Errorf("approve remediation %s by %s: %w", id, approver, ErrAlreadyApproved)
	}
	now := m.now()
	req.Approvals = append(req.Approvals, checks.Approval{Approver: approver, At: now})
	sortApprovals(req.Approvals)
	req.UpdatedAt = now
	m.appendAudit(now, approver, checks.AuditRemediationApproval, req.Fingerprint, map[string]string{
		"request": id, "approvals": fmt.Sprint(len(req.Approvals)), "required_approvals": fmt.Sprint(req.RequiredApprovals),
	})
	if len(req.Approvals) < req.RequiredApprovals {
		return copyRequest(req), false, nil
	}
	req.Status = checks.RemediationApproved
	m.appendAudit(now, approver, checks.AuditRemediationApproved, req.Fingerprint, map[string]string{"request": id})
	return copyRequest(req), true, nil
}

// RejectRemediation implements Remediations.
func (m *Memory) RejectRemediation(_ context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return m.close("reject", id, by, reason, checks.RemediationRejected, checks.AuditRemediationRejected)
}

// CancelRemediation implements Remediations.
func (m *Memory) CancelRemediation(_ context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return m.close("cancel", id, by, reason, checks.RemediationCancelled, checks.AuditRemediationCancelled)
}

func (m *Memory) close(op, id, by, reason string, to checks.RemediationStatus, action string) (checks.RemediationRequest, error) {
	if by == "" {
		return checks.RemediationRequest{}, fmt.Errorf("%s remediation %s: empty actor: %w", op, id, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, err := m.pending(op, id); err != nil {
		return r, err
	}
	now := m.now()
	req := m.rems[id]
	req.Status, req.ClosedBy, req.Note, req.UpdatedAt = to, by, reason, now
	m.deactivate(req)
	m.appendAudit(now, by, action, req.Fingerprint, map[string]string{"request": id, "reason": reason})
	return copyRequest(req), nil
}

// CompleteRemediation implements Remediations.
func (m *Memory) CompleteRemediation(_ context.Context, id, by string, applied bool, note string) (checks.RemediationRequest, error) {
	if by == "" {
		return checks.RemediationRequest{}, fmt.Errorf("complete remediation %s: empty actor: %w", id, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	req := m.rems[id]
	if req == nil {
		return checks.RemediationRequest{}, fmt.Errorf("complete remediation %s: %w", id, ErrNotFound)
	}
	now := m.now()
	if req.Status != checks.RemediationApproved {
		out := copyRequest(req)
		out.Status = req.StatusAt(now)
		return out, fmt.Errorf("complete remediation %s (%s): %w", id, out.Status, ErrTransition)
	}
	to, action := checks.RemediationFailed, checks.AuditRemediationFailed
	if applied {
		to, action = checks.RemediationApplied, checks.AuditRemediationApplied
	}
	req.Status, req.ClosedBy, req.Note, req.UpdatedAt = to, by, note, now
	m.deactivate(req)
	m.appendAudit(now, by, action, req.Fingerprint, map[string]string{"request": id, "note": note})
	return copyRequest(req), nil
}

// pending checks that a request waits for approval, recording its expiry if
// its window has closed. Callers hold m.mu.
func (m *Memory) pending(op, id string) (checks.RemediationRequest, error) {
	req := m.rems[id]
	if req == nil {
		return checks.RemediationRequest{}, fmt.Errorf("%s remediation %s: %w", op, id, ErrNotFound)
	}
	now := m.now()
	if req.StatusAt(now) == checks.RemediationExpired {
		if req.Status != checks.RemediationExpired {
			req.Status, req.UpdatedAt = checks.RemediationExpired, now
			m.deactivate(req)
			m.appendAudit(now, SystemActor, checks.AuditRemediationExpired, req.Fingerprint, map[string]string{"request": id})
		}
		return copyRequest(req), fmt.Errorf("%s remediation %s: %w", op, id, ErrExpired)
	}
	if req.Status != checks.RemediationRequested {
		return copyRequest(req), fmt.Errorf("%s remediation %s (%s): %w", op, id, req.Status, ErrTransition)
	}
	return copyRequest(req), nil
}

func (m *Memory) deactivate(req *checks.RemediationRequest) {
	if m.activeRem[req.Fingerprint] == req.ID {
		delete(m.activeRem, req.Fingerprint)
	}
}

func copyRequest(r *checks.RemediationRequest) checks.RemediationRequest {
	out := *r
	out.Approvals = slices.Clone(r.Approvals)
	if out.Approvals == nil {
		out.Approvals = []checks.Approval{}
	}
	return out
}
