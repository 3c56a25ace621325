package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/comply-bot/comply/checks"
)

// lockName is the lock file that serializes appends from several processes
// on one host (flock); see docs/evidence.md for shared file systems.
const lockName = ".lock"

// maxLine bounds one record line when reading (a scan report of a large
// estate is several MB).
const maxLine = 256 << 20

// Dir is the directory backend: one JSONL file per UTC day, appended with
// fsync. Appends from one process are serialized by a mutex, appends from
// several processes by an flock on DIR/.lock; each append re-reads the chain
// head under the lock, so processes never fork the chain.
type Dir struct {
	path string
	now  func() time.Time
	mu   sync.Mutex
}

// OpenDir opens (creating it if needed) an evidence directory. now is the
// clock; nil means time.Now.
func OpenDir(path string, now func() time.Time) (*Dir, error) {
	if path == "" {
		return nil, errors.New("evidence: no directory")
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("evidence directory %s: %w", path, err)
	}
	if now == nil {
		now = time.Now
	}
	return &Dir{path: path, now: now}, nil
}

// Path is the directory.
func (d *Dir) Path() string { return d.path }

// RecordScan appends a scan report.
func (d *Dir) RecordScan(ctx context.Context, rep *checks.ScanReport) (Record, error) {
	return d.appendValue(ctx, KindScan, rep)
}

// RecordAudit appends an audit entry.
func (d *Dir) RecordAudit(ctx context.Context, e checks.AuditEntry) (Record, error) {
	return d.appendValue(ctx, KindAudit, e)
}

func (d *Dir) appendValue(ctx context.Context, kind Kind, v any) (Record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Record{}, fmt.Errorf("evidence: encode %s payload: %w", kind, err)
	}
	return d.Append(ctx, kind, b)
}

// Append adds one record holding payload (any JSON value; it is stored
// compacted) and returns it.
func (d *Dir) Append(ctx context.Context, kind Kind, payload []byte) (Record, error) {
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
	d.mu.Lock()
	defer d.mu.Unlock()
	unlock, err := d.lockFile()
	if err != nil {
		return Record{}, err
	}
	defer unlock()

	last, lastFile, err := d.head()
	if err != nil {
		return Record{}, err
	}
	r := Record{Seq: 1, Time: d.now().UTC(), Kind: kind, Payload: buf.Bytes(), PrevHash: GenesisHash}
	file := dayFile(r.Time)
	if last != nil {
		r.Seq, r.PrevHash = last.Seq+1, last.Hash
		// A clock that went back must not put the record in an earlier
		// file than its predecessor: files are read in name order.
		if file < lastFile {
			file = lastFile
		}
	}
	r.Hash = r.ComputeHash()
	if err := d.writeLine(file, encodeLine(&r)); err != nil {
		return Record{}, err
	}
	return r, nil
}

// encodeLine writes the record by hand so the payload bytes on disk are
// exactly the bytes hashed (encoding/json would re-escape them).
func encodeLine(r *Record) []byte {
	var b bytes.Buffer
	b.WriteString(`{"seq":`)
	b.WriteString(strconv.FormatUint(r.Seq, 10))
	b.WriteString(`,"time":"` + formatTime(r.Time) + `","kind":"` + string(r.Kind))
	b.WriteString(`","prev_hash":"` + r.PrevHash + `","hash":"` + r.Hash + `","payload":`)
	b.Write(r.Payload)
	b.WriteString("}\n")
	return b.Bytes()
}

type wireRecord struct {
	Seq      *uint64         `json:"seq"`
	Time     string          `json:"time"`
	Kind     Kind            `json:"kind"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	Payload  json.RawMessage `json:"payload"`
}

// decodeLine parses one stored line.
func decodeLine(line []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, fmt.Errorf("not a record: %w", err)
	}
	if w.Seq == nil || w.Time == "" || w.Kind == "" || w.Hash == "" || w.PrevHash == "" || w.Payload == nil {
		return Record{}, errors.New("not a record: a field is missing")
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return Record{}, fmt.Errorf("bad time: %w", err)
	}
	return Record{Seq: *w.Seq, Time: t, Kind: w.Kind, Payload: w.Payload, PrevHash: w.PrevHash, Hash: w.Hash}, nil
}

// writeLine appends line to file in one write with O_APPEND, then fsyncs
// the file (and the directory when the file is new).
func (d *Dir) writeLine(file string, line []byte) error {
	p := filepath.Join(d.path, file)
	_, statErr := os.Stat(p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("evidence: open %s: %w", p, err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("evidence: append to %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("evidence: sync %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("evidence: close %s: %w", p, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if dir, err := os.Open(d.path); err == nil {
			dir.Sync() // best effort: makes the new file's entry durable
			dir.Close()
		}
	}
	return nil
}

// lockFile takes the cross-process lock.
func (d *Dir) lockFile() (func(), error) {
	p := filepath.Join(d.path, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("evidence: lock %s: %w", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence: lock %s: %w", p, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// files lists the day files in chain order.
func files(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("evidence: read %s: %w", dir, err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".jsonl") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// head is the last record of the last non-empty file, or nil.
func (d *Dir) head() (*Record, string, error) {
	fs, err := files(d.path)
	if err != nil {
		return nil, "", err
	}
	for i := len(fs) - 1; i >= 0; i-- {
		var last []byte
		err := eachLine(filepath.Join(d.path, fs[i]), func(_ int, line []byte) error {
			last = append(last[:0], line...)
			return nil
		})
		if err != nil {
			return nil, "", err
		}
		if last == nil {
			continue
		}
		r, err := decodeLine(last)
		if err != nil {
			return nil, "", fmt.Errorf("evidence: last record of %s: %w (run comply evidence verify)", fs[i], err)
		}
		return &r, fs[i], nil
	}
	return nil, "", nil
}

// eachLine calls fn with each non-empty line of a file and its number.
func eachLine(path string, fn func(n int, line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(line) > maxLine {
			return fmt.Errorf("evidence: %s:%d: line longer than %d bytes", path, n, maxLine)
		}
		if l := bytes.TrimRight(line, "\r\n"); len(l) > 0 {
			if ferr := fn(n, l); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("evidence: read %s: %w", path, err)
		}
	}
}
