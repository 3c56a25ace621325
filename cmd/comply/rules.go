package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/comply-bot/comply/checks"
)

const rulesUsage = `Usage:
  comply rules list [--rules PATH]... [--no-builtin] [--framework F] [--severity S] [--format table|json]
  comply rules lint [PATH...]    compile rule files (default: the built-in pack); exit 2 on errors
  comply rules test [PATH...]    run NAME_test.yaml fixtures (default: the built-in pack); exit 1 on a failed case
  comply rules types [--markdown] resource types and their attributes
`

func cmdRules(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, rulesUsage)
		return &exitError{exitUsage, errSilent}
	}
	switch args[0] {
	case "list":
		return cmdRulesList(e, args[1:])
	case "lint":
		return cmdRulesLint(e, args[1:])
	case "test":
		return cmdRulesTest(e, args[1:])
	case "types":
		return cmdRulesTypes(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, rulesUsage)
		return nil
	}
	return usageErr("unknown rules subcommand %q (want list, lint, test or types)", args[0])
}

func cmdRulesList(e *env, args []string) error {
	fs := newFlagSet("rules list")
	var rf ruleFlags
	rf.register(fs)
	format := fs.String("format", "table", "table or json")
	configPath := fs.String("config", "", "config file (also COMPLY_CONFIG)")
	if err := parseFlags(e, fs, "Usage: comply rules list [flags]\n", args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("rules list: unexpected argument %q (use --rules PATH)", fs.Arg(0))
	}
	cfg, err := loadConfig(e, *configPath)
	if err != nil {
		return err
	}
	rs, err := rf.load(checks.DefaultCatalog(), cfg)
	if err != nil {
		if printRuleErrors(e, err) {
			return &exitError{exitUsage, errSilent}
		}
		return err
	}
	switch *format {
	case "json":
		type ruleJSON struct {
			ID          string              `json:"id"`
			Title       string              `json:"title"`
			Severity    checks.Severity     `json:"severity"`
			Resource    string              `json:"resource"`
			Frameworks  map[string][]string `json:"frameworks"`
			Remediation checks.Remediation  `json:"remediation"`
			Source      string              `json:"source"`
		}
		out := make([]ruleJSON, 0, len(rs.rules))
		for _, r := range rs.rules {
			out = append(out, ruleJSON{r.ID, r.Title, r.Severity, r.Resource, r.Frameworks, r.Remediation,
				fmt.Sprintf("%s:%d", r.Source.File, r.Source.Line)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "table":
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tRESOURCE\tFRAMEWORKS")
		for _, r := range rs.rules {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Resource, strings.Join(r.FrameworkIDs(), ", "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\n%d rules\n", len(rs.rules))
		return nil
	}
	return usageErr("rules list: unknown format %q (want table or json)", *format)
}

// helpOK turns the -h pseudo-error into success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// sourcesFor reads the rule and fixture files a lint or test run covers: the
// given paths, or the built-in pack when there are none.
func sourcesFor(paths []string) (rules, fixtures []checks.RuleSource, err error) {
	if len(paths) == 0 {
		r, f := checks.BuiltinSources()
		return r, f, nil
	}
	r, f, err := checks.ReadSources(paths)
	if err != nil {
		return nil, nil, &exitError{exitUsage, err}
	}
	return r, f, nil
}

func cmdRulesLint(e *env, args []string) error {
	fs := newFlagSet("rules lint")
	if err := parseFlags(e, fs, "Usage: comply rules lint [PATH...]\n", args); err != nil {
		return helpOK(err)
	}
	cat := checks.DefaultCatalog()
	ruleSrc, fixSrc, err := sourcesFor(fs.Args())
	if err != nil {
		return err
	}
	var problems checks.RuleErrors
	rules, err := cat.LoadRules(ruleSrc...)
	var re checks.RuleErrors
	if errors.As(err, &re) {
		problems = append(problems, re...)
	} else if err != nil {
		return &exitError{exitUsage, err}
	}
	for _, src := range fixSrc {
		if _, err := cat.LoadFixtures(src); err != nil {
			if errors.As(err, &re) {
				problems = append(problems, re...)
			} else {
				problems = append(problems, &checks.RuleError{File: src.Name, Msg: err.Error()})
			}
		}
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, oneLine(p.Error()))
	}
	warnings := 0
	for _, r := range rules {
		for _, w := range lintWarnings(r) {
			fmt.Fprintf(e.stdout, "%s:%d: %s: warning: %s\n", r.Source.File, r.Source.Line, r.ID, w)
			warnings++
		}
	}
	if len(problems) > 0 {
		return &exitError{exitUsage, fmt.Errorf("rules lint: %d errors", len(problems))}
	}
	fmt.Fprintf(e.stderr, "%d rules in %d files OK (%d warnings)\n", len(rules), len(ruleSrc), warnings)
	return nil
}

// lintWarnings are quality problems that do not stop a rule from working.
func lintWarnings(r *checks.Rule) []string {
	var w []string
	if len(r.Frameworks) == 0 {
		w = append(w, "maps to no framework control")
	}
	if r.Remediation.Text == "" {
		w = append(w, "has no remediation text")
	}
	if r.Message == "" {
		w = append(w, "has no message (the title is used)")
	}
	return w
}

func cmdRulesTest(e *env, args []string) error {
	fs := newFlagSet("rules test")
	noBuiltin := fs.Bool("no-builtin", false, "do not load the built-in rules next to the tested files")
	verbose := fs.Bool("verbose", false, "print every case, not only failures")
	if err := parseFlags(e, fs, "Usage: comply rules test [--no-builtin] [--verbose] [PATH...]\n", args); err != nil {
		return helpOK(err)
	}
	cat := checks.DefaultCatalog()
	ruleSrc, fixSrc, err := sourcesFor(fs.Args())
	if err != nil {
		return err
	}
	tested := map[string]bool{} // rules defined in the tested files
	own, err := cat.LoadRules(ruleSrc...)
	if err != nil {
		if printRuleErrors(e, err) {
			return &exitError{exitUsage, errSilent}
		}
		return &exitError{exitUsage, err}
	}
	for _, r := range own {
		tested[r.ID] = true
	}
	all := own
	if len(fs.Args()) > 0 && !*noBuiltin {
		b, _ := checks.BuiltinSources()
		all, err = cat.LoadRules(append(b, ruleSrc...)...)
		if err != nil {
			if printRuleErrors(e, err) {
				return &exitError{exitUsage, errSilent}
			}
			return &exitError{exitUsage, err}
		}
	}
	if len(fixSrc) == 0 {
		return usageErr("rules test: no fixture files (NAME_test.yaml) found")
	}
	var files []*checks.FixtureFile
	for _, src := range fixSrc {
		f, err := cat.LoadFixtures(src)
		if err != nil {
			return &exitError{exitUsage, err}
		}
		files = append(files, f)
	}
	rep := checks.RunFixtures(all, files)
	passed := 0
	for _, r := range rep.Results {
		if r.OK() {
			passed++
			if *verbose {
				fmt.Fprintf(e.stdout, "ok   %s:%d: %s: %s: %s\n", r.File, r.Line, r.Case, r.RuleID, r.Got)
			}
			continue
		}
		got := string(r.Got)
		if got == "" {
			got = "nothing"
		}
		detail := ""
		if r.Detail != "" {
			detail = " (" + r.Detail + ")"
		}
		fmt.Fprintf(e.stdout, "FAIL %s:%d: case %q: %s: want %s, got %s%s\n", r.File, r.Line, r.Case, r.RuleID, r.Want, got, detail)
	}
	var uncovered []string
	for _, id := range rep.Uncovered() {
		if tested[id] {
			uncovered = append(uncovered, id)
		}
	}
	sort.Strings(uncovered)
	for _, id := range uncovered {
		fmt.Fprintf(e.stdout, "warning: rule %s has no passing or no failing case\n", id)
	}
	failed := rep.Failed()
	fmt.Fprintf(e.stdout, "rules test: %d expectations passed, %d failed, in %d cases over %d rules\n",
		passed, failed, countCases(files), len(tested))
	if failed > 0 {
		return &exitError{exitFindings, errSilent}
	}
	return nil
}

func countCases(files []*checks.FixtureFile) int {
	n := 0
	for _, f := range files {
		n += len(f.Cases)
	}
	return n
}
