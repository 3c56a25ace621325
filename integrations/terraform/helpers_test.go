package terraform

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
)

const (
	acct     = "111122223333"
	provider = `provider["registry.terraform.io/hashicorp/aws"]`
)

// tfres is one resource instance of a test state.
type tfres struct {
	module, typ, name string
	index             any    // nil, a number or a string
	attrs             string // JSON object
	provider          string // "" means the default aws provider
}

func r(typ, name, attrs string) tfres { return tfres{typ: typ, name: name, attrs: attrs} }

// stateJSON writes a version 4 state holding rs.
func stateJSON(t testing.TB, rs ...tfres) []byte {
	t.Helper()
	var resources []map[string]any
	for _, x := range rs {
		var attrs map[string]any
		if err := json.Unmarshal([]byte(x.attrs), &attrs); err != nil {
			t.Fatalf("test state %s.%s: bad attrs JSON: %v", x.typ, x.name, err)
		}
		inst := map[string]any{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []any{}}
		if x.index != nil {
			inst["index_key"] = x.index
		}
		p := x.provider
		if p == "" {
			p = provider
		}
		res := map[string]any{"mode": "managed", "type": x.typ, "name": x.name, "provider": p, "instances": []any{inst}}
		if x.module != "" {
			res["module"] = x.module
		}
		resources = append(resources, res)
	}
	b, err := json.MarshalIndent(map[string]any{"version": 4, "terraform_version": "1.9.5", "serial": 1,
		"lineage": "test", "outputs": map[string]any{}, "resources": resources}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseOK parses and fails the test on an error.
func parseOK(t testing.TB, data []byte) ([]checks.Resource, []string) {
	t.Helper()
	res, warnings, err := Parse("test.tfstate", data, nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return res, warnings
}

// find returns the resource of a type and id, failing the test if absent.
func find(t testing.TB, res []checks.Resource, typ, id string) checks.Resource {
	t.Helper()
	for _, r := range res {
		if r.Type == typ && r.ID == id {
			return r
		}
	}
	var have []string
	for _, r := range res {
		have = append(have, r.Type+" "+r.ID)
	}
	t.Fatalf("no %s %s; have %q", typ, id, have)
	return checks.Resource{}
}

// absent marks an attribute that must be unknown (not in the map).
type absentT struct{}

var absent absentT

// checkAttrs compares the named attributes; absent means the attribute
// must be unknown.
func checkAttrs(t testing.TB, r checks.Resource, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := want[k]
		got, ok := r.Attributes[k]
		if _, mustBeAbsent := w.(absentT); mustBeAbsent {
			if ok {
				t.Errorf("%s: %s = %#v, want unknown (absent)", r.ID, k, got)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: %s is unknown, want %#v", r.ID, k, w)
			continue
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %s = %#v, want %#v", r.ID, k, got, w)
		}
	}
}

var errLineRE = regexp.MustCompile(`^[^\n]+:[0-9]+: `)

// checkInputErr asserts the error contract: wraps checks.ErrInvalidInput,
// one line, starts with FILE:LINE:.
func checkInputErr(t testing.TB, name string, err error) {
	t.Helper()
	if !errors.Is(err, checks.ErrInvalidInput) {
		t.Errorf("error does not wrap checks.ErrInvalidInput: %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r\u2028\u2029") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.HasPrefix(msg, checks.EscapeBreaks(name)+":") || !errLineRE.MatchString(msg) {
		t.Errorf("error does not start with %s:LINE: %q", name, msg)
	}
}

// wantPerm is a permission entry as the schema spells it.
func wantPerm(proto string, from, to int, v4 ...string) map[string]any {
	if v4 == nil {
		v4 = []string{}
	}
	return map[string]any{"protocol": proto, "from_port": from, "to_port": to, "ipv4_ranges": v4,
		"ipv6_ranges": []string{}, "prefix_lists": []string{}, "source_groups": []string{}}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint("test data: ", err))
	}
	return string(b)
}

// resourceOf wraps attributes for checkAttrs.
func resourceOf(attrs map[string]any) checks.Resource {
	return checks.Resource{ID: "(attributes)", Attributes: attrs}
}
