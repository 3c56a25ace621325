package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
	"github.com/comply-bot/comply/store/storetest"
)

// newTestRedis opens a Redis store under a fresh prefix, removed at cleanup.
func newTestRedis(t testing.TB, opts store.Options) *store.Redis {
	t.Helper()
	s, _ := openTestRedis(t, opts)
	return s
}

// openTestRedis opens a Redis store under a fresh prefix; cleanup deletes
// its keys and closes it, at the latest when t ends.
func openTestRedis(t testing.TB, opts store.Options) (*store.Redis, func()) {
	t.Helper()
	url := redistest.URL(t)
	opts.Prefix = redistest.Prefix(t, url, "comply-test")
	s, err := store.OpenRedis(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	cleanup := sync.OnceFunc(func() {
		redistest.Wipe(t, url, opts.Prefix)
		_ = s.Close()
	})
	t.Cleanup(cleanup)
	return s, cleanup
}

func TestRedisContract(t *testing.T) {
	redistest.URL(t) // skip (or fail, in CI) once, not per case
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		return newTestRedis(t, opts)
	})
}

// TestRedisSnapshotRepair covers what only Redis has: the snapshot digest
// cache of another replica going stale, and a snapshot lost between the two
// steps of a reconcile.
func TestRedisSnapshotRepair(t *testing.T) {
	ctx := t.Context()
	a := newTestRedis(t, store.Options{})
	b, err := store.OpenRedis(ctx, redistest.URL(t), store.Options{Prefix: a.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f := checks.Finding{RuleID: "r1", Severity: checks.SeverityHigh, ResourceID: "bucket", Account: "1", Region: "us-east-1", Title: "first title"}
	f.Fingerprint = checks.Fingerprint(f.RuleID, f.Account, f.Region, f.ResourceID)
	scan := func(s store.Store, title string) {
		t.Helper()
		g := f
		g.Title = title
		report := &checks.ScanReport{Findings: []checks.Finding{g}, Rules: []checks.RuleStats{{RuleID: "r1"}}}
		if _, err := s.Reconcile(ctx, report, store.ReconcileOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	title := func() string {
		t.Helper()
		st, err := a.Finding(ctx, f.Fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		if st.Finding == nil {
			return "<none>"
		}
		return st.Finding.Title
	}
	scan(a, "first title")
	scan(b, "second title") // b does not know what a wrote
	if got := title(); got != "second title" {
		t.Fatalf("title = %q after replica b's scan", got)
	}
	scan(a, "first title") // a believes Redis holds "first title"
	if got := title(); got != "first title" {
		t.Fatalf("title = %q: a stale digest cache kept a stale snapshot", got)
	}

	// The snapshot is lost (the process died before writing it).
	rdb := redistest.Client(t)
	if err := rdb.Del(ctx, a.Prefix()+"snap:"+f.Fingerprint).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HDel(ctx, a.Prefix()+"f:"+f.Fingerprint, "sd").Err(); err != nil {
		t.Fatal(err)
	}
	scan(a, "first title")
	if got := title(); got != "first title" {
		t.Fatalf("title = %q: a lost snapshot was not rewritten", got)
	}
	// Lost again, and the finding resolves before any scan rewrites it: the
	// resolution still says which rule, account and region.
	if err := rdb.Del(ctx, a.Prefix()+"snap:"+f.Fingerprint).Err(); err != nil {
		t.Fatal(err)
	}
	res, err := a.Reconcile(ctx, &checks.ScanReport{Rules: []checks.RuleStats{{RuleID: "r1"}}}, store.ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].Kind != checks.ChangeResolved ||
		res.Changes[0].Finding.RuleID != "r1" || res.Changes[0].Finding.Account != "1" || res.Changes[0].Finding.Region != "us-east-1" {
		t.Fatalf("changes = %+v", res.Changes)
	}
}

// TestRedisLargeBatch: a batch larger than what Lua's unpack() takes at once.
func TestRedisLargeBatch(t *testing.T) {
	const n = 6000
	s := newTestRedis(t, store.Options{BatchSize: n})
	rep := benchReport(0, n)
	res, err := s.Reconcile(t.Context(), rep, store.ReconcileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != n || len(res.Changes) != n {
		t.Fatalf("new = %d, changes = %d, want %d", res.New, len(res.Changes), n)
	}
	rep.Findings = nil
	if res, err = s.Reconcile(t.Context(), rep, store.ReconcileOptions{}); err != nil {
		t.Fatal(err)
	}
	if res.Resolved != n {
		t.Fatalf("resolved = %d, want %d", res.Resolved, n)
	}
}
