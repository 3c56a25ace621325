package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/evidence"
)

// scanObserver records each scan of comply serve in the metrics and, when an
// evidence store is configured (ev != nil), as an evidence record,
// followed by the audit entries written since the last export.
func scanObserver(m *metrics.Metrics, ev *evidence.Store, st auditSource, log *slog.Logger) func(context.Context, *checks.ScanReport, time.Duration, error) {
	return func(ctx context.Context, rep *checks.ScanReport, d time.Duration, err error) {
		m.ObserveScan(rep, d, err != nil)
		if ev == nil {
			return
		}
		ctx = context.WithoutCancel(ctx)
		if rep != nil {
			r, werr := ev.RecordScan(ctx, rep)
			if werr != nil {
				log.Error("scan evidence not recorded", "scan", rep.Scan.ID, "error", werr)
			} else {
				m.EvidenceRecorded(r.Time)
			}
		}
		n, aerr := exportAudit(ctx, st, ev)
		if aerr != nil {
			log.Error("audit evidence not recorded", "exported", n, "error", aerr)
		} else if n > 0 {
			log.Info("audit entries recorded as evidence", "entries", n)
		}
	}
}

// auditSource is what the audit export needs of the store.
type auditSource interface {
	store.Audit
	store.Locks
}

// auditCursorName keeps, beside the evidence records (a file in the
// directory, an object under the S3 prefix), the id of the last audit entry
// recorded, so each entry is exported once.
const auditCursorName = "audit.cursor"

// auditExportTTL is the audit export lock's lease, renewed before each batch.
const auditExportTTL = 5 * time.Minute

// exportAudit appends the audit entries written since the last export to the
// evidence chain. One replica exports at a time (a store lock); a replica
// that finds the lock held leaves the work to the holder.
func exportAudit(ctx context.Context, st auditSource, ev *evidence.Store) (int, error) {
	lease, err := st.AcquireLock(ctx, "evidence-audit-export", auditExportTTL)
	if errors.Is(err, store.ErrLocked) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("lock audit export: %w", err)
	}
	defer func() { _ = st.ReleaseLock(context.WithoutCancel(ctx), lease) }()
	cursor, err := ev.Cursor(ctx, auditCursorName)
	if err != nil {
		return 0, fmt.Errorf("read the audit cursor: %w", err)
	}
	n := 0
	for first := true; ; first = false {
		// A long backlog outlives the lease: renew it per batch, and stop
		// once it was lost, or another replica that took the lock would
		// export the same entries from the same cursor a second time.
		if !first {
			if err := st.ExtendLock(ctx, lease, auditExportTTL); err != nil {
				return n, fmt.Errorf("audit export lock: %w", err)
			}
		}
		entries, err := st.ReadAudit(ctx, store.AuditQuery{After: cursor, Limit: 500})
		if err != nil {
			return n, fmt.Errorf("read audit log: %w", err)
		}
		if len(entries) == 0 {
			return n, nil
		}
		for _, e := range entries {
			if _, err := ev.RecordAudit(ctx, e); err != nil {
				return n, fmt.Errorf("record audit entry %s: %w", e.ID, err)
			}
			cursor = e.ID
			n++
		}
		// The cursor moves only after the records are written: a crash
		// re-exports a batch rather than losing one.
		if err := ev.SetCursor(ctx, auditCursorName, cursor); err != nil {
			return n, fmt.Errorf("write the audit cursor: %w", err)
		}
	}
}
