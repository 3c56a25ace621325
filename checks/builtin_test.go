package checks_test

import (
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
