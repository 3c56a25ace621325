package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportFromInputAndFreshScan(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rules.yaml": testRules, "inv.json": testInventory})
	scanArgs := []string{"--no-builtin", "--rules", filepath.Join(dir, "rules.yaml"), "--source", "file:" + filepath.Join(dir, "inv.json")}
	scanJSON := filepath.Join(dir, "s.json")
	if code, _, stderr := runCmd(t, append(append([]string{"scan"}, scanArgs...), "--format", "json", "--output", scanJSON)...); code != 1 {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}

	type doc struct {
		Framework string
		Score     struct{ Framework, Overall *float64 }
		Controls  []struct {
			ID      string
			Status  string
			Failing []struct {
				ResourceID  string `json:"resource_id"`
				Fingerprint string
			}
		}
	}
	decode := func(t *testing.T, s string) doc {
		t.Helper()
		var d doc
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			t.Fatalf("report JSON: %v\n%s", err, s)
		}
		return d
	}

	t.Run("input", func(t *testing.T) {
		code, stdout, stderr := runCmd(t, "report", "--framework", "hipaa", "--input", scanJSON, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		d := decode(t, stdout)
		if d.Framework != "HIPAA" || len(d.Controls) != 1 || d.Controls[0].ID != "164.308(a)(7)(ii)(A)" || d.Controls[0].Status != "fail" {
			t.Fatalf("report %+v", d)
		}
		if len(d.Controls[0].Failing) != 1 || d.Controls[0].Failing[0].ResourceID != "arn:aws:s3:::bad" {
			t.Errorf("failing %+v", d.Controls[0].Failing)
		}
		if d.Score.Framework == nil || *d.Score.Framework != 50 || d.Score.Overall == nil || *d.Score.Overall != 75 {
			t.Errorf("score %+v", d.Score)
		}
		// PCI maps only the passing encryption rule.
		_, stdout, _ = runCmd(t, "report", "--framework", "PCI-DSS", "--input", scanJSON, "--format", "json")
		if d := decode(t, stdout); len(d.Controls) != 1 || d.Controls[0].Status != "pass" {
			t.Errorf("pci report %+v", d)
		}
	})

	t.Run("fresh scan gives the same report", func(t *testing.T) {
		code, stdout, stderr := runCmd(t, append([]string{"report", "--framework", "hipaa", "--format", "json"}, scanArgs...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		d := decode(t, stdout)
		if len(d.Controls) != 1 || d.Controls[0].Status != "fail" || len(d.Controls[0].Failing) != 1 {
			t.Errorf("report %+v", d)
		}
	})

	t.Run("formats and output file", func(t *testing.T) {
		for _, tc := range []struct{ file, format, want string }{
			{"r.html", "", "<!DOCTYPE html>"},
			{"r.md", "", "# HIPAA Security Rule"},
			{"r.csv", "", "framework,control,control_status"},
			{"r.out", "json", `"framework": "HIPAA"`},
			{"r.txt", "", "# HIPAA Security Rule"}, // unknown extension: markdown
		} {
			args := []string{"report", "--framework", "hipaa", "--input", scanJSON, "--output", filepath.Join(dir, tc.file)}
			if tc.format != "" {
				args = append(args, "--format", tc.format)
			}
			if code, stdout, stderr := runCmd(t, args...); code != 0 || stdout != "" {
				t.Fatalf("%s: exit %d stdout %q stderr %s", tc.file, code, stdout, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.want) {
				t.Errorf("%s lacks %q", tc.file, tc.want)
			}
			// CSV keeps data verbatim (formula-safe only); the others escape.
			if filepath.Ext(tc.file) != ".csv" && strings.Contains(string(b), "<!channel>") {
				t.Errorf("%s: unescaped <!channel> from the resource name", tc.file)
			}
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		garbage := filepath.Join(dir, "garbage.json")
		if err := os.WriteFile(garbage, []byte(`{"hello": [1,2,3]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		notJSON := filepath.Join(dir, "not.json")
		if err := os.WriteFile(notJSON, []byte("scan went fine\nreally"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"no framework", []string{"--input", scanJSON}, "--framework is required"},
			{"bad framework", []string{"--framework", "iso27001", "--input", scanJSON}, "unknown framework"},
			{"bad format", []string{"--framework", "soc2", "--input", scanJSON, "--format", "pdf"}, "unknown format"},
			{"missing input", []string{"--framework", "soc2", "--input", filepath.Join(dir, "nope.json")}, "no such file"},
			{"directory input", []string{"--framework", "soc2", "--input", dir}, "directory"},
			{"garbage input", []string{"--framework", "soc2", "--input", garbage}, "not a comply scan result"},
			{"not json", []string{"--framework", "soc2", "--input", notJSON}, "not a comply scan result"},
			{"input and source", []string{"--framework", "soc2", "--input", scanJSON, "--source", "aws"}, "cannot be combined with --input"},
			{"stray argument", []string{"--framework", "soc2", "extra"}, "unexpected argument"},
			{"bad output dir", []string{"--framework", "soc2", "--input", scanJSON, "--output", filepath.Join(dir, "no", "r.md")}, "--output"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, stdout, stderr := runCmd(t, append([]string{"report"}, tc.args...)...)
				if code != exitUsage {
					t.Errorf("exit %d, want 2", code)
				}
				if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
					t.Errorf("stderr %q, want one line containing %q", stderr, tc.want)
				}
				if stdout != "" {
					t.Errorf("stdout %q on error", stdout)
				}
			})
		}
	})
}
