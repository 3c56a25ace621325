package terraform

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
)

// TestEquivalenceWithInventory: the same estate as a Terraform state and as
// an inventory file (written by hand: what a live collector reports, minus
// what Terraform cannot know) gives the same resources and, under the
// built-in rule pack, the same findings, unknowns and per-rule counts. It
// compares everything generically, so every rule added to the pack is
// covered without changing this test.
func TestEquivalenceWithInventory(t *testing.T) {
	cat := checks.DefaultCatalog()
	tfData, err := os.ReadFile("testdata/equivalence.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	invData, err := os.ReadFile("testdata/equivalence.json")
	if err != nil {
		t.Fatal(err)
	}
	fromTF, _, err := Parse("equivalence.tfstate", tfData, cat)
	if err != nil {
		t.Fatal(err)
	}
	fromInv, warnings, err := inventory.Parse("equivalence.json", invData, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("inventory warnings: %q", warnings)
	}

	// Resources first: a mismatch here says exactly which attribute differs.
	byKey := func(rs []checks.Resource) map[string]checks.Resource {
		m := map[string]checks.Resource{}
		for _, r := range rs {
			m[r.Type+" "+r.ID] = r
		}
		return m
	}
	tfMap, invMap := byKey(fromTF), byKey(fromInv)
	for k, want := range invMap {
		got, ok := tfMap[k]
		if !ok {
			t.Errorf("%s: in the inventory, not from Terraform", k)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs:\nterraform %s\ninventory %s", k, mustJSON(got), mustJSON(want))
		}
	}
	for k := range tfMap {
		if _, ok := invMap[k]; !ok {
			t.Errorf("%s: from Terraform, not in the inventory", k)
		}
	}

	ruleSrcs, _ := checks.BuiltinSources()
	rules, err := cat.LoadRules(ruleSrcs...)
	if err != nil {
		t.Fatal(err)
	}
	engine := checks.NewEngine(rules)
	opts := checks.EvalOptions{ScanTime: time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)}
	tfRes, err := engine.Evaluate(context.Background(), fromTF, opts)
	if err != nil {
		t.Fatal(err)
	}
	invRes, err := engine.Evaluate(context.Background(), fromInv, opts)
	if err != nil {
		t.Fatal(err)
	}

	if len(invRes.Findings) == 0 {
		t.Fatal("the inventory gives no findings: the comparison would prove nothing")
	}
	passes := 0
	for _, s := range invRes.Rules {
		passes += s.Pass
	}
	if passes == 0 {
		t.Fatal("the inventory passes no rule: the comparison would prove nothing")
	}
	t.Logf("%d rules, %d findings, %d passes, %d not evaluated (unknown)", len(rules), len(invRes.Findings), passes, len(invRes.Unknown))

	sortFindings := func(fs []checks.Finding) {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Fingerprint < fs[j].Fingerprint })
	}
	sortFindings(tfRes.Findings)
	sortFindings(invRes.Findings)
	index := func(fs []checks.Finding) map[string]checks.Finding {
		m := map[string]checks.Finding{}
		for _, f := range fs {
			m[f.Fingerprint] = f
		}
		return m
	}
	tfF, invF := index(tfRes.Findings), index(invRes.Findings)
	for fp, want := range invF {
		got, ok := tfF[fp]
		if !ok {
			t.Errorf("finding only from the inventory: %s %s: %s", want.RuleID, want.ResourceID, want.Message)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("finding %s %s differs:\nterraform %s\ninventory %s", want.RuleID, want.ResourceID, mustJSON(got), mustJSON(want))
		}
	}
	for fp, got := range tfF {
		if _, ok := invF[fp]; !ok {
			t.Errorf("finding only from Terraform: %s %s: %s", got.RuleID, got.ResourceID, got.Message)
		}
	}
	if !reflect.DeepEqual(tfRes.Unknown, invRes.Unknown) {
		t.Errorf("not-evaluated lists differ:\nterraform %s\ninventory %s", mustJSON(tfRes.Unknown), mustJSON(invRes.Unknown))
	}
	if !reflect.DeepEqual(tfRes.Errors, invRes.Errors) {
		t.Errorf("rule errors differ:\nterraform %s\ninventory %s", mustJSON(tfRes.Errors), mustJSON(invRes.Errors))
	}
	if !reflect.DeepEqual(tfRes.Rules, invRes.Rules) {
		t.Errorf("per-rule counts differ:\nterraform %s\ninventory %s", mustJSON(tfRes.Rules), mustJSON(invRes.Rules))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
