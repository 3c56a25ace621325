package checks

import (
	"strings"
	"testing"
)

func TestFormatPlanAndSameBefore(t *testing.T) {
	p := RemediationPlan{
		Calls:   []PlannedCall{{API: "s3:PutPublicAccessBlock", Params: map[string]any{"Bucket": "<b>", "A": 1}}},
		Changes: []AttributeChange{{Attribute: "block_public_acls", Before: false, After: true}},
	}
	got := FormatPlan(p)
	want := "API calls:\n  s3:PutPublicAccessBlock {\"A\":1,\"Bucket\":\"<b>\"}\nChanges:\n  block_public_acls: false -> true"
	if got != want {
		t.Errorf("FormatPlan:\n%s\nwant\n%s", got, want)
	}
	if got := FormatPlan(RemediationPlan{NoOpReason: "already on"}); !strings.Contains(got, "No change needed: already on") {
		t.Errorf("no-op plan %q", got)
	}
	changed := p
	changed.Changes = []AttributeChange{{Attribute: "block_public_acls", Before: nil, After: true}}
	for _, tt := range []struct {
		name string
		a, b RemediationPlan
		same bool
	}{
		{"same", p, p, true},
		{"other before", p, changed, false},
		{"fewer changes", p, RemediationPlan{Calls: p.Calls}, false},
	} {
		if got := SamePlanBefore(tt.a, tt.b); got != tt.same {
			t.Errorf("%s: SamePlanBefore = %v", tt.name, got)
		}
	}
	otherKey := RemediationPlan{Calls: []PlannedCall{{API: "s3:PutPublicAccessBlock", Params: map[string]any{"Bucket": "<b>", "A": 2}}}, Changes: p.Changes}
	otherAfter := RemediationPlan{Calls: p.Calls, Changes: []AttributeChange{{Attribute: "block_public_acls", Before: false, After: "x"}}}
	roundTrip := RemediationPlan{Calls: []PlannedCall{{API: "s3:PutPublicAccessBlock", Params: map[string]any{"Bucket": "<b>", "A": float64(1)}}}, Changes: p.Changes}
	noParams := RemediationPlan{Calls: []PlannedCall{{API: "ec2:EnableEbsEncryptionByDefault", Params: map[string]any{}}}}
	noParamsRead := RemediationPlan{Calls: []PlannedCall{{API: "ec2:EnableEbsEncryptionByDefault"}}}
	for _, tt := range []struct {
		name string
		a, b RemediationPlan
		same bool
	}{
		{"same", p, p, true},
		{"read back from JSON", p, roundTrip, true},
		{"params omitted when empty", noParams, noParamsRead, true},
		{"other call params", p, otherKey, false},
		{"other after", p, otherAfter, false},
		{"other call", p, noParams, false},
		{"no calls now", p, RemediationPlan{Changes: p.Changes}, false},
	} {
		if got := SameChange(tt.a, tt.b); got != tt.same {
			t.Errorf("%s: SameChange = %v", tt.name, got)
		}
	}
	if !KnownRemediationAction("aws.s3.enable-versioning") || KnownRemediationAction("aws.s3.delete-bucket") {
		t.Error("KnownRemediationAction")
	}
}
