package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

var auditTests = []test{
	{name: "append and read by time range", run: testAuditRange},
	{name: "ids never go backwards", run: testAuditClockBackwards},
	{name: "trimmed to length", opts: store.Options{AuditMaxLen: 10}, run: testAuditMaxLen},
	{name: "trimmed by age", opts: store.Options{AuditMaxAge: 100 * time.Second}, run: testAuditMaxAge},
}

var lockTests = []test{
	{name: "exclusive under concurrency", run: testLockExclusive},
	{name: "release and extend by the owner only", run: testLockOwner},
	{name: "expiry", run: testLockExpiry},
}

var historyTests = []test{
	{name: "newest first and by time range", run: testHistoryRead},
	{name: "trimmed to a count", opts: store.Options{HistoryMaxScans: 3}, run: testHistoryMaxScans},
	{name: "trimmed by age", opts: store.Options{HistoryMaxAge: 10 * day}, run: testHistoryMaxAge},
}

var replayTests = []test{
	{name: "seen once", run: testSeenOnce},
}

func (h *harness) appendAudit(action string, details map[string]string) checks.AuditEntry {
	h.t.Helper()
	e, err := h.s.AppendAudit(h.ctx, checks.AuditEntry{Actor: "tester", Action: action, Fingerprint: "fp-" + action, Details: details})
	noErr(h.t, err)
	return e
}

func actions(es []checks.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func testAuditRange(t *testing.T, h *harness) {
	var written []checks.AuditEntry
	for i := range 10 {
		written = append(written, h.appendAudit(fmt.Sprintf("act%d", i), map[string]string{"n": fmt.Sprint(i), "empty": ""}))
		h.clock.Advance(time.Minute)
	}
	e := written[3]
	if e.ID == "" || !e.Time.Equal(start.Add(3*time.Minute)) || e.Actor != "tester" || e.Fingerprint != "fp-act3" {
		t.Fatalf("appended %+v", e)
	}
	all, err := h.s.ReadAudit(h.ctx, store.AuditQuery{})
	noErr(t, err)
	if len(all) != 10 || all[3].ID != e.ID || all[3].Details["n"] != "3" || len(all[3].Details) != 1 {
		t.Fatalf("read all: %+v", all)
	}
	got, err := h.s.ReadAudit(h.ctx, store.AuditQuery{From: start.Add(2 * time.Minute), To: start.Add(5 * time.Minute)})
	noErr(t, err)
	if want := []string{"act2", "act3", "act4", "act5"}; !slices.Equal(actions(got), want) {
		t.Fatalf("range [2m, 5m] = %v, want %v (inclusive)", actions(got), want)
	}
	// Paging: Limit, then After the last one read.
	page, err := h.s.ReadAudit(h.ctx, store.AuditQuery{From: start.Add(time.Minute), Limit: 3})
	noErr(t, err)
	if want := []string{"act1", "act2", "act3"}; !slices.Equal(actions(page), want) {
		t.Fatalf("first page = %v, want %v", actions(page), want)
	}
	page, err = h.s.ReadAudit(h.ctx, store.AuditQuery{From: start.Add(time.Minute), After: page[2].ID, Limit: 3})
	noErr(t, err)
	if want := []string{"act4", "act5", "act6"}; !slices.Equal(actions(page), want) {
		t.Fatalf("second page = %v, want %v", actions(page), want)
	}
	_, err = h.s.AppendAudit(h.ctx, checks.AuditEntry{Action: "x"})
	wantErr(t, err, store.ErrInvalid)
	_, err = h.s.ReadAudit(h.ctx, store.AuditQuery{After: "not-an-id"})
	wantErr(t, err, store.ErrInvalid)
}

func testAuditClockBackwards(t *testing.T, h *harness) {
	a := h.appendAudit("a", nil)
	b := h.appendAudit("b", nil) // same millisecond
	h.clock.Advance(-time.Hour)  // another replica's clock is behind
	c := h.appendAudit("c", nil)
	if a.ID == b.ID || b.ID == c.ID || a.ID == c.ID {
		t.Fatalf("ids %s %s %s repeat", a.ID, b.ID, c.ID)
	}
	if !c.Time.Equal(start) {
		t.Fatalf("time of an entry written by a slow clock = %s, want clamped to %s", c.Time, start)
	}
	all, err := h.s.ReadAudit(h.ctx, store.AuditQuery{})
	noErr(t, err)
	if want := []string{"a", "b", "c"}; !slices.Equal(actions(all), want) {
		t.Fatalf("order = %v, want %v", actions(all), want)
	}
}

// testAuditMaxLen: Redis trims approximately (whole stream nodes), so the
// contract is "bounded, newest kept".
func testAuditMaxLen(t *testing.T, h *harness) {
	const n = 1000
	for i := range n {
		h.appendAudit(fmt.Sprintf("act%04d", i), nil)
	}
	all, err := h.s.ReadAudit(h.ctx, store.AuditQuery{Limit: 2 * n})
	noErr(t, err)
	if len(all) >= n || len(all) < 10 {
		t.Fatalf("%d entries after trimming to about 10", len(all))
	}
	if got := actions(all[len(all)-10:]); got[0] != "act0990" || got[9] != "act0999" {
		t.Fatalf("newest entries = %v", got)
	}
}

func testAuditMaxAge(t *testing.T, h *harness) {
	const n = 1000
	for i := range n {
		h.appendAudit(fmt.Sprintf("act%04d", i), nil)
		h.clock.Advance(time.Second)
	}
	all, err := h.s.ReadAudit(h.ctx, store.AuditQuery{Limit: 2 * n})
	noErr(t, err)
	if len(all) >= n || len(all) < 100 {
		t.Fatalf("%d entries after trimming to the last 100s", len(all))
	}
	if all[len(all)-100].Action != "act0900" {
		t.Fatalf("entries of the last 100s were trimmed: %v", actions(all[len(all)-100:][:3]))
	}
}

func testLockExclusive(t *testing.T, h *harness) {
	const n = 50
	leases := make([]store.Lease, n)
	errs := make([]error, n)
	parallel(n, func(i int) { leases[i], errs[i] = h.s.AcquireLock(h.ctx, "scan:aws", time.Minute) })
	var won []store.Lease
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, leases[i])
		case !errors.Is(err, store.ErrLocked):
			t.Fatal(err)
		}
	}
	if len(won) != 1 || won[0].Token == "" {
		t.Fatalf("%d goroutines hold the lock, want 1", len(won))
	}
	// Other names are independent.
	other, err := h.s.AcquireLock(h.ctx, "scan:terraform", time.Minute)
	noErr(t, err)
	noErr(t, h.s.ReleaseLock(h.ctx, other))
	noErr(t, h.s.ReleaseLock(h.ctx, won[0]))
	_, err = h.s.AcquireLock(h.ctx, "scan:aws", time.Minute)
	noErr(t, err)
}

func testLockOwner(t *testing.T, h *harness) {
	l, err := h.s.AcquireLock(h.ctx, "schedule:nightly", time.Minute)
	noErr(t, err)
	thief := store.Lease{Name: l.Name, Token: "not-the-token"}
	wantErr(t, h.s.ReleaseLock(h.ctx, thief), store.ErrNotHeld)
	wantErr(t, h.s.ExtendLock(h.ctx, thief, time.Hour), store.ErrNotHeld)
	_, err = h.s.AcquireLock(h.ctx, l.Name, time.Minute)
	wantErr(t, err, store.ErrLocked)
	noErr(t, h.s.ExtendLock(h.ctx, l, time.Hour))
	noErr(t, h.s.ReleaseLock(h.ctx, l))
	wantErr(t, h.s.ReleaseLock(h.ctx, l), store.ErrNotHeld)
	wantErr(t, h.s.ExtendLock(h.ctx, l, time.Hour), store.ErrNotHeld)
	_, err = h.s.AcquireLock(h.ctx, "", time.Minute)
	wantErr(t, err, store.ErrInvalid)
	_, err = h.s.AcquireLock(h.ctx, "x", 0)
	wantErr(t, err, store.ErrInvalid)
}

// eventually retries fn until it returns true: Redis keys expire on Redis's
// own clock, which the suite's clock does not move.
func eventually(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5s", what)
		}
	}
}

func testLockExpiry(t *testing.T, h *harness) {
	old, err := h.s.AcquireLock(h.ctx, "scan:aws", time.Millisecond)
	noErr(t, err)
	h.clock.Advance(time.Second)
	var l store.Lease
	eventually(t, "lock free after its ttl", func() bool {
		l, err = h.s.AcquireLock(h.ctx, "scan:aws", time.Minute)
		if err != nil && !errors.Is(err, store.ErrLocked) {
			t.Fatal(err)
		}
		return err == nil
	})
	wantErr(t, h.s.ReleaseLock(h.ctx, old), store.ErrNotHeld) // the expired holder cannot free the new one
	noErr(t, h.s.ReleaseLock(h.ctx, l))
}

func record(id string, at time.Time, overall float64) store.ScanRecord {
	return store.ScanRecord{
		Scan:    checks.ScanInfo{ID: id, StartedAt: at.Add(-time.Minute), FinishedAt: at, Complete: true},
		Score:   checks.Score{Overall: &overall, Frameworks: map[string]float64{"SOC2": overall}},
		Summary: checks.Summary{checks.SeverityHigh: 2},
		Changes: map[checks.ChangeKind]int{checks.ChangeNew: 1},
	}
}

func scanIDs(rs []store.ScanRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Scan.ID)
	}
	return out
}

func testHistoryRead(t *testing.T, h *harness) {
	for i := range 5 {
		noErr(t, h.s.RecordScan(h.ctx, record(fmt.Sprintf("s%d", i), start.Add(time.Duration(i)*time.Hour), 90+float64(i))))
	}
	recent, err := h.s.RecentScans(h.ctx, 3)
	noErr(t, err)
	if want := []string{"s4", "s3", "s2"}; !slices.Equal(scanIDs(recent), want) {
		t.Fatalf("recent = %v, want %v", scanIDs(recent), want)
	}
	r := recent[0]
	if *r.Score.Overall != 94 || r.Score.Frameworks["SOC2"] != 94 || r.Summary[checks.SeverityHigh] != 2 ||
		r.Changes[checks.ChangeNew] != 1 || !r.Scan.FinishedAt.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("record read back = %+v", r)
	}
	between, err := h.s.ScansBetween(h.ctx, start.Add(time.Hour), start.Add(3*time.Hour))
	noErr(t, err)
	if want := []string{"s1", "s2", "s3"}; !slices.Equal(scanIDs(between), want) {
		t.Fatalf("between = %v, want %v (oldest first, inclusive)", scanIDs(between), want)
	}
	// Recording a scan again replaces it.
	noErr(t, h.s.RecordScan(h.ctx, record("s2", start.Add(2*time.Hour), 50)))
	all, err := h.s.RecentScans(h.ctx, 0)
	noErr(t, err)
	if len(all) != 5 || *all[2].Score.Overall != 50 {
		t.Fatalf("after re-recording s2: %v", scanIDs(all))
	}
	wantErr(t, h.s.RecordScan(h.ctx, store.ScanRecord{}), store.ErrInvalid)
}

func testHistoryMaxScans(t *testing.T, h *harness) {
	for i := range 6 {
		noErr(t, h.s.RecordScan(h.ctx, record(fmt.Sprintf("s%d", i), start.Add(time.Duration(i)*time.Hour), 90)))
	}
	all, err := h.s.RecentScans(h.ctx, 0)
	noErr(t, err)
	if want := []string{"s5", "s4", "s3"}; !slices.Equal(scanIDs(all), want) {
		t.Fatalf("kept %v, want %v", scanIDs(all), want)
	}
	between, err := h.s.ScansBetween(h.ctx, time.Time{}, time.Time{})
	noErr(t, err)
	if len(between) != 3 {
		t.Fatalf("unbounded range = %v", scanIDs(between))
	}
}

func testHistoryMaxAge(t *testing.T, h *harness) {
	for i := range 20 {
		noErr(t, h.s.RecordScan(h.ctx, record(fmt.Sprintf("s%02d", i), h.clock.Now(), 90)))
		h.clock.Advance(day)
	}
	// The last record was written at day 19: day 9 and later are kept.
	all, err := h.s.RecentScans(h.ctx, 0)
	noErr(t, err)
	if len(all) != 11 || all[0].Scan.ID != "s19" || all[10].Scan.ID != "s09" {
		t.Fatalf("kept %v, want s19..s09", scanIDs(all))
	}
}

func testSeenOnce(t *testing.T, h *harness) {
	seen, err := h.s.SeenOnce(h.ctx, "v0:123:abc", time.Minute)
	noErr(t, err)
	if seen {
		t.Fatal("a new key was seen")
	}
	if seen, err = h.s.SeenOnce(h.ctx, "v0:123:abc", time.Minute); err != nil || !seen {
		t.Fatalf("replay: seen=%v err=%v, want seen", seen, err)
	}
	if seen, err = h.s.SeenOnce(h.ctx, "v0:123:abd", time.Minute); err != nil || seen {
		t.Fatalf("another key: seen=%v err=%v", seen, err)
	}
	if seen, err = h.s.SeenOnce(h.ctx, "short", time.Millisecond); err != nil || seen {
		t.Fatalf("short key: seen=%v err=%v", seen, err)
	}
	h.clock.Advance(time.Second)
	eventually(t, "key forgotten after its ttl", func() bool {
		seen, err := h.s.SeenOnce(h.ctx, "short", time.Millisecond)
		noErr(t, err)
		return !seen
	})
	_, err = h.s.SeenOnce(h.ctx, "", time.Minute)
	wantErr(t, err, store.ErrInvalid)
}
