package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
)

// fakeNotifier records what it is given. Failing makes its deliveries
// fail; hanging makes them wait for the delivery timeout.
type fakeNotifier struct {
	mu      sync.Mutex
	prefix  string // set: a ticket receiver with refs prefix-N
	calls   []Notice
	tickets map[string]string // fingerprint -> ref
	failing bool
	hanging bool
}

func (f *fakeNotifier) Notify(ctx context.Context, ns []Notice) []Outcome {
	f.mu.Lock()
	f.calls = append(f.calls, ns...)
	failing, hanging := f.failing, f.hanging
	f.mu.Unlock()
	out := make([]Outcome, len(ns))
	if hanging {
		<-ctx.Done()
	}
	for i, n := range ns {
		switch {
		case hanging:
			out[i].Err = ctx.Err()
		case failing:
			out[i].Err = fmt.Errorf("receiver down")
		case f.prefix != "":
			f.mu.Lock()
			if f.tickets == nil {
				f.tickets = map[string]string{}
			}
			fp := fingerprintOf(n.Change)
			if f.tickets[fp] == "" {
				f.tickets[fp] = fmt.Sprintf("%s-%d", f.prefix, len(f.tickets)+1)
			}
			out[i].Ref = f.tickets[fp]
			f.mu.Unlock()
		}
	}
	return out
}

func (f *fakeNotifier) set(failing, hanging bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing, f.hanging = failing, hanging
}

// took returns and forgets the change kinds it was given, as "kind fp8".
func (f *fakeNotifier) took() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.calls {
		out = append(out, string(n.Change.Kind)+" "+fingerprintOf(n.Change)[:8])
	}
	f.calls = nil
	return out
}

// fakeTicketer is a fakeNotifier whose refs link to a tracker.
type fakeTicketer struct{ *fakeNotifier }

func (f fakeTicketer) Link(ref string) (checks.Link, bool) {
	return checks.Link{Label: "Ticket " + ref, URL: "https://tickets.example/browse/" + ref}, true
}

// dh drives delivery directly: reconcile a scan, deliver its changes.
type dh struct {
	t     *testing.T
	st    store.Store
	b     *Bot
	clock *clock
	fake  *slacktest.Server
}

type dhOptions struct {
	store     store.Store
	routes    *route.Route
	digest    []string
	receivers []Receiver
	timeout   time.Duration
	clock     *clock
}

func newDH(t *testing.T, o dhOptions) *dh {
	t.Helper()
	clk := o.clock
	if clk == nil {
		clk = &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st := o.store
	if st == nil {
		mem, err := store.NewMemory(nil, store.Options{Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		st = mem
	}
	fake := slacktest.NewServer(t, slacktest.Options{Channels: []string{"C0DIGEST1"}})
	client, err := slack.NewClient(fake.BotToken(), slack.ClientOptions{APIURL: fake.APIURL(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	var tree *route.Tree
	if o.routes != nil {
		if tree, err = route.New(o.routes, o.digest...); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(Options{Channel: channel, Store: st, Chat: NewSlackChat(client), Authz: NewAuthorizer(config.Roles{}, client, nil, log),
		Routes: tree, Receivers: o.receivers, DeliveryTimeout: o.timeout, Now: clk.now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	return &dh{t: t, st: st, b: b, clock: clk, fake: fake}
}

var dhRules = map[string]checks.Severity{"r-critical": checks.SeverityCritical, "r-low": checks.SeverityLow}

func dhFinding(rule, resource string) checks.Finding {
	return checks.Finding{Fingerprint: checks.Fingerprint(rule, "111122223333", "us-east-1", resource),
		RuleID: rule, Title: "title of " + rule, Severity: dhRules[rule], ResourceID: resource, ResourceName: resource,
		ResourceType: "aws.s3.bucket", Account: "111122223333", Region: "us-east-1", Message: resource + " fails"}
}

// scan reconciles a complete scan failing fs and delivers its changes.
func (h *dh) scan(fs ...checks.Finding) announced {
	h.t.Helper()
	rep := &checks.ScanReport{Scan: checks.ScanInfo{ID: "scan", Complete: true}, Findings: fs}
	for id, sev := range dhRules {
		rep.Rules = append(rep.Rules, checks.RuleStats{RuleID: id, Severity: sev})
	}
	rec, err := h.st.Reconcile(context.Background(), rep, store.ReconcileOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.b.deliver(context.Background(), rec.Changes)
}

func (h *dh) record(fp, receiver string) store.Delivery {
	h.t.Helper()
	got, err := h.st.Deliveries(context.Background(), fp)
	if err != nil {
		h.t.Fatal(err)
	}
	return got[fp][receiver]
}

func (h *dh) announcedAt(fp string) time.Time {
	h.t.Helper()
	st, err := h.st.Finding(context.Background(), fp)
	if err != nil {
		h.t.Fatal(err)
	}
	return st.AnnouncedAt
}

func wantTook(t *testing.T, who string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s got %q, want %q", who, got, want)
	}
}

func TestDeliveryRetriesOnlyTheFailedReceiverWithBackoff(t *testing.T) {
	jira, hook := &fakeNotifier{prefix: "SEC"}, &fakeNotifier{}
	h := newDH(t, dhOptions{
		routes:    &route.Route{Receivers: []string{"chat", "jira", "hook"}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "jira", Notifier: fakeTicketer{jira}}, {Name: "hook", Notifier: hook}},
		timeout:   200 * time.Millisecond,
	})
	f := dhFinding("r-critical", "a")
	fp8 := f.Fingerprint[:8]

	// 1. The webhook hangs: the others deliver, the change waits for it.
	hook.set(false, true)
	ann := h.scan(f)
	if ann.posted != 1 || ann.failed != 1 {
		t.Errorf("first round %+v, want 1 posted, 1 failed", ann)
	}
	wantTook(t, "jira", jira.took(), "new "+fp8)
	wantTook(t, "hook", hook.took(), "new "+fp8)
	if len(h.fake.Messages(channel)) != 1 {
		t.Fatalf("%d messages in the channel", len(h.fake.Messages(channel)))
	}
	if !h.announcedAt(f.Fingerprint).IsZero() {
		t.Error("marked announced while the webhook lacks it")
	}
	rec := h.record(f.Fingerprint, "hook")
	if rec.Attempts != 1 || !rec.NextAttempt.Equal(h.clock.now()) || rec.ChangeKey != "" {
		t.Errorf("hook record after a failure: %+v", rec)
	}
	if r := h.record(f.Fingerprint, "jira"); r.Ref != "SEC-1" || r.ChangeKey == "" {
		t.Errorf("jira record %+v", r)
	}

	// 2. The next round retries the webhook alone; it fails again: now it
	// backs off.
	hook.set(true, false)
	ann = h.scan(f)
	if ann.failed != 1 || ann.posted != 0 {
		t.Errorf("second round %+v", ann)
	}
	wantTook(t, "hook retried", hook.took(), "new "+fp8)
	wantTook(t, "jira (has it)", jira.took())
	if rec := h.record(f.Fingerprint, "hook"); rec.Attempts != 2 || !rec.NextAttempt.Equal(h.clock.now().Add(DefaultRetryBackoff)) {
		t.Errorf("hook record after the second failure: %+v", rec)
	}

	// 3. Within the backoff nothing is sent, to anyone; after it the
	// webhook is retried, fails, and the wait doubles.
	ann = h.scan(f)
	if ann.waiting != 1 || ann.failed != 0 || ann.posted != 0 {
		t.Errorf("round within the backoff %+v", ann)
	}
	wantTook(t, "hook within backoff", hook.took())
	h.clock.advance(DefaultRetryBackoff)
	h.scan(f)
	wantTook(t, "hook after the backoff", hook.took(), "new "+fp8)
	if rec := h.record(f.Fingerprint, "hook"); rec.Attempts != 3 || !rec.NextAttempt.Equal(h.clock.now().Add(2*DefaultRetryBackoff)) {
		t.Errorf("hook record after the third failure: %+v", rec)
	}

	// 4. It comes back: delivered once, the change is announced.
	h.clock.advance(2 * DefaultRetryBackoff)
	hook.set(false, false)
	ann = h.scan(f)
	wantTook(t, "hook back", hook.took(), "new "+fp8)
	wantTook(t, "jira", jira.took())
	if ann.failed != 0 || ann.waiting != 0 || ann.posted != 0 {
		t.Errorf("final round %+v", ann)
	}
	if h.announcedAt(f.Fingerprint).IsZero() {
		t.Error("not announced once every receiver had it")
	}
	if n := len(h.fake.Messages(channel)); n != 1 {
		t.Errorf("%d messages: the chat receiver got the change again", n)
	}
	if rec := h.record(f.Fingerprint, "hook"); rec.Attempts != 0 || rec.FailedKey != "" {
		t.Errorf("hook record after success: %+v", rec)
	}

	// 5. The resolution goes to every receiver, as a new change.
	h.clock.advance(time.Hour)
	h.scan()
	wantTook(t, "jira resolution", jira.took(), "resolved "+fp8)
	wantTook(t, "hook resolution", hook.took(), "resolved "+fp8)
	h.scan()
	wantTook(t, "jira after", jira.took())
}

func TestDeliveryLinksTicketsInSlack(t *testing.T) {
	jira := &fakeNotifier{prefix: "SEC"}
	h := newDH(t, dhOptions{
		routes:    &route.Route{Receivers: []string{"chat", "jira"}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "jira", Notifier: fakeTicketer{jira}}},
	})
	f, g := dhFinding("r-critical", "a"), dhFinding("r-critical", "b<!channel>")
	jira.set(true, false)
	h.scan(f)
	msgs := h.fake.Messages(channel)
	if len(msgs) != 1 || strings.Contains(text(msgs[0]), "tickets.example") {
		t.Fatalf("posted while the ticket failed: %d messages", len(msgs))
	}
	ts := msgs[0].TS

	// The ticket is made on the retry: the message is updated to link it.
	h.clock.advance(DefaultRetryBackoff)
	jira.set(false, false)
	h.scan(f, g)
	m, _ := h.fake.Message(channel, ts)
	last := m.Revisions[len(m.Revisions)-1]
	if last.Via != "chat.update" || !strings.Contains(text(m), "tickets.example/browse/SEC-1") {
		t.Errorf("message not updated with its ticket: via %s\n%s", last.Via, text(m))
	}
	if h.announcedAt(f.Fingerprint).IsZero() {
		t.Error("f not announced")
	}
	// g's ticket was made before its message: linked at once.
	var gm string
	for _, m := range h.fake.Messages(channel) {
		if m.TS != ts {
			gm = text(m)
		}
	}
	mustContain(t, "g's message", gm, "tickets.example/browse/SEC-2", "Ticket SEC-2")
	if strings.Contains(gm, "<!channel>") {
		t.Errorf("resource name not escaped:\n%s", gm)
	}
}

func TestDeliveryDigestOncePerGroupInterval(t *testing.T) {
	yes := true
	low, err := route.NewMatcher(route.FieldSeverity, "<=low")
	if err != nil {
		t.Fatal(err)
	}
	h := newDH(t, dhOptions{
		routes: &route.Route{Receivers: []string{"chat"}, GroupBy: []string{"severity"}, Children: []*route.Route{
			{Name: "hygiene", Matchers: []route.Matcher{low}, Receivers: []string{"digest"}, Digest: &yes, GroupInterval: time.Hour},
		}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "digest", Channel: "C0DIGEST1"}},
	})
	a, b, c := dhFinding("r-low", "a"), dhFinding("r-low", "b"), dhFinding("r-low", "c")
	crit := dhFinding("r-critical", "x")
	ann := h.scan(crit, a, b)
	if ann.posted != 1 || ann.digested != 2 {
		t.Errorf("first round %+v", ann)
	}
	digests := h.fake.Messages("C0DIGEST1")
	if len(digests) != 1 {
		t.Fatalf("%d digests, want 1", len(digests))
	}
	mustContain(t, "digest", text(digests[0]), "2 compliance changes", "root/hygiene{severity=")

	// A new low finding within the interval waits for the group's next
	// digest; one after the interval goes out with it.
	h.clock.advance(10 * time.Minute)
	ann = h.scan(crit, a, b, c)
	if ann.waiting != 1 || len(h.fake.Messages("C0DIGEST1")) != 1 {
		t.Errorf("within the interval: %+v, %d digests", ann, len(h.fake.Messages("C0DIGEST1")))
	}
	if !h.announcedAt(c.Fingerprint).IsZero() {
		t.Error("held finding marked announced")
	}
	h.clock.advance(time.Hour)
	ann = h.scan(crit, a, b, c)
	if got := h.fake.Messages("C0DIGEST1"); ann.digested != 1 || len(got) != 2 {
		t.Fatalf("after the interval: %+v, %d digests", ann, len(got))
	} else {
		mustContain(t, "second digest", text(got[1]), "1 compliance changes")
	}
	if n := len(h.fake.Messages(channel)); n != 1 {
		t.Errorf("%d messages in the main channel, want the critical one", n)
	}
}

func TestChangeKeyAndBackoff(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	st := checks.FindingState{OpenedAt: t0, ResolvedAt: t0.Add(time.Hour), AnnouncedAt: t0.Add(time.Minute)}
	keys := map[string]checks.Change{}
	for _, c := range []checks.Change{
		{Kind: checks.ChangeNew, State: st},
		{Kind: checks.ChangeReopened, State: st},
		{Kind: checks.ChangeResolved, State: st},
		{Kind: checks.ChangeStillOpen, Reason: checks.ReasonReminder, State: st},
		{Kind: checks.ChangeStillOpen, Reason: checks.ReasonSnoozeEnding, State: st},
		{Kind: checks.ChangeReopened, State: checks.FindingState{OpenedAt: t0.Add(2 * time.Hour)}},
		{Kind: checks.ChangeStillOpen, Reason: checks.ReasonReminder, State: checks.FindingState{AnnouncedAt: t0.Add(24 * time.Hour)}},
	} {
		k := changeKey(c)
		if prev, ok := keys[k]; ok {
			t.Errorf("changes %+v and %+v share the key %q", prev, c, k)
		}
		keys[k] = c
		if again := changeKey(c); again != k {
			t.Errorf("key of a retried change %q, first %q", again, k)
		}
	}
	d := &delivery{backoff: time.Minute, maxBack: 10 * time.Minute}
	for n, want := range map[int]time.Duration{1: 0, 2: time.Minute, 3: 2 * time.Minute, 4: 4 * time.Minute, 5: 8 * time.Minute, 6: 10 * time.Minute, 60: 10 * time.Minute} {
		if got := d.backoffAfter(n); got != want {
			t.Errorf("backoff after %d failures = %v, want %v", n, got, want)
		}
	}
}

func TestNewDeliveryChecksReceivers(t *testing.T) {
	tree, err := route.New(&route.Route{Receivers: []string{"chat", "jira"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		routes    *route.Tree
		receivers []Receiver
		want      string
	}{
		"route names a missing receiver": {tree, []Receiver{{Name: "chat", Channel: channel}}, `names receiver "jira"`},
		"receiver twice":                 {tree, []Receiver{{Name: "chat", Channel: channel}, {Name: "chat", Channel: channel}}, "used twice"},
		"receiver without a target":      {tree, []Receiver{{Name: "chat", Channel: channel}, {Name: "jira"}}, "neither a channel nor a notifier"},
		"no routes: the bot's channel":   {nil, nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newDelivery(&Options{Channel: channel, Routes: tc.routes, Receivers: tc.receivers, Log: slog.New(slog.DiscardHandler), Now: time.Now})
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDeliveryRouteRemindersSpaceReceiver(t *testing.T) {
	jira := &fakeNotifier{prefix: "SEC"}
	h := newDH(t, dhOptions{
		routes: &route.Route{Receivers: []string{"chat"}, Children: []*route.Route{
			{Name: "tickets", Receivers: []string{"jira"}, Reminders: map[checks.Severity]time.Duration{checks.SeverityCritical: 48 * time.Hour}},
		}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "jira", Notifier: fakeTicketer{jira}}},
	})
	f := dhFinding("r-critical", "a")
	h.scan(f)
	wantTook(t, "jira", jira.took(), "new "+f.Fingerprint[:8])
	// The store's critical reminder (24h) is due; the route's (48h) is not.
	h.clock.advance(25 * time.Hour)
	h.scan(f)
	wantTook(t, "jira at 25h", jira.took())
	if at := h.announcedAt(f.Fingerprint); !at.Equal(h.clock.now()) {
		t.Errorf("skipped reminder not marked handled: announced at %v", at)
	}
	h.clock.advance(24 * time.Hour)
	h.scan(f)
	wantTook(t, "jira at 49h", jira.took(), "still-open "+f.Fingerprint[:8])
}
