package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/evidence"
)

// historyUsage explains --history in comply report's flags.
const historyUsage = "score trend source: redis (REDIS_URL), evidence (the config's evidence store), dir:PATH (an evidence directory), none; default auto: redis if REDIS_URL is set, else the config's evidence store if any"

// reportHistory reads the scans of the 30 days up to the report's scan from
// the history the --history flag names, for the report's trend. The second
// result is the source used ("" for none). With "auto", an unreadable
// history is a warning, not an error: the trend is extra.
func reportHistory(ctx context.Context, e *env, spec, configPath string, rep *checks.ScanReport) ([]report.TrendScan, string, error) {
	to := rep.Scan.FinishedAt
	if to.IsZero() {
		to = time.Now()
	}
	// Evidence records are stamped just after their scan finished: a margin
	// keeps a scan that finished on the window's edge.
	from, until := to.Add(-report.TrendWindow-time.Hour), to.Add(time.Hour)

	auto := spec == "" || spec == "auto"
	var cfg *config.Config
	loadConfig := func() error {
		path := firstSet(configPath, e.getenv("COMPLY_CONFIG"))
		if path == "" || cfg != nil {
			return nil
		}
		c, err := config.Load(path, e.getenv)
		if err != nil {
			return err
		}
		cfg = c
		return nil
	}
	if auto {
		redisURL := e.getenv("REDIS_URL")
		if err := loadConfig(); err != nil {
			return nil, "", err
		}
		switch {
		case redisURL != "":
			spec = "redis"
		case cfg != nil && cfg.Evidence.Enabled():
			spec = "evidence"
		default:
			return nil, "", nil
		}
	}
	switch {
	case spec == "none":
		return nil, "", nil
	case spec == "redis":
		url := e.getenv("REDIS_URL")
		if url == "" {
			return nil, "", fmt.Errorf("--history redis: REDIS_URL is not set")
		}
		if err := loadConfig(); err != nil {
			return nil, "", err
		}
		opts := store.Options{}
		if cfg != nil {
			opts.Prefix = cfg.Store.Prefix
		}
		h, err := redisHistory(ctx, url, opts, from, until)
		return h, "the state store's scan history", err
	case spec == "evidence":
		if err := loadConfig(); err != nil {
			return nil, "", err
		}
		if cfg == nil || !cfg.Evidence.Enabled() {
			return nil, "", fmt.Errorf("--history evidence: no config file with an evidence section (--config or COMPLY_CONFIG)")
		}
		st, err := evidenceForHistory(ctx, cfg.Evidence)
		if err != nil {
			return nil, "", err
		}
		h, err := evidenceHistory(ctx, st, from, until)
		return h, "evidence at " + st.Location(), err
	case strings.HasPrefix(spec, "dir:"):
		st, err := evidence.OpenDirReadOnly(strings.TrimPrefix(spec, "dir:"))
		if err != nil {
			return nil, "", err
		}
		h, err := evidenceHistory(ctx, st, from, until)
		return h, "evidence at " + st.Location(), err
	}
	return nil, "", fmt.Errorf("--history %q: want auto, redis, evidence, dir:PATH or none", spec)
}

func evidenceForHistory(ctx context.Context, c config.Evidence) (*evidence.Store, error) {
	if c.S3 != nil {
		return evidence.OpenS3(ctx, s3Options(c.S3), nil)
	}
	return evidence.OpenDirReadOnly(c.Dir)
}

func redisHistory(ctx context.Context, url string, opts store.Options, from, to time.Time) ([]report.TrendScan, error) {
	st, err := store.Open(ctx, url, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("state store: %w", err)
	}
	defer st.Close()
	recs, err := st.ScansBetween(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("read the scan history: %w", err)
	}
	out := make([]report.TrendScan, 0, len(recs))
	for _, r := range recs {
		out = append(out, report.TrendScan{ID: r.Scan.ID, FinishedAt: r.Scan.FinishedAt, Frameworks: r.Score.Frameworks})
	}
	return out, nil
}

// evidenceHistory walks the whole evidence chain (so a broken chain is an
// error, not a silently partial trend) and decodes the scores of the scan
// records stamped in [from, to].
func evidenceHistory(ctx context.Context, st *evidence.Store, from, to time.Time) ([]report.TrendScan, error) {
	var out []report.TrendScan
	_, err := st.Walk(ctx, func(r evidence.Stored) error {
		if r.Kind != evidence.KindScan || r.Time.Before(from) || r.Time.After(to) {
			return nil
		}
		var p struct {
			Scan struct {
				ID         string    `json:"id"`
				FinishedAt time.Time `json:"finished_at"`
			} `json:"scan"`
			Score struct {
				Frameworks map[string]float64 `json:"frameworks"`
			} `json:"score"`
		}
		if err := json.Unmarshal(r.Payload, &p); err != nil {
			return fmt.Errorf("evidence record %d: %w", r.Seq, err)
		}
		out = append(out, report.TrendScan{ID: p.Scan.ID, FinishedAt: p.Scan.FinishedAt, Frameworks: p.Score.Frameworks})
		return nil
	})
	if b, ok := evidence.IsBroken(err); ok {
		return nil, fmt.Errorf("evidence chain broken at %s (seq %d): %s; run comply evidence verify", b.Where, b.Seq, b.Reason)
	}
	return out, err
}
