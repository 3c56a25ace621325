package store

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/comply-bot/comply/checks"
)

var _ Store = (*Memory)(nil)

// Memory is the in-process store: the default without REDIS_URL, and the
// reference the Redis store is tested against. One mutex guards everything,
// which makes every operation atomic.
type Memory struct {
	cfg Config

	mu       sync.Mutex
	findings map[string]*checks.FindingState
	// pendingResolved are resolved findings whose resolution is not yet
	// marked announced.
	pendingResolved map[string]bool
	rems            map[string]*checks.RemediationRequest
	activeRem       map[string]string // fingerprint -> request id
	openRem         map[string]bool   // ids of requests not yet closed
	audit           []checks.AuditEntry
	lastAudit       streamID
	locks           map[string]memLock
	history         map[string]histEntry // scan id -> record
	seen            map[string]time.Time // replay key -> expiry
	seenCalls       int
	// deliveries: fingerprint -> receiver -> record (memory_deliveries.go).
	deliveries map[string]map[string]Delivery
}

type memLock struct {
	token   string
	expires time.Time
}

// NewMemory returns an in-process store and logs that its state is neither
// shared nor durable.
func NewMemory(log *slog.Logger, opts Options) (*Memory, error) {
	cfg, err := opts.Resolve()
	if err != nil {
		return nil, err
	}
	if log != nil {
		log.Warn("state store is in-memory: state is neither shared between replicas nor durable")
	}
	return &Memory{
		cfg:             cfg,
		findings:        map[string]*checks.FindingState{},
		pendingResolved: map[string]bool{},
		rems:            map[string]*checks.RemediationRequest{},
		activeRem:       map[string]string{},
		openRem:         map[string]bool{},
		locks:           map[string]memLock{},
		history:         map[string]histEntry{},
		seen:            map[string]time.Time{},
	}, nil
}

// Ping always succeeds.
func (m *Memory) Ping(context.Context) error { return nil }

// Close does nothing; the state goes with the process.
func (m *Memory) Close() error { return nil }

func (m *Memory) now() time.Time { return ms(m.cfg.Now()) }

// Reconcile implements Findings.
func (m *Memory) Reconcile(ctx context.Context, report *checks.ScanReport, opts ReconcileOptions) (*ReconcileResult, error) {
	in, err := prepare(report, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	res := &ReconcileResult{}
	for _, f := range in.findings {
		fp := f.Fingerprint
		st := m.lookup(fp, now)
		switch {
		case st == nil:
			s := newState(fp, now)
			st = &s
			m.findings[fp] = st
			res.New++
			m.appendAudit(now, in.actor, checks.AuditFindingNew, fp, findingDetails(&f))
		case st.Status == checks.LifecycleResolved:
			st.Status, st.LastSeen, st.OpenedAt, st.ResolvedAt = checks.LifecycleOpen, now, now, time.Time{}
			st.TimesSeen++
			st.Reopens++
			st.LastChange = checks.ChangeReopened
			st.Ack = nil // a regression is news; a snooze holds until it ends
			delete(m.pendingResolved, fp)
			res.Reopened++
			m.appendAudit(now, in.actor, checks.AuditFindingReopened, fp, findingDetails(&f))
		default:
			st.LastSeen = now
			st.TimesSeen++
			res.StillOpen++
		}
		// The state holds its own copy; snapshot() shares the report's maps.
		snap := cloneFinding(snapshot(f))
		st.Finding = &snap
		if kind, reason, ok := announcement(st, now, m.cfg.Reminder(f.Severity), m.cfg.SnoozeReminderLead); ok {
			res.Changes = append(res.Changes, checks.Change{Kind: kind, Reason: reason, Finding: f, State: stateOnly(st)})
		}
	}
	for fp, st := range m.findings {
		if st.Status != checks.LifecycleOpen {
			m.lookup(fp, now) // forgets it past the retention
			continue
		}
		if !in.resolvable(fp, st.Finding.RuleID, st.Finding.Account, st.Finding.Region, opts.Scope) { // open states always have a finding
			continue
		}
		st.Status, st.ResolvedAt, st.LastChange = checks.LifecycleResolved, now, checks.ChangeResolved
		m.pendingResolved[fp] = true
		res.Resolved++
		m.appendAudit(now, in.actor, checks.AuditFindingResolved, fp, findingDetails(st.Finding))
	}
	failing := len(res.Changes)
	for fp := range m.pendingResolved {
		st := m.lookup(fp, now)
		if st == nil {
			continue
		}
		res.Changes = append(res.Changes, resolvedChange(copyState(st)))
	}
	sortChanges(res.Changes[failing:])
	return res, nil
}

// MarkAnnounced implements Findings.
func (m *Memory) MarkAnnounced(_ context.Context, anns ...Announcement) error {
	for _, a := range anns {
		if err := checkFingerprint("mark announced", a.Fingerprint); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var missing []string
	for _, a := range anns {
		st := m.lookup(a.Fingerprint, m.now())
		if st == nil {
			missing = append(missing, a.Fingerprint)
			continue
		}
		at := a.At
		if at.IsZero() {
			at = m.now()
		}
		if at = ms(at); at.After(st.AnnouncedAt) {
			st.AnnouncedAt = at
		}
		if a.Ref != "" {
			st.AnnouncementRef = a.Ref
		}
		if st.Status == checks.LifecycleResolved {
			delete(m.pendingResolved, a.Fingerprint)
		}
	}
	return missingError(missing)
}

// Finding implements Findings.
func (m *Memory) Finding(_ context.Context, fp string) (checks.FindingState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.lookup(fp, m.now())
	if st == nil {
		return checks.FindingState{}, fmt.Errorf("finding %s: %w", fp, ErrNotFound)
	}
	return copyState(st), nil
}

// OpenFindings implements Findings.
func (m *Memory) OpenFindings(context.Context) ([]checks.FindingState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []checks.FindingState
	for _, st := range m.findings {
		if st.Status == checks.LifecycleOpen {
			out = append(out, copyState(st))
		}
	}
	sortStates(out)
	return out, nil
}

// Acknowledge implements Triage.
func (m *Memory) Acknowledge(_ context.Context, fp, by, reason string) (checks.FindingState, error) {
	if err := checkTriage("acknowledge", fp, by); err != nil {
		return checks.FindingState{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.lookup(fp, m.now())
	if st == nil {
		return checks.FindingState{}, fmt.Errorf("acknowledge %s: %w", fp, ErrNotFound)
	}
	now := m.now()
	st.Ack = &checks.Acknowledgement{By: by, Reason: reason, At: now}
	m.appendAudit(now, by, checks.AuditFindingAcknowledged, fp, map[string]string{"reason": reason})
	return copyState(st), nil
}

// Snooze implements Triage.
func (m *Memory) Snooze(_ context.Context, fp, by, reason string, until time.Time) (checks.FindingState, error) {
	if err := checkTriage("snooze", fp, by); err != nil {
		return checks.FindingState{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	until = ms(until)
	if !until.After(now) {
		return checks.FindingState{}, fmt.Errorf("snooze %s until %s: not in the future: %w", fp, until.Format(timeFormat), ErrInvalid)
	}
	st := m.lookup(fp, m.now())
	if st == nil {
		return checks.FindingState{}, fmt.Errorf("snooze %s: %w", fp, ErrNotFound)
	}
	st.Snooze = &checks.Snooze{By: by, Reason: reason, At: now, Until: until}
	m.appendAudit(now, by, checks.AuditFindingSnoozed, fp, map[string]string{"reason": reason, "until": until.Format(timeFormat)})
	return copyState(st), nil
}

// Unsnooze implements Triage.
func (m *Memory) Unsnooze(_ context.Context, fp, by string) (checks.FindingState, error) {
	if err := checkTriage("unsnooze", fp, by); err != nil {
		return checks.FindingState{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.lookup(fp, m.now())
	if st == nil {
		return checks.FindingState{}, fmt.Errorf("unsnooze %s: %w", fp, ErrNotFound)
	}
	if st.Snooze != nil {
		st.Snooze = nil
		m.appendAudit(m.now(), by, checks.AuditFindingUnsnoozed, fp, nil)
	}
	return copyState(st), nil
}

// lookup returns a finding's state, forgetting it if it was resolved longer
// ago than the retention (as Redis expires its keys). Callers hold m.mu.
func (m *Memory) lookup(fp string, now time.Time) *checks.FindingState {
	st := m.findings[fp]
	if st != nil && st.Status == checks.LifecycleResolved && m.cfg.ResolvedRetention > 0 &&
		!now.Before(st.ResolvedAt.Add(m.cfg.ResolvedRetention)) {
		delete(m.findings, fp)
		delete(m.pendingResolved, fp)
		delete(m.deliveries, fp)
		return nil
	}
	return st
}

func checkTriage(op, fp, by string) error {
	if err := checkFingerprint(op, fp); err != nil {
		return err
	}
	if by == "" {
		return fmt.Errorf("%s %s: empty actor: %w", op, fp, ErrInvalid)
	}
	return nil
}

// findingDetails is what the audit log says about a finding's change.
func findingDetails(f *checks.Finding) map[string]string {
	return map[string]string{"rule": f.RuleID, "severity": f.Severity.String(), "resource": f.ResourceID}
}

func copyState(st *checks.FindingState) checks.FindingState {
	out := stateOnly(st)
	if st.Finding != nil {
		f := cloneFinding(*st.Finding)
		out.Finding = &f
	}
	return out
}

// stateOnly copies a state without its finding snapshot.
func stateOnly(st *checks.FindingState) checks.FindingState {
	out := *st
	out.Finding = nil
	if st.Ack != nil {
		a := *st.Ack
		out.Ack = &a
	}
	if st.Snooze != nil {
		s := *st.Snooze
		out.Snooze = &s
	}
	return out
}

// cloneFinding copies the maps a caller might change later.
func cloneFinding(f checks.Finding) checks.Finding {
	if f.Frameworks != nil {
		fw := make(map[string][]string, len(f.Frameworks))
		for k, v := range f.Frameworks {
			fw[k] = slices.Clone(v)
		}
		f.Frameworks = fw
	}
	f.Tags = maps.Clone(f.Tags)
	f.Evidence = maps.Clone(f.Evidence)
	return f
}
