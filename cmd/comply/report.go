package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/checks"
)

const reportUsage = `Usage: comply report --framework NAME [--input scan.json | scan flags] [--format FMT] [--output FILE]

Writes a per-control compliance report for one framework (soc2, hipaa, pci,
hitrust, cis-aws) from a scan result (--input, the JSON of comply scan
--format json) or from a fresh scan (--source, --rules, ... as for comply scan).
Formats: markdown (default), html (one self-contained file), json, csv; without
--format the --output file's extension decides.
The score trend of the last 30 days (--history) comes from the state store's
scan history (REDIS_URL) or the evidence store; without either there is none.
Exit codes: 0 report written, 2 usage or input error (3 a fresh scan failed).

Flags:
`

// scanOnlyFlags are the flags that ask for a fresh scan; they make no sense
// with --input.
var scanOnlyFlags = []string{"source", "regions", "rules", "no-builtin", "severity"}

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report")
	var (
		f                             scanFlags
		framework, input, format, out string
		history                       string
	)
	fs.StringVar(&framework, "framework", "", "the framework to report on (required)")
	fs.StringVar(&input, "input", "", "a scan result (comply scan --format json); without it, scan now")
	fs.StringVar(&format, "format", "", "markdown, html, json or csv (default: from --output's extension, else markdown)")
	fs.StringVar(&out, "output", "", "write the report to FILE instead of stdout")
	fs.Var(&f.sources, "source", "fresh scan: aws, file:PATH or terraform:PATH; repeatable")
	fs.StringVar(&f.regions, "regions", "", "fresh scan: AWS regions, comma-separated, or all")
	fs.Var(&f.rf.paths, "rules", "fresh scan: extra rule file or folder (repeatable)")
	fs.BoolVar(&f.rf.noBuiltin, "no-builtin", false, "fresh scan: drop the built-in rule pack")
	fs.StringVar(&f.rf.severity, "severity", "", "fresh scan: only rules at or above this severity")
	fs.StringVar(&f.config, "config", "", "config file (also COMPLY_CONFIG): a fresh scan's sources and rules; the store prefix or evidence store of --history")
	fs.StringVar(&history, "history", "auto", historyUsage)
	fs.BoolVar(&f.verbose, "verbose", false, "progress and details on stderr")
	if err := parseFlags(e, fs, reportUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("report: unexpected argument %q", fs.Arg(0))
	}
	if framework == "" {
		return usageErr("report: --framework is required (soc2, hipaa, pci, hitrust or cis-aws)")
	}
	fw, err := checks.ParseFramework(framework)
	if err != nil {
		return usageErr("--framework: %v", err)
	}
	rf, err := reportFormat(format, out)
	if err != nil {
		return err
	}

	var rep *checks.ScanReport
	if input != "" {
		var clash string
		fs.Visit(func(fl *flag.Flag) {
			for _, name := range scanOnlyFlags {
				if fl.Name == name && clash == "" {
					clash = name
				}
			}
		})
		if clash != "" {
			return usageErr("report: --%s is for a fresh scan and cannot be combined with --input", clash)
		}
		if rep, err = readScanResult(input); err != nil {
			return &exitError{exitUsage, err}
		}
	} else {
		// The whole pack runs, not only the framework's rules, so the
		// overall score is the one comply scan reports.
		sr, err := f.runScan(ctx, e)
		if err != nil {
			return err
		}
		rep = sr.rep
	}

	r, err := report.Build(rep, fw, report.Options{Now: time.Now})
	if err != nil {
		return &exitError{exitUsage, err}
	}
	hist, from, err := reportHistory(ctx, e, history, f.config, rep)
	switch {
	case err != nil && (history == "" || history == "auto"):
		fmt.Fprintf(e.stderr, "comply: warning: no score trend: %v\n", oneLine(err.Error()))
	case err != nil:
		return usageErr("report: %v", err)
	case from != "":
		r.AddTrend(hist)
		if f.verbose {
			fmt.Fprintf(e.stderr, "score trend from %s: %d scans\n", from, len(hist))
		}
	}
	write := func(w io.Writer) error { return report.Write(w, rf, r) }
	if out == "" {
		if err := write(e.stdout); err != nil {
			return &exitError{exitUsage, fmt.Errorf("write report: %w", err)}
		}
	} else if err := writeFileAtomic(out, write); err != nil {
		return &exitError{exitUsage, fmt.Errorf("--output: %w", err)}
	}
	if !rep.Scan.Complete {
		fmt.Fprintf(e.stderr, "comply: warning: scan %s was incomplete (%d errors); the report says so\n", oneLine(rep.Scan.ID), len(rep.Scan.Errors))
	}
	return nil
}

// reportFormat picks --format, else the --output file's extension, else markdown.
func reportFormat(format, out string) (report.Format, error) {
	if format != "" {
		f, err := report.ParseFormat(format)
		if err != nil {
			return "", usageErr("--format: %v", err)
		}
		return f, nil
	}
	if f, ok := report.FormatForFile(out); ok && out != "" {
		return f, nil
	}
	return report.FormatMarkdown, nil
}

func readScanResult(path string) (*checks.ScanReport, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--input: %w", unwrapPath(err))
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, errors.New("--input: " + path + " is a directory")
	}
	rep, err := report.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("--input %s: %w", path, err)
	}
	return rep, nil
}
