package checks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

// brokenRuleFiles seed the fuzzer with near misses of every kind the loader
// reports: YAML syntax, document shape, rule fields, expressions, messages.
func brokenRuleFiles() []string {
	return []string{
		"",
		"rules:",
		"rules: []\n---\nrules: []\n",
		"- id: x\n",
		"rules: {id: x}\n",
		"rules:\n  - 42\n",
		"rulez:\n  - id: a\n",
		"rules:\n  - id: Bad_ID\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: versioning_enabled\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bukket\n    severity: high\n    assert: 'true'\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: urgent\n    assert: 'true'\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: versioning_enabled +\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: size_gib > 1\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: lifecycle_rules\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: 'true'\n    message: 'bucket {{ name '\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: 'true'\n    message: 'x {{ }} {{ nope }}'\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: 'true'\n    frameworks: {SOC3: [x], HIPAA: []}\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: 'true'\n    extra: 1\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: high\n    assert: 'true'\n  - id: a\n    title: t\n    resource: aws.s3.bucket\n    severity: low\n    assert: 'false'\n",
		"rules:\n  - id: a\n    title: |\n      multi\n      line\n    resource: aws.ec2.security_group\n    severity: high\n    when: len(ingress) > 0\n    assert: '!open_to_world(ingress, \"tcp\", 22) && days(scan_time - scan_time) < 1'\n    message: \"{{ ingress }} {{ 1/0 }}\"\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.ec2.network_acl\n    severity: info\n    assert: nacl_allows_from_world(attributes['entries'], 'tcp', 22) == false\n",
		"rules:\n  - &r {id: a, title: t, resource: aws.kms.key, severity: low, assert: rotation_enabled}\n  - *r\n",
		"rules:\n  - id: a\n    title: t\n    resource: aws.iam.user\n    severity: high\n    assert: all(access_keys, {.status != 'Active' || days(scan_time - .created_at) <= 90})\n",
		"rules: [\n",
		"rules:\n\t- id: a\n",
		"\xff\xfe",
		// Shapes that made go-yaml's decoder panic (found fuzzing config files).
		"rules:\n  - id: a\n    title: !000000000000\n    0000000000000000\n      -00000000000000\n  - 0000: 0000\n",
		"rules:\n  - id: 0\n     -\n     0",
	}
}

// slowLoad is far beyond any real rule file's load time: a slower load is a
// denial of service by a hostile file (rules come from users' repositories).
const slowLoad = 2 * time.Second

// FuzzLoadRules: loading arbitrary bytes as a rule file never panics nor
// takes long; every
// error is a RuleErrors of one-line messages that start with the file name;
// rules that load evaluate without panicking on a resource of their type whose
// attributes are all unknown, and on one whose attributes are all zero values.
//
//	go test ./checks -run '^$' -fuzz FuzzLoadRules -fuzztime 70s -fuzzminimizetime 5s
//
// (The default minimize time of 60s is mostly spent shrinking mutations of the
// large built-in rule files.)
func FuzzLoadRules(f *testing.F) {
	rules, _ := checks.BuiltinSources()
	for _, src := range rules {
		f.Add(src.Data)
		// One-rule files too: small seeds mutate (and minimize) far faster
		// than a whole pack.
		for _, one := range splitRules(string(src.Data)) {
			f.Add([]byte(one))
		}
	}
	for _, s := range brokenRuleFiles() {
		f.Add([]byte(s))
	}
	cat := checks.DefaultCatalog()
	scanTime := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		rules, err := cat.LoadRules(checks.RuleSource{Name: "f.yaml", Data: data})
		if d := time.Since(start); d > slowLoad {
			t.Fatalf("loading a %d-byte file took %v: %q", len(data), d, data)
		}
		if err != nil {
			checkRuleErrors(t, err)
			if rules != nil {
				t.Errorf("rules returned with an error: %d", len(rules))
			}
			return
		}
		var resources []checks.Resource
		for _, r := range rules {
			typ, ok := cat.Type(r.Resource)
			if !ok {
				t.Fatalf("rule %s loaded for unknown type %q", r.ID, r.Resource)
			}
			resources = append(resources,
				checks.Resource{ID: "unknown-" + r.ID, Type: r.Resource},
				checks.Resource{ID: "zero-" + r.ID, Type: r.Resource, Attributes: zeroAttributes(typ.Attrs), Tags: map[string]string{}},
			)
		}
		res, err := checks.NewEngine(rules).Evaluate(context.Background(), resources, checks.EvalOptions{ScanTime: scanTime, Workers: 1})
		if err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		for _, in := range append(res.Errors, res.Unknown...) {
			if strings.Contains(in.Message, "rule panicked") || strings.ContainsAny(in.Message, "\n\r") {
				t.Errorf("rule %s on %s: %q", in.RuleID, in.ResourceID, in.Message)
			}
		}
		for _, fd := range res.Findings {
			if fd.RuleID == "" || fd.Fingerprint == "" {
				t.Errorf("finding without rule id or fingerprint: %+v", fd)
			}
		}
	})
}

// splitRules cuts a rule file into one file per rule (rules start at
// "  - id:" as in the built-in pack).
func splitRules(data string) []string {
	var out []string
	for i, part := range strings.Split(data, "\n  - id:") {
		if i > 0 {
			out = append(out, "rules:\n  - id:"+part)
		}
	}
	return out
}

// checkRuleErrors asserts the loader's error contract for source "f.yaml".
func checkRuleErrors(t *testing.T, err error) {
	t.Helper()
	var re checks.RuleErrors
	if !errors.As(err, &re) || len(re) == 0 {
		t.Fatalf("error is not a non-empty checks.RuleErrors: %T %v", err, err)
	}
	if !errors.Is(err, checks.ErrInvalidInput) {
		t.Errorf("error does not match checks.ErrInvalidInput: %v", err)
	}
	for _, e := range re {
		msg := e.Error()
		if e.File != "f.yaml" || !strings.HasPrefix(msg, "f.yaml") || strings.ContainsAny(msg, "\n\r") || e.Line < 0 {
			t.Errorf("rule error %q (file %q, line %d): want one line starting with f.yaml", msg, e.File, e.Line)
		}
	}
}

// zeroAttributes sets every attribute to its kind's zero value; object lists
// get one zero-valued item so that helpers walk into it.
func zeroAttributes(attrs []checks.Attr) map[string]any {
	m := make(map[string]any, len(attrs))
	for _, a := range attrs {
		switch a.Kind {
		case checks.KindBool:
			m[a.Name] = false
		case checks.KindInt:
			m[a.Name] = 0
		case checks.KindFloat:
			m[a.Name] = 0.0
		case checks.KindString:
			m[a.Name] = ""
		case checks.KindTime:
			m[a.Name] = time.Time{}
		case checks.KindStringList:
			m[a.Name] = []string{}
		case checks.KindStringMap:
			m[a.Name] = map[string]string{}
		case checks.KindObject:
			m[a.Name] = zeroAttributes(a.Fields)
		case checks.KindObjectList:
			m[a.Name] = []map[string]any{zeroAttributes(a.Fields)}
		}
	}
	return m
}

// TestZeroAttributesCoverSchema keeps zeroAttributes in step with the schema
// kinds: an attribute it does not fill would make the fuzz property vacuous.
func TestZeroAttributesCoverSchema(t *testing.T) {
	cat := checks.DefaultCatalog()
	for _, name := range cat.Names() {
		typ, _ := cat.Type(name)
		r := checks.Resource{ID: "x", Type: name, Attributes: zeroAttributes(typ.Attrs)}
		if w, err := cat.Normalize(&r); err != nil || len(w) > 0 || len(r.Attributes) != len(typ.Attrs) {
			t.Errorf("%s: zero attributes do not normalize cleanly: %v %q", name, err, w)
		}
	}
}
