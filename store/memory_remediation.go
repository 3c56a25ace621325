package store

import (
	"cmp"
	"context"
	"errors"
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
	m.openRem[r.ID] = true
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
	to, action := checks.RemediationFailed, checks.AuditRemediationFailed
	if applied {
		to, action = checks.RemediationApplied, checks.AuditRemediationApplied
	}
	return m.closeApproved("complete", id, by, note, "note", to, action)
}

// CancelApprovedRemediation implements Remediations.
func (m *Memory) CancelApprovedRemediation(_ context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return m.closeApproved("cancel approved", id, by, reason, "reason", checks.RemediationCancelled, checks.AuditRemediationCancelled)
}

// closeApproved ends an approved request; detail names the note in the
// audit entry.
func (m *Memory) closeApproved(op, id, by, note, detail string, to checks.RemediationStatus, action string) (checks.RemediationRequest, error) {
	if by == "" {
		return checks.RemediationRequest{}, fmt.Errorf("%s remediation %s: empty actor: %w", op, id, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	req := m.rems[id]
	if req == nil {
		return checks.RemediationRequest{}, fmt.Errorf("%s remediation %s: %w", op, id, ErrNotFound)
	}
	now := m.now()
	if req.Status != checks.RemediationApproved {
		out := copyRequest(req)
		out.Status = req.StatusAt(now)
		return out, fmt.Errorf("%s remediation %s (%s): %w", op, id, out.Status, ErrTransition)
	}
	req.Status, req.ClosedBy, req.Note, req.UpdatedAt = to, by, note, now
	m.deactivate(req)
	m.appendAudit(now, by, action, req.Fingerprint, map[string]string{"request": id, detail: note})
	return copyRequest(req), nil
}

// ExpireRemediation implements Remediations.
func (m *Memory) ExpireRemediation(_ context.Context, id string) (checks.RemediationRequest, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	req := m.rems[id]
	if req == nil {
		return checks.RemediationRequest{}, false, fmt.Errorf("expire remediation %s: %w", id, ErrNotFound)
	}
	if req.Status == checks.RemediationExpired {
		return copyRequest(req), false, nil
	}
	_, err := m.pending("expire", id)
	if errors.Is(err, ErrExpired) {
		return copyRequest(req), true, nil
	}
	out := copyRequest(req)
	out.Status = req.StatusAt(m.now())
	if err == nil {
		err = fmt.Errorf("expire remediation %s: the window is still open: %w", id, ErrTransition)
	}
	return out, false, err
}

// OpenRemediations implements Remediations.
func (m *Memory) OpenRemediations(context.Context) ([]checks.RemediationRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]checks.RemediationRequest, 0, len(m.openRem))
	for id := range m.openRem {
		r := copyRequest(m.rems[id])
		r.Status = r.StatusAt(now)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b checks.RemediationRequest) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
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

// deactivate closes a request: frees its finding's active slot and takes it
// out of the open index.
func (m *Memory) deactivate(req *checks.RemediationRequest) {
	if m.activeRem[req.Fingerprint] == req.ID {
		delete(m.activeRem, req.Fingerprint)
	}
	delete(m.openRem, req.ID)
}

func copyRequest(r *checks.RemediationRequest) checks.RemediationRequest {
	out := *r
	out.Approvals = slices.Clone(r.Approvals)
	if out.Approvals == nil {
		out.Approvals = []checks.Approval{}
	}
	return out
}
