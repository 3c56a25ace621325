package main

import (
	"context"
	"fmt"
	"testing"

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
