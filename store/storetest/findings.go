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

const day = 24 * time.Hour

var findingTests = []test{
	{name: "new then still open then reminder", run: testNewStillOpenReminder},
	{name: "reminder intervals per severity", run: testDefaultReminders},
	{name: "configured reminder intervals", opts: store.Options{
		Reminders: map[checks.Severity]time.Duration{checks.SeverityHigh: time.Hour, checks.SeverityInfo: 2 * time.Hour},
	}, run: testConfiguredReminders},
	{name: "resolve only what the scan speaks for", run: testResolveOnlyComplete},
	{name: "reopened", run: testReopened},
	{name: "done when: same scan twice, fix one, break it again", run: testDoneWhen},
	{name: "crash between reconcile and announce", run: testCrashBeforeAnnounce},
	{name: "duplicate fingerprints in one report", run: testDuplicateFingerprints},
	{name: "state snapshot and listing", run: testSnapshotAndListing},
	{name: "mark announced", run: testMarkAnnounced},
	{name: "many batches", opts: store.Options{BatchSize: 7}, run: testBatches},
	{name: "resolved findings are forgotten after the retention", opts: store.Options{ResolvedRetention: time.Millisecond}, run: testResolvedRetention},
	{name: "invalid input", run: testFindingsInvalid},
}

func testNewStillOpenReminder(t *testing.T, h *harness) {
	f := finding(ruleHigh, "bucket-a")
	fp := f.Fingerprint
	res := h.reconcile(f)
	wantCounts(t, res, 1, 0, 0, 0)
	h.wantChanges(res, change{checks.ChangeNew, checks.ReasonChange, fp})
	c := res.Changes[0]
	if c.Finding.Evidence == nil || c.Finding.Title != f.Title {
		t.Fatalf("change carries finding %+v, want the scan's, with its evidence", c.Finding)
	}
	if c.State.Status != checks.LifecycleOpen || c.State.TimesSeen != 1 || c.State.LastChange != checks.ChangeNew {
		t.Fatalf("state = %+v", c.State)
	}
	wantTime(t, "first seen", c.State.FirstSeen, start)
	h.announce(res)

	h.clock.Advance(time.Hour)
	res = h.reconcile(f)
	wantCounts(t, res, 0, 0, 1, 0)
	h.wantChanges(res) // already announced, interval (72h for high) not passed

	h.clock.Advance(70 * time.Hour) // 71h after the announcement
	h.wantChanges(h.reconcile(f))

	h.clock.Advance(time.Hour) // 72h
	res = h.reconcile(f)
	h.wantChanges(res, change{checks.ChangeStillOpen, checks.ReasonReminder, fp})
	h.announce(res)
	h.wantChanges(h.reconcile(f))

	st := h.state(fp)
	if st.TimesSeen != 5 {
		t.Fatalf("times seen = %d, want 5", st.TimesSeen)
	}
	wantTime(t, "first seen", st.FirstSeen, start)
	wantTime(t, "last seen", st.LastSeen, start.Add(72*time.Hour))
	wantTime(t, "announced", st.AnnouncedAt, start.Add(72*time.Hour))
	if st.AnnouncementRef != "ts-"+fp[:8] {
		t.Fatalf("announcement ref = %q", st.AnnouncementRef)
	}
}

func testDefaultReminders(t *testing.T, h *harness) {
	fc, fm, fi := finding(ruleCritical, "c"), finding(ruleMedium, "m"), finding(ruleInfo, "i")
	all := []checks.Finding{fc, fm, fi}
	res := h.reconcile(all...)
	wantCounts(t, res, 3, 0, 0, 0)
	h.announce(res)

	h.clock.Advance(day - time.Millisecond)
	h.wantChanges(h.reconcile(all...))
	h.clock.Advance(time.Millisecond) // critical: 24h
	res = h.reconcile(all...)
	h.wantChanges(res, change{checks.ChangeStillOpen, checks.ReasonReminder, fc.Fingerprint})
	h.announce(res)

	h.clock.Advance(6 * day) // 7 days after the first announcement
	res = h.reconcile(all...)
	h.wantChanges(res,
		change{checks.ChangeStillOpen, checks.ReasonReminder, fc.Fingerprint},
		change{checks.ChangeStillOpen, checks.ReasonReminder, fm.Fingerprint})
	h.announce(res)

	h.clock.Advance(365 * day) // info: never
	h.wantChanges(h.reconcile(all...),
		change{checks.ChangeStillOpen, checks.ReasonReminder, fc.Fingerprint},
		change{checks.ChangeStillOpen, checks.ReasonReminder, fm.Fingerprint})
}

func testConfiguredReminders(t *testing.T, h *harness) {
	fh, fi, fc := finding(ruleHigh, "h"), finding(ruleInfo, "i"), finding(ruleCritical, "c")
	h.announce(h.reconcile(fh, fi, fc))
	h.clock.Advance(time.Hour)
	res := h.reconcile(fh, fi, fc)
	h.wantChanges(res, change{checks.ChangeStillOpen, checks.ReasonReminder, fh.Fingerprint})
	h.clock.Advance(time.Hour)
	h.wantChanges(h.reconcile(fh, fi, fc), // high not marked announced: still due
		change{checks.ChangeStillOpen, checks.ReasonReminder, fh.Fingerprint},
		change{checks.ChangeStillOpen, checks.ReasonReminder, fi.Fingerprint})
	// critical keeps its default (24h)
	h.clock.Advance(22 * time.Hour)
	if !slices.Contains(changesOf(h.reconcile(fh, fi, fc)), change{checks.ChangeStillOpen, checks.ReasonReminder, fc.Fingerprint}) {
		t.Fatal("critical reminder not due after its default 24h")
	}
}

func testResolveOnlyComplete(t *testing.T, h *harness) {
	fa := finding(ruleHigh, "a")                                     // its rule evaluated: resolved
	fb := finding(ruleCritical, "b")                                 // its rule skipped (type not fully collected)
	fc := finding(ruleMedium, "c")                                   // its rule not in the report (filtered scan)
	fd := finding(ruleInfo, "d")                                     // inconclusive this time
	fe := findingIn(ruleHigh, "e", "222222222222", "us-east-1")      // another account: out of scope
	fg := findingIn(ruleHigh, "g", "111111111111", "eu-west-1")      // another region: out of scope
	fk := findingIn(ruleHigh, "k", "111111111111", "ap-southeast-2") // out of scope, but still failing
	all := []checks.Finding{fa, fb, fc, fd, fe, fg, fk}
	h.announce(h.reconcile(all...))

	scope := store.Scope{Accounts: []string{"111111111111", "333333333333"}, Regions: []string{"us-east-1"}}
	res := h.reconcileScan(scan{
		findings: []checks.Finding{fk},
		skipped:  []string{ruleCritical}, omitted: []string{ruleMedium}, inconclusive: []checks.Finding{fd},
	}, store.ReconcileOptions{Scope: scope})
	wantCounts(t, res, 0, 0, 1, 1)
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, fa.Fingerprint})
	c := res.Changes[0]
	if c.Finding.RuleID != ruleHigh || c.Finding.Severity != checks.SeverityHigh || c.Finding.ResourceID != "a" ||
		c.Finding.Frameworks["SOC2"][0] != "CC6.1" || c.Finding.Tags["team"] != "a" {
		t.Fatalf("resolved change carries finding %+v, want the stored one", c.Finding)
	}
	if c.State.Status != checks.LifecycleResolved || c.State.LastChange != checks.ChangeResolved {
		t.Fatalf("resolved state = %+v", c.State)
	}
	wantTime(t, "resolved at", c.State.ResolvedAt, start)
	for _, f := range []checks.Finding{fb, fc, fd, fe, fg, fk} {
		if st := h.state(f.Fingerprint); st.Status != checks.LifecycleOpen {
			t.Fatalf("%s (%s) = %s, want open", f.ResourceID, f.RuleID, st.Status)
		}
	}
	h.announce(res)

	// A complete, unscoped scan where nothing fails resolves the rest.
	res = h.reconcile()
	wantCounts(t, res, 0, 0, 0, 6)
	if len(res.Changes) != 6 {
		t.Fatalf("changes = %v, want 6 resolved", changesOf(res))
	}
}

func testReopened(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	fp := f.Fingerprint
	h.announce(h.reconcile(f))
	_, err := h.s.Acknowledge(h.ctx, fp, "alice", "known")
	noErr(t, err)
	h.clock.Advance(time.Hour)
	res := h.reconcile()
	wantCounts(t, res, 0, 0, 0, 1)
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, fp})
	h.announce(res)
	if got := h.state(fp).Lifecycle(h.clock.Now()); got != checks.LifecycleResolved {
		t.Fatalf("lifecycle = %s, want resolved", got)
	}

	h.clock.Advance(time.Hour)
	res = h.reconcile(f)
	wantCounts(t, res, 0, 1, 0, 0)
	h.wantChanges(res, change{checks.ChangeReopened, checks.ReasonChange, fp})
	st := res.Changes[0].State
	if st.Reopens != 1 || st.TimesSeen != 2 || st.Ack != nil || st.Status != checks.LifecycleOpen || !st.ResolvedAt.IsZero() {
		t.Fatalf("reopened state = %+v: want 1 reopen, seen twice, acknowledgement cleared", st)
	}
	wantTime(t, "opened at", st.OpenedAt, start.Add(2*time.Hour))
	wantTime(t, "first seen", st.FirstSeen, start)
	want := []string{checks.AuditFindingNew, checks.AuditFindingAcknowledged, checks.AuditFindingResolved, checks.AuditFindingReopened}
	if got := h.auditActions(fp); !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}

func testDoneWhen(t *testing.T, h *harness) {
	a, b, c := finding(ruleHigh, "a"), finding(ruleHigh, "b"), finding(ruleCritical, "c")
	res := h.reconcile(a, b, c)
	wantCounts(t, res, 3, 0, 0, 0)
	if len(res.Changes) != 3 {
		t.Fatalf("first scan: changes = %v, want 3 new", changesOf(res))
	}
	h.announce(res)

	h.clock.Advance(time.Minute)
	res = h.reconcile(a, b, c)
	h.wantChanges(res) // the same scan again announces nothing

	h.clock.Advance(time.Minute) // b is fixed
	res = h.reconcile(a, c)
	wantCounts(t, res, 0, 0, 2, 1)
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, b.Fingerprint})
	h.announce(res)

	h.clock.Advance(time.Minute) // and broken again
	res = h.reconcile(a, b, c)
	wantCounts(t, res, 0, 1, 2, 0)
	h.wantChanges(res, change{checks.ChangeReopened, checks.ReasonChange, b.Fingerprint})
}

func testCrashBeforeAnnounce(t *testing.T, h *harness) {
	f, g := finding(ruleHigh, "a"), finding(ruleMedium, "b")
	res := h.reconcile(f, g)
	h.wantChanges(res, change{checks.ChangeNew, checks.ReasonChange, f.Fingerprint}, change{checks.ChangeNew, checks.ReasonChange, g.Fingerprint})
	// Only g's delivery succeeded before the crash.
	noErr(t, h.s.MarkAnnounced(h.ctx, store.Announcement{Fingerprint: g.Fingerprint, At: h.clock.Now(), Ref: "ts-g"}))

	h.clock.Advance(time.Minute)
	res = h.reconcile(f, g)
	wantCounts(t, res, 0, 0, 2, 0)
	h.wantChanges(res, change{checks.ChangeNew, checks.ReasonChange, f.Fingerprint})
	h.announce(res)
	h.wantChanges(h.reconcile(f, g))

	h.clock.Advance(time.Minute) // f resolves; the announcement fails
	h.wantChanges(h.reconcile(g), change{checks.ChangeResolved, checks.ReasonChange, f.Fingerprint})
	res = h.reconcile(g)
	wantCounts(t, res, 0, 0, 1, 0)
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, f.Fingerprint})
	h.announce(res)
	h.wantChanges(h.reconcile(g))

	h.clock.Advance(time.Minute) // f comes back; the announcement fails
	h.wantChanges(h.reconcile(f, g), change{checks.ChangeReopened, checks.ReasonChange, f.Fingerprint})
	res = h.reconcile(f, g)
	h.wantChanges(res, change{checks.ChangeReopened, checks.ReasonChange, f.Fingerprint})
	h.announce(res)
	h.wantChanges(h.reconcile(f, g))
}

func testDuplicateFingerprints(t *testing.T, h *harness) {
	f := finding(ruleHigh, "a")
	res := h.reconcile(f, f)
	wantCounts(t, res, 1, 0, 0, 0)
	h.wantChanges(res, change{checks.ChangeNew, checks.ReasonChange, f.Fingerprint})
	// A finding without a fingerprint gets the standard one.
	g := finding(ruleHigh, "b")
	fp := g.Fingerprint
	g.Fingerprint = ""
	res = h.reconcile(f, g)
	wantCounts(t, res, 1, 0, 1, 0)
	if h.state(fp).Finding.ResourceID != "b" {
		t.Fatal("finding without fingerprint not stored under checks.Fingerprint")
	}
}

func testSnapshotAndListing(t *testing.T, h *harness) {
	fh, fc, fr := finding(ruleHigh, "h"), finding(ruleCritical, "c"), finding(ruleMedium, "r")
	h.announce(h.reconcile(fh, fc, fr))
	_, err := h.s.Acknowledge(h.ctx, fh.Fingerprint, "alice", "")
	noErr(t, err)
	h.announce(h.reconcile(fh, fc)) // fr resolved
	open, err := h.s.OpenFindings(h.ctx)
	noErr(t, err)
	var got []string
	for _, st := range open {
		got = append(got, st.Finding.ResourceID)
	}
	if !slices.Equal(got, []string{"c", "h"}) {
		t.Fatalf("open findings = %v, want [c h] (most severe first, acknowledged included, resolved not)", got)
	}
	st := h.state(fh.Fingerprint)
	f := st.Finding
	if f.Title != fh.Title || f.Severity != fh.Severity || f.ResourceType != fh.ResourceType || f.Message != fh.Message ||
		f.Account != fh.Account || f.Region != fh.Region || f.Evidence != nil || f.Tags["team"] != "a" {
		t.Fatalf("stored finding = %+v", f)
	}
	if st.Lifecycle(h.clock.Now()) != checks.LifecycleAcknowledged {
		t.Fatalf("lifecycle = %s, want acknowledged", st.Lifecycle(h.clock.Now()))
	}
	_, err = h.s.Finding(h.ctx, finding(ruleHigh, "nope").Fingerprint)
	wantErr(t, err, store.ErrNotFound)
}

func testMarkAnnounced(t *testing.T, h *harness) {
	f, g := finding(ruleHigh, "a"), finding(ruleHigh, "b")
	fp := f.Fingerprint
	h.reconcile(f, g)
	noErr(t, h.s.MarkAnnounced(h.ctx, store.Announcement{Fingerprint: fp, At: h.clock.Now(), Ref: "ts-1"}))
	noErr(t, h.s.MarkAnnounced(h.ctx, store.Announcement{Fingerprint: fp, At: h.clock.Now().Add(-time.Hour)})) // late, and no ref
	st := h.state(fp)
	if st.AnnouncementRef != "ts-1" {
		t.Fatalf("ref = %q, want ts-1 kept", st.AnnouncementRef)
	}
	wantTime(t, "announced at", st.AnnouncedAt, start)

	// An unknown fingerprint is reported; the known ones are still recorded.
	h.clock.Advance(time.Minute)
	err := h.s.MarkAnnounced(h.ctx,
		store.Announcement{Fingerprint: finding(ruleHigh, "nope").Fingerprint, At: h.clock.Now()},
		store.Announcement{Fingerprint: g.Fingerprint, Ref: "ts-2"}) // zero At: now
	wantErr(t, err, store.ErrNotFound)
	st = h.state(g.Fingerprint)
	wantTime(t, "announced at", st.AnnouncedAt, h.clock.Now())
	if st.AnnouncementRef != "ts-2" {
		t.Fatalf("ref = %q, want ts-2", st.AnnouncementRef)
	}
	wantErr(t, h.s.MarkAnnounced(h.ctx, store.Announcement{}), store.ErrInvalid)
}

func testBatches(t *testing.T, h *harness) {
	var fs []checks.Finding
	for i := range 50 {
		fs = append(fs, finding(ruleHigh, fmt.Sprintf("r%02d", i)))
	}
	res := h.reconcile(fs...)
	wantCounts(t, res, 50, 0, 0, 0)
	if len(res.Changes) != 50 {
		t.Fatalf("%d changes, want 50", len(res.Changes))
	}
	h.announce(res)
	res = h.reconcile(fs[20:]...)
	wantCounts(t, res, 0, 0, 30, 20)
	if len(res.Changes) != 20 {
		t.Fatalf("%d changes, want 20 resolved", len(res.Changes))
	}
	for _, c := range res.Changes {
		if c.Kind != checks.ChangeResolved || c.Finding.ResourceID >= "r20" {
			t.Fatalf("unexpected change %s for %s", c.Kind, c.Finding.ResourceID)
		}
	}
}

func testFindingsInvalid(t *testing.T, h *harness) {
	_, err := h.s.Reconcile(h.ctx, nil, store.ReconcileOptions{})
	wantErr(t, err, store.ErrInvalid)
	f := finding(ruleHigh, "a")
	f.Fingerprint = "not a fingerprint"
	_, err = h.s.Reconcile(h.ctx, scan{findings: []checks.Finding{f}}.report("bad"), store.ReconcileOptions{})
	wantErr(t, err, store.ErrInvalid)
	// A resource id is anybody's string, separators included.
	g := finding(ruleHigh, "odd\x1fname\x00")
	res := h.reconcile(g)
	wantCounts(t, res, 1, 0, 0, 0)
	h.announce(res)
	res = h.reconcile()
	h.wantChanges(res, change{checks.ChangeResolved, checks.ReasonChange, g.Fingerprint})
	if res.Changes[0].Finding.ResourceID != "odd\x1fname\x00" {
		t.Fatalf("resource id = %q", res.Changes[0].Finding.ResourceID)
	}
}

func testResolvedRetention(t *testing.T, h *harness) {
	f, g := finding(ruleHigh, "a"), finding(ruleHigh, "b")
	h.announce(h.reconcile(f, g))
	res := h.reconcile()
	wantCounts(t, res, 0, 0, 0, 2)
	// Only f's resolution is delivered before the state expires.
	noErr(t, h.s.MarkAnnounced(h.ctx, store.Announcement{Fingerprint: f.Fingerprint}))
	h.clock.Advance(time.Second)
	for _, x := range []checks.Finding{f, g} {
		eventually(t, "resolved finding forgotten", func() bool {
			_, err := h.s.Finding(h.ctx, x.Fingerprint)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err != nil
		})
	}
	h.wantChanges(h.reconcile()) // g's pending resolution went with it
	res = h.reconcile(f)
	wantCounts(t, res, 1, 0, 0, 0)
	h.wantChanges(res, change{checks.ChangeNew, checks.ReasonChange, f.Fingerprint})
}
