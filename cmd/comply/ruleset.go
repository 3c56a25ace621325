package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/comply-bot/comply/checks"
)

// ruleFlags are the rule-selection flags shared by scan and rules list.
type ruleFlags struct {
	paths     listFlag
	noBuiltin bool
	framework string
	severity  string
}

func (rf *ruleFlags) register(fs *flag.FlagSet) {
	fs.Var(&rf.paths, "rules", "extra rule file or folder (repeatable)")
	fs.BoolVar(&rf.noBuiltin, "no-builtin", false, "drop the built-in rule pack")
	fs.StringVar(&rf.framework, "framework", "", "only rules mapped to this framework (soc2, hipaa, pci, hitrust, cis-aws)")
	fs.StringVar(&rf.severity, "severity", "", "only rules at or above this severity")
}

// ruleSet is the loaded and filtered rules.
type ruleSet struct {
	all      []*checks.Rule // before filtering
	rules    []*checks.Rule
	fixtures []checks.RuleSource // fixture files found in --rules paths
}

// load reads the built-in pack (unless dropped) and the extra paths, compiles
// them and applies the framework and severity filters. Every problem is an
// input error (exit 2).
func (rf *ruleFlags) load(cat *checks.Catalog) (*ruleSet, error) {
	var fw string
	if rf.framework != "" {
		id, err := checks.ParseFramework(rf.framework)
		if err != nil {
			return nil, usageErr("--framework: %v", err)
		}
		fw = id
	}
	var minSev checks.Severity
	if rf.severity != "" {
		s, err := checks.ParseSeverity(rf.severity)
		if err != nil {
			return nil, usageErr("--severity: %v", err)
		}
		minSev = s
	}
	var sources []checks.RuleSource
	if !rf.noBuiltin {
		b, _ := checks.BuiltinSources()
		sources = append(sources, b...)
	}
	userRules, fixtures, err := checks.ReadSources(rf.paths)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	sources = append(sources, userRules...)
	if len(sources) == 0 {
		return nil, usageErr("no rules: --no-builtin given and no --rules files")
	}
	all, err := cat.LoadRules(sources...)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	rules := checks.FilterRules(all, fw, minSev)
	if len(rules) == 0 {
		return nil, usageErr("no rule matches --framework %q --severity %q", rf.framework, rf.severity)
	}
	return &ruleSet{all: all, rules: rules, fixtures: fixtures}, nil
}

// printRuleErrors prints every rule error on its own line.
func printRuleErrors(e *env, err error) bool {
	var re checks.RuleErrors
	if !errors.As(err, &re) {
		return false
	}
	for _, x := range re {
		fmt.Fprintln(e.stderr, oneLine(x.Error()))
	}
	return true
}
