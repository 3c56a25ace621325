package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/checks"
)

// namedSources serves one fake collection per source name and records what
// each scheduled scan asked for.
type namedSources struct {
	mu      sync.Mutex
	sources map[string]*checks.Collection
	asked   [][2][]string
}

func (n *namedSources) collectors(_ context.Context, names, regions []string) ([]Collector, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.asked = append(n.asked, [2][]string{names, regions})
	if len(names) == 0 {
		for k := range n.sources {
			names = append(names, k)
		}
		slices.Sort(names)
	}
	var out []Collector
	for _, name := range names {
		out = append(out, staticCollector{name: name, col: n.sources[name]})
	}
	return out, nil
}

func (n *namedSources) set(name string, res []checks.Resource, errs ...checks.ScanError) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sources[name] = &checks.Collection{Resources: res, Errors: errs}
}

type staticCollector struct {
	name string
	col  *checks.Collection
}

func (c staticCollector) Name() string { return c.name }
func (c staticCollector) Collect(context.Context) (*checks.Collection, error) {
	out := *c.col
	return &out, nil
}

func inAccount(r checks.Resource, account string) checks.Resource {
	r.Account = account
	r.ID += "@" + account
	return r
}

// A scheduled scan of some sources and regions resolves only what it speaks
// for: another source's accounts and other regions keep their findings.
func TestScheduledScanScope(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	src := &namedSources{sources: map[string]*checks.Collection{}}
	h.bot.opts.SourceCollectors = src.collectors
	ctx := context.Background()

	const prodAcct, otherAcct = "111122223333", "444455556666"
	prodUS, prodEU := inAccount(bucket("prod-us", "us-east-1", false, true), prodAcct), inAccount(bucket("prod-eu", "eu-west-1", false, true), prodAcct)
	other := inAccount(bucket("other", "us-east-1", false, true), otherAcct)
	src.set("prod", []checks.Resource{prodUS, prodEU})
	src.set("other", []checks.Resource{other})

	// Every source: three unversioned buckets, three findings delivered.
	if err := h.bot.RunScheduled(ctx, ScheduledScan{Name: "full", Summary: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.findingMessages()); n != 3 {
		t.Fatalf("%d finding messages after the full scheduled scan, want 3", n)
	}
	open := func() []string {
		sts, err := h.st.OpenFindings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range sts {
			ids = append(ids, s.Finding.ResourceID)
		}
		slices.Sort(ids)
		return ids
	}

	// Source prod, region us-east-1, service s3: every bucket fixed now,
	// but only prod-us is in scope. The "other" source is not collected.
	fixed := func(r checks.Resource) checks.Resource {
		r.Attributes = map[string]any{"versioning_enabled": true, "encryption_enabled": true}
		return r
	}
	src.set("prod", []checks.Resource{fixed(prodUS), fixed(prodEU)})
	src.set("other", nil) // would resolve "other" if it were wrongly scanned
	before := len(h.fake.Messages(channel))
	err := h.bot.RunScheduled(ctx, ScheduledScan{Name: "nightly", Sources: []string{"prod"}, Regions: []string{"us-east-1"},
		Services: []string{"s3"}, Frameworks: []string{"SOC2"}, Summary: false})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := open(), []string{other.ID, prodEU.ID}; !slices.Equal(got, want) {
		t.Errorf("open findings %v, want %v (only prod-us resolved)", got, want)
	}
	if last := src.asked[len(src.asked)-1]; !slices.Equal(last[0], []string{"prod"}) || !slices.Equal(last[1], []string{"us-east-1"}) {
		t.Errorf("collectors asked for %v", last)
	}
	// summary: false posts no summary; the resolution is still delivered
	// (the finding message updated in place).
	for _, m := range h.fake.Messages(channel)[before:] {
		if strings.Contains(text(m), "Scan complete") {
			t.Errorf("summary posted for a schedule without summary: %s", text(m))
		}
	}
	msg := h.findingMessages()[checks.Fingerprint("t-versioning", prodAcct, "us-east-1", prodUS.ID)]
	if rev := msg.Revisions[len(msg.Revisions)-1]; rev.Via != "chat.update" || !strings.Contains(strings.ToUpper(text(msg)), "RESOLVED") {
		t.Errorf("prod-us finding message not updated to resolved: %s", text(msg))
	}

	// A source that saw nothing resolves nothing.
	src.set("prod", nil)
	if err := h.bot.RunScheduled(ctx, ScheduledScan{Name: "empty", Sources: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}
	if got := open(); len(got) != 2 {
		t.Errorf("an empty collection of a named source resolved findings: open %v", got)
	}

	started, finished := h.audit(AuditScanStarted), h.audit(AuditScanFinished)
	if len(started) != 3 || len(finished) != 3 || started[1].Actor != "schedule:nightly" || finished[1].Actor != "schedule:nightly" ||
		!strings.Contains(finished[1].Details["scope"], "schedule nightly; sources prod; regions us-east-1; services s3; frameworks SOC2") {
		t.Errorf("audit: started %+v finished %+v", started, finished)
	}
	// The summary of the full scan was posted, naming the schedule.
	var summaries int
	for _, m := range h.fake.Messages(channel) {
		if strings.Contains(text(m), "schedule full") {
			summaries++
		}
	}
	if summaries != 1 {
		t.Errorf("%d summaries of schedule full, want 1", summaries)
	}
}

// A scan whose source reports errors is incomplete: recorded, but a
// monitoring failure; and nothing it could not see is resolved.
func TestScheduledScanIncomplete(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	src := &namedSources{sources: map[string]*checks.Collection{}}
	h.bot.opts.SourceCollectors = src.collectors
	src.set("prod", []checks.Resource{bucket("b1", "us-east-1", false, true)},
		checks.ScanError{Source: "prod", Service: "s3", Region: "us-east-1", Message: "AccessDenied: <!channel>"})
	err := h.bot.RunScheduled(context.Background(), ScheduledScan{Name: "nightly", Summary: true})
	if !errors.Is(err, schedule.ErrIncomplete) || !strings.Contains(err.Error(), "1 error: prod s3 us-east-1: AccessDenied") {
		t.Fatalf("err %v, want incomplete naming the error", err)
	}
	h.bot.PostMonitoringFailure(context.Background(), "nightly", string(schedule.OutcomeIncomplete), "schedule nightly: the run was "+err.Error())
	var alert string
	for _, m := range h.fake.Messages(channel) {
		if strings.Contains(text(m), "Monitoring failure") {
			alert = text(m)
		}
	}
	mustContain(t, "monitoring failure message", alert, "nightly", "incomplete", "AccessDenied")
	if strings.Contains(alert, "<!channel>") {
		t.Errorf("error text not escaped: %s", alert)
	}
	if fs := h.audit(AuditMonitoringFailure); len(fs) != 1 || fs[0].Actor != "schedule:nightly" || fs[0].Details["outcome"] != "incomplete" {
		t.Errorf("monitoring failure audit %+v", fs)
	}
}

// Two sources share an account in different regions: a scan of one speaks
// for the places it showed, not for the other's region of that account.
func TestScheduledScanSharedAccount(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	src := &namedSources{sources: map[string]*checks.Collection{}}
	h.bot.opts.SourceCollectors = src.collectors
	ctx := context.Background()

	const acct = "111122223333"
	eu := inAccount(bucket("eu-data", "eu-west-1", false, true), acct)
	us := inAccount(bucket("us-data", "us-east-1", false, true), acct)
	src.set("eu", []checks.Resource{eu})
	src.set("us", []checks.Resource{us})
	if err := h.bot.RunScheduled(ctx, ScheduledScan{Name: "full"}); err != nil {
		t.Fatal(err)
	}
	// The eu source alone, its bucket fixed: only its finding resolves.
	eu.Attributes = map[string]any{"versioning_enabled": true, "encryption_enabled": true}
	src.set("eu", []checks.Resource{eu})
	if err := h.bot.RunScheduled(ctx, ScheduledScan{Name: "eu-only", Sources: []string{"eu"}}); err != nil {
		t.Fatal(err)
	}
	sts, err := h.st.OpenFindings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, s := range sts {
		open = append(open, s.Finding.ResourceID)
	}
	if !slices.Equal(open, []string{us.ID}) {
		t.Errorf("open findings %v, want only %s (the us source was not scanned)", open, us.ID)
	}
}
