package evidence

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// lockName is the lock file that serializes appends from several processes
// on one host (flock); see docs/evidence.md for shared file systems.
const lockName = ".lock"

// maxLine bounds one record line when reading (a scan report of a large
// estate is several MB).
const maxLine = 256 << 20

// dirBackend keeps the chain in a directory: one JSONL file per UTC day,
// appended with fsync, under an flock on DIR/.lock.
type dirBackend struct {
	path string
	// lineLimit bounds a line when reading; 0 means maxLine.
	lineLimit int
	// lastFile is the day file of the head, as of the last head call
	// (made under the lock, right before put).
	lastFile string
}

// OpenDir opens (creating it if needed) an evidence directory. now is the
// clock; nil means time.Now.
func OpenDir(path string, now func() time.Time) (*Store, error) {
	if path == "" {
		return nil, errors.New("evidence: no directory")
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("evidence directory %s: %w", path, err)
	}
	return newStore(&dirBackend{path: path}, now), nil
}

// OpenDirReadOnly opens an existing evidence directory for verify and
// export, without creating it.
func OpenDirReadOnly(path string) (*Store, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("evidence: %s is not a directory", path)
	}
	return newStore(&dirBackend{path: path}, nil), nil
}

func (d *dirBackend) location() string { return d.path }

func (d *dirBackend) where(p Position) string {
	return fmt.Sprintf("%s:%d", filepath.Join(d.path, p.File), p.Line)
}

// dayFile is the file a record of time t belongs to.
func dayFile(t time.Time) string { return t.UTC().Format(time.DateOnly) + ".jsonl" }

func (d *dirBackend) misplaced(p Position, r *Record) string {
	if dayFile(r.Time) > p.File {
		return fmt.Sprintf("record dated %s is in file %s (moved between files)", formatTime(r.Time), p.File)
	}
	return ""
}

func (d *dirBackend) put(_ context.Context, r *Record, line []byte) error {
	// A clock that went back must not put the record in an earlier file
	// than its predecessor: files are read in name order. The flock makes
	// a conflict impossible here.
	return d.writeLine(max(dayFile(r.Time), d.lastFile), line)
}

// writeLine appends line to file in one write with O_APPEND, then fsyncs
// the file (and the directory when the file is new).
func (d *dirBackend) writeLine(file string, line []byte) error {
	p := filepath.Join(d.path, file)
	_, statErr := os.Stat(p)
	if !endsWithNewline(p) {
		// The last line lost its newline (a write torn before its last
		// byte, an editor): appending to it would fuse two records.
		line = append([]byte("\n"), line...)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("evidence: open %s: %w", p, err)
	}
	if err := writeSync(f, p, line); err != nil {
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if dir, err := os.Open(d.path); err == nil {
			dir.Sync() // best effort: makes the new file's entry durable
			dir.Close()
		}
	}
	return nil
}

// endsWithNewline reports whether the file is missing, empty or ends in a
// newline.
func endsWithNewline(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return true
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return true
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, st.Size()-1); err != nil {
		return true
	}
	return b[0] == '\n'
}

// writeSync writes data to f, fsyncs and closes it; p names it in errors.
func writeSync(f *os.File, p string, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("evidence: write %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("evidence: sync %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("evidence: close %s: %w", p, err)
	}
	return nil
}

// lock takes the cross-process lock.
func (d *dirBackend) lock(context.Context) (func(), error) {
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
func (d *dirBackend) files() ([]string, error) {
	ents, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("evidence: read %s: %w", d.path, err)
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
func (d *dirBackend) head(context.Context) (*Record, error) {
	fs, err := d.files()
	if err != nil {
		return nil, err
	}
	d.lastFile = ""
	for i := len(fs) - 1; i >= 0; i-- {
		var last []byte
		err := eachLine(filepath.Join(d.path, fs[i]), d.limit(), func(_ int, line []byte) error {
			last = append(last[:0], line...)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if last == nil {
			continue
		}
		r, err := decodeLine(last)
		if err != nil {
			return nil, fmt.Errorf("evidence: last record of %s: %w (run comply evidence verify)", fs[i], err)
		}
		d.lastFile = fs[i]
		return &r, nil
	}
	return nil, nil
}

func (d *dirBackend) scan(ctx context.Context, fn func(Position, []byte) error) error {
	fs, err := d.files()
	if err != nil {
		return err
	}
	for _, name := range fs {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := eachLine(filepath.Join(d.path, name), d.limit(), func(n int, line []byte) error {
			return fn(Position{File: name, Line: n}, line)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *dirBackend) readMeta(_ context.Context, name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.path, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return b, nil
}

// writeMeta replaces the file atomically (temporary file, fsync, rename).
func (d *dirBackend) writeMeta(_ context.Context, name string, value []byte) error {
	p := filepath.Join(d.path, name)
	f, err := os.CreateTemp(d.path, "."+name+".*")
	if err != nil {
		return fmt.Errorf("evidence: write %s: %w", p, err)
	}
	defer os.Remove(f.Name())
	if err := writeSync(f, p, value); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("evidence: write %s: %w", p, err)
	}
	return nil
}

func (d *dirBackend) limit() int {
	if d.lineLimit > 0 {
		return d.lineLimit
	}
	return maxLine
}

// eachLine calls fn with each non-empty line of a file and its number. A
// line longer than limit is an error as soon as limit is passed: a corrupt
// file with a line of gigabytes must not be read into memory first.
func eachLine(path string, limit int, fn func(n int, line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		var (
			line []byte // fresh per line: fn may keep it
			err  error
		)
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			if len(line)+len(chunk) > limit+1 { // +1: the newline
				return fmt.Errorf("evidence: %s:%d: line longer than %d bytes", path, n, limit)
			}
			line = append(line, chunk...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
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
