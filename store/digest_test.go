package store

import (
	"reflect"
	"testing"

	"github.com/comply-bot/comply/checks"
)

// TestDigestCoversEveryField changes each field of a finding in turn: the
// digest must change with every field the snapshot keeps, and only with
// those (the evidence is not kept).
func TestDigestCoversEveryField(t *testing.T) {
	base := checks.Finding{
		Fingerprint: "fp", RuleID: "r", Title: "t", Severity: checks.SeverityHigh, ResourceID: "id",
		ResourceType: "aws.s3.bucket", ResourceName: "n", Account: "1", Region: "us-east-1", Message: "m",
		Remediation: "fix", RemediationAction: "a", Frameworks: map[string][]string{"SOC2": {"CC6.1"}},
		Evidence: map[string]any{"x": 1}, Tags: map[string]string{"k": "v"},
		Source: checks.RulePosition{File: "f.yaml", Line: 3},
	}
	want := digest(&base)
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		field := typ.Field(i)
		changed := base
		v := reflect.ValueOf(&changed).Elem().Field(i)
		switch field.Name {
		case "Evidence":
			changed.Evidence = map[string]any{"x": 2}
			if digest(&changed) != want {
				t.Error("the evidence changed the digest: it is not part of the snapshot")
			}
			continue
		case "Frameworks":
			changed.Frameworks = map[string][]string{"SOC2": {"CC6.2"}}
		case "Tags":
			changed.Tags = map[string]string{"k": "w"}
		case "Severity":
			changed.Severity = checks.SeverityLow
		case "Source":
			changed.Source.Line = 4
		default:
			if v.Kind() != reflect.String {
				t.Fatalf("checks.Finding.%s (%s) is new: make digest() cover it, then this test", field.Name, field.Type)
			}
			v.SetString(v.String() + "!")
		}
		if digest(&changed) == want {
			t.Errorf("changing %s does not change the digest", field.Name)
		}
	}
	if n := reflect.TypeOf(checks.RulePosition{}).NumField(); n != 2 {
		t.Fatalf("checks.RulePosition has %d fields: make digest() cover the new one", n)
	}
	moved := base
	moved.Source.File = "g.yaml"
	if digest(&moved) == want {
		t.Error("changing Source.File does not change the digest")
	}
	// Map order does not matter; nil and empty maps differ.
	a := base
	a.Tags = map[string]string{"a": "1", "b": "2"}
	b := base
	b.Tags = map[string]string{"b": "2", "a": "1"}
	if digest(&a) != digest(&b) {
		t.Error("the digest depends on map order")
	}
	empty := base
	empty.Tags = map[string]string{}
	none := base
	none.Tags = nil
	if digest(&empty) == digest(&none) {
		t.Error("nil and empty tags have one digest")
	}
	// Moving a string between fields changes the digest.
	x, y := base, base
	x.Title, x.Message = "ab", "c"
	y.Title, y.Message = "a", "bc"
	if digest(&x) == digest(&y) {
		t.Error(`("ab","c") and ("a","bc") have one digest`)
	}
}

func BenchmarkDigest(b *testing.B) {
	f := checks.Finding{
		Fingerprint: "0123456789abcdef0123456789abcdef", RuleID: "aws-s3-bucket-encryption", Title: "S3 buckets encrypt data at rest by default",
		Severity: checks.SeverityHigh, ResourceID: "arn:aws:s3:::bench-bucket-0000001", ResourceType: "aws.s3.bucket", ResourceName: "bench-bucket-0000001",
		Account: "123456789012", Region: "us-east-1", Message: "bucket bench-bucket-0000001 has no default encryption",
		Remediation: "Enable default encryption (SSE-S3 or SSE-KMS) on the bucket.",
		Frameworks:  map[string][]string{"SOC2": {"CC6.1"}, "HIPAA": {"164.312(a)(2)(iv)"}, "PCI": {"3.5.1"}, "CIS-AWS": {"2.1.1"}},
		Tags:        map[string]string{"team": "platform", "env": "prod"},
	}
	for b.Loop() {
		digest(&f)
	}
}
