// Package storetest is the contract every store.Store implementation passes:
// run it from the implementation's tests with Run.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// Factory returns a new, empty store configured with opts (whose Now is the
// suite's clock). It registers its own cleanup with t.
type Factory func(t *testing.T, opts store.Options) store.Store

// Run runs the whole contract against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"findings", findingTests},
		{"triage", triageTests},
		{"remediation", remediationTests},
		{"audit", auditTests},
		{"locks", lockTests},
		{"history", historyTests},
		{"replay", replayTests},
		{"deliveries", deliveryTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, newHarness(t, newStore, tc.opts)) })
			}
		})
	}
}

type test struct {
	name string
	opts store.Options // Now is set by the suite
	run  func(t *testing.T, h *harness)
}

// Clock is a settable clock for expiry tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (backward if d < 0).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is the suite's epoch: a fixed instant, so failures reproduce.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	ctx   context.Context
	clock *Clock
	s     store.Store
	scans int
}

func newHarness(t *testing.T, newStore Factory, opts store.Options) *harness {
	clock := &Clock{t: start}
	opts.Now = clock.Now
	return &harness{t: t, ctx: t.Context(), clock: clock, s: newStore(t, opts)}
}

// Rules of the synthetic rule pack: one per severity.
const (
	ruleCritical = "test-critical"
	ruleHigh     = "test-high"
	ruleMedium   = "test-medium"
	ruleInfo     = "test-info"
)

var ruleSeverity = map[string]checks.Severity{
	ruleCritical: checks.SeverityCritical, ruleHigh: checks.SeverityHigh,
	ruleMedium: checks.SeverityMedium, ruleInfo: checks.SeverityInfo,
}

// finding is a failing result of rule on resource in account 111111111111,
// region us-east-1.
func finding(rule, resource string) checks.Finding {
	return findingIn(rule, resource, "111111111111", "us-east-1")
}

func findingIn(rule, resource, account, region string) checks.Finding {
	return checks.Finding{
		Fingerprint: checks.Fingerprint(rule, account, region, resource),
		RuleID:      rule, Title: "title of " + rule, Severity: ruleSeverity[rule],
		ResourceID: resource, ResourceType: "aws.s3.bucket", ResourceName: resource,
		Account: account, Region: region, Message: resource + " fails " + rule,
		Frameworks: map[string][]string{"SOC2": {"CC6.1"}},
		Evidence:   map[string]any{"encrypted": false},
		Tags:       map[string]string{"team": "a"},
	}
}

// scan describes a report: the failing findings, and how complete it is.
type scan struct {
	findings     []checks.Finding
	skipped      []string // rules skipped: their type was not fully collected
	omitted      []string // rules not in the report at all (a filtered scan)
	inconclusive []checks.Finding
}

func (s scan) report(id string) *checks.ScanReport {
	r := &checks.ScanReport{
		Scan:     checks.ScanInfo{ID: id, Complete: len(s.skipped) == 0 && len(s.inconclusive) == 0},
		Findings: s.findings,
	}
	for _, id := range []string{ruleCritical, ruleHigh, ruleMedium, ruleInfo} {
		if slices.Contains(s.omitted, id) {
			continue
		}
		r.Rules = append(r.Rules, checks.RuleStats{RuleID: id, Severity: ruleSeverity[id], Skipped: slices.Contains(s.skipped, id)})
	}
	for _, f := range s.inconclusive {
		r.Inconclusive = append(r.Inconclusive, f.Fingerprint)
	}
	return r
}

// reconcile runs a scan of fs (all rules evaluated) and returns the result.
func (h *harness) reconcile(fs ...checks.Finding) *store.ReconcileResult {
	h.t.Helper()
	return h.reconcileScan(scan{findings: fs}, store.ReconcileOptions{})
}

func (h *harness) reconcileScan(s scan, opts store.ReconcileOptions) *store.ReconcileResult {
	h.t.Helper()
	h.scans++
	res, err := h.s.Reconcile(h.ctx, s.report(fmt.Sprintf("scan-%d", h.scans)), opts)
	if err != nil {
		h.t.Fatalf("Reconcile: %v", err)
	}
	return res
}

// announce marks every change announced now, as the bot does after delivery.
func (h *harness) announce(res *store.ReconcileResult) {
	h.t.Helper()
	var anns []store.Announcement
	for _, c := range res.Changes {
		anns = append(anns, store.Announcement{Fingerprint: c.State.Fingerprint, At: h.clock.Now(), Ref: "ts-" + c.State.Fingerprint[:8]})
	}
	if err := h.s.MarkAnnounced(h.ctx, anns...); err != nil {
		h.t.Fatalf("MarkAnnounced: %v", err)
	}
}

func (h *harness) state(fp string) checks.FindingState {
	h.t.Helper()
	st, err := h.s.Finding(h.ctx, fp)
	if err != nil {
		h.t.Fatalf("Finding(%s): %v", fp, err)
	}
	return st
}

// change describes an expected change, for comparisons.
type change struct {
	kind   checks.ChangeKind
	reason checks.AnnounceReason
	fp     string
}

func (c change) String() string { return fmt.Sprintf("%s/%s %s", c.kind, c.reason, c.fp[:8]) }

func changesOf(res *store.ReconcileResult) []change {
	var out []change
	for _, c := range res.Changes {
		out = append(out, change{c.Kind, c.Reason, c.State.Fingerprint})
	}
	return out
}

// wantChanges checks the changes due, in any order.
func (h *harness) wantChanges(res *store.ReconcileResult, want ...change) {
	h.t.Helper()
	got := changesOf(res)
	if len(got) != len(want) {
		h.t.Fatalf("changes = %v, want %v", got, want)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			h.t.Fatalf("changes = %v, want %v", got, want)
		}
	}
}

func wantCounts(t *testing.T, res *store.ReconcileResult, newN, reopened, still, resolved int) {
	t.Helper()
	if res.New != newN || res.Reopened != reopened || res.StillOpen != still || res.Resolved != resolved {
		t.Fatalf("counts new/reopened/still-open/resolved = %d/%d/%d/%d, want %d/%d/%d/%d",
			res.New, res.Reopened, res.StillOpen, res.Resolved, newN, reopened, still, resolved)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

// auditActions returns the actions logged for a fingerprint, oldest first.
func (h *harness) auditActions(fp string) []string {
	h.t.Helper()
	es, err := h.s.ReadAudit(h.ctx, store.AuditQuery{Limit: 100000})
	noErr(h.t, err)
	var out []string
	for _, e := range es {
		if e.Fingerprint == fp {
			out = append(out, e.Action)
		}
	}
	return out
}

// parallel runs fn(i) for i in [0, n) on n goroutines released together.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gate
			fn(i)
		})
	}
	close(gate)
	wg.Wait()
}
