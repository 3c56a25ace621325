package checks_test

import (
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
)

// loadBuiltin loads the embedded pack and its fixtures or fails the test.
func loadBuiltin(t testing.TB) ([]*checks.Rule, []*checks.FixtureFile) {
	t.Helper()
	cat := checks.DefaultCatalog()
	ruleSrc, fixSrc := checks.BuiltinSources()
	rules, err := cat.LoadRules(ruleSrc...)
	if err != nil {
		for _, e := range err.(checks.RuleErrors) {
			t.Error(e)
		}
		t.FailNow()
	}
	var files []*checks.FixtureFile
	for _, src := range fixSrc {
		f, err := cat.LoadFixtures(src)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return rules, files
}

func TestBuiltinFixtures(t *testing.T) {
	rules, files := loadBuiltin(t)
	rep := checks.RunFixtures(rules, files)
	for _, r := range rep.Results {
		if !r.OK() {
			t.Errorf("%s:%d: case %q: rule %s: want %s, got %s %s", r.File, r.Line, r.Case, r.RuleID, r.Want, r.Got, r.Detail)
		}
	}
	for _, id := range rep.Uncovered() {
		t.Errorf("rule %s lacks a passing or a failing fixture case", id)
	}
}

// Every built-in rule maps to at least two frameworks, says how to fix it
// and names what is wrong; the pack covers every resource type.
func TestBuiltinPackQuality(t *testing.T) {
	rules, _ := loadBuiltin(t)
	if len(rules) < 60 {
		t.Errorf("built-in pack has %d rules, want at least 60", len(rules))
	}
	types := map[string]bool{}
	for _, r := range rules {
		types[r.Resource] = true
		if len(r.Frameworks) < 2 {
			t.Errorf("%s maps to %d frameworks, want at least 2", r.ID, len(r.Frameworks))
		}
		if r.Remediation.Text == "" || r.Message == "" {
			t.Errorf("%s lacks remediation text or a message", r.ID)
		}
		if !strings.HasPrefix(r.ID, "aws-") {
			t.Errorf("%s: built-in ids start with aws-", r.ID)
		}
	}
	for _, name := range checks.DefaultCatalog().Names() {
		if !types[name] {
			t.Errorf("no built-in rule covers %s", name)
		}
	}
	sev := map[checks.Severity]bool{}
	for _, r := range rules {
		sev[r.Severity] = true
	}
	if len(sev) != 5 {
		t.Errorf("severities used: %v, want all five", sev)
	}
}
