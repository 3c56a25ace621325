// Package store is the bot's memory: finding lifecycle and dedup, triage
// (acknowledgements, snoozes), remediation requests, the audit log, locks and
// scan history. Redis holds it when REDIS_URL is set; otherwise an in-process
// store does, which is neither shared between replicas nor durable.
//
// Both implementations pass one contract suite (store/storetest); docs/state.md
// describes the Redis key layout and the guarantees.
package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/comply-bot/comply/checks"
)

// Store is everything the bot keeps.
type Store interface {
	Findings
	Triage
	Remediations
	Audit
	Locks
	History
	Replay
	Deliveries
	// Ping checks the backend is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Findings tracks each fingerprint's lifecycle across scans.
type Findings interface {
	// Reconcile records a scan and returns the changes due for announcement.
	// Reconciles whose scopes overlap must not run at the same time (hold a
	// lock per scope).
	Reconcile(ctx context.Context, report *checks.ScanReport, opts ReconcileOptions) (*ReconcileResult, error)
	// MarkAnnounced records that changes were handled: delivered, or
	// deliberately not sent. Call it only after delivery succeeded: until
	// then every Reconcile returns the change again. Unknown fingerprints
	// make it return ErrNotFound after recording the others.
	MarkAnnounced(ctx context.Context, anns ...Announcement) error
	// Finding returns one fingerprint's state, or ErrNotFound.
	Finding(ctx context.Context, fingerprint string) (checks.FindingState, error)
	// OpenFindings returns every open finding's state (acknowledged and
	// snoozed ones included), for status, reports and scores.
	OpenFindings(ctx context.Context) ([]checks.FindingState, error)
}

// Triage is what people do to findings.
type Triage interface {
	// Acknowledge silences a known finding until it resolves and comes back.
	Acknowledge(ctx context.Context, fingerprint, by, reason string) (checks.FindingState, error)
	// Snooze silences a finding until a time (which must be in the future);
	// it holds across resolve and reopen.
	Snooze(ctx context.Context, fingerprint, by, reason string, until time.Time) (checks.FindingState, error)
	// Unsnooze lifts a snooze; without one it changes nothing.
	Unsnooze(ctx context.Context, fingerprint, by string) (checks.FindingState, error)
}

// Remediations holds remediation requests and their approvals. Every
// transition is atomic: the approval that completes a request is reported
// exactly once, so the caller applies the change once.
type Remediations interface {
	// CreateRemediation stores a new request (ID generated when empty, status
	// requested). ErrConflict if the finding already has an active request.
	CreateRemediation(ctx context.Context, req checks.RemediationRequest) (checks.RemediationRequest, error)
	// Remediation returns a request, its status as of now, or ErrNotFound.
	Remediation(ctx context.Context, id string) (checks.RemediationRequest, error)
	// ActiveRemediation returns the finding's active request, or ErrNotFound.
	ActiveRemediation(ctx context.Context, fingerprint string) (checks.RemediationRequest, error)
	// ApproveRemediation records an approval. approved is true for exactly
	// one call: the one that brought the request to approved.
	ApproveRemediation(ctx context.Context, id, approver string) (req checks.RemediationRequest, approved bool, err error)
	// RejectRemediation ends a request that waits for approval.
	RejectRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error)
	// CancelRemediation withdraws a request that waits for approval.
	CancelRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error)
	// CompleteRemediation records the outcome of an approved change: applied
	// or failed. Only an approved request can complete, once.
	CompleteRemediation(ctx context.Context, id, by string, applied bool, note string) (checks.RemediationRequest, error)
	// CancelApprovedRemediation ends an approved request without applying
	// it (its live re-check found the resource changed): approved to
	// cancelled, once, instead of CompleteRemediation.
	CancelApprovedRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error)
	// OpenRemediations lists the requests not yet closed in the store
	// (requested or approved as written), soonest expiry first, each with its
	// status as of now: one waiting past its window reads expired until
	// ExpireRemediation (or a decision on it) writes that down.
	OpenRemediations(ctx context.Context) ([]checks.RemediationRequest, error)
	// ExpireRemediation writes down the expiry of a request that waits for
	// approval past its window. expired is true for exactly one call, the
	// one that wrote it (a decision on the request may have written it
	// first: then none). ErrTransition if the request is not waiting or its
	// window is still open.
	ExpireRemediation(ctx context.Context, id string) (req checks.RemediationRequest, expired bool, err error)
}

// Audit is the append-only log of state changes and actions.
type Audit interface {
	// AppendAudit adds an entry; its ID and Time are assigned by the log.
	AppendAudit(ctx context.Context, e checks.AuditEntry) (checks.AuditEntry, error)
	// ReadAudit returns entries oldest first.
	ReadAudit(ctx context.Context, q AuditQuery) ([]checks.AuditEntry, error)
}

// Locks are leases with a deadline, for "one replica runs each scheduled
// scan" and "one scan per scope at a time".
type Locks interface {
	// AcquireLock takes the named lock for ttl, or fails with ErrLocked.
	AcquireLock(ctx context.Context, name string, ttl time.Duration) (Lease, error)
	// ExtendLock renews a held lock for ttl; ErrNotHeld if it was lost.
	ExtendLock(ctx context.Context, l Lease, ttl time.Duration) error
	// ReleaseLock frees a held lock; ErrNotHeld if it is not (or no longer) ours.
	ReleaseLock(ctx context.Context, l Lease) error
}

// History keeps each scan's summary and score, trimmed to retention.
type History interface {
	RecordScan(ctx context.Context, r ScanRecord) error
	// RecentScans returns up to n records, newest first (n <= 0: all).
	RecentScans(ctx context.Context, n int) ([]ScanRecord, error)
	// ScansBetween returns the records finished in [from, to], oldest first.
	ScansBetween(ctx context.Context, from, to time.Time) ([]ScanRecord, error)
}

// Replay remembers keys for a while, e.g. Slack request signatures.
type Replay interface {
	// SeenOnce records key for ttl and reports whether it was already
	// recorded (seen is true for a replay).
	SeenOnce(ctx context.Context, key string, ttl time.Duration) (seen bool, err error)
}

// Errors. Implementations wrap them with context; test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrInvalid: an argument the store refuses (empty fingerprint, a snooze
	// in the past, zero required approvals...).
	ErrInvalid = errors.New("invalid argument")
	// ErrConflict: the finding already has an active remediation request.
	ErrConflict = errors.New("an active remediation request exists")
	// ErrSelfApproval: the requester cannot approve their own request.
	ErrSelfApproval = errors.New("the requester cannot approve their own request")
	// ErrAlreadyApproved: this approver already approved; counted once.
	ErrAlreadyApproved = errors.New("already approved by this approver")
	// ErrExpired: the approval window has closed.
	ErrExpired = errors.New("remediation request expired")
	// ErrTransition: the request's status does not allow this step.
	ErrTransition = errors.New("remediation request status does not allow this")
	ErrLocked     = errors.New("lock is held")
	ErrNotHeld    = errors.New("lock not held")
)

// ReconcileOptions tune one reconcile.
type ReconcileOptions struct {
	// Scope bounds which stored findings this scan speaks for: a scan of
	// some accounts or regions must not resolve the others' findings.
	Scope Scope
	// Actor is recorded in the audit log; empty means "scan:<report id>".
	Actor string
}

// Scope is a set of accounts and regions; an empty list matches all.
type Scope struct {
	Accounts []string
	Regions  []string
	// Places, when set, narrows further to these (account, region) pairs:
	// a scan of some sources speaks only for where they showed resources,
	// not for every account crossed with every region.
	Places []Place
}

// Place is one account's region.
type Place struct{ Account, Region string }

// Contains reports whether a finding in account and region is in scope.
func (s Scope) Contains(account, region string) bool {
	return (len(s.Accounts) == 0 || slices.Contains(s.Accounts, account)) &&
		(len(s.Regions) == 0 || slices.Contains(s.Regions, region)) &&
		(len(s.Places) == 0 || slices.Contains(s.Places, Place{account, region}))
}

// ReconcileResult is what a reconcile did.
type ReconcileResult struct {
	// Changes are due for announcement: those of failing findings in the
	// report's order (the engine's: most severe first), then resolutions,
	// most severe first. Resolutions are always listed, announced before or
	// not (a ticket may exist), until marked announced.
	Changes []checks.Change
	// Counts of what the scan did to stored findings, announced or not.
	New, Reopened, StillOpen, Resolved int
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	// From and To bound entry times (inclusive); zero means unbounded.
	From, To time.Time
	// After continues a previous read: only entries with a greater ID.
	After string
	// Limit caps the entries returned; 0 means 1000.
	Limit int
}

// Announcement is a delivered (or deliberately skipped) change.
type Announcement struct {
	Fingerprint string
	// At is the delivery time (zero: now). Announcement times only move
	// forward.
	At time.Time
	// Ref identifies what was posted (Slack ts, ticket key) so later
	// announcements can update or thread onto it; empty keeps the previous.
	Ref string
}

// Lease is a held lock.
type Lease struct {
	Name  string
	Token string
}

// ScanRecord is one scan's line in the history.
type ScanRecord struct {
	Scan    checks.ScanInfo `json:"scan"`
	Score   checks.Score    `json:"score"`
	Summary checks.Summary  `json:"summary"`
	// ErrorCount is len(Scan.Errors) before those were capped to
	// MaxRecordedErrors.
	ErrorCount int `json:"error_count"`
	// Changes counts what the scan's reconcile did (new, reopened...).
	Changes map[checks.ChangeKind]int `json:"changes,omitempty"`
}

// MaxRecordedErrors caps the scan errors kept per history record.
const MaxRecordedErrors = 20

// NewScanRecord builds a history record from a report and, if known, the
// reconcile that followed it.
func NewScanRecord(r *checks.ScanReport, rec *ReconcileResult) ScanRecord {
	out := ScanRecord{Scan: r.Scan, Score: r.Score, Summary: r.Summary, ErrorCount: len(r.Scan.Errors)}
	if len(out.Scan.Errors) > MaxRecordedErrors {
		out.Scan.Errors = out.Scan.Errors[:MaxRecordedErrors:MaxRecordedErrors]
	}
	if rec != nil {
		out.Changes = map[checks.ChangeKind]int{
			checks.ChangeNew: rec.New, checks.ChangeReopened: rec.Reopened,
			checks.ChangeStillOpen: rec.StillOpen, checks.ChangeResolved: rec.Resolved,
		}
	}
	return out
}
