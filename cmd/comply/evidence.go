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
  comply evidence verify [--dir DIR | --config FILE]
  comply evidence export --framework F --from YYYY-MM-DD --to YYYY-MM-DD --output BUNDLE.tar.gz [--dir DIR | --config FILE]

verify recomputes the evidence hash chain and reports the first broken link
(an edited, deleted, inserted or reordered record) with its file, line and seq.
export verifies the chain, then bundles the scans and audit entries recorded
from --from to --to (UTC days, both included) with a manifest of hashes and a
README for the auditor.

The evidence is read from --dir, else from the config file's evidence
section (--config or COMPLY_CONFIG): evidence.dir, or evidence.s3 (a bucket,
with the AWS SDK's credential chain).

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

// openEvidence opens the configured evidence store for writing (comply
// serve): nil when evidence is not configured.
func openEvidence(ctx context.Context, cfg config.Evidence) (*evidence.Store, error) {
	switch {
	case cfg.Dir != "":
		return evidence.OpenDir(cfg.Dir, nil)
	case cfg.S3 != nil:
		return evidence.OpenS3(ctx, s3Options(cfg.S3), nil)
	}
	return nil, nil
}

func s3Options(c *config.EvidenceS3) evidence.S3Options {
	return evidence.S3Options{Bucket: c.Bucket, Prefix: c.Prefix, Region: c.Region, Endpoint: c.Endpoint, SSE: c.SSE, KMSKeyID: c.KMSKeyID}
}

// evidenceStore opens the evidence to verify or export: --dir, else the
// config file's evidence section (a directory or an S3 bucket).
func evidenceStore(ctx context.Context, e *env, dir, configPath string) (*evidence.Store, error) {
	if dir == "" {
		configPath = firstSet(configPath, e.getenv("COMPLY_CONFIG"))
		if configPath == "" {
			return nil, usageErr("evidence: no evidence store: set --dir, or evidence in the config file (--config)")
		}
		cfg, err := config.Load(configPath, e.getenv)
		if err != nil {
			return nil, usageErr("evidence: %v", err)
		}
		if cfg.Evidence.S3 != nil {
			st, err := evidence.OpenS3(ctx, s3Options(cfg.Evidence.S3), nil)
			if err != nil {
				return nil, usageErr("%v", err)
			}
			return st, nil
		}
		if cfg.Evidence.Dir == "" {
			return nil, usageErr("evidence: %s has no evidence section; set evidence.dir or evidence.s3, or pass --dir", cfg.File)
		}
		dir = cfg.Evidence.Dir
	}
	st, err := evidence.OpenDirReadOnly(dir)
	if err != nil {
		return nil, usageErr("evidence: %s: %v", dir, unwrapPath(err))
	}
	return st, nil
}

func evidenceVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("evidence verify")
	dir := fs.String("dir", "", "evidence directory")
	cfgPath := fs.String("config", "", "config file with an evidence section (also COMPLY_CONFIG)")
	if err := parseFlags(e, fs, evidenceUsage, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usageErr("evidence verify: unexpected argument %q", fs.Arg(0))
	}
	st, err := evidenceStore(ctx, e, *dir, *cfgPath)
	if err != nil {
		return err
	}
	s, err := st.Verify(ctx)
	if b, ok := evidence.IsBroken(err); ok {
		fmt.Fprintf(e.stdout, "BROKEN %s seq %d: %s\n", b.Where, b.Seq, b.Reason)
		fmt.Fprintf(e.stdout, "%d records before it are intact (last good seq %d)\n", s.Records, s.HeadSeq)
		return &exitError{exitFindings, errSilent}
	}
	if err != nil {
		return usageErr("evidence verify: %v", err)
	}
	if s.Records == 0 {
		fmt.Fprintf(e.stdout, "%s: no evidence records\n", st.Location())
		return nil
	}
	unit := "files"
	if strings.HasPrefix(st.Location(), "s3://") {
		unit = "objects"
	}
	fmt.Fprintf(e.stdout, "intact: %d records (%d scans, %d audit entries) in %d %s of %s, %s to %s\nhead: seq %d hash %s\n",
		s.Records, s.Scans, s.Audits, s.Files, unit, st.Location(), s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339), s.HeadSeq, s.HeadHash)
	return nil
}

func evidenceExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("evidence export")
	dir := fs.String("dir", "", "evidence directory")
	cfgPath := fs.String("config", "", "config file with an evidence section (also COMPLY_CONFIG)")
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
	st, err := evidenceStore(ctx, e, *dir, *cfgPath)
	if err != nil {
		return err
	}

	// Write beside the target and rename, so a failed export leaves no
	// partial bundle behind.
	tmp, err := os.CreateTemp(filepath.Dir(*output), ".comply-bundle-*")
	if err != nil {
		return usageErr("evidence export: %v", unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	sum, err := st.Export(ctx, evidence.ExportOptions{Framework: framework, From: start, To: last.AddDate(0, 0, 1)}, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if b, ok := evidence.IsBroken(err); ok {
		fmt.Fprintf(e.stdout, "BROKEN %s seq %d: %s\nno bundle written: run comply evidence verify\n", b.Where, b.Seq, b.Reason)
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
