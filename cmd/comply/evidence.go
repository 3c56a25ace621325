package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store/evidence"
)

const evidenceUsage = `Usage:
  comply evidence verify [--dir DIR]
  comply evidence export --framework F --from YYYY-MM-DD --to YYYY-MM-DD --output BUNDLE.tar.gz [--dir DIR]

verify recomputes the evidence hash chain and reports the first broken link
(an edited, deleted, inserted or reordered record) with its file, line and seq.
export verifies the chain, then bundles the scans and audit entries recorded
from --from to --to (UTC days, both included) with a manifest of hashes and a
README for the auditor.

The directory is --dir, else evidence.dir of the config file (--config or
COMPLY_CONFIG).

Exit codes: 0 intact / exported, 1 chain broken, 2 usage or input error.

Flags:
`

func cmdEvidence(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, evidenceUsage)
		return &exitError{exitUsage, errSilent}
	}
	switch args[0] {
	case "verify":
		return evidenceVerify(ctx, e, args[1:])
	case "export":
		return evidenceExport(ctx, e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, evidenceUsage)
		return nil
	}
	return usageErr("evidence: unknown subcommand %q (want verify or export)", args[0])
}

// evidenceDir is --dir, else the config file's evidence.dir.
func evidenceDir(e *env, dir, configPath string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	configPath = firstSet(configPath, e.getenv("COMPLY_CONFIG"))
	if configPath == "" {
		return "", usageErr("evidence: no directory: set --dir, or evidence.dir in the config file (--config)")
	}
	cfg, err := config.Load(configPath, e.getenv)
	if err != nil {
		return "", usageErr("evidence: %v", err)
	}
	if cfg.Evidence.Dir == "" {
		return "", usageErr("evidence: %s has no evidence.dir; set it or pass --dir", cfg.File)
	}
	return cfg.Evidence.Dir, nil
}

func checkEvidenceDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return usageErr("evidence: %s: %v", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return usageErr("evidence: %s is not a directory", dir)
	}
	return nil
}

func evidenceVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("evidence verify")
	dir := fs.String("dir", "", "evidence directory")
	cfgPath := fs.String("config", "", "config file with evidence.dir (also COMPLY_CONFIG)")
	if err := parseFlags(e, fs, evidenceUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("evidence verify: unexpected argument %q", fs.Arg(0))
	}
	d, err := evidenceDir(e, *dir, *cfgPath)
	if err != nil {
		return err
	}
	if err := checkEvidenceDir(d); err != nil {
		return err
	}
	s, err := evidence.Verify(ctx, d)
	if b, ok := evidence.IsBroken(err); ok {
		fmt.Fprintf(e.stdout, "BROKEN %s:%d seq %d: %s\n", filepath.Join(d, b.File), b.Line, b.Seq, b.Reason)
		fmt.Fprintf(e.stdout, "%d records before it are intact (last good seq %d)\n", s.Records, s.HeadSeq)
		return &exitError{exitFindings, errSilent}
	}
	if err != nil {
		return usageErr("evidence verify: %v", err)
	}
	if s.Records == 0 {
		fmt.Fprintf(e.stdout, "%s: no evidence records\n", d)
		return nil
	}
	fmt.Fprintf(e.stdout, "intact: %d records (%d scans, %d audit entries) in %d files, %s to %s\nhead: seq %d hash %s\n",
		s.Records, s.Scans, s.Audits, s.Files, s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339), s.HeadSeq, s.HeadHash)
	return nil
}

func evidenceExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("evidence export")
	dir := fs.String("dir", "", "evidence directory")
	cfgPath := fs.String("config", "", "config file with evidence.dir (also COMPLY_CONFIG)")
	fw := fs.String("framework", "", "framework (SOC2, HIPAA, PCI, HITRUST, CIS-AWS)")
	from := fs.String("from", "", "first day, YYYY-MM-DD (UTC)")
	to := fs.String("to", "", "last day, YYYY-MM-DD (UTC), included")
	output := fs.String("output", "", "bundle file to write (.tar.gz or .tgz)")
	if err := parseFlags(e, fs, evidenceUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("evidence export: unexpected argument %q", fs.Arg(0))
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--framework", *fw}, {"--from", *from}, {"--to", *to}, {"--output", *output}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return usageErr("evidence export: missing %s", strings.Join(missing, ", "))
	}
	framework, err := checks.ParseFramework(*fw)
	if err != nil {
		return usageErr("evidence export: %v", err)
	}
	start, err := time.Parse(time.DateOnly, *from)
	if err != nil {
		return usageErr("evidence export: --from %q: want YYYY-MM-DD", *from)
	}
	last, err := time.Parse(time.DateOnly, *to)
	if err != nil {
		return usageErr("evidence export: --to %q: want YYYY-MM-DD", *to)
	}
	if last.Before(start) {
		return usageErr("evidence export: --to %s is before --from %s", *to, *from)
	}
	if !strings.HasSuffix(*output, ".tar.gz") && !strings.HasSuffix(*output, ".tgz") {
		return usageErr("evidence export: --output %q: bundles are .tar.gz (or .tgz)", *output)
	}
	d, err := evidenceDir(e, *dir, *cfgPath)
	if err != nil {
		return err
	}
	if err := checkEvidenceDir(d); err != nil {
		return err
	}

	// Write beside the target and rename, so a failed export leaves no
	// partial bundle behind.
	tmp, err := os.CreateTemp(filepath.Dir(*output), ".comply-bundle-*")
	if err != nil {
		return usageErr("evidence export: %v", unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	sum, err := evidence.Export(ctx, d, evidence.ExportOptions{Framework: framework, From: start, To: last.AddDate(0, 0, 1)}, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if b, ok := evidence.IsBroken(err); ok {
		fmt.Fprintf(e.stdout, "BROKEN %s:%d seq %d: %s\nno bundle written: run comply evidence verify\n", filepath.Join(d, b.File), b.Line, b.Seq, b.Reason)
		return &exitError{exitFindings, errSilent}
	}
	if err != nil {
		return usageErr("evidence export: %v", err)
	}
	if err := os.Rename(tmp.Name(), *output); err != nil {
		return usageErr("evidence export: write %s: %v", *output, unwrapPath(err))
	}
	fmt.Fprintf(e.stdout, "%s: %d scans and %d audit entries, %s to %s, framework %s\n", *output, sum.Scans, sum.Audits, *from, *to, framework)
	return nil
}
