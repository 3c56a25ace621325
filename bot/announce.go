package bot

import (
	"cmp"
	"context"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// announced counts what one delivery round did.
type announced struct {
	posted   int // finding messages posted
	digested int // findings summed up in a digest instead
	updated  int // messages updated in place (resolved)
	reminded int // reminders threaded onto the finding's message
	failed   int // changes a receiver failed to take: retried later
	waiting  int // changes held back (a receiver's retry backoff, a digest's interval)
}

func (b *Bot) markAnnounced(ctx context.Context, anns ...store.Announcement) {
	if err := b.opts.Store.MarkAnnounced(context.WithoutCancel(ctx), anns...); err != nil {
		b.log.Error("announcement not recorded; it may be repeated", "findings", len(anns), "error", err)
	}
}

func fingerprintOf(c checks.Change) string {
	return cmp.Or(c.State.Fingerprint, c.Finding.Fingerprint)
}
