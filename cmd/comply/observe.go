package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store/evidence"
)

// scanObserver records each scan of comply serve in the metrics and, when an
// evidence directory is configured (ev != nil), as an evidence record.
func scanObserver(m *metrics.Metrics, ev *evidence.Dir, log *slog.Logger) func(context.Context, *checks.ScanReport, time.Duration, error) {
	return func(ctx context.Context, rep *checks.ScanReport, d time.Duration, err error) {
		m.ObserveScan(rep, d, err != nil)
		if ev == nil || rep == nil {
			return
		}
		r, werr := ev.RecordScan(context.WithoutCancel(ctx), rep)
		if werr != nil {
			log.Error("scan evidence not recorded", "scan", rep.Scan.ID, "error", werr)
			return
		}
		m.EvidenceRecorded(r.Time)
	}
}
