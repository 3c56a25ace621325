package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	good, err := json.Marshal(sampleScan())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Decode(bytes.NewReader(good))
	if err != nil {
		t.Fatalf("decode a scan report: %v", err)
	}
	if rep.Scan.ID != "scan-<b>1</b>" || len(rep.Rules) != 6 || len(rep.Findings) != 2 {
		t.Errorf("decoded %+v", rep.Scan)
	}
	// A newer scan report with added fields is still read.
	withExtra := strings.Replace(string(good), `{"scan":`, `{"added_later":{"x":1},"scan":`, 1)
	if _, err := Decode(strings.NewReader(withExtra)); err != nil {
		t.Errorf("extra field refused: %v", err)
	}

	bad := []struct{ name, in, want string }{
		{"empty", "", "not a comply scan result"},
		{"garbage", "hello", "not a comply scan result"},
		{"array", "[]", "not a comply scan result"},
		{"empty object", "{}", `no "scan" section`},
		{"null rules", `{"scan":{"id":"x"},"score":{},"findings":[],"rules":null}`, `no "rules" section`},
		{"no scan id", `{"scan":{},"score":{},"findings":[],"rules":[]}`, "scan.id"},
		{"bad severity", `{"scan":{"id":"x"},"score":{},"findings":[],"rules":[{"id":"r","severity":"huge"}]}`, "unknown severity"},
		{"missing severity", `{"scan":{"id":"x"},"score":{},"findings":[],"rules":[{"id":"r"}]}`, "no severity"},
		{"negative", `{"scan":{"id":"x"},"score":{},"findings":[],"rules":[{"id":"r","severity":"low","pass":-1}]}`, "negative"},
		{"wrong type", `{"scan":{"id":"x"},"score":{},"findings":{},"rules":[]}`, "invalid scan result"},
		{"trailing", `{"scan":{"id":"x"},"score":{},"findings":[],"rules":[]} {}`, "data after"},
		{"finding without rule", `{"scan":{"id":"x"},"score":{},"findings":[{"severity":"low"}],"rules":[]}`, "findings[0]"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
