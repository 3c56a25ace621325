package checks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
)

const validRule = `rules:
  - id: test-bucket-versioning
    title: Buckets keep versions
    resource: aws.s3.bucket
    severity: medium
    assert: versioning_enabled
    message: "bucket {{ name }} has versioning {{ versioning_enabled ? 'on' : 'off' }}"
    remediation:
      text: Enable versioning.
      action: aws.s3.enable-versioning
    frameworks:
      soc2: [A1.2]
      CIS-AWS: ["2.1.2"]
`

func TestLoadRulesValid(t *testing.T) {
	rules, err := checks.DefaultCatalog().LoadRules(checks.RuleSource{Name: "r.yaml", Data: []byte(validRule)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 {
		t.Fatalf("got %d rules", len(rules))
	}
	r := rules[0]
	if r.Severity != checks.SeverityMedium || r.Resource != "aws.s3.bucket" || r.Source.Line != 2 {
		t.Errorf("unexpected rule %+v", r)
	}
	if got := r.FrameworkIDs(); strings.Join(got, ",") != "SOC2,CIS-AWS" {
		t.Errorf("frameworks normalized to %v", got)
	}
	if got := r.Refs(); len(got) != 1 || got[0] != "versioning_enabled" {
		t.Errorf("refs %v", got)
	}
}

func TestLoadRulesErrors(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(validRule, old, new, 1) }
	tests := []struct {
		name string
		src  string
		want string // full "file:line: id: message" prefix or substring
	}{
		{"unknown key", replace("    severity: medium\n", "    severity: medium\n    sevrity: low\n"), `r.yaml:6: test-bucket-versioning: unknown field "sevrity"`},
		{"bad severity", replace("severity: medium", "severity: urgent"), `r.yaml:5: test-bucket-versioning: unknown severity "urgent"`},
		{"unknown type", replace("resource: aws.s3.bucket", "resource: aws.s3.bukket"), `r.yaml:4: test-bucket-versioning: unknown resource type "aws.s3.bukket"`},
		{"compile error", replace("assert: versioning_enabled", "assert: versioning_enabld"), `r.yaml:6: test-bucket-versioning: unknown name versioning_enabld`},
		{"not bool", replace("assert: versioning_enabled", "assert: lifecycle_rules"), `r.yaml:6: test-bucket-versioning: expected bool, but got int`},
		{"syntax", replace("assert: versioning_enabled", "assert: versioning_enabled &&"), `r.yaml:6: test-bucket-versioning: unexpected token EOF`},
		{"bad message", replace("{{ name }}", "{{ nme }}"), `r.yaml:7: test-bucket-versioning: placeholder {{ nme }}: unknown name nme`},
		{"unclosed message", replace("{{ name }}", "{{ name"), `r.yaml:7: test-bucket-versioning: unclosed {{`},
		{"missing assert", replace("    assert: versioning_enabled\n", ""), `r.yaml:2: test-bucket-versioning: missing assert expression`},
		{"bad id", replace("id: test-bucket-versioning", "id: Test_Bucket"), `r.yaml:2: Test_Bucket: id must be kebab-case`},
		{"unknown framework", replace("soc2: [A1.2]", "sox: [A1.2]"), `r.yaml:11: test-bucket-versioning: unknown framework "sox"`},
		{"empty controls", replace("soc2: [A1.2]", "soc2: []"), `framework SOC2 lists no controls`},
		{"top-level key", "rulez: []\n", `r.yaml:1: unknown top-level key "rulez"`},
		{"not a list", "rules: 3\n", `r.yaml:1: rules: want a list of rules`},
		{"yaml syntax", "rules:\n  - id: [unclosed\n", `r.yaml:2: invalid YAML`},
		{"duplicate id", validRule + strings.TrimPrefix(validRule, "rules:\n"), `r.yaml:14: test-bucket-versioning: duplicate rule id (first defined at r.yaml:2)`},
		{"empty file", "", `r.yaml: want one YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checks.DefaultCatalog().LoadRules(checks.RuleSource{Name: "r.yaml", Data: []byte(tt.src)})
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, checks.ErrInvalidInput) {
				t.Errorf("error does not wrap ErrInvalidInput: %v", err)
			}
			var re checks.RuleErrors
			if !errors.As(err, &re) || len(re) == 0 {
				t.Fatalf("want RuleErrors, got %T", err)
			}
			got := re[0].Error()
			if strings.Contains(got, "\n") {
				t.Errorf("multi-line error: %q", got)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("error %q\n does not contain %q", got, tt.want)
			}
		})
	}
}

func TestLoadRulesReportsEveryError(t *testing.T) {
	src := `rules:
  - id: one
    title: One
    resource: aws.s3.bucket
    severity: nope
    assert: versioning_enabled
  - id: two
    title: Two
    resource: aws.s3.bucket
    severity: low
    assert: nope
`
	_, err := checks.DefaultCatalog().LoadRules(checks.RuleSource{Name: "r.yaml", Data: []byte(src)})
	var re checks.RuleErrors
	if !errors.As(err, &re) || len(re) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if re[0].Line != 5 || re[0].RuleID != "one" || re[1].Line != 11 || re[1].RuleID != "two" {
		t.Errorf("errors %v / %v", re[0], re[1])
	}
}
