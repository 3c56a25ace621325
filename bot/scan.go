// Package bot is the application: scan runs, reconcile, routing, notification,
// approvals, the slash-command parser, the scheduler and the server.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/comply-bot/comply/checks"
)

// Collector gathers resources from one source (live AWS, an inventory file,
// Terraform state).
type Collector interface {
	Name() string
	Collect(ctx context.Context) (*checks.Collection, error)
}

// Scanner runs scans: collect from every source, evaluate, assemble the report.
type Scanner struct {
	Engine  *checks.Engine
	Catalog *checks.Catalog
	Log     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ScanOptions tune one scan.
type ScanOptions struct {
	// Workers bounds rule-evaluation parallelism (0: GOMAXPROCS).
	Workers int
	// OnCollected, if set, receives every collection (e.g. --export-inventory).
	OnCollected func(resources []checks.Resource)
}

// Run collects from every collector concurrently, evaluates the rules and
// returns the report. An input error (checks.ErrInvalidInput) from any
// collector aborts the scan; any other collector error is recorded in the
// report, which is then incomplete.
func (s *Scanner) Run(ctx context.Context, collectors []Collector, opts ScanOptions) (*checks.ScanReport, error) {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := now().UTC()
	info := checks.ScanInfo{ID: newScanID(started), StartedAt: started, Errors: []checks.ScanError{}}

	type collected struct {
		col *checks.Collection
		err error
	}
	results := make([]collected, len(collectors))
	var wg sync.WaitGroup
	for i, c := range collectors {
		info.Sources = append(info.Sources, c.Name())
		wg.Go(func() {
			t0 := time.Now()
			col, err := c.Collect(ctx)
			results[i] = collected{col, err}
			log.Debug("collected", "source", c.Name(), "duration", time.Since(t0), "error", err)
		})
	}
	wg.Wait()

	var resources []checks.Resource
	skip := map[string]bool{}
	for i, r := range results {
		name := collectors[i].Name()
		if r.err != nil {
			if errors.Is(r.err, checks.ErrInvalidInput) {
				return nil, r.err
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("scan %s: %w", name, ctxErr)
			}
			info.Errors = append(info.Errors, checks.ScanError{Source: name, Message: r.err.Error()})
			// Nothing is known about what this source would have produced.
			if s.Catalog != nil {
				for _, t := range s.Catalog.Names() {
					skip[t] = true
				}
			}
			continue
		}
		if r.col == nil {
			continue
		}
		for _, w := range r.col.Warnings {
			log.Warn(w, "source", name)
		}
		resources = append(resources, r.col.Resources...)
		info.Errors = append(info.Errors, r.col.Errors...)
		for _, t := range r.col.IncompleteTypes {
			skip[t] = true
		}
		if len(r.col.APICalls) > 0 {
			if info.APICalls == nil {
				info.APICalls = map[string]int{}
			}
			for k, v := range r.col.APICalls {
				info.APICalls[k] += v
			}
		}
	}
	if opts.OnCollected != nil {
		opts.OnCollected(resources)
	}

	result, err := s.Engine.Evaluate(ctx, resources, checks.EvalOptions{ScanTime: started, SkipTypes: skip, Workers: opts.Workers})
	if err != nil {
		return nil, err
	}
	for _, e := range result.Errors {
		info.Errors = append(info.Errors, checks.ScanError{
			Source: "rules", RuleID: e.RuleID, ResourceID: e.ResourceID,
			Account: e.Account, Region: e.Region, Message: e.Message,
		})
	}
	info.FinishedAt = now().UTC()
	info.Complete = len(info.Errors) == 0
	info.Resources = result.Resources
	info.Rules = len(s.Engine.Rules())
	info.Evaluations = result.Evaluations()
	info.NotEvaluated = len(result.Unknown)
	if len(skip) > 0 {
		log.Warn("rules skipped: resource types not fully collected", "types", slices.Sorted(maps.Keys(skip)))
	}
	findings := result.Findings
	if findings == nil {
		findings = []checks.Finding{}
	}
	var inconclusive []string
	for _, xs := range [][]checks.Inconclusive{result.Errors, result.Unknown} {
		for _, x := range xs {
			inconclusive = append(inconclusive, x.Fingerprint)
		}
	}
	return &checks.ScanReport{
		Scan:         info,
		Score:        checks.ComputeScore(result.Rules),
		Summary:      result.Summary(),
		Findings:     findings,
		Rules:        result.Rules,
		Inconclusive: inconclusive,
	}, nil
}

func newScanID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "scan-" + t.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
