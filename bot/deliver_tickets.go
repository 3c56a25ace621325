package bot

import (
	"context"
	"net/url"

	"github.com/comply-bot/comply/checks"
)

// Syncer keeps one outside object per finding in step with its changes
// (a Jira issue, a Trello card) and returns its reference. It must be
// idempotent on the fingerprint: a replayed change creates nothing twice.
type Syncer interface {
	Sync(ctx context.Context, change checks.Change) (string, error)
}

// Batcher sends changes as one request (a webhook): all delivered or none.
type Batcher interface {
	Notify(ctx context.Context, changes []checks.Change) error
}

// NewTicketNotifier adapts a Syncer. linkLabel names its tickets in chat
// ("Jira", "Trello"); browse turns a reference into a web address (nil: the
// reference is one already, like a Trello card URL).
func NewTicketNotifier(s Syncer, linkLabel string, browse func(ref string) string) Notifier {
	return &ticketNotifier{s: s, label: linkLabel, browse: browse}
}

type ticketNotifier struct {
	s      Syncer
	label  string
	browse func(string) string
}

var (
	_ Notifier = (*ticketNotifier)(nil)
	_ Linker   = (*ticketNotifier)(nil)
)

// Notify syncs the changes one by one; one failing does not stop the rest.
func (t *ticketNotifier) Notify(ctx context.Context, ns []Notice) []Outcome {
	out := make([]Outcome, len(ns))
	for i, n := range ns {
		if err := ctx.Err(); err != nil {
			out[i] = Outcome{Err: err}
			continue
		}
		ref, err := t.s.Sync(ctx, n.Change)
		out[i] = Outcome{Ref: ref, Err: err}
	}
	return out
}

// Link implements Linker.
func (t *ticketNotifier) Link(ref string) (checks.Link, bool) {
	u := ref
	if t.browse != nil {
		u = t.browse(ref)
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") {
		return checks.Link{}, false
	}
	label := ref
	if t.browse == nil {
		label = "card"
	}
	return checks.Link{Label: t.label + " " + label, URL: u}, true
}

// NewBatchNotifier adapts a Batcher: the cycle's changes go in one request.
func NewBatchNotifier(b Batcher) Notifier { return batchNotifier{b} }

type batchNotifier struct{ b Batcher }

// Notify implements Notifier.
func (n batchNotifier) Notify(ctx context.Context, ns []Notice) []Outcome {
	changes := make([]checks.Change, len(ns))
	for i, x := range ns {
		changes[i] = x.Change
	}
	err := n.b.Notify(ctx, changes)
	out := make([]Outcome, len(ns))
	for i := range out {
		out[i] = Outcome{Err: err}
	}
	return out
}
