package inventory_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
)

// FuzzParse: Parse never panics; its errors keep the contract (one line,
// FILE:LINE:, wrapping checks.ErrInvalidInput); what it accepts is normalized
// (Normalize again changes nothing) and survives Write -> Parse unchanged,
// which is what makes exported inventories reproducible.
//
//	go test ./integrations/inventory -run '^$' -fuzz FuzzParse -fuzztime 70s -fuzzminimizetime 5s
//
// (The default minimize time of 60s is mostly spent shrinking mutations of the
// large example inventory.)
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	// Each example resource alone too: small seeds mutate (and minimize)
	// far faster than the whole estate.
	var doc struct{ Resources []json.RawMessage }
	if err := json.Unmarshal(example, &doc); err != nil {
		f.Fatal(err)
	}
	for _, r := range doc.Resources {
		f.Add(append(append([]byte("["), r...), ']'))
	}
	for _, c := range parseCases() {
		f.Add([]byte(c.input))
	}
	cat := checks.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, warnings, err := inventory.Parse("f.json", data, cat)
		if err != nil {
			checkInputErr(t, err)
			return
		}
		for _, w := range warnings {
			if !strings.HasPrefix(w, "f.json:") || strings.ContainsAny(w, "\n\r\u2028\u2029") {
				t.Errorf("warning not one line naming the file: %q", w)
			}
		}
		var buf bytes.Buffer
		if err := inventory.Write(&buf, res); err != nil {
			t.Fatalf("write of parsed inventory: %v", err)
		}
		back, backWarnings, err := inventory.Parse("f.json", buf.Bytes(), cat)
		if err != nil {
			t.Fatalf("parse of written inventory: %v\n%s", err, buf.Bytes())
		}
		if len(backWarnings) != len(warnings) {
			t.Errorf("warnings changed in the round trip: %q -> %q", warnings, backWarnings)
		}
		if len(back) != len(res) {
			t.Fatalf("%d resources after the round trip, want %d", len(back), len(res))
		}
		for i := range res {
			if !reflect.DeepEqual(back[i], res[i]) {
				t.Errorf("resources[%d] changed in the round trip:\n got %#v\nwant %#v", i, back[i], res[i])
			}
			if _, err := cat.Normalize(&back[i]); err != nil {
				t.Errorf("resources[%d] fails Normalize again: %v", i, err)
			}
			if !reflect.DeepEqual(back[i], res[i]) {
				t.Errorf("resources[%d] changed when normalized again:\n got %#v\nwant %#v", i, back[i], res[i])
			}
		}
	})
}
