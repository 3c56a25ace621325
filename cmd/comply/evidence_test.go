package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store/evidence"
)

// evidenceFixture writes 6 records alternating scans and audit entries,
// every 6 hours from 2026-05-01 03:00 UTC: seq 1-4 on 05-01, 5-6 on 05-02.
func evidenceFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	tm := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
	d, err := evidence.OpenDir(dir, func() time.Time { tm = tm.Add(6 * time.Hour); return tm.Add(-6 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		sc := 80.0
		if i%2 == 0 {
			_, err = d.RecordScan(context.Background(), &checks.ScanReport{Scan: checks.ScanInfo{ID: "s", Complete: true},
				Score: checks.Score{Overall: &sc, Frameworks: map[string]float64{"HIPAA": sc}}})
		} else {
			_, err = d.RecordAudit(context.Background(), checks.AuditEntry{Actor: "U1", Action: "scan.finished"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tamperSecondLine swaps lines 2 and 3 of the first day file.
func tamperSecondLine(t *testing.T, dir string) {
	t.Helper()
	p := filepath.Join(dir, "2026-05-01.jsonl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	ls[1], ls[2] = ls[2], ls[1]
	if err := os.WriteFile(p, []byte(strings.Join(ls, "\n")+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestEvidenceCommands(t *testing.T) {
	tests := []struct {
		name     string
		tamper   bool
		args     func(dir, out string) []string
		code     int
		stdout   string // substring
		stderr   string // substring
		wantFile bool
	}{
		{"verify intact", false, func(d, _ string) []string { return []string{"evidence", "verify", "--dir", d} },
			0, "intact: 6 records (3 scans, 3 audit entries) in 2 files of ", "", false},
		{"verify reordered", true, func(d, _ string) []string { return []string{"evidence", "verify", "--dir", d} },
			1, "2026-05-01.jsonl:2 seq 3: seq 3, want 2", "", false},
		{"verify no dir", false, func(_, _ string) []string { return []string{"evidence", "verify"} },
			2, "", "no evidence store", false},
		{"verify missing dir", false, func(d, _ string) []string { return []string{"evidence", "verify", "--dir", d + "/nope"} },
			2, "", "no such file", false},
		{"no subcommand", false, func(_, _ string) []string { return []string{"evidence"} }, 2, "", "Usage", false},
		{"unknown subcommand", false, func(_, _ string) []string { return []string{"evidence", "prune"} }, 2, "", "unknown subcommand", false},
		{"export", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "hipaa", "--from", "2026-05-02", "--to", "2026-05-02", "--output", o}
		}, 0, "1 scans and 1 audit entries", "", true},
		{"export broken", true, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "hipaa", "--from", "2026-05-01", "--to", "2026-05-02", "--output", o}
		}, 1, "BROKEN", "", false},
		{"export missing flags", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--output", o}
		}, 2, "", "missing --framework, --from, --to", false},
		{"export bad framework", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "iso", "--from", "2026-05-01", "--to", "2026-05-02", "--output", o}
		}, 2, "", "unknown framework", false},
		{"export bad date", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "pci", "--from", "May 1", "--to", "2026-05-02", "--output", o}
		}, 2, "", "want YYYY-MM-DD", false},
		{"export reversed range", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "pci", "--from", "2026-05-03", "--to", "2026-05-02", "--output", o}
		}, 2, "", "before", false},
		{"export zip", false, func(d, o string) []string {
			return []string{"evidence", "export", "--dir", d, "--framework", "pci", "--from", "2026-05-01", "--to", "2026-05-02", "--output", o + ".zip"}
		}, 2, "", ".tar.gz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := evidenceFixture(t)
			if tt.tamper {
				tamperSecondLine(t, dir)
			}
			out := filepath.Join(t.TempDir(), "bundle.tar.gz")
			code, stdout, stderr := runCmd(t, tt.args(dir, out)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stdout %q (want %q), stderr %q (want %q)", stdout, tt.stdout, stderr, tt.stderr)
			}
			_, err := os.Stat(out)
			if got := err == nil; got != tt.wantFile {
				t.Errorf("bundle written: %v, want %v", got, tt.wantFile)
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".comply-bundle-*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func TestEvidenceDirFromConfig(t *testing.T) {
	dir := evidenceFixture(t)
	cfg := filepath.Join(t.TempDir(), "comply.yaml")
	if err := os.WriteFile(cfg, []byte("evidence:\n  dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "evidence", "verify", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "intact: 6 records") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// verify and export read an S3 evidence store named by the config file;
// an object rewritten in the bucket is reported by its s3:// location.
func TestEvidenceS3FromConfig(t *testing.T) {
	ctx := context.Background()
	bucket := "comply-evidence"
	endpoint, cl := motoBucket(t, bucket)
	tm := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
	st, err := evidence.OpenS3Client(ctx, cl, evidence.S3Options{Bucket: bucket, Prefix: "prod/"}, func() time.Time { tm = tm.Add(6 * time.Hour); return tm })
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		sc := 75.0
		if _, err := st.RecordScan(ctx, &checks.ScanReport{Scan: checks.ScanInfo{ID: "s", Complete: true},
			Score: checks.Score{Overall: &sc, Frameworks: map[string]float64{"HIPAA": sc}}}); err != nil {
			t.Fatal(err)
		}
	}
	dir := writeFiles(t, map[string]string{"comply.yaml": "evidence:\n  s3: {bucket: " + bucket + ", prefix: prod, region: us-east-1, endpoint: " + endpoint + ", sse: AES256}\n"})
	cfg := filepath.Join(dir, "comply.yaml")
	code, stdout, stderr := runCmd(t, "evidence", "verify", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "intact: 3 records (3 scans, 0 audit entries) in 3 objects of s3://"+bucket+"/prod/") {
		t.Fatalf("verify: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "bundle.tar.gz")
	code, stdout, stderr = runCmd(t, "evidence", "export", "--config", cfg, "--framework", "hipaa", "--from", "2026-05-01", "--to", "2026-05-01", "--output", out)
	if code != 0 || !strings.Contains(stdout, "3 scans and 0 audit entries") {
		t.Fatalf("export: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	key := "prod/records/00000000000000000002.json"
	got, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(got.Body)
	got.Body.Close()
	edited := bytes.Replace(body.Bytes(), []byte("75"), []byte("99"), 1)
	if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: awssdk.String(key), Body: bytes.NewReader(edited)}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCmd(t, "evidence", "verify", "--config", cfg)
	if want := "BROKEN s3://" + bucket + "/" + key + " seq 2: hash does not match"; code != 1 || !strings.Contains(stdout, want) {
		t.Errorf("verify after an edit: exit %d, want 1 and %q\nstdout: %s\nstderr: %s", code, want, stdout, stderr)
	}
}
