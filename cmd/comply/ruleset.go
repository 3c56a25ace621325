package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
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
func (rf *ruleFlags) load(cat *checks.Catalog, cfg *config.Config) (*ruleSet, error) {
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
	paths := []string(rf.paths)
	noBuiltin := rf.noBuiltin
	var disable []string
	if cfg != nil {
		paths = append(append([]string{}, cfg.Rules.Paths...), paths...)
		noBuiltin = noBuiltin || cfg.Rules.NoBuiltin
		disable = cfg.Rules.Disable
	}
	var sources []checks.RuleSource
	if !noBuiltin {
		b, _ := checks.BuiltinSources()
		sources = append(sources, b...)
	}
	userRules, fixtures, err := checks.ReadSources(paths)
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
	all, err = dropDisabled(all, disable)
	if err != nil {
		return nil, err
	}
	rules := checks.FilterRules(all, fw, minSev)
	if len(rules) == 0 {
		return nil, usageErr("no rule matches --framework %q --severity %q", rf.framework, rf.severity)
	}
	return &ruleSet{all: all, rules: rules, fixtures: fixtures}, nil
}

// dropDisabled removes the rules the config disables; naming a rule that does
// not exist is an error (a typo would otherwise silently keep it).
func dropDisabled(rules []*checks.Rule, disable []string) ([]*checks.Rule, error) {
	if len(disable) == 0 {
		return rules, nil
	}
	off := map[string]bool{}
	for _, id := range disable {
		off[id] = true
	}
	var out []*checks.Rule
	for _, r := range rules {
		if off[r.ID] {
			delete(off, r.ID)
			continue
		}
		out = append(out, r)
	}
	for id := range off {
		return nil, usageErr("config rules.disable: no rule %q", id)
	}
	return out, nil
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
