package output

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleReport() *checks.ScanReport {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	overall := 66.7
	fw := map[string][]string{"SOC2": {"CC6.1"}, "HIPAA": {"164.312(a)(2)(iv)"}}
	return &checks.ScanReport{
		Scan: checks.ScanInfo{
			ID: "scan-1", StartedAt: at, FinishedAt: at.Add(time.Second), Complete: false,
			Errors:    []checks.ScanError{{Source: "aws", Service: "s3", Region: "us-east-1", Account: "111122223333", Message: "AccessDenied"}},
			Sources:   []string{"file:inv.json"},
			Resources: 3, Rules: 2, Evaluations: 3,
		},
		Score:   checks.Score{Overall: &overall, Frameworks: map[string]float64{"SOC2": 66.7, "HIPAA": 50}},
		Summary: checks.Summary{checks.SeverityCritical: 1, checks.SeverityHigh: 0, checks.SeverityMedium: 0, checks.SeverityLow: 0, checks.SeverityInfo: 0},
		Findings: []checks.Finding{{
			Fingerprint: "0123456789abcdef0123456789abcdef", RuleID: "aws-s3-bucket-default-encryption", Title: "Buckets encrypt",
			Severity: checks.SeverityCritical, ResourceID: "arn:aws:s3:::evil", ResourceType: "aws.s3.bucket",
			ResourceName: "=cmd|' /C calc'!A0 <!channel> \x1b[31mred", Account: "111122223333", Region: "us-east-1",
			Message: "bucket <!channel> has no default encryption", Remediation: "Enable SSE.", Frameworks: fw,
			Evidence: map[string]any{"encryption_enabled": false},
		}},
		Rules: []checks.RuleStats{
			{RuleID: "aws-s3-bucket-default-encryption", Title: "Buckets encrypt", Severity: checks.SeverityCritical, ResourceType: "aws.s3.bucket", Frameworks: fw, Pass: 2, Fail: 1},
			{RuleID: "aws-ec2-volume-encrypted", Title: "Volumes encrypt", Severity: checks.SeverityHigh, ResourceType: "aws.ec2.volume", Frameworks: fw, Skipped: true},
		},
	}
}

func TestGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, sampleReport(), Options{Version: "v1.0.0", ArtifactURI: "inv.json"}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "report."+string(f)+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/output -update)", err)
			}
			if buf.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, buf.String())
			}
		})
	}
}

func TestRenderedSafely(t *testing.T) {
	rep := sampleReport()
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("terminal escape from a resource name reached the table")
	}
	buf.Reset()
	if err := Write(&buf, FormatCSV, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ",=cmd") || !strings.Contains(buf.String(), ",'=cmd") || strings.Contains(buf.String(), "\x1b") {
		t.Errorf("csv: %s", buf.String())
	}
	buf.Reset()
	if err := Write(&buf, FormatJUnit, rep, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("junit is not valid XML: %v", err)
	}
	if doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("junit counts: failures %d errors %d skipped %d", doc.Failures, doc.Errors, doc.Skipped)
	}
}

// GitHub code scanning rejects SARIF without these.
func TestSARIFShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, sampleReport(), Options{ArtifactURI: "inv.json"}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "comply" || len(run.Results) != 1 {
		t.Fatalf("sarif %+v", log)
	}
	r := run.Results[0]
	if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
		t.Error("ruleIndex does not point at the rule")
	}
	if r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "inv.json" || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
		t.Errorf("location %+v", r.Locations)
	}
	if r.Level != "error" || run.Tool.Driver.Rules[0].Properties.SecuritySeverity != "9.5" {
		t.Errorf("level %s", r.Level)
	}
	if r.PartialFingerprints["complyFingerprint/v1"] == "" {
		t.Error("no partial fingerprint")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"json", "JSON", "sarif", "table", "junit", "csv"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("yaml accepted")
	}
	if f, ok := FormatForFile("x/results.SARIF"); !ok || f != FormatSARIF {
		t.Errorf("FormatForFile %v %v", f, ok)
	}
}
