package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/comply-bot/comply/checks"
)

// Position is where a record is stored: a day file and line (directory), or
// an object key with Line 1 (S3).
type Position struct {
	File string
	Line int
}

// errConflict means another writer stored a record with the same seq first.
var errConflict = errors.New("evidence: another writer appended first")

// maxConflicts bounds the retries of one append that keeps losing the race
// to other writers.
const maxConflicts = 20

// backend is where the records of one chain live. The chain logic (hashes,
// seq, links, verification) is Store's; a backend only stores lines.
type backend interface {
	// lock serializes appenders that share the backend (several
	// processes); it returns the unlock.
	lock(ctx context.Context) (func(), error)
	// head is the last stored record, nil when there is none.
	head(ctx context.Context) (*Record, error)
	// put stores line, the encoding of r, as the record after the head; it
	// never overwrites a record and returns errConflict when one with r's
	// seq exists.
	put(ctx context.Context, r *Record, line []byte) error
	// scan calls fn with every stored line in chain order.
	scan(ctx context.Context, fn func(Position, []byte) error) error
	// misplaced says why r does not belong at pos, or "".
	misplaced(pos Position, r *Record) string
	// where names a position for people.
	where(pos Position) string
	// location names the whole store.
	location() string
	// readMeta and writeMeta keep small mutable values beside the chain
	// (not part of it); a missing value reads as nil.
	readMeta(ctx context.Context, name string) ([]byte, error)
	writeMeta(ctx context.Context, name string, value []byte) error
}

// Store is a hash-chained evidence store over a backend. Appends from one
// process are serialized by a mutex; appends from several by the backend
// (an flock for a directory, conditional writes for S3), and the head is
// re-read before each append, so writers never fork the chain.
type Store struct {
	b   backend
	now func() time.Time
	mu  sync.Mutex
}

func newStore(b backend, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{b: b, now: now}
}

// Location is the directory or the s3://bucket/prefix of the store.
func (s *Store) Location() string { return s.b.location() }

// Where names a position for people: DIR/FILE:LINE or s3://bucket/key.
func (s *Store) Where(p Position) string { return s.b.where(p) }

// RecordScan appends a scan report.
func (s *Store) RecordScan(ctx context.Context, rep *checks.ScanReport) (Record, error) {
	return s.appendValue(ctx, KindScan, rep)
}

// RecordAudit appends an audit entry.
func (s *Store) RecordAudit(ctx context.Context, e checks.AuditEntry) (Record, error) {
	return s.appendValue(ctx, KindAudit, e)
}

func (s *Store) appendValue(ctx context.Context, kind Kind, v any) (Record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Record{}, fmt.Errorf("evidence: encode %s payload: %w", kind, err)
	}
	return s.Append(ctx, kind, b)
}

// Append adds one record holding payload (any JSON value; it is stored
// compacted) and returns it.
func (s *Store) Append(ctx context.Context, kind Kind, payload []byte) (Record, error) {
	if !kind.valid() {
		return Record{}, fmt.Errorf("evidence: unknown record kind %q", kind)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, payload); err != nil {
		return Record{}, fmt.Errorf("evidence: %s payload is not JSON: %w", kind, err)
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.b.lock(ctx)
	if err != nil {
		return Record{}, err
	}
	defer unlock()
	for range maxConflicts {
		last, err := s.b.head(ctx)
		if err != nil {
			return Record{}, err
		}
		r := Record{Seq: 1, Time: s.now().UTC(), Kind: kind, Payload: buf.Bytes(), PrevHash: GenesisHash}
		if last != nil {
			r.Seq, r.PrevHash = last.Seq+1, last.Hash
		}
		r.Hash = r.ComputeHash()
		err = s.b.put(ctx, &r, encodeLine(&r))
		if errors.Is(err, errConflict) {
			continue // another writer took this seq: link to its record
		}
		if err != nil {
			return Record{}, err
		}
		return r, nil
	}
	return Record{}, fmt.Errorf("evidence: gave up after %d conflicting appends by other writers", maxConflicts)
}

// Cursor reads a named value kept beside the chain ("" when unset), such
// as the id of the last audit entry recorded.
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	b, err := s.b.readMeta(ctx, name)
	return string(bytes.TrimSpace(b)), err
}

// SetCursor writes a named value kept beside the chain.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	return s.b.writeMeta(ctx, name, []byte(value+"\n"))
}
