package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

var update = flag.Bool("update", false, "rewrite golden files")

const hostile = "<script>alert(1)</script> <!channel> =cmd|' /C calc'!A0"

// sampleScan covers every control status, a skipped rule, a rule with only
// unknown outcomes, hostile strings in user-controlled fields and a control
// listed twice by one rule.
func sampleScan() *checks.ScanReport {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	overall, hipaa := 61.5, 50.0
	fw := func(h ...string) map[string][]string { return map[string][]string{"HIPAA": h, "SOC2": {"CC6.1"}} }
	return &checks.ScanReport{
		Scan: checks.ScanInfo{
			ID: "scan-<b>1</b>", StartedAt: at, FinishedAt: at.Add(2 * time.Second), Complete: false,
			Errors:  []checks.ScanError{{Source: "aws", Service: "ec2", Message: "AccessDenied"}},
			Sources: []string{"file:" + hostile}, Resources: 4, Rules: 5, Evaluations: 9,
		},
		Score: checks.Score{Overall: &overall, Frameworks: map[string]float64{"HIPAA": hipaa, "SOC2": 75}},
		Findings: []checks.Finding{
			{Fingerprint: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", RuleID: "s3-encryption", Title: "Buckets encrypt", Severity: checks.SeverityCritical,
				ResourceID: "arn:aws:s3:::evil", ResourceType: "aws.s3.bucket", ResourceName: hostile,
				Account: "111122223333", Region: "us-east-1", Message: "bucket " + hostile + "\nis unencrypted",
				Frameworks: fw("164.312(a)(2)(iv)", "164.312(a)(2)(iv)")},
			{Fingerprint: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", RuleID: "cloudtrail-on", Title: "Trail on", Severity: checks.SeverityHigh,
				ResourceID: "=HYPERLINK(\"http://x\")", ResourceType: "aws.cloudtrail.trail",
				Account: "111122223333", Region: "eu-west-1", Message: "trail off",
				Frameworks: fw("164.308(a)(1)(ii)(D)")},
		},
		Rules: []checks.RuleStats{
			{RuleID: "s3-encryption", Title: "Buckets encrypt " + hostile, Severity: checks.SeverityCritical, ResourceType: "aws.s3.bucket",
				Frameworks: fw("164.312(a)(2)(iv)", "164.312(a)(2)(iv)"), Pass: 1, Fail: 1},
			{RuleID: "cloudtrail-on", Title: "Trail on", Severity: checks.SeverityHigh, ResourceType: "aws.cloudtrail.trail",
				Frameworks: fw("164.308(a)(1)(ii)(D)"), Pass: 2, Fail: 1},
			{RuleID: "rds-encrypted", Title: "DBs encrypt", Severity: checks.SeverityHigh, ResourceType: "aws.rds.instance",
				Frameworks: fw("164.312(a)(2)(iv)", "164.308(a)(7)(ii)(A)"), Pass: 2, Error: 1},
			{RuleID: "ec2-ebs", Title: "Volumes encrypt", Severity: checks.SeverityMedium, ResourceType: "aws.ec2.volume",
				Frameworks: fw("164.312(e)(2)(ii)"), Skipped: true},
			{RuleID: "iam-mfa", Title: "MFA", Severity: checks.SeverityHigh, ResourceType: "aws.iam.user",
				Frameworks: fw("164.312(d)"), Unknown: 2},
			{RuleID: "logs-retained", Title: "Logs kept", Severity: checks.SeverityLow, ResourceType: "aws.logs.group",
				Frameworks: fw("164.312(b)"), Pass: 3},
		},
	}
}

func sampleReport(t *testing.T) *Report {
	t.Helper()
	r, err := Build(sampleScan(), checks.FrameworkHIPAA, Options{Now: func() time.Time { return time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	r.AddTrend(sampleHistory()) // trend_test.go
	return r
}

func TestBuildStatuses(t *testing.T) {
	r := sampleReport(t)
	got := map[string]Status{}
	var order []string
	for _, c := range r.Controls {
		got[c.ID] = c.Status
		order = append(order, c.ID)
	}
	want := map[string]Status{
		"164.308(a)(1)(ii)(D)": StatusFail,
		"164.308(a)(7)(ii)(A)": StatusError,
		"164.312(a)(2)(iv)":    StatusFail, // fails although rds-encrypted errored
		"164.312(b)":           StatusPass,
		"164.312(d)":           StatusNotEvaluated, // unknown only
		"164.312(e)(2)(ii)":    StatusNotEvaluated, // skipped
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("control %s: status %q, want %q", id, got[id], st)
		}
	}
	if len(got) != len(want) {
		t.Errorf("controls %v, want %d", order, len(want))
	}
	wantOrder := []string{"164.308(a)(1)(ii)(D)", "164.308(a)(7)(ii)(A)", "164.312(a)(2)(iv)", "164.312(b)", "164.312(d)", "164.312(e)(2)(ii)"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("order %v, want %v", order, wantOrder)
	}
	if r.Totals != (Totals{Controls: 6, Pass: 1, Fail: 2, Error: 1, NotEvaluated: 2}) {
		t.Errorf("totals %+v", r.Totals)
	}
	if len(r.Families) != 2 || r.Families[0].Name != "164.308" || r.Families[1].Totals.Controls != 4 {
		t.Errorf("families %+v", r.Families)
	}
	for _, c := range r.Controls {
		if c.ID == "164.312(a)(2)(iv)" && (len(c.Rules) != 2 || len(c.Failing) != 1) {
			t.Errorf("164.312(a)(2)(iv): %d rules, %d failing; want 2 and 1 (duplicate mapping counted once)", len(c.Rules), len(c.Failing))
		}
	}
	if r.Score.Framework == nil || *r.Score.Framework != 50 || r.Score.Overall == nil || *r.Score.Overall != 61.5 {
		t.Errorf("score %+v", r.Score)
	}
	if _, err := Build(sampleScan(), "NOPE", Options{}); err == nil {
		t.Error("unknown framework accepted")
	}
}

func TestBuildSuppressions(t *testing.T) {
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r, err := Build(sampleScan(), checks.FrameworkHIPAA, Options{Suppress: func(fp string) (*Suppression, *Suppression) {
		if fp == "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" {
			return nil, &Suppression{By: "U1 <!here>", Reason: "change window <script>", Until: &until}
		}
		return nil, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasSuppressions {
		t.Fatal("HasSuppressions false with a snoozed finding")
	}
	var md, h bytes.Buffer
	if err := Write(&md, FormatMarkdown, r); err != nil {
		t.Fatal(err)
	}
	if err := Write(&h, FormatHTML, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": md.String(), "html": h.String()} {
		if !strings.Contains(out, "Acknowledgements and snoozes") || !strings.Contains(out, "2026-12-01") {
			t.Errorf("%s: no suppression section with the snooze", name)
		}
	}
	if strings.Contains(h.String(), "<script") {
		t.Error("html: unescaped <script")
	}
	// Without suppressions the section is absent.
	var plain bytes.Buffer
	if err := Write(&plain, FormatHTML, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "Acknowledgements and snoozes") {
		t.Error("suppression section shown without suppressions")
	}
}

func TestGolden(t *testing.T) {
	ext := map[Format]string{FormatMarkdown: "md", FormatHTML: "html", FormatJSON: "json", FormatCSV: "csv"}
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, sampleReport(t)); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "report."+ext[f]+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s (run go test -update after checking the change):\n%s", golden, buf.String())
			}
		})
	}
}

func TestHTMLIsInertAndSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatHTML, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	out := strings.ToLower(buf.String())
	for _, bad := range []string{"<script", "<!channel>", "src=", "href=\"http", "@import", "url("} {
		if strings.Contains(out, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "<svg", "@media print", "164.308(a)(1)(ii)(d)"} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

func TestCSVIsFormulaSafe(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatCSV, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// header + 2 failing rows (one per control with a finding) + 4 controls without.
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
			if strings.ContainsAny(cell, "\n\r") {
				t.Errorf("cell %q has a line break", cell)
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Framework != "HIPAA" || len(back.Controls) != 6 || back.Controls[0].Failing[0].Severity != checks.SeverityHigh {
		t.Errorf("round trip: %+v", back)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatMarkdown, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>") || strings.Contains(out, "<!channel>") {
		t.Error("markdown has raw HTML from a user-controlled string outside a code span")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, "|")-strings.Count(line, "\\|") < 3 {
			t.Errorf("broken table row %q", line)
		}
	}
}
