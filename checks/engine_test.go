package checks_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

const engineRules = `rules:
  - id: t-versioning
    title: Versioning
    resource: aws.s3.bucket
    severity: medium
    assert: versioning_enabled
    message: "bucket {{ name }} is unversioned"
    frameworks: {SOC2: [A1.2], HIPAA: ["164.308(a)(7)(ii)(A)"]}
  - id: t-logging
    title: Logging
    resource: aws.s3.bucket
    severity: high
    when: tags["env"] == "prod"
    assert: logging_enabled
    frameworks: {SOC2: [CC7.2]}
  - id: t-runtime-error
    title: Divides
    resource: aws.s3.bucket
    severity: low
    assert: 10 / lifecycle_rules > 1 && [1][lifecycle_rules] == 1
    frameworks: {PCI: ["10.2.1"]}
  - id: t-volume
    title: Volume encrypted
    resource: aws.ec2.volume
    severity: critical
    assert: encrypted
    frameworks: {HIPAA: ["164.312(a)(2)(iv)"]}
`

func loadRules(t testing.TB, src string) []*checks.Rule {
	t.Helper()
	rules, err := checks.DefaultCatalog().LoadRules(checks.RuleSource{Name: "t.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func bucket(name string, attrs map[string]any, tags map[string]string) checks.Resource {
	return checks.Resource{ID: "arn:aws:s3:::" + name, Type: "aws.s3.bucket", Account: "111122223333",
		Region: "us-east-1", Name: name, Tags: tags, Attributes: attrs}
}

func TestEvaluateOutcomes(t *testing.T) {
	rules := loadRules(t, engineRules)
	res := []checks.Resource{
		bucket("good", map[string]any{"versioning_enabled": true, "logging_enabled": true, "lifecycle_rules": 0}, map[string]string{"env": "prod"}),
		bucket("bad", map[string]any{"versioning_enabled": false, "logging_enabled": false, "lifecycle_rules": 2}, map[string]string{"env": "prod"}),
		bucket("dev", map[string]any{"versioning_enabled": true, "logging_enabled": false}, nil),
		{ID: "vol-1", Type: "aws.ec2.volume", Account: "111122223333", Region: "eu-west-1", Attributes: map[string]any{"encrypted": false}},
	}
	rep, err := checks.NewEngine(rules).Evaluate(context.Background(), res, checks.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.RuleID+"/"+f.ResourceName+"/"+f.Severity.String())
	}
	want := []string{"t-volume/vol-1/critical", "t-logging/bad/high", "t-versioning/bad/medium"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	stats := map[string]checks.RuleStats{}
	for _, s := range rep.Rules {
		stats[s.RuleID] = s
	}
	check := func(id string, pass, fail, errs, unknown, na int) {
		t.Helper()
		s := stats[id]
		if s.Pass != pass || s.Fail != fail || s.Error != errs || s.Unknown != unknown || s.NotApplicable != na {
			t.Errorf("%s: pass %d fail %d error %d unknown %d n/a %d; want %d %d %d %d %d", id,
				s.Pass, s.Fail, s.Error, s.Unknown, s.NotApplicable, pass, fail, errs, unknown, na)
		}
	}
	check("t-versioning", 2, 1, 0, 0, 0)
	check("t-logging", 1, 1, 0, 0, 1)
	// good: 10/0 is +Inf in expr, then [1][0] == 1 passes; bad: index 2 out of
	// range -> error; dev: lifecycle_rules unknown.
	check("t-runtime-error", 1, 0, 1, 1, 0)
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "assert:") || rep.Errors[0].ResourceID != "arn:aws:s3:::bad" {
		t.Errorf("errors %+v", rep.Errors)
	}
	if len(rep.Unknown) != 1 || !strings.Contains(rep.Unknown[0].Message, "lifecycle_rules") {
		t.Errorf("unknown %+v", rep.Unknown)
	}
	f := rep.Findings[2]
	if f.Message != "bucket bad is unversioned" {
		t.Errorf("message %q", f.Message)
	}
	if v, ok := f.Evidence["versioning_enabled"]; !ok || v != false || len(f.Evidence) != 1 {
		t.Errorf("evidence %v", f.Evidence)
	}
	if f.Fingerprint != checks.Fingerprint("t-versioning", "111122223333", "us-east-1", "arn:aws:s3:::bad") {
		t.Errorf("fingerprint %s", f.Fingerprint)
	}
	if got := rep.Evaluations(); got != 3+2+2+1 { // pass+fail+error per rule
		t.Errorf("evaluations %d", got)
	}
	sum := rep.Summary()
	if sum[checks.SeverityCritical] != 1 || sum[checks.SeverityHigh] != 1 || sum[checks.SeverityMedium] != 1 || sum[checks.SeverityLow] != 0 {
		t.Errorf("summary %v", sum)
	}
}

func TestEvaluateSkipTypes(t *testing.T) {
	rules := loadRules(t, engineRules)
	res := []checks.Resource{bucket("bad", map[string]any{"versioning_enabled": false}, nil)}
	rep, err := checks.NewEngine(rules).Evaluate(context.Background(), res, checks.EvalOptions{SkipTypes: map[string]bool{"aws.s3.bucket": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Errorf("skipped type produced findings: %v", rep.Findings)
	}
	for _, s := range rep.Rules {
		want := s.ResourceType == "aws.s3.bucket"
		if s.Skipped != want || s.Pass+s.Fail != 0 {
			t.Errorf("%s: skipped %v pass %d fail %d", s.RuleID, s.Skipped, s.Pass, s.Fail)
		}
	}
	if sc := checks.ComputeScore(rep.Rules); sc.Overall != nil {
		t.Errorf("nothing evaluated, yet score %v", *sc.Overall)
	}
}

// The output must not depend on scheduling: one worker and many give the same.
func TestEvaluateDeterministic(t *testing.T) {
	rules := loadRules(t, engineRules)
	var res []checks.Resource
	for i := range 3000 {
		res = append(res, bucket(fmt.Sprintf("b%04d", i), map[string]any{
			"versioning_enabled": i%3 == 0, "logging_enabled": i%5 == 0, "lifecycle_rules": i % 4,
		}, map[string]string{"env": []string{"prod", "dev"}[i%2]}))
	}
	one, err := checks.NewEngine(rules).Evaluate(context.Background(), res, checks.EvalOptions{Workers: 1, ScanTime: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	many, err := checks.NewEngine(rules).Evaluate(context.Background(), res, checks.EvalOptions{Workers: 7, ScanTime: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, many) {
		t.Error("1 worker and 7 workers disagree")
	}
	if len(one.Findings) < 1000 {
		t.Errorf("only %d findings", len(one.Findings))
	}
}

func TestEvaluateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := []checks.Resource{bucket("x", map[string]any{"versioning_enabled": true}, nil)}
	if _, err := checks.NewEngine(loadRules(t, engineRules)).Evaluate(ctx, res, checks.EvalOptions{}); err == nil {
		t.Error("cancelled evaluation returned no error")
	}
}

func TestScanTimeAndHelpers(t *testing.T) {
	rules := loadRules(t, `rules:
  - id: t-key-age
    title: Keys rotate
    resource: aws.iam.user
    severity: high
    assert: all(access_keys, .status != "Active" || days(scan_time - .created_at) <= 90)
    message: "{{ user_name }} has {{ len(filter(access_keys, days(scan_time - .created_at) > 90)) }} old keys"
`)
	user := func(created string) checks.Resource {
		r := checks.Resource{ID: "u", Type: "aws.iam.user", Attributes: map[string]any{"user_name": "alice",
			"access_keys": []any{map[string]any{"id": "AKIA1", "status": "Active", "created_at": created, "last_used_at": ""}}}}
		if _, err := checks.DefaultCatalog().Normalize(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	scan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rep, err := checks.NewEngine(rules).Evaluate(context.Background(),
		[]checks.Resource{user("2025-10-02T00:00:00Z"), user("2025-10-03T00:00:00Z")}[:1], checks.EvalOptions{ScanTime: scan})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Message != "alice has 1 old keys" {
		t.Fatalf("91-day-old key: %+v", rep.Findings)
	}
	rep, _ = checks.NewEngine(rules).Evaluate(context.Background(), []checks.Resource{user("2025-10-03T00:00:00Z")}, checks.EvalOptions{ScanTime: scan})
	if len(rep.Findings) != 0 {
		t.Fatalf("90-day-old key flagged: %+v", rep.Findings)
	}
}

func TestFingerprintStable(t *testing.T) {
	// The formula keys stored state, tickets and evidence: it must never change.
	got := checks.Fingerprint("aws-s3-bucket-encryption", "123456789012", "us-east-1", "arn:aws:s3:::example")
	if got != fingerprintGolden {
		t.Errorf("fingerprint changed: %s, was %s", got, fingerprintGolden)
	}
	if checks.Fingerprint("a", "bc", "", "") == checks.Fingerprint("ab", "c", "", "") {
		t.Error("separator ambiguity")
	}
}

// Computed independently: sha256 of "comply/v1\x00rule\x00account\x00region\x00id", first 32 hex.
const fingerprintGolden = "52825f7873cc62d7900d5ec5af64539d"

func TestComputeScore(t *testing.T) {
	stats := []checks.RuleStats{
		{RuleID: "a", Frameworks: map[string][]string{"SOC2": {"CC6.1"}, "HIPAA": {"x"}}, Pass: 3, Fail: 1, Error: 5},
		{RuleID: "b", Frameworks: map[string][]string{"SOC2": {"CC6.6"}}, Pass: 0, Fail: 2, Unknown: 9},
		{RuleID: "c", Frameworks: map[string][]string{"PCI": {"1.1"}}, Error: 3},
	}
	sc := checks.ComputeScore(stats)
	if sc.Overall == nil || *sc.Overall != 50 {
		t.Errorf("overall %v", sc.Overall)
	}
	want := map[string]float64{"SOC2": 50, "HIPAA": 75}
	if !reflect.DeepEqual(sc.Frameworks, want) {
		t.Errorf("frameworks %v, want %v (PCI has no pass/fail and is left out)", sc.Frameworks, want)
	}
	sc = checks.ComputeScore([]checks.RuleStats{{Pass: 2, Fail: 1}})
	if *sc.Overall != 66.7 {
		t.Errorf("rounding: %v", *sc.Overall)
	}
}

// A known, false when: is not applicable even if the assert reads an unknown
// attribute; a true when: with an unknown assert attribute is unknown.
func TestUnknownOnlyWhereItMatters(t *testing.T) {
	rules := loadRules(t, `rules:
  - id: t-mfa
    title: Console users have MFA
    resource: aws.iam.user
    severity: high
    when: console_access
    assert: mfa_enabled
`)
	user := func(console bool) checks.Resource {
		return checks.Resource{ID: fmt.Sprint(console), Type: "aws.iam.user", Attributes: map[string]any{"console_access": console}}
	}
	rep, err := checks.NewEngine(rules).Evaluate(context.Background(), []checks.Resource{user(false), user(true)}, checks.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Rules[0]
	if s.NotApplicable != 1 || s.Unknown != 1 || s.Pass+s.Fail != 0 {
		t.Errorf("stats %+v", s)
	}
	if len(rep.Unknown) != 1 || rep.Unknown[0].ResourceID != "true" || !strings.Contains(rep.Unknown[0].Message, "mfa_enabled") {
		t.Errorf("unknown %+v", rep.Unknown)
	}
}

func TestFindingFacts(t *testing.T) {
	f := checks.Finding{Severity: checks.SeverityHigh, RuleID: "r", ResourceID: "id", ResourceName: "id", Account: "1",
		Frameworks: map[string][]string{"SOC2": {"CC6.1", "CC6.6"}, "HIPAA": {"164.312(b)"}}}
	var got []string
	for _, x := range f.Facts() {
		got = append(got, x.Label+"="+x.Value)
	}
	want := []string{"Severity=high", "Rule=r", "Resource=id", "Account=1", "Frameworks=HIPAA 164.312(b); SOC2 CC6.1, CC6.6"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("facts %v, want %v", got, want)
	}
}
