package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
)

const routesUsage = `Usage:
  comply routes test [--config FILE] --finding JSON
  comply routes test [--config FILE] --input scan.json [--fingerprint FP]
  comply routes show [--config FILE]

test shows where findings would be delivered: receivers, the route that
delivers, the group and whether it goes into a digest. --finding takes one
finding as JSON (the shape of comply scan --format json); --input takes a
scan result and routes every finding in it, or the one whose fingerprint
(or a unique prefix of it) --fingerprint names. show prints the route tree.

Flags:
`

func cmdRoutes(e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, routesUsage)
		return &exitError{exitUsage, errSilent}
	}
	switch args[0] {
	case "test":
		return routesTest(e, args[1:])
	case "show":
		return routesShow(e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, routesUsage)
		return nil
	}
	return usageErr("routes: unknown subcommand %q (want test or show)", args[0])
}

// loadRoutes reads the config and insists on a routes section.
func loadRoutes(e *env, path string) (*config.Config, error) {
	cfg, err := loadConfig(e, path)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, usageErr("routes: no config file: set --config or COMPLY_CONFIG")
	}
	if cfg.Routes == nil {
		return nil, usageErr("routes: %s has no routes section (see docs/routing.md)", cfg.File)
	}
	return cfg, nil
}

func routesTest(e *env, args []string) error {
	fs := newFlagSet("routes test")
	configPath := fs.String("config", "", "config file (also COMPLY_CONFIG)")
	findingJSON := fs.String("finding", "", "one finding as JSON")
	input := fs.String("input", "", "a scan result (comply scan --format json)")
	fingerprint := fs.String("fingerprint", "", "with --input: route only this finding (a unique prefix will do)")
	format := fs.String("format", "text", "text or json")
	if err := parseFlags(e, fs, routesUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("routes test: unexpected argument %q", fs.Arg(0))
	}
	if *format != "text" && *format != "json" {
		return usageErr("routes test: unknown format %q (want text or json)", *format)
	}
	var findings []checks.Finding
	switch {
	case *findingJSON != "" && *input != "":
		return usageErr("routes test: give --finding or --input, not both")
	case *findingJSON != "":
		if *fingerprint != "" {
			return usageErr("routes test: --fingerprint needs --input")
		}
		f, err := parseFinding(*findingJSON)
		if err != nil {
			return usageErr("routes test: --finding: %v", err)
		}
		findings = []checks.Finding{f}
	case *input != "":
		all, err := readFindings(*input, *fingerprint)
		if err != nil {
			return usageErr("routes test: %v", err)
		}
		findings = all
	default:
		return usageErr("routes test: give --finding JSON or --input scan.json (see comply routes --help)")
	}
	cfg, err := loadRoutes(e, *configPath)
	if err != nil {
		return err
	}
	types := map[string]string{}
	for _, r := range cfg.Receivers {
		types[r.Name] = r.Type
	}
	results := make([]routedFinding, 0, len(findings))
	for _, f := range findings {
		rf := routedFinding{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Severity: f.Severity.String(), ResourceID: f.ResourceID, Matches: []routeMatch{}}
		for _, m := range cfg.Routes.Match(f) {
			rm := routeMatch{Receiver: m.Receiver, Type: types[m.Receiver], Route: m.Route, GroupKey: m.GroupKey, Digest: m.Digest}
			if m.Digest {
				rm.GroupInterval = duration(m.GroupInterval)
			}
			if m.HasReminder {
				rm.Reminder = duration(m.Reminder)
			}
			rf.Matches = append(rf.Matches, rm)
		}
		results = append(results, rf)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	printRouted(e.stdout, results)
	return nil
}

type routedFinding struct {
	Fingerprint string       `json:"fingerprint"`
	RuleID      string       `json:"rule_id"`
	Severity    string       `json:"severity"`
	ResourceID  string       `json:"resource_id"`
	Matches     []routeMatch `json:"matches"`
}

type routeMatch struct {
	Receiver      string `json:"receiver"`
	Type          string `json:"type"`
	Route         string `json:"route"`
	GroupKey      string `json:"group_key"`
	Digest        bool   `json:"digest"`
	GroupInterval string `json:"group_interval,omitempty"`
	Reminder      string `json:"reminder,omitempty"`
}

func printRouted(w io.Writer, results []routedFinding) {
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s %s (%s) %s\n", cmp.Or(r.Fingerprint, "(no fingerprint)"), r.RuleID, r.Severity, r.ResourceID)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RECEIVER\tTYPE\tROUTE\tDELIVERY\tREMINDER\tGROUP")
		for _, m := range r.Matches {
			delivery := "per finding"
			if m.Digest {
				delivery = "digest every " + m.GroupInterval
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", m.Receiver, m.Type, m.Route, delivery, cmp.Or(m.Reminder, "default"), m.GroupKey)
		}
		tw.Flush()
	}
}

// duration prints 24h as 1d and 168h as 1w, like the config file.
func duration(d time.Duration) string {
	switch {
	case d == 0:
		return "never"
	case d%(7*24*time.Hour) == 0:
		return fmt.Sprintf("%dw", d/(7*24*time.Hour))
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// parseFinding reads one finding strictly: a typo'd field name would
// otherwise route a finding that does not exist.
func parseFinding(s string) (checks.Finding, error) {
	var f checks.Finding
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("not a finding: %v", err)
	}
	if dec.More() {
		return f, errors.New("want one JSON object")
	}
	if !f.Severity.Valid() {
		return f, errors.New("severity is required (critical, high, medium, low or info)")
	}
	return f, nil
}

// readFindings reads a scan result and picks the findings to route.
func readFindings(path, fingerprint string) ([]checks.Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rep struct {
		Findings *[]checks.Finding `json:"findings"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&rep); err != nil || rep.Findings == nil {
		return nil, fmt.Errorf("%s: not a scan result (comply scan --format json)", path)
	}
	all := *rep.Findings
	if fingerprint == "" {
		if len(all) == 0 {
			return nil, fmt.Errorf("%s: no findings", path)
		}
		return all, nil
	}
	var hits []checks.Finding
	for _, f := range all {
		if f.Fingerprint == fingerprint {
			return []checks.Finding{f}, nil
		}
		if strings.HasPrefix(f.Fingerprint, fingerprint) {
			hits = append(hits, f)
		}
	}
	switch len(hits) {
	case 0:
		return nil, fmt.Errorf("%s: no finding with fingerprint %q", path, fingerprint)
	case 1:
		return hits, nil
	}
	return nil, fmt.Errorf("%s: fingerprint prefix %q matches %d findings; give more of it", path, fingerprint, len(hits))
}

func routesShow(e *env, args []string) error {
	fs := newFlagSet("routes show")
	configPath := fs.String("config", "", "config file (also COMPLY_CONFIG)")
	if err := parseFlags(e, fs, routesUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("routes show: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadRoutes(e, *configPath)
	if err != nil {
		return err
	}
	var walk func(r *route.Route, label string, depth int)
	walk = func(r *route.Route, label string, depth int) {
		var parts []string
		for _, m := range r.Matchers {
			parts = append(parts, m.String())
		}
		line := strings.Repeat("  ", depth) + label
		if len(parts) > 0 {
			line += " [" + strings.Join(parts, ", ") + "]"
		}
		if len(r.Receivers) > 0 {
			line += " -> " + strings.Join(r.Receivers, ", ")
		}
		if r.Digest != nil && *r.Digest {
			line += " (digest)"
		}
		if r.Continue {
			line += " (continue)"
		}
		fmt.Fprintln(e.stdout, line)
		for i, c := range r.Children {
			walk(c, cmp.Or(c.Name, fmt.Sprint(i)), depth+1)
		}
	}
	walk(cfg.Routes.Root(), "root", 0)
	return nil
}
