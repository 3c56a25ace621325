package evidence

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// BrokenError is the first broken link of a chain.
type BrokenError struct {
	File   string // day file, relative to the directory
	Line   int
	Seq    uint64 // the record's seq as stored (0 if unreadable)
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("evidence chain broken at %s:%d (seq %d): %s", e.File, e.Line, e.Seq, e.Reason)
}

// Stored is a record and where it lives.
type Stored struct {
	Record
	File string
	Line int
	// Raw is the line as stored, for bundles an auditor re-verifies.
	Raw []byte
}

// Summary is what an intact chain holds.
type Summary struct {
	Records  int
	Files    int
	Scans    int
	Audits   int
	HeadSeq  uint64
	HeadHash string
	First    time.Time
	Last     time.Time
}

// Walk reads the chain in order, checking every link, and calls fn with each
// intact record. It stops at the first broken link with a *BrokenError: a
// record whose hash does not match its content (edited), whose seq is not
// the previous one plus one (deleted, inserted, reordered), or whose
// prev_hash is not the previous record's hash.
func Walk(ctx context.Context, dir string, fn func(Stored) error) (Summary, error) {
	fs, err := files(dir)
	if err != nil {
		return Summary{}, err
	}
	var s Summary
	prevHash, want := GenesisHash, uint64(1)
	for _, name := range fs {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		s.Files++
		err := eachLine(filepath.Join(dir, name), func(n int, line []byte) error {
			r, err := decodeLine(line)
			if err != nil {
				return &BrokenError{File: name, Line: n, Reason: err.Error()}
			}
			broken := func(format string, args ...any) error {
				return &BrokenError{File: name, Line: n, Seq: r.Seq, Reason: fmt.Sprintf(format, args...)}
			}
			switch {
			case !r.Kind.valid():
				return broken("unknown kind %q", r.Kind)
			case r.Hash != r.ComputeHash():
				return broken("hash does not match the record's content (record edited)")
			case r.Seq != want:
				return broken("seq %d, want %d (record deleted, inserted or reordered)", r.Seq, want)
			case r.PrevHash != prevHash:
				return broken("prev_hash does not match the previous record's hash (record deleted, inserted or replaced)")
			case dayFile(r.Time) > name:
				return broken("record dated %s is in file %s (moved between files)", formatTime(r.Time), name)
			}
			if fn != nil {
				if err := fn(Stored{Record: r, File: name, Line: n, Raw: append([]byte(nil), line...)}); err != nil {
					return err
				}
			}
			s.Records++
			if r.Kind == KindScan {
				s.Scans++
			} else {
				s.Audits++
			}
			if s.First.IsZero() {
				s.First = r.Time
			}
			s.Last, s.HeadSeq, s.HeadHash = r.Time, r.Seq, r.Hash
			prevHash, want = r.Hash, r.Seq+1
			return nil
		})
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// Verify checks the whole chain; a broken chain returns a *BrokenError.
func Verify(ctx context.Context, dir string) (Summary, error) {
	return Walk(ctx, dir, nil)
}

// IsBroken reports whether err is a broken chain, and where.
func IsBroken(err error) (*BrokenError, bool) {
	var b *BrokenError
	ok := errors.As(err, &b)
	return b, ok
}
