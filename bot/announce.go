package bot

import (
	"cmp"
	"context"
	"slices"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// announced counts what one announcement round did.
type announced struct {
	posted   int // finding messages posted
	digested int // findings summed up in a digest instead
	updated  int // messages updated to resolved
	failed   int // not delivered: left for the next scan
}

// digestItems is how many findings a digest lists by name.
const digestItems = 20

// announce delivers a reconcile's changes: a message per new, reopened or
// reminded finding (up to MaxFindingMessages, the rest in one digest), and
// resolved findings' messages updated in place. Each change is marked
// announced only once it was delivered, so what fails is retried by the
// next scan.
func (b *Bot) announce(ctx context.Context, changes []checks.Change) announced {
	var out announced
	now := b.now()
	var open, resolved []checks.Change
	for _, c := range changes {
		if c.Kind == checks.ChangeResolved {
			resolved = append(resolved, c)
		} else {
			open = append(open, c)
		}
	}
	limit := len(open)
	if m := b.opts.MaxFindingMessages; m > 0 && limit > m {
		limit = m
	}
	for i, c := range open[:limit] {
		if ctx.Err() != nil {
			out.failed += limit - i
			break
		}
		fp := fingerprintOf(c)
		ref, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, checks.FindingMessage(c.Finding, &c.State, now, checks.FindingView{}))
		if err != nil {
			out.failed++
			b.log.Warn("finding not announced", "fingerprint", fp, "error", err)
			continue
		}
		out.posted++
		b.markAnnounced(ctx, store.Announcement{Fingerprint: fp, At: now, Ref: ref.String()})
	}
	if rest := open[limit:]; len(rest) > 0 {
		if _, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, checks.DigestMessage(rest, now, digestItems)); err != nil {
			out.failed += len(rest)
			b.log.Warn("digest not announced", "findings", len(rest), "error", err)
		} else {
			out.digested = len(rest)
			anns := make([]store.Announcement, len(rest))
			for i, c := range rest {
				anns[i] = store.Announcement{Fingerprint: fingerprintOf(c), At: now}
			}
			b.markAnnounced(ctx, anns...)
		}
	}
	for _, c := range resolved {
		if ctx.Err() != nil {
			out.failed++
			continue
		}
		fp := fingerprintOf(c)
		ref, err := slack.ParseMessageRef(c.State.AnnouncementRef)
		if err != nil { // never posted on its own (digest, or another receiver's ref)
			b.markAnnounced(ctx, store.Announcement{Fingerprint: fp, At: now})
			continue
		}
		err = b.opts.Chat.UpdateMessage(ctx, ref, checks.FindingMessage(c.Finding, &c.State, now, checks.FindingView{}))
		switch {
		case err == nil:
			out.updated++
		case gone(err):
			b.log.Info("resolved finding's message is gone; not updated", "fingerprint", fp, "error", err)
		default:
			out.failed++
			b.log.Warn("resolved finding's message not updated", "fingerprint", fp, "error", err)
			continue
		}
		b.markAnnounced(ctx, store.Announcement{Fingerprint: fp, At: now})
	}
	return out
}

func (b *Bot) markAnnounced(ctx context.Context, anns ...store.Announcement) {
	if err := b.opts.Store.MarkAnnounced(ctx, anns...); err != nil {
		b.log.Error("announcement not recorded; it may be repeated", "findings", len(anns), "error", err)
	}
}

func fingerprintOf(c checks.Change) string {
	return cmp.Or(c.State.Fingerprint, c.Finding.Fingerprint)
}

// gone reports Slack errors that retrying cannot fix: the message or its
// channel no longer takes updates.
func gone(err error) bool {
	return slices.Contains([]string{"message_not_found", "channel_not_found", "cant_update_message",
		"edit_window_closed", "is_archived", "not_in_channel"}, slack.ErrorCode(err))
}
