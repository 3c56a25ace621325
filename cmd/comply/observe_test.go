package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/evidence"
)

// Audit entries reach the evidence chain once each, across exports.
func TestExportAudit(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewMemory(nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ev, err := evidence.OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	add := func(n int) {
		for i := range n {
			if _, err := st.AppendAudit(ctx, checks.AuditEntry{Actor: "U1", Action: "test.action", Details: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(3)
	if n, err := exportAudit(ctx, st, ev); err != nil || n != 3 {
		t.Fatalf("first export: %d, %v", n, err)
	}
	if n, err := exportAudit(ctx, st, ev); err != nil || n != 0 {
		t.Fatalf("nothing new: %d, %v", n, err)
	}
	add(600) // more than one page
	if n, err := exportAudit(ctx, st, ev); err != nil || n != 600 {
		t.Fatalf("second export: %d, %v", n, err)
	}
	sum, err := ev.Verify(ctx)
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	if sum.Records != 603 {
		t.Errorf("chain holds %d records, want 603", sum.Records)
	}
	// A held lock means another replica exports: nothing is done twice.
	lease, err := st.AcquireLock(ctx, "evidence-audit-export", 0)
	if err == nil {
		add(1)
		if n, err := exportAudit(ctx, st, ev); err != nil || n != 0 {
			t.Errorf("export under another replica's lock: %d, %v", n, err)
		}
		_ = st.ReleaseLock(ctx, lease)
	}
}

// An export whose lease ran out mid-way (a long backlog) stops before the
// next batch, so the replica that took the lock over is the only one
// exporting from the cursor: no entry is recorded twice.
func TestExportAuditStopsWhenItsLockIsLost(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mem, err := store.NewMemory(nil, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 700 {
		if _, err := mem.AppendAudit(ctx, checks.AuditEntry{Actor: "U1", Action: "test.action", Details: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := evidence.OpenDir(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// After the first batch the lease expires and another replica takes
	// the lock.
	src := &lockThief{Memory: mem, steal: func() {
		now = now.Add(auditExportTTL + time.Second)
		if _, err := mem.AcquireLock(ctx, "evidence-audit-export", auditExportTTL); err != nil {
			t.Errorf("the other replica could not take the expired lock: %v", err)
		}
	}}
	n, err := exportAudit(ctx, src, ev)
	if err == nil || n != 500 {
		t.Errorf("export after losing the lock: %d entries, %v; want 500 and an error", n, err)
	}
	if sum, err := ev.Verify(ctx); err != nil || sum.Records != 500 {
		t.Errorf("chain: %+v, %v; want the first batch only", sum, err)
	}
}

// lockThief runs steal after the first audit batch was read.
type lockThief struct {
	*store.Memory
	reads int
	steal func()
}

func (l *lockThief) ReadAudit(ctx context.Context, q store.AuditQuery) ([]checks.AuditEntry, error) {
	out, err := l.Memory.ReadAudit(ctx, q)
	if l.reads++; l.reads == 1 {
		l.steal()
	}
	return out, err
}
