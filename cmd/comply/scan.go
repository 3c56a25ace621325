package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/output"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/aws"
	"github.com/comply-bot/comply/integrations/inventory"
)

const scanUsage = `Usage: comply scan [flags]

Scans the sources against the rules and prints the result.
Exit codes: 0 no failing finding at or above --fail-on, 1 failing findings,
2 usage or input error, 3 scan incomplete (collector or rule errors).

Flags:
`

type scanFlags struct {
	sources   listFlag
	regions   string
	rf        ruleFlags
	format    string
	out       string
	failOn    string
	config    string
	exportInv string
	verbose   bool
	// attrs limits live collection to the attributes the rules read (nil:
	// everything, as an exported inventory needs).
	attrs map[string][]string
}

func cmdScan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("scan")
	var f scanFlags
	fs.Var(&f.sources, "source", "aws, file:PATH (inventory JSON) or terraform:PATH (state or plan JSON); repeatable")
	fs.StringVar(&f.regions, "regions", "", "AWS regions, comma-separated, or all")
	f.rf.register(fs)
	fs.StringVar(&f.format, "format", "", "table (default on a terminal), json (default otherwise), sarif, junit, csv")
	fs.StringVar(&f.out, "output", "", "write the result to FILE instead of stdout")
	fs.StringVar(&f.failOn, "fail-on", "low", "lowest severity that makes the exit code 1, or none")
	fs.StringVar(&f.config, "config", "", "config file (also COMPLY_CONFIG)")
	fs.StringVar(&f.exportInv, "export-inventory", "", "also write the collected resources as an inventory file")
	fs.BoolVar(&f.verbose, "verbose", false, "progress and details on stderr")
	if err := parseFlags(e, fs, scanUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("scan: unexpected argument %q (sources are given with --source)", fs.Arg(0))
	}

	format, err := f.outputFormat(e)
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(f.failOn)
	if err != nil {
		return err
	}
	sr, err := f.runScan(ctx, e)
	if err != nil {
		return err
	}
	rep := sr.rep

	v, _, _ := buildInfo()
	outOpts := output.Options{Version: v, ArtifactURI: sr.artifact, Rules: sr.rules}
	if f.out == "" {
		outOpts.Color = format == output.FormatTable && e.stdoutTTY && e.getenv("NO_COLOR") == ""
		if err := output.Write(e.stdout, format, rep, outOpts); err != nil {
			return &exitError{exitUsage, err}
		}
	} else if err := writeFileAtomic(f.out, func(w io.Writer) error { return output.Write(w, format, rep, outOpts) }); err != nil {
		return &exitError{exitUsage, fmt.Errorf("--output: %w", err)}
	}

	switch {
	case !rep.Scan.Complete:
		return &exitError{exitIncomplete, fmt.Errorf("scan incomplete: %d errors (first: %s)", len(rep.Scan.Errors), oneLine(rep.Scan.Errors[0].Message))}
	case failOn.Valid() && countAtOrAbove(rep, failOn) > 0:
		return &exitError{exitFindings, errSilent}
	}
	return nil
}

// scanResult is a finished scan with what its output needs.
type scanResult struct {
	rep      *checks.ScanReport
	rules    []*checks.Rule
	artifact string
}

// runScan loads config and rules, collects from the sources and evaluates:
// the part of a scan that comply scan and comply report share. Errors carry
// scan's exit codes (2 bad input, 3 interrupted or failed).
func (f *scanFlags) runScan(ctx context.Context, e *env) (*scanResult, error) {
	log := newLogger(e.stderr, f.verbose)
	cfg, err := loadConfig(e, f.config)
	if err != nil {
		return nil, err
	}
	cat := checks.DefaultCatalog()
	rs, err := f.rf.load(cat, cfg)
	if err != nil {
		if printRuleErrors(e, err) {
			return nil, &exitError{exitUsage, errSilent}
		}
		return nil, err
	}
	if f.exportInv == "" {
		f.attrs = aws.AttributesFor(rs.rules)
	}
	collectors, artifact, err := f.collectors(ctx, e, cfg, cat, log)
	if err != nil {
		return nil, err
	}

	scanner := &bot.Scanner{Engine: checks.NewEngine(rs.rules), Catalog: cat, Log: log}
	var exportErr error
	opts := bot.ScanOptions{}
	if f.exportInv != "" {
		opts.OnCollected = func(res []checks.Resource) {
			exportErr = writeFileAtomic(f.exportInv, func(w io.Writer) error { return inventory.Write(w, res) })
		}
	}
	rep, err := scanner.Run(ctx, collectors, opts)
	if err != nil {
		if errors.Is(err, checks.ErrInvalidInput) {
			return nil, &exitError{exitUsage, err}
		}
		if ctx.Err() != nil {
			return nil, &exitError{exitIncomplete, fmt.Errorf("scan interrupted: %w", ctx.Err())}
		}
		return nil, &exitError{exitIncomplete, err}
	}
	if exportErr != nil {
		return nil, &exitError{exitUsage, fmt.Errorf("--export-inventory: %w", exportErr)}
	}
	if f.verbose {
		printVerbose(e.stderr, rep)
	}
	return &scanResult{rep: rep, rules: rs.rules, artifact: artifact}, nil
}

// outputFormat picks --format, else the --output file's extension, else table
// on a terminal and JSON for pipes and files.
func (f *scanFlags) outputFormat(e *env) (output.Format, error) {
	if f.format != "" {
		ff, err := output.ParseFormat(f.format)
		if err != nil {
			return "", usageErr("--format: %v", err)
		}
		return ff, nil
	}
	if f.out != "" {
		if ff, ok := output.FormatForFile(f.out); ok {
			return ff, nil
		}
		return output.FormatJSON, nil
	}
	if e.stdoutTTY {
		return output.FormatTable, nil
	}
	return output.FormatJSON, nil
}

// parseFailOn reads --fail-on; "none" is the zero (invalid) severity.
func parseFailOn(s string) (checks.Severity, error) {
	if strings.EqualFold(s, "none") {
		return 0, nil
	}
	sev, err := checks.ParseSeverity(s)
	if err != nil {
		return 0, usageErr("--fail-on: %v (or none)", err)
	}
	return sev, nil
}

func countAtOrAbove(rep *checks.ScanReport, min checks.Severity) int {
	n := 0
	for _, f := range rep.Findings {
		if f.Severity >= min {
			n++
		}
	}
	return n
}

// collectors turns --source specs (or, without any, the config file's
// sources, or else live AWS) into collectors. artifact is the first file
// source, which SARIF results point at.
func (f *scanFlags) collectors(ctx context.Context, e *env, cfg *config.Config, cat *checks.Catalog, log *slog.Logger) ([]bot.Collector, string, error) {
	var sources []config.Source
	for _, spec := range f.sources {
		src, err := resolveSource(spec, cfg)
		if err != nil {
			return nil, "", err
		}
		sources = append(sources, src)
	}
	if len(sources) == 0 && cfg != nil {
		sources = cfg.Sources
	}
	if len(sources) == 0 {
		sources = []config.Source{defaultAWSSource()}
	}
	var regions []string
	if f.regions != "" {
		for _, r := range strings.Split(f.regions, ",") {
			if r = strings.TrimSpace(r); r != "" {
				regions = append(regions, r)
			}
		}
		if len(regions) == 0 {
			return nil, "", usageErr("--regions: empty list")
		}
	}
	var (
		out      []bot.Collector
		artifact string
		seen     = map[string]bool{}
		anyAWS   bool
	)
	for _, src := range sources {
		key := src.Type + ":" + src.Name + ":" + src.Path
		if seen[key] {
			return nil, "", usageErr("source %s given twice", src.Name)
		}
		seen[key] = true
		switch src.Type {
		case config.SourceFile:
			if artifact == "" {
				artifact = filepath.ToSlash(src.Path)
			}
			out = append(out, &inventory.Source{Path: src.Path, Catalog: cat})
		case config.SourceTerraform:
			if artifact == "" {
				artifact = filepath.ToSlash(src.Path)
			}
			out = append(out, terraformCollector(src.Path, cat))
		case config.SourceAWS:
			anyAWS = true
			if len(regions) > 0 {
				src.AWS.Regions = regions
			}
			c, err := awsCollector(ctx, e, src, f.attrs, log)
			if err != nil {
				return nil, "", err
			}
			out = append(out, c)
		}
	}
	if len(regions) > 0 && !anyAWS {
		return nil, "", usageErr("--regions applies to aws sources only")
	}
	return out, artifact, nil
}

// resolveSource reads one --source: aws, file:PATH, terraform:PATH, or the
// name of a source in the config file.
func resolveSource(spec string, cfg *config.Config) (config.Source, error) {
	kind, path, hasPath := strings.Cut(spec, ":")
	switch kind {
	case "file", "terraform":
		if path == "" {
			return config.Source{}, usageErr("--source %s: missing path (want %s:PATH)", spec, kind)
		}
		return config.Source{Name: spec, Type: kind, Path: path}, nil
	}
	if cfg != nil && !hasPath {
		if src, ok := cfg.Source(spec); ok {
			return src, nil
		}
	}
	if spec == "aws" {
		return defaultAWSSource(), nil
	}
	return config.Source{}, usageErr("--source %q: unknown source (want aws, file:PATH, terraform:PATH or a source named in the config file)", spec)
}

func defaultAWSSource() config.Source {
	return config.Source{Name: "aws", Type: config.SourceAWS,
		AWS: config.AWSSource{Concurrency: config.DefaultConcurrency, MaxAttempts: config.DefaultMaxAttempts}}
}

// loadConfig reads --config, else COMPLY_CONFIG; no file means no config.
func loadConfig(e *env, path string) (*config.Config, error) {
	if path == "" {
		path = e.getenv("COMPLY_CONFIG")
	}
	if path == "" {
		return nil, nil
	}
	cfg, err := config.Load(path, e.getenv)
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(e.stderr, oneLine(p.String()))
			}
			return nil, &exitError{exitUsage, fmt.Errorf("config %s: %s", path, problemCount(len(ps)))}
		}
		return nil, &exitError{exitUsage, err}
	}
	return cfg, nil
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func printVerbose(w io.Writer, rep *checks.ScanReport) {
	s := rep.Scan
	fmt.Fprintf(w, "scan %s: %d resources from %s, %d rules, %d evaluations, %d not evaluated, %s\n",
		s.ID, s.Resources, strings.Join(s.Sources, ", "), s.Rules, s.Evaluations, s.NotEvaluated, s.FinishedAt.Sub(s.StartedAt).Round(1e6))
	for _, svc := range sortedMapKeys(s.APICalls) {
		fmt.Fprintf(w, "  api calls %-16s %d\n", svc, s.APICalls[svc])
	}
}

// writeFileAtomic writes through a temporary file and renames it into place,
// so a failed write never leaves a truncated result behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sortedMapKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
