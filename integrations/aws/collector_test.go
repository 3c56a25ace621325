package aws

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
)

// labeled indexes the scenario's resources by a stable label: the name, or
// for resources moto names itself (default VPCs and their groups and ACLs,
// root volumes, automated snapshots) a label derived from what they belong
// to.
func labeled(t *testing.T, col *checks.Collection, ids seeded) map[string]checks.Resource {
	t.Helper()
	vpcLabel := map[string]string{ids.appVPC: "app"}
	for _, r := range col.Resources {
		if r.Type == typeVPC && r.Attributes["is_default"] == true {
			vpcLabel[r.Attributes["vpc_id"].(string)] = "default"
		}
	}
	instName := map[string]string{ids.instPrivate: "worker", ids.instPublic: "web"}
	out := map[string]checks.Resource{}
	for _, r := range col.Resources {
		l := r.Name
		switch r.Type {
		case typeVPC:
			l = vpcLabel[r.Attributes["vpc_id"].(string)]
		case typeSecurityGroup:
			if r.Name == "default" {
				l = "default:" + vpcLabel[r.Attributes["vpc_id"].(string)]
			}
		case typeNetworkACL:
			if r.Attributes["is_default"] == true {
				l = "default-acl:" + vpcLabel[r.Attributes["vpc_id"].(string)]
			}
		case typeVolume:
			if ins, _ := r.Attributes["attached_instances"].([]string); len(ins) == 1 && r.Tags["Name"] == "" {
				l = "root:" + instName[ins[0]]
			}
		case typeSnapshot:
			if n, ok := map[string]string{ids.snapPublic: "snap-public", ids.snapShared: "snap-shared"}[r.Name]; ok {
				l = n
			}
		case typeKMSKey:
			if r.Name == ids.keyWest {
				l = "west-key"
			}
		case typeRDSSnapshot:
			if r.Attributes["snapshot_type"] == "automated" {
				l = "auto:" + r.Attributes["db_instance_id"].(string)
			}
		}
		key := r.Type + "|" + r.Region + "|" + l
		if _, dup := out[key]; dup || l == "" {
			t.Fatalf("resource label %q is not unique: %s", key, r.ID)
		}
		out[key] = r
	}
	return out
}

// comparable turns a resource's attributes into what the expectations
// spell: times become "set" or "zero", ids moto invents become "*".
func comparable(r checks.Resource) map[string]any {
	out := map[string]any{}
	for k, v := range r.Attributes {
		out[k] = normValue(k, v)
	}
	return out
}

func normValue(k string, v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return "zero"
		}
		return "set"
	case []map[string]any:
		items := make([]map[string]any, len(x))
		for i, m := range x {
			items[i] = map[string]any{}
			for kk, vv := range m {
				items[i][kk] = normValue(kk, vv)
			}
		}
		return items
	case string:
		if (k == "id" && strings.HasPrefix(x, "AKIA")) || (k == "public_ip" && x != "") {
			return "*"
		}
	}
	return v
}

type want struct {
	id    string // "" when moto invents it; checked to match the type's IDDoc then
	tags  map[string]string
	attrs map[string]any
}

func TestScenarioResources(t *testing.T) {
	col, ids := scenario(t)
	if len(col.Errors) != 0 || len(col.IncompleteTypes) != 0 {
		t.Fatalf("a healthy scan reported errors %v, incomplete types %v", col.Errors, col.IncompleteTypes)
	}
	// Moto implements no GetEbsDefaultKmsKeyId: a gap of the emulator, a
	// warning, never an incomplete scan.
	if !reflect.DeepEqual(col.Warnings, []string{"aws: the endpoint does not implement ec2 GetEbsDefaultKmsKeyId; what it answers is left unknown"}) {
		t.Errorf("warnings: %q", col.Warnings)
	}
	got := labeled(t, col, ids)
	exp := expectedResources(ids, got)

	var missing, extra []string
	for k := range exp {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if _, ok := exp[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("resources differ:\nmissing %s\nextra   %s", strings.Join(missing, "\n        "), strings.Join(extra, "\n        "))
	}
	for _, k := range slices.Sorted(maps.Keys(exp)) {
		r, ok := got[k]
		if !ok {
			continue
		}
		w := exp[k]
		if r.Account != testAccount {
			t.Errorf("%s: account %q", k, r.Account)
		}
		if w.id != "" && r.ID != w.id {
			t.Errorf("%s: id %q, want %q", k, r.ID, w.id)
		}
		wantTags := w.tags
		if wantTags == nil {
			wantTags = map[string]string{}
		}
		if !reflect.DeepEqual(r.Tags, wantTags) {
			t.Errorf("%s: tags %v, want %v", k, r.Tags, wantTags)
		}
		if c := comparable(r); !reflect.DeepEqual(c, w.attrs) {
			var diff []string
			for _, a := range slices.Sorted(maps.Keys(merge(c, w.attrs))) {
				if !reflect.DeepEqual(c[a], w.attrs[a]) {
					diff = append(diff, fmt.Sprintf("%s: got %#v, want %#v", a, c[a], w.attrs[a]))
				}
			}
			t.Errorf("%s attributes:\n  %s", k, strings.Join(diff, "\n  "))
		}
	}
}

func merge(a, b map[string]any) map[string]any {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

// builtinEngine loads the built-in rule pack.
func builtinEngine(t testing.TB) *checks.Engine {
	t.Helper()
	srcs, _ := checks.BuiltinSources()
	rules, err := checks.DefaultCatalog().LoadRules(srcs...)
	if err != nil {
		t.Fatalf("load built-in rules: %v", err)
	}
	return checks.NewEngine(rules)
}

func evaluate(t *testing.T, resources []checks.Resource, incomplete []string) *checks.Result {
	t.Helper()
	skip := map[string]bool{}
	for _, ty := range incomplete {
		skip[ty] = true
	}
	res, err := builtinEngine(t).Evaluate(context.Background(), resources, checks.EvalOptions{SkipTypes: skip})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// findingKeys names each finding "rule-id label".
func findingKeys(t *testing.T, res *checks.Result, col *checks.Collection, ids seeded) []string {
	t.Helper()
	label := map[string]string{}
	for k, r := range labeled(t, col, ids) {
		label[r.ID] = k
	}
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.RuleID+" "+label[f.ResourceID])
	}
	sort.Strings(out)
	return out
}

// TestScenarioFindings: the built-in rules find exactly what they should in
// the scenario, in both regions, and nothing else.
func TestScenarioFindings(t *testing.T) {
	col, ids := scenario(t)
	res := evaluate(t, col.Resources, col.IncompleteTypes)
	for _, e := range res.Errors {
		t.Errorf("rule error: %s on %s: %s", e.RuleID, e.ResourceID, e.Message)
	}
	for _, u := range res.Unknown {
		t.Errorf("not evaluated: %s on %s: %s", u.RuleID, u.ResourceID, u.Message)
	}
	want := scenarioFindings()
	got := findingKeys(t, res, col, ids)
	if !slices.Equal(got, want) {
		missing, extra := diffSets(want, got)
		t.Errorf("findings differ:\nmissing %s\nextra   %s", strings.Join(missing, "\n        "), strings.Join(extra, "\n        "))
	}
	// Every built-in rule's verdicts come from live data: each rule saw at
	// least one resource of its type.
	for _, s := range res.Rules {
		if s.Pass+s.Fail+s.NotApplicable == 0 {
			t.Errorf("rule %s (%s) evaluated no resource", s.RuleID, s.ResourceType)
		}
	}
}

func diffSets(want, got []string) (missing, extra []string) {
	w := map[string]bool{}
	for _, x := range want {
		w[x] = true
	}
	g := map[string]bool{}
	for _, x := range got {
		g[x] = true
		if !w[x] {
			extra = append(extra, x)
		}
	}
	for _, x := range want {
		if !g[x] {
			missing = append(missing, x)
		}
	}
	return missing, extra
}

// TestAttributesComplete: every resource the scan produced has every
// attribute of its type's schema, nested fields included, of the schema's
// kind. The one exception is what moto cannot answer.
func TestAttributesComplete(t *testing.T) {
	col, _ := scenario(t)
	motoGaps := map[string]bool{"aws.ec2.ebs_encryption_default.default_kms_key_id": true}
	cat := checks.DefaultCatalog()
	seen := map[string]bool{}
	for _, r := range col.Resources {
		seen[r.Type] = true
		rt, ok := cat.Type(r.Type)
		if !ok {
			t.Errorf("%s: unknown type %s", r.ID, r.Type)
			continue
		}
		if r.Account != testAccount || r.Region == "" || r.Name == "" || r.Tags == nil {
			t.Errorf("%s: account %q region %q name %q tags %v", r.ID, r.Account, r.Region, r.Name, r.Tags)
		}
		if strings.HasPrefix(rt.Regions, "global") != (r.Region == checks.GlobalRegion) {
			t.Errorf("%s: region %q for a type that is %q", r.ID, r.Region, rt.Regions)
		}
		for _, a := range rt.Attrs {
			v, ok := r.Attributes[a.Name]
			if !ok {
				if !motoGaps[r.Type+"."+a.Name] {
					t.Errorf("%s (%s): attribute %s missing", r.ID, r.Type, a.Name)
				}
				continue
			}
			checkKind(t, r.ID+"."+a.Name, a, v)
		}
		for name := range r.Attributes {
			if _, ok := rt.Attr(name); !ok {
				t.Errorf("%s: attribute %s is not in the schema", r.ID, name)
			}
		}
	}
	for _, ty := range ResourceTypes() {
		if !seen[ty] {
			t.Errorf("the scenario produced no %s", ty)
		}
	}
}

// checkKind checks a value has exactly the Go type of its kind.
func checkKind(t *testing.T, path string, a checks.Attr, v any) {
	t.Helper()
	ok := false
	switch a.Kind {
	case checks.KindBool:
		_, ok = v.(bool)
	case checks.KindInt:
		_, ok = v.(int)
	case checks.KindFloat:
		_, ok = v.(float64)
	case checks.KindString:
		_, ok = v.(string)
	case checks.KindTime:
		_, ok = v.(time.Time)
	case checks.KindStringList:
		var l []string
		l, ok = v.([]string)
		ok = ok && l != nil
	case checks.KindStringMap:
		var m map[string]string
		m, ok = v.(map[string]string)
		ok = ok && m != nil
	case checks.KindObject:
		var m map[string]any
		if m, ok = v.(map[string]any); ok {
			checkFields(t, path, a.Fields, m)
		}
	case checks.KindObjectList:
		var items []map[string]any
		if items, ok = v.([]map[string]any); ok {
			ok = items != nil
			for i, m := range items {
				checkFields(t, fmt.Sprintf("%s[%d]", path, i), a.Fields, m)
			}
		}
	}
	if !ok {
		t.Errorf("%s: %T is not a %s", path, v, a.Kind)
	}
}

func checkFields(t *testing.T, path string, fields []checks.Attr, m map[string]any) {
	t.Helper()
	for _, f := range fields {
		v, ok := m[f.Name]
		if !ok {
			t.Errorf("%s.%s missing", path, f.Name)
			continue
		}
		checkKind(t, path+"."+f.Name, f, v)
	}
	if len(m) != len(fields) {
		t.Errorf("%s: %d fields, the schema has %d", path, len(m), len(fields))
	}
}

// TestResourceTypesCoverBuiltinRules: every built-in rule is fed by the live
// collector.
func TestResourceTypesCoverBuiltinRules(t *testing.T) {
	have := map[string]bool{}
	for _, ty := range ResourceTypes() {
		have[ty] = true
		if _, ok := checks.DefaultCatalog().Type(ty); !ok {
			t.Errorf("ResourceTypes lists %s, which the schema does not define", ty)
		}
	}
	var missing []string
	for _, r := range builtinEngine(t).Rules() {
		if !have[r.Resource] {
			missing = append(missing, r.ID+" ("+r.Resource+")")
		}
	}
	if len(missing) > 0 {
		t.Errorf("built-in rules whose resource type the AWS collector does not produce:\n  %s", strings.Join(missing, "\n  "))
	}
}

// TestExportRescan: the collected resources written as an inventory and read
// back give the same findings.
func TestExportRescan(t *testing.T) {
	col, _ := scenario(t)
	var buf bytes.Buffer
	if err := inventory.Write(&buf, col.Resources); err != nil {
		t.Fatal(err)
	}
	back, warnings, err := inventory.Parse("export.json", buf.Bytes(), nil)
	if err != nil {
		t.Fatalf("parse the export: %v", err)
	}
	if len(warnings) > 0 {
		t.Errorf("parse warnings: %v", warnings)
	}
	if len(back) != len(col.Resources) {
		t.Fatalf("%d resources back, %d written", len(back), len(col.Resources))
	}
	scanTime := time.Now()
	eval := func(rs []checks.Resource) *checks.Result {
		res, err := builtinEngine(t).Evaluate(context.Background(), rs, checks.EvalOptions{ScanTime: scanTime})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	live, file := eval(col.Resources), eval(back)
	if len(live.Findings) == 0 {
		t.Fatal("no findings: the comparison would prove nothing")
	}
	if !reflect.DeepEqual(live.Findings, file.Findings) {
		t.Errorf("findings differ between the live scan (%d) and the exported inventory (%d)", len(live.Findings), len(file.Findings))
		for i := range min(len(live.Findings), len(file.Findings)) {
			if !reflect.DeepEqual(live.Findings[i], file.Findings[i]) {
				t.Errorf("first difference:\n live %+v\n file %+v", live.Findings[i], file.Findings[i])
				break
			}
		}
	}
	if !reflect.DeepEqual(live.Rules, file.Rules) {
		t.Errorf("rule outcomes differ:\n live %+v\n file %+v", live.Rules, file.Rules)
	}
}
