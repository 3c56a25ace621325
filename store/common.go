package store

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// SystemActor is the audit actor of changes nobody made, like an expiry.
const SystemActor = "comply"

// timeFormat writes times into audit details.
const timeFormat = time.RFC3339

// randomHex returns n random bytes as hex (tokens, request ids).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

func newRemediationID() string { return "rem-" + randomHex(8) }

// checkNewRemediation validates a request about to be created and fills in
// what the store owns.
func checkNewRemediation(req checks.RemediationRequest, now time.Time) (checks.RemediationRequest, error) {
	switch {
	case req.Fingerprint == "":
		return req, fmt.Errorf("create remediation: empty fingerprint: %w", ErrInvalid)
	case req.Requester == "":
		return req, fmt.Errorf("create remediation: empty requester: %w", ErrInvalid)
	case req.RequiredApprovals < 1:
		return req, fmt.Errorf("create remediation: %d required approvals: %w", req.RequiredApprovals, ErrInvalid)
	case !req.ExpiresAt.After(now):
		return req, fmt.Errorf("create remediation: expiry %s is not after now: %w", req.ExpiresAt.Format(timeFormat), ErrInvalid)
	}
	if req.ID == "" {
		req.ID = newRemediationID()
	}
	req.Status = checks.RemediationRequested
	req.Approvals = nil
	req.CreatedAt, req.UpdatedAt = now, now
	req.ExpiresAt = ms(req.ExpiresAt)
	req.ClosedBy, req.Note = "", ""
	return req, nil
}

func sortApprovals(as []checks.Approval) {
	slices.SortFunc(as, func(a, b checks.Approval) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Approver, b.Approver))
	})
}

// streamID is a Redis stream entry id, "<ms>-<seq>"; the in-memory audit log
// uses the same ids so that After cursors behave alike.
type streamID struct{ ms, seq int64 }

func parseStreamID(s string) (streamID, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		b = "0"
	}
	msv, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || msv < 0 || seq < 0 {
		return streamID{}, fmt.Errorf("audit id %q: %w", s, ErrInvalid)
	}
	return streamID{msv, seq}, nil
}

func (id streamID) String() string { return fmt.Sprintf("%d-%d", id.ms, id.seq) }

func (id streamID) compare(o streamID) int {
	return cmp.Or(cmp.Compare(id.ms, o.ms), cmp.Compare(id.seq, o.seq))
}

// auditLimit applies the default page size.
func auditLimit(q AuditQuery) int {
	if q.Limit <= 0 {
		return 1000
	}
	return q.Limit
}

func checkAuditEntry(e checks.AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("append audit: actor and action are required: %w", ErrInvalid)
	}
	return nil
}

// recordTime is when a scan record sorts in the history.
func recordTime(r *ScanRecord, now time.Time) time.Time {
	switch {
	case !r.Scan.FinishedAt.IsZero():
		return r.Scan.FinishedAt
	case !r.Scan.StartedAt.IsZero():
		return r.Scan.StartedAt
	}
	return now
}

func checkFingerprint(op, fp string) error {
	if fp == "" {
		return fmt.Errorf("%s: empty fingerprint: %w", op, ErrInvalid)
	}
	return nil
}

// missingError reports fingerprints MarkAnnounced did not know.
func missingError(fps []string) error {
	switch len(fps) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("mark %s announced: %w", fps[0], ErrNotFound)
	}
	return fmt.Errorf("mark announced: %d fingerprints, e.g. %s: %w", len(fps), fps[0], ErrNotFound)
}
