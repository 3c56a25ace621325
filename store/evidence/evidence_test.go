package evidence_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store/evidence"
)

// stepClock advances three hours per call, from day0.
func stepClock(day0 time.Time) func() time.Time {
	var mu sync.Mutex
	t := day0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(3 * time.Hour)
		return t
	}
}

var day0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fill writes n records alternating scan and audit; with a 3 h step from
// 08:00 they spread over day files of 5, 8, 8, ... records.
func fill(t *testing.T, d *evidence.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if i%2 == 0 {
			sc := float64(50 + i)
			rep := &checks.ScanReport{Scan: checks.ScanInfo{ID: fmt.Sprintf("scan-%d", i), Complete: true},
				Score: checks.Score{Overall: &sc, Frameworks: map[string]float64{"HIPAA": sc}},
				Findings: []checks.Finding{{RuleID: "r", ResourceName: "<b>&x", Severity: checks.SeverityHigh,
					Frameworks: map[string][]string{"HIPAA": {"164.312"}}}}}
			if _, err := d.RecordScan(ctx, rep); err != nil {
				t.Fatal(err)
			}
		} else if _, err := d.RecordAudit(ctx, auditEntry("U1")); err != nil {
			t.Fatal(err)
		}
	}
}

func auditEntry(actor string) checks.AuditEntry {
	return checks.AuditEntry{Actor: actor, Action: "scan.finished"}
}

// lines returns every record line as (file, line text), in order.
func lines(t *testing.T, dir string) (names []string, all [][]string) {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m)
		all = append(all, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"))
	}
	return names, all
}

func write(t *testing.T, names []string, all [][]string) {
	t.Helper()
	for i, n := range names {
		if err := os.WriteFile(n, []byte(strings.Join(all[i], "\n")+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyIntact(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		loc := b.fresh(t)
		fill(t, loc.open(t, stepClock(day0)), 10)
		s, err := loc.open(t, nil).Verify(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if s.Records != 10 || s.Scans != 5 || s.Audits != 5 || s.HeadSeq != 10 || s.Files < 2 {
			t.Errorf("summary %+v: want 10 records (5 scans, 5 audits) over several files", s)
		}
		// A new writer (a restarted process) continues the chain.
		r, err := loc.open(t, nil).RecordAudit(context.Background(), auditEntry("U9"))
		if err != nil || r.Seq != 11 || r.PrevHash != s.HeadHash {
			t.Errorf("append after reopen: seq %d prev %s, %v; want seq 11 after %s", r.Seq, r.PrevHash, err, s.HeadHash)
		}
	})
}

// Edited, deleted and reordered records are found on every backend, at
// the first broken link.
func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, r rawRecords)
		wantSeq uint64
		reason  map[string]string // per backend; "" key for all
	}{
		{"edited payload", func(t *testing.T, r rawRecords) {
			r.set(1, strings.Replace(r.lines()[1], `"U1"`, `"U2"`, 1))
		}, 2, map[string]string{"": "edited"}},
		{"edited and rehashed", func(t *testing.T, r rawRecords) {
			// A forger who recomputes the edited record's hash is caught by
			// the next record's prev_hash.
			r.set(1, rehash(t, strings.Replace(r.lines()[1], `"U1"`, `"U2"`, 1)))
		}, 3, map[string]string{"": "prev_hash"}},
		{"deleted", func(t *testing.T, r rawRecords) { r.remove(1) }, 3, map[string]string{"": "want 2"}},
		{"reordered", func(t *testing.T, r rawRecords) {
			l := r.lines()
			r.set(1, l[2])
			r.set(2, l[1])
		}, 3, map[string]string{"dir": "want 2", "s3": "renamed or copied"}},
		{"deleted first", func(t *testing.T, r rawRecords) { r.remove(0) }, 2, map[string]string{"": "want 1"}},
		// The hash still matches in these two, but an auditor hashing the
		// stored bytes (the bundle's README) would not get the same answer.
		{"field added", func(t *testing.T, r rawRecords) {
			r.set(1, strings.Replace(r.lines()[1], `{"seq":`, `{"note":"approved","seq":`, 1))
		}, 2, map[string]string{"": "not stored as written"}},
		{"time re-encoded", func(t *testing.T, r rawRecords) {
			r.set(1, strings.Replace(r.lines()[1], `Z","kind"`, `+00:00","kind"`, 1))
		}, 2, map[string]string{"": "not stored as written"}},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				loc := b.fresh(t)
				fill(t, loc.open(t, stepClock(day0)), 16)
				tt.tamper(t, loc.rec(t))
				_, err := loc.open(t, nil).Verify(context.Background())
				br, ok := evidence.IsBroken(err)
				if !ok {
					t.Fatalf("Verify = %v, want a broken chain", err)
				}
				if br.Seq != tt.wantSeq {
					t.Errorf("broken at seq %d, want %d (%v)", br.Seq, tt.wantSeq, br)
				}
				reason, ok := tt.reason[b.name]
				if !ok {
					reason = tt.reason[""]
				}
				if !strings.Contains(br.Reason, reason) {
					t.Errorf("reason %q, want it to mention %q", br.Reason, reason)
				}
				if br.File == "" || br.Line == 0 || br.Where == "" {
					t.Errorf("no position: %+v", br)
				}
			})
		}
	})
}

// Tampering only a directory allows: lines moved between files, a torn
// line, a missing day file.
func TestVerifyDetectsDirTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(all [][]string) [][]string
		wantSeq uint64
		reason  string
	}{
		{"inserted copy", func(a [][]string) [][]string {
			a[1] = append([]string{a[0][0]}, a[1]...)
			return a
		}, 1, "want 6"},
		{"truncated line", func(a [][]string) [][]string {
			a[1][0] = a[1][0][:20]
			return a
		}, 0, "not a record"},
		{"deleted whole file", func(a [][]string) [][]string {
			a[1] = nil
			return a
		}, 0, "want"},
		{"moved to an earlier file", func(a [][]string) [][]string {
			a[0] = append(a[0], a[1][0])
			a[1] = a[1][1:]
			return a
		}, 6, "moved between files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := evidence.OpenDir(dir, stepClock(day0))
			if err != nil {
				t.Fatal(err)
			}
			fill(t, st, 16)
			names, all := lines(t, dir)
			if len(names) < 3 || len(all[0]) < 4 {
				t.Fatalf("fixture: files %d, first has %d lines", len(names), len(all[0]))
			}
			all = tt.tamper(all)
			if all[1] == nil {
				os.Remove(names[1])
				names, all = append(names[:1], names[2:]...), append(all[:1], all[2:]...)
			}
			write(t, names, all)
			_, err = st.Verify(context.Background())
			b, ok := evidence.IsBroken(err)
			if !ok {
				t.Fatalf("Verify = %v, want a broken chain", err)
			}
			if tt.wantSeq != 0 && b.Seq != tt.wantSeq {
				t.Errorf("broken at seq %d, want %d (%v)", b.Seq, tt.wantSeq, b)
			}
			if !strings.Contains(b.Reason, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", b.Reason, tt.reason)
			}
			if b.File == "" || b.Line == 0 || !strings.HasPrefix(b.Where, filepath.Join(dir, b.File)+":") {
				t.Errorf("no position: %+v", b)
			}
		})
	}
}

// rehash recomputes a stored line's hash, as a forger would.
func rehash(t *testing.T, line string) string {
	t.Helper()
	var w struct {
		Seq      uint64          `json:"seq"`
		Time     string          `json:"time"`
		Kind     string          `json:"kind"`
		PrevHash string          `json:"prev_hash"`
		Hash     string          `json:"hash"`
		Payload  json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal([]byte(line), &w); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("comply-evidence-v1\n%d\n%s\n%s\n%s\n%s", w.Seq, w.Time, w.Kind, w.PrevHash, w.Payload)))
	return strings.Replace(line, w.Hash, hex.EncodeToString(h[:]), 1)
}

func TestConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	// Two writers on one directory stand for two processes: they share
	// only the lock file and the chain on disk. (S3 writers are kept apart
	// by conditional writes: TestS3ConflictingWriters.)
	a, _ := evidence.OpenDir(dir, nil)
	b, _ := evidence.OpenDir(dir, nil)
	var wg sync.WaitGroup
	for i := range 40 {
		d := a
		if i%2 == 1 {
			d = b
		}
		wg.Go(func() {
			if _, err := d.RecordAudit(context.Background(), checks.AuditEntry{Action: "x", Actor: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s, err := a.Verify(context.Background())
	if err != nil || s.Records != 40 {
		t.Fatalf("after concurrent appends: %+v, %v", s, err)
	}
}

func TestAppendRejects(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		d := b.fresh(t).open(t, nil)
		for _, c := range []struct {
			kind    evidence.Kind
			payload string
		}{{"other", "{}"}, {evidence.KindScan, "{not json"}} {
			if _, err := d.Append(context.Background(), c.kind, []byte(c.payload)); err == nil {
				t.Errorf("Append(%q, %q): no error", c.kind, c.payload)
			}
		}
		if s, err := d.Verify(context.Background()); err != nil || s.Records != 0 {
			t.Errorf("after refused appends: %+v, %v", s, err)
		}
	})
}

func TestCursor(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		loc := b.fresh(t)
		d := loc.open(t, nil)
		if c, err := d.Cursor(ctx, "audit.cursor"); err != nil || c != "" {
			t.Fatalf("unset cursor: %q, %v", c, err)
		}
		for _, v := range []string{"1700000000000-0", "1700000000001-3"} {
			if err := d.SetCursor(ctx, "audit.cursor", v); err != nil {
				t.Fatal(err)
			}
			if c, err := loc.open(t, nil).Cursor(ctx, "audit.cursor"); err != nil || c != v {
				t.Errorf("cursor %q, %v; want %q", c, err, v)
			}
		}
		// The cursor is beside the chain, not in it.
		if s, err := d.Verify(ctx); err != nil || s.Records != 0 {
			t.Errorf("chain after cursor writes: %+v, %v", s, err)
		}
	})
}

func TestExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		loc := b.fresh(t)
		st := loc.open(t, stepClock(day0))
		fill(t, st, 12) // 5 records on 2026-03-01, 7 on 2026-03-02
		from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		var buf bytes.Buffer
		sum, err := st.Export(context.Background(), evidence.ExportOptions{
			Framework: "HIPAA", From: from, To: from.AddDate(0, 0, 1)}, &buf)
		if err != nil {
			t.Fatal(err)
		}
		// Records at 02:00 .. 20:00 on 03-02: seq 6..12 -> 7 records.
		if sum.Scans+sum.Audits != 7 {
			t.Errorf("exported %+v, want 7 records", sum)
		}
		files := untar(t, &buf)
		var m evidence.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if !m.Chain.Intact || m.Chain.HeadSeq != 12 || len(m.Records) != 7 || m.Records[0].Seq != 6 || m.Chain.Store != st.Location() {
			t.Errorf("manifest chain %+v, %d records from seq %d", m.Chain, len(m.Records), m.Records[0].Seq)
		}
		for _, f := range m.Files {
			h := sha256.Sum256(files[f.Name])
			if hex.EncodeToString(h[:]) != f.SHA256 {
				t.Errorf("%s: sha256 does not match the manifest", f.Name)
			}
		}
		for _, r := range m.Records {
			if r.Kind == evidence.KindScan && (r.FrameworkScore == nil || r.FrameworkFindings == nil || *r.FrameworkFindings != 1) {
				t.Errorf("scan %d: framework score/findings missing: %+v", r.Seq, r)
			}
		}
		if !bytes.Contains(files["README.md"], []byte("comply evidence verify")) || len(files["records.jsonl"]) == 0 {
			t.Error("README or records.jsonl missing")
		}

		// A tampered chain is not exported.
		rec := loc.rec(t)
		rec.set(0, strings.Replace(rec.lines()[0], "scan-0", "scan-X", 1))
		if _, err := st.Export(context.Background(), evidence.ExportOptions{From: from, To: from.AddDate(0, 0, 1)}, io.Discard); err == nil {
			t.Error("export of a broken chain succeeded")
		}
	})
}

func untar(t *testing.T, r io.Reader) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = b
	}
}

// A day file whose last newline was lost (a write torn before its last
// byte, an editor that saved it) gets the next record on a line of its own,
// not fused to the last one.
func TestDirAppendAfterMissingNewline(t *testing.T) {
	dir := t.TempDir()
	fill(t, mustOpenDir(t, dir), 3)
	names, _ := lines(t, dir)
	last := names[len(names)-1]
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(last, bytes.TrimSuffix(b, []byte("\n")), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := mustOpenDir(t, dir).RecordAudit(context.Background(), auditEntry("U2")); err != nil {
		t.Fatal(err)
	}
	sum, err := mustOpenDir(t, dir).Verify(context.Background())
	if err != nil || sum.Records != 4 {
		t.Errorf("chain after appending to a file without its last newline: %+v, %v; want 4 intact records", sum, err)
	}
}

func mustOpenDir(t *testing.T, dir string) *evidence.Store {
	t.Helper()
	st, err := evidence.OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
