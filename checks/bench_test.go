package checks_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/expr-lang/expr/vm"
)

// BenchmarkRuleEval is one compiled rule on one resource with a reused VM:
// the inner loop of every scan. Target: 0 allocs, well under 1µs.
func BenchmarkRuleEval(b *testing.B) {
	rules := loadRules(b, `rules:
  - id: b-pab
    title: PAB
    resource: aws.s3.bucket
    severity: high
    assert: >-
      (block_public_acls || account_block_public_acls) && (ignore_public_acls || account_ignore_public_acls) &&
      (block_public_policy || account_block_public_policy) && (restrict_public_buckets || account_restrict_public_buckets)
`)
	res := bucket("b", map[string]any{
		"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": true,
		"account_block_public_acls": false, "account_ignore_public_acls": false, "account_block_public_policy": true, "account_restrict_public_buckets": false,
	}, nil)
	env := checks.NewEnv(&res, time.Now())
	var m vm.VM
	r := rules[0]
	b.ReportAllocs()
	for b.Loop() {
		if st, err := r.Eval(&m, &res, env); st != checks.StatusPass || err != nil {
			b.Fatal(st, err)
		}
	}
}

// generateInventory replicates the built-in fixtures' resources (every type,
// compliant and failing) into n distinct resources.
func generateInventory(tb testing.TB, n int) []checks.Resource {
	_, files := loadBuiltin(tb)
	var templates []checks.Resource
	for _, f := range files {
		for _, c := range f.Cases {
			templates = append(templates, c.Resource)
		}
	}
	out := make([]checks.Resource, n)
	for i := range out {
		r := templates[i%len(templates)]
		r.ID = fmt.Sprintf("%s-%d", r.ID, i)
		out[i] = r
	}
	return out
}

// BenchmarkEvaluate100k runs every built-in rule over 100,000 resources.
// Target: < 2 s and < 500 MB on 2 cores.
func BenchmarkEvaluate100k(b *testing.B) {
	rules, _ := loadBuiltin(b)
	res := generateInventory(b, 100_000)
	e := checks.NewEngine(rules)
	scan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	var findings int
	for b.Loop() {
		r, err := e.Evaluate(context.Background(), res, checks.EvalOptions{ScanTime: scan})
		if err != nil {
			b.Fatal(err)
		}
		findings = len(r.Findings)
	}
	b.ReportMetric(float64(findings), "findings")
}
