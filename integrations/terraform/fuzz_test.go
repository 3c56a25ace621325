package terraform

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
// FILE:LINE:, wrapping checks.ErrInvalidInput); what it accepts is
// normalized (Normalize again changes nothing), every warning is one line
// naming the file, and the resources survive an inventory export and
// re-import unchanged (--export-inventory must give the same findings).
//
//	go test ./integrations/terraform -run x -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, p := range []string{exampleState, examplePlan, "testdata/equivalence.tfstate"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, seed := range splitSeeds(f, data) {
			f.Add(seed)
		}
	}
	f.Add([]byte(showState))
	f.Add([]byte(showPlan))
	f.Add(stateJSON(f, r("aws_security_group", "web", sgAttrs)))
	f.Add([]byte(`{"version": 3}`))
	f.Add([]byte(`{"format_version": "1.0"}`))
	f.Add([]byte("[1, 2]"))
	f.Add(planJSON(f, awsProvider, `{"region": {"value": "eu-west-1"}}`, newBucket("a"), versioningOf("v", `"aws_s3_bucket.a.id", "aws_s3_bucket.a"`)))
	cat := checks.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "f.tfstate"
		res, warnings, err := Parse(name, data, cat)
		if err != nil {
			checkInputErr(t, name, err)
			return
		}
		for _, w := range warnings {
			if !strings.HasPrefix(w, name+": ") || strings.ContainsAny(w, "\n\r\u2028\u2029") {
				t.Errorf("warning not one line naming the file: %q", w)
			}
		}
		for i := range res {
			if res[i].ID == "" || res[i].Tags == nil || res[i].Attributes == nil {
				t.Errorf("resources[%d] incomplete: %#v", i, res[i])
			}
			again := res[i]
			again.Attributes = cloneAttrs(res[i].Attributes)
			if _, err := cat.Normalize(&again); err != nil {
				t.Errorf("resources[%d] fails Normalize again: %v", i, err)
			} else if !reflect.DeepEqual(again, res[i]) {
				t.Errorf("resources[%d] changed when normalized again:\n got %#v\nwant %#v", i, again, res[i])
			}
		}
		var buf bytes.Buffer
		if err := inventory.Write(&buf, res); err != nil {
			t.Fatalf("export: %v", err)
		}
		back, _, err := inventory.Parse("export.json", buf.Bytes(), cat)
		if err != nil {
			t.Fatalf("re-import of the export: %v\n%s", err, buf.Bytes())
		}
		if len(back) != len(res) {
			t.Fatalf("%d resources after the round trip, want %d", len(back), len(res))
		}
		for i := range res {
			if !reflect.DeepEqual(back[i], res[i]) {
				t.Errorf("resources[%d] changed in the round trip:\n got %#v\nwant %#v", i, back[i], res[i])
			}
		}
	})
}

// splitSeeds cuts a sample file into small files of the same format, a few
// resources each. Whole samples (50+ KB) make poor seeds: every input the
// fuzzer finds interesting is minimized first, and minimizing a mutated
// sample takes the whole minimization budget (a minute by default).
func splitSeeds(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	const per = 3
	chunks := func(list []any) [][]any {
		var out [][]any
		for i := 0; i < len(list); i += per {
			out = append(out, list[i:min(i+per, len(list))])
		}
		return out
	}
	var seeds [][]byte
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if resources, ok := doc["resources"].([]any); ok { // state v4
		for _, c := range chunks(resources) {
			add(map[string]any{"version": 4, "terraform_version": doc["terraform_version"], "resources": c})
		}
		return seeds
	}
	// A plan: chunks of the root module's planned resources with their
	// changes and configuration; the child modules in a seed of their own.
	planned := doc["planned_values"].(map[string]any)["root_module"].(map[string]any)
	cfg := doc["configuration"].(map[string]any)
	cfgRoot := cfg["root_module"].(map[string]any)
	changes := doc["resource_changes"].([]any)
	pick := func(list []any, key string, keep map[string]bool) []any {
		var out []any
		for _, x := range list {
			if keep[x.(map[string]any)[key].(string)] {
				out = append(out, x)
			}
		}
		return out
	}
	mk := func(root map[string]any, addrs, locals map[string]bool, calls any) {
		add(map[string]any{
			"format_version": doc["format_version"], "variables": doc["variables"],
			"planned_values": map[string]any{"root_module": root}, "resource_changes": pick(changes, "address", addrs),
			"configuration": map[string]any{"provider_config": cfg["provider_config"],
				"root_module": map[string]any{"resources": pick(cfgRoot["resources"].([]any), "address", locals), "module_calls": calls}},
		})
	}
	for _, c := range chunks(planned["resources"].([]any)) {
		addrs, locals := map[string]bool{}, map[string]bool{}
		for _, r := range c {
			m := r.(map[string]any)
			addrs[m["address"].(string)] = true
			locals[m["type"].(string)+"."+m["name"].(string)] = true
		}
		mk(map[string]any{"resources": c}, addrs, locals, map[string]any{})
	}
	if kids, ok := planned["child_modules"].([]any); ok {
		addrs := map[string]bool{}
		for _, k := range kids {
			for _, r := range k.(map[string]any)["resources"].([]any) {
				addrs[r.(map[string]any)["address"].(string)] = true
			}
		}
		mk(map[string]any{"resources": []any{}, "child_modules": kids}, addrs, map[string]bool{}, cfgRoot["module_calls"])
	}
	return seeds
}

// cloneAttrs copies the top level, which is what Normalize rewrites.
func cloneAttrs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
