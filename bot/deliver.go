package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// Notifier delivers finding changes to one receiver, in the spirit of
// Alertmanager's notifiers. It returns one Outcome per Notice, in order;
// a notice it could not get to (ctx ended) carries an error.
type Notifier interface {
	Notify(ctx context.Context, ns []Notice) []Outcome
}

// Linker is a Notifier whose references can be linked from chat messages:
// a ticket receiver (Jira issue key, Trello card URL).
type Linker interface {
	Link(ref string) (checks.Link, bool)
}

// Notice is one change for one receiver.
type Notice struct {
	Change checks.Change
	// Match is how the route tree sent the finding to the receiver (route,
	// group key, digest settings).
	Match route.Match
	// Ref is the receiver's reference to the finding from an earlier
	// delivery (a Slack message, a Jira issue key); empty if none.
	Ref string
	// Links are the finding's tickets in other receivers, to show in chat.
	Links []checks.Link
	// Digest: send as part of one message per Match.GroupKey.
	Digest bool
	// Refresh: the change was delivered already; only update the message at
	// Ref (a ticket became known after it was posted).
	Refresh bool
}

// Outcome is what delivering one Notice did.
type Outcome struct {
	// Ref is the receiver's reference to the finding now (empty: unchanged).
	Ref string
	Err error
	// Action says what was done, for the scan summary: posted, updated,
	// digested, or empty (nothing to do, or a ticket synced).
	Action string
}

// Outcome actions.
const (
	ActionPosted   = "posted"
	ActionUpdated  = "updated"
	ActionDigested = "digested"
	ActionReminded = "reminded" // a reminder threaded onto the finding's message
)

// Receiver is a named delivery target.
type Receiver struct {
	Name string
	// Channel makes a Slack receiver that posts there through the bot's
	// Chat; Notifier is then not used. Digest makes it send only digests.
	Channel string
	Digest  bool
	// Notifier delivers to any other receiver (Jira, Trello, webhook).
	Notifier Notifier
}

// DefaultReceiver is the receiver of every finding when no routes are
// configured: the bot's channel, one message per finding. Its name cannot
// clash with configured receivers (they cannot contain dots).
const DefaultReceiver = "slack.channel"

// Delivery defaults.
const (
	DefaultDeliveryTimeout = 2 * time.Minute
	DefaultRetryBackoff    = time.Minute // after the second failed attempt
	DefaultMaxRetryBackoff = 6 * time.Hour
)

// deliveryStore is the part of the store delivery uses.
type deliveryStore interface {
	store.Deliveries
	MarkAnnounced(ctx context.Context, anns ...store.Announcement) error
}

// delivery routes changes to receivers and remembers, per receiver, what
// each got, so a failing receiver is retried (with backoff) without
// re-sending to the others.
type delivery struct {
	routes    *route.Tree // nil: everything to DefaultReceiver
	receivers map[string]*receiver
	// order lists ticket and webhook receivers before chat ones, so chat
	// messages can link the tickets.
	order     []*receiver
	maxPosts  int
	timeout   time.Duration
	backoff   time.Duration
	maxBack   time.Duration
	onAttempt func(receiver string, err error)
	// findingView is the bot's view of a finding (its Fix… button), set
	// once the bot exists.
	findingView func(context.Context, checks.Finding) checks.FindingView
}

// view is the bot's view of f, or nothing before the bot is set.
func (d *delivery) view(ctx context.Context, f checks.Finding) checks.FindingView {
	if d.findingView == nil {
		return checks.FindingView{}
	}
	return d.findingView(ctx, f)
}

type receiver struct {
	name   string
	chat   bool // posts to people: runs after the ticket receivers
	digest bool
	n      Notifier
}

// newDelivery checks the receivers against the route tree.
func newDelivery(o *Options) (*delivery, error) {
	d := &delivery{
		routes: o.Routes, receivers: map[string]*receiver{}, maxPosts: o.MaxFindingMessages,
		timeout: o.DeliveryTimeout, backoff: o.RetryBackoff, maxBack: o.MaxRetryBackoff, onAttempt: o.OnDelivery,
	}
	if d.timeout <= 0 {
		d.timeout = DefaultDeliveryTimeout
	}
	if d.backoff <= 0 {
		d.backoff = DefaultRetryBackoff
	}
	if d.maxBack <= 0 {
		d.maxBack = DefaultMaxRetryBackoff
	}
	add := func(r Receiver) error {
		if r.Name == "" || d.receivers[r.Name] != nil {
			return fmt.Errorf("bot: receiver name %q empty or used twice", r.Name)
		}
		rc := &receiver{name: r.Name, n: r.Notifier, digest: r.Digest}
		if r.Channel != "" {
			rc.chat = true
			rc.n = &slackNotifier{chat: o.Chat, channel: r.Channel, now: o.Now, log: o.Log.With("receiver", r.Name),
				view: d.view}
		}
		if rc.n == nil {
			return fmt.Errorf("bot: receiver %q has neither a channel nor a notifier", r.Name)
		}
		d.receivers[r.Name] = rc
		return nil
	}
	if o.Routes == nil {
		if err := add(Receiver{Name: DefaultReceiver, Channel: o.Channel}); err != nil {
			return nil, err
		}
	}
	for _, r := range o.Receivers {
		if err := add(r); err != nil {
			return nil, err
		}
	}
	if o.Routes != nil {
		var missing error
		walkRoutes(o.Routes.Root(), func(r *route.Route) {
			for _, name := range r.Receivers {
				if d.receivers[name] == nil {
					missing = errors.Join(missing, fmt.Errorf("bot: route %q names receiver %q, which is not configured", r.Name, name))
				}
			}
		})
		if missing != nil {
			return nil, missing
		}
	}
	for _, chat := range []bool{false, true} {
		for _, r := range d.receivers {
			if r.chat == chat {
				d.order = append(d.order, r)
			}
		}
	}
	return d, nil
}

func walkRoutes(r *route.Route, fn func(*route.Route)) {
	fn(r)
	for _, c := range r.Children {
		walkRoutes(c, fn)
	}
}

// match returns where a finding goes.
func (d *delivery) match(f checks.Finding) []route.Match {
	if d.routes == nil {
		return []route.Match{{Receiver: DefaultReceiver, Route: "root"}}
	}
	return d.routes.Match(f)
}

// changeKey identifies one change of a finding: the same change retried
// has the same key; the next reopen, resolution or reminder has another.
func changeKey(c checks.Change) string {
	msKey := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	st := c.State
	switch c.Kind {
	case checks.ChangeResolved:
		return "resolved:" + msKey(st.ResolvedAt)
	case checks.ChangeStillOpen:
		k := "still-open:" + string(c.Reason) + ":" + msKey(st.AnnouncedAt)
		if st.Snooze != nil {
			k += ":" + msKey(st.Snooze.Until)
		}
		return k
	}
	return string(c.Kind) + ":" + msKey(st.OpenedAt)
}

// groupFingerprint keys a digest group's delivery record (when its last
// digest went out) alongside the findings' records.
func groupFingerprint(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return "group:" + hex.EncodeToString(sum[:16])
}

// groupRecordTTL keeps a digest group's record (its last send) while it
// can still hold a digest back: twice the group interval, at least a day,
// so groups that stop matching anything do not stay in Redis forever.
func groupRecordTTL(interval time.Duration) time.Duration {
	return max(2*interval, minGroupRecordTTL)
}

const minGroupRecordTTL = 24 * time.Hour

// backoffAfter is the wait after the n-th failed attempt: none after the
// first (the next scan retries a passing hiccup), then doubling from the
// base, capped.
func (d *delivery) backoffAfter(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	w := d.backoff
	for i := 2; i < n && w < d.maxBack; i++ {
		w *= 2
	}
	return min(w, d.maxBack)
}

// pending is one change on its way to its receivers.
type pending struct {
	c       checks.Change
	fp, key string
	matches []route.Match
	// open counts the receivers that do not have the change yet; failed
	// counts those that failed this cycle.
	open, failed int
	ref          string // the announcement ref: the first chat message's
}

// job is one receiver's share of a cycle.
type job struct {
	r       *receiver
	notices []Notice
	items   []*pending
	out     []Outcome
}

// deliver sends each change to the receivers its routes name that do not
// have it yet and whose backoff has passed; a change is marked announced
// once every one of them has it. Ticket receivers run first (concurrently,
// each within the delivery timeout), then chat receivers, so finding
// messages link the tickets. It is the one delivery entry point: every
// scan, typed or scheduled, calls it after reconciling.
func (b *Bot) deliver(ctx context.Context, changes []checks.Change) announced {
	var out announced
	if len(changes) == 0 {
		return out
	}
	d, now := b.dl, b.now()
	items := make([]*pending, len(changes))
	fps := make([]string, 0, len(changes))
	for i, c := range changes {
		p := &pending{c: c, fp: fingerprintOf(c), key: changeKey(c), matches: d.match(c.Finding)}
		items[i] = p
		fps = append(fps, p.fp)
	}
	recs, err := b.opts.Store.Deliveries(ctx, fps...)
	if err != nil {
		// Without the records every receiver would get everything again.
		b.log.Error("delivery records not read; delivering next scan", "error", err)
		out.failed = len(changes)
		return out
	}
	jobs := d.plan(items, recs, now)
	d.limitPosts(jobs)
	if err := b.holdDigests(ctx, jobs, now); err != nil {
		b.log.Error("digest records not read; delivering next scan", "error", err)
		out.failed = len(changes)
		return out
	}

	// Tickets first, then chat with the tickets linked.
	var links map[string][]checks.Link
	for _, chat := range []bool{false, true} {
		if chat {
			links = d.links(items, recs)
			b.addRefreshes(jobs, items, recs, links)
		}
		var phase []*job
		for _, r := range d.order {
			if j := jobs[r.name]; j != nil && r.chat == chat && len(j.notices) > 0 {
				phase = append(phase, j)
			}
		}
		for _, j := range phase {
			for i := range j.notices {
				j.notices[i].Links = links[j.items[i].fp]
			}
		}
		d.run(ctx, phase)
		for _, j := range phase {
			b.record(ctx, j, recs, now, &out)
		}
	}
	b.auditDeliveries(ctx, jobs)

	var anns []store.Announcement
	for _, p := range items {
		switch {
		case p.open == 0:
			anns = append(anns, store.Announcement{Fingerprint: p.fp, At: now, Ref: p.ref})
		case p.failed > 0:
			out.failed++
		default:
			out.waiting++
		}
	}
	if len(anns) > 0 {
		b.markAnnounced(ctx, anns...)
	}
	return out
}

// plan gives each receiver the changes it lacks and may be sent now; it
// counts on each change the receivers still lacking it.
func (d *delivery) plan(items []*pending, recs map[string]map[string]store.Delivery, now time.Time) map[string]*job {
	jobs := map[string]*job{}
	jobOf := func(r *receiver) *job {
		if jobs[r.name] == nil {
			jobs[r.name] = &job{r: r}
		}
		return jobs[r.name]
	}
	for _, p := range items {
		for _, m := range p.matches {
			r := d.receivers[m.Receiver]
			rec := recs[p.fp][m.Receiver]
			switch {
			case r == nil: // newDelivery checked the names
			case rec.Delivered(p.key), d.reminderNotDue(p.c, m, rec, now):
			case !rec.Due(p.key, now):
				p.open++ // backing off
			default:
				p.open++
				j := jobOf(r)
				// Digests are for chat; tickets and webhooks take each change.
				j.notices = append(j.notices, Notice{Change: p.c, Match: m, Ref: rec.Ref, Digest: r.chat && (m.Digest || r.digest)})
				j.items = append(j.items, p)
			}
		}
	}
	return jobs
}

// reminderNotDue: a route's own reminder interval for the finding's
// severity spaces reminders to this receiver (the store's intervals decide
// when a reminder is due at all).
func (d *delivery) reminderNotDue(c checks.Change, m route.Match, rec store.Delivery, now time.Time) bool {
	if c.Kind != checks.ChangeStillOpen || c.Reason != checks.ReasonReminder || !m.HasReminder || rec.At.IsZero() {
		return false
	}
	return m.Reminder <= 0 || now.Sub(rec.At) < m.Reminder
}

// limitPosts turns a chat receiver's finding messages beyond MaxFindingMessages
// into one digest, so a first scan of a large estate does not flood the
// channel.
func (d *delivery) limitPosts(jobs map[string]*job) {
	if d.maxPosts <= 0 {
		return
	}
	for _, j := range jobs {
		if !j.r.chat {
			continue
		}
		posts := 0
		for i, n := range j.notices {
			// Updates in place and quiet thread replies are not posts.
			if n.Digest || n.Change.Kind == checks.ChangeResolved || quietReminder(n) {
				continue
			}
			if posts++; posts > d.maxPosts {
				j.notices[i].Digest = true
				j.notices[i].Match.GroupKey = ""     // the overflow digest
				j.notices[i].Match.GroupInterval = 0 // goes out now
			}
		}
	}
}

// quietReminder: a reminder that goes in its message's thread without
// showing in the channel (the Slack receiver falls back to a new post when
// that message is gone).
func quietReminder(n Notice) bool {
	return n.Change.Kind == checks.ChangeStillOpen && n.Ref != "" && !broadcastReminder(n.Change)
}

// holdDigests keeps back digest notices of groups whose last digest went
// out less than their interval ago: they wait (undelivered, so the next
// reconcile returns them) for the group's next digest.
func (b *Bot) holdDigests(ctx context.Context, jobs map[string]*job, now time.Time) error {
	var gfps []string
	for _, j := range jobs {
		for _, n := range j.notices {
			if n.Digest && n.Match.GroupKey != "" {
				gfps = append(gfps, groupFingerprint(n.Match.GroupKey))
			}
		}
	}
	if len(gfps) == 0 {
		return nil
	}
	// Many notices share a group: read each group's record once.
	slices.Sort(gfps)
	groups, err := b.opts.Store.Deliveries(ctx, slices.Compact(gfps)...)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		keep := j.notices[:0]
		items := j.items[:0]
		for i, n := range j.notices {
			if n.Digest && n.Match.GroupKey != "" {
				last := groups[groupFingerprint(n.Match.GroupKey)][j.r.name].At
				if !last.IsZero() && now.Sub(last) < n.Match.GroupInterval {
					continue // p.open stays counted: waiting
				}
			}
			keep = append(keep, n)
			items = append(items, j.items[i])
		}
		j.notices, j.items = keep, items
	}
	return nil
}

// run runs the jobs concurrently, each within the delivery timeout, so a
// receiver that hangs or is down delays none of the others beyond it.
func (d *delivery) run(ctx context.Context, jobs []*job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			jctx, cancel := context.WithTimeout(ctx, d.timeout)
			defer cancel()
			j.out = j.r.n.Notify(jctx, j.notices)
			for len(j.out) < len(j.notices) {
				j.out = append(j.out, Outcome{Err: fmt.Errorf("receiver %s: no outcome", j.r.name)})
			}
		})
	}
	wg.Wait()
}

// record stores a job's outcomes: a success records the change key (and
// the reference), a failure the attempt and when to retry.
func (b *Bot) record(ctx context.Context, j *job, recs map[string]map[string]store.Delivery, now time.Time, out *announced) {
	d := b.dl
	var ds []store.Delivery
	groups := map[string]time.Duration{} // digest group -> its interval
	for i, n := range j.notices {
		p, o := j.items[i], j.out[i]
		if n.Refresh {
			if o.Err != nil {
				b.log.Warn("finding message not updated with its ticket", "receiver", j.r.name, "fingerprint", p.fp, "error", o.Err)
			}
			continue
		}
		if d.onAttempt != nil {
			d.onAttempt(j.r.name, o.Err)
		}
		prev := recs[p.fp][j.r.name]
		rec := store.Delivery{Fingerprint: p.fp, ChangeKey: prev.ChangeKey, At: prev.At, Ref: o.Ref}
		if o.Err != nil {
			rec.FailedKey, rec.Attempts = p.key, 1
			if prev.FailedKey == p.key {
				rec.Attempts = prev.Attempts + 1
			}
			wait := d.backoffAfter(rec.Attempts)
			rec.NextAttempt = now.Add(wait)
			p.failed++
			b.log.Warn("delivery failed; retrying later", "receiver", j.r.name, "fingerprint", p.fp, "change", p.key,
				"attempts", rec.Attempts, "retry_in", wait, "error", o.Err)
		} else {
			rec.ChangeKey, rec.At = p.key, now
			p.open--
			if p.ref == "" && j.r.chat && o.Ref != "" {
				p.ref = o.Ref
			}
			if n.Digest && n.Match.GroupKey != "" {
				groups[n.Match.GroupKey] = n.Match.GroupInterval
			}
			switch o.Action {
			case ActionPosted:
				out.posted++
			case ActionUpdated:
				out.updated++
			case ActionDigested:
				out.digested++
			case ActionReminded:
				out.reminded++
			}
		}
		if recs[p.fp] == nil {
			recs[p.fp] = map[string]store.Delivery{}
		}
		if rec.Ref == "" {
			rec.Ref = prev.Ref
		}
		recs[p.fp][j.r.name] = rec
		ds = append(ds, rec)
	}
	for g, interval := range groups {
		ds = append(ds, store.Delivery{Fingerprint: groupFingerprint(g), ChangeKey: "digest", At: now, TTL: groupRecordTTL(interval)})
	}
	if len(ds) == 0 {
		return
	}
	if err := b.opts.Store.RecordDeliveries(context.WithoutCancel(ctx), j.r.name, ds...); err != nil {
		b.log.Error("delivery records not written; receivers may get changes again", "receiver", j.r.name, "error", err)
	}
}

// links are each finding's tickets: references of linking receivers, as
// recorded (this cycle's included).
func (d *delivery) links(items []*pending, recs map[string]map[string]store.Delivery) map[string][]checks.Link {
	out := map[string][]checks.Link{}
	for _, p := range items {
		if out[p.fp] != nil {
			continue
		}
		for _, m := range p.matches {
			r := d.receivers[m.Receiver]
			l, ok := r.n.(Linker)
			if !ok {
				continue
			}
			if ref := recs[p.fp][m.Receiver].Ref; ref != "" {
				if link, ok := l.Link(ref); ok {
					out[p.fp] = append(out[p.fp], link)
				}
			}
		}
	}
	return out
}

// addRefreshes updates finding messages posted before their ticket was
// known: a chat receiver that already has the change, when a linking
// receiver got its first reference to the finding this cycle.
func (b *Bot) addRefreshes(jobs map[string]*job, items []*pending, recs map[string]map[string]store.Delivery, links map[string][]checks.Link) {
	d := b.dl
	fresh := map[string]bool{}
	for _, j := range jobs {
		if _, ok := j.r.n.(Linker); !ok || j.r.chat {
			continue
		}
		for i, n := range j.notices {
			if o := j.out[i]; o.Err == nil && o.Ref != "" && o.Ref != n.Ref {
				fresh[j.items[i].fp] = true
			}
		}
	}
	for _, p := range items {
		if !fresh[p.fp] || len(links[p.fp]) == 0 {
			continue
		}
		for _, m := range p.matches {
			r := d.receivers[m.Receiver]
			rec := recs[p.fp][m.Receiver]
			if !r.chat || m.Digest || r.digest || !rec.Delivered(p.key) || rec.Ref == "" {
				continue
			}
			j := jobs[r.name]
			if j == nil {
				j = &job{r: r}
				jobs[r.name] = j
			}
			j.notices = append(j.notices, Notice{Change: p.c, Match: m, Ref: rec.Ref, Refresh: true})
			j.items = append(j.items, p)
		}
	}
}
