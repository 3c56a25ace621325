package bot

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
)

// digestItems is how many findings a digest lists by name.
const digestItems = 20

// slackNotifier posts to one channel: a message per finding, updated in
// place when it resolves (or when its ticket becomes known), or one digest
// per group.
type slackNotifier struct {
	chat    Chat
	channel string
	now     func() time.Time
	log     *slog.Logger
	// view adds what the bot offers on a finding (the Fix… button); nil
	// offers nothing.
	view func(context.Context, checks.Finding) checks.FindingView
}

var _ Notifier = (*slackNotifier)(nil)

// Notify implements Notifier.
func (s *slackNotifier) Notify(ctx context.Context, ns []Notice) []Outcome {
	out := make([]Outcome, len(ns))
	now := s.now()
	var groups []string
	members := map[string][]int{}
	for i, n := range ns {
		if n.Digest && !n.Refresh {
			if _, ok := members[n.Match.GroupKey]; !ok {
				groups = append(groups, n.Match.GroupKey)
			}
			members[n.Match.GroupKey] = append(members[n.Match.GroupKey], i)
			continue
		}
		if err := ctx.Err(); err != nil {
			out[i] = Outcome{Err: err}
			continue
		}
		out[i] = s.message(ctx, n, now)
	}
	for _, g := range groups {
		idx := members[g]
		changes := make([]checks.Change, len(idx))
		for k, i := range idx {
			changes[k] = ns[i].Change
		}
		m := checks.DigestMessage(changes, now, digestItems)
		if g != "" {
			m.Context = append(m.Context, checks.Line{checks.TextSpan("Group "), checks.ValueSpan(g)})
		}
		o := Outcome{Action: ActionDigested}
		if _, err := s.chat.PostMessage(ctx, s.channel, m); err != nil {
			o = Outcome{Err: err}
		}
		for _, i := range idx {
			out[i] = o
		}
	}
	return out
}

// message posts a finding's message, or updates the one at its ref.
func (s *slackNotifier) message(ctx context.Context, n Notice, now time.Time) Outcome {
	c := n.Change
	st := c.State
	var v checks.FindingView
	if s.view != nil && c.Kind != checks.ChangeResolved {
		v = s.view(ctx, c.Finding)
	}
	v.Tickets = n.Links
	msg := checks.FindingMessage(c.Finding, &st, now, v)
	if c.Kind == checks.ChangeStillOpen && !n.Refresh {
		if o, ok := s.remind(ctx, n, msg, v, now); ok {
			return o
		}
	}
	if c.Kind != checks.ChangeResolved && !n.Refresh {
		ref, err := s.chat.PostMessage(ctx, s.channel, msg)
		if err != nil {
			return Outcome{Err: err}
		}
		return Outcome{Ref: ref.String(), Action: ActionPosted}
	}
	// Without a record of its own (state from before per-receiver records,
	// or routes changed since), the finding's announced message stands in.
	refText := cmp.Or(n.Ref, st.AnnouncementRef)
	ref, err := slack.ParseMessageRef(refText)
	if err != nil { // never posted on its own (digest, or another receiver's ref)
		return Outcome{}
	}
	err = s.chat.UpdateMessage(ctx, ref, msg)
	switch {
	case err == nil:
		return Outcome{Action: ActionUpdated}
	case gone(err):
		s.log.Info("finding message is gone; not updated", "fingerprint", fingerprintOf(c), "error", err)
		return Outcome{}
	}
	return Outcome{Err: err}
}

// remind threads a reminder onto the finding's message in this channel:
// the message is updated to the finding's state and a short reply posted
// under it (also shown in the channel for critical findings). ok is false
// when there is no such message (digest-only so far, or deleted): the
// caller then posts a new message.
func (s *slackNotifier) remind(ctx context.Context, n Notice, msg checks.Message, v checks.FindingView, now time.Time) (Outcome, bool) {
	ref, ok := s.threadRef(n)
	if !ok {
		return Outcome{}, false
	}
	c := n.Change
	if err := s.chat.UpdateMessage(ctx, ref, msg); err != nil {
		if gone(err) {
			s.log.Info("finding message is gone; posting the reminder as a new message", "fingerprint", fingerprintOf(c), "error", err)
			return Outcome{}, false
		}
		return Outcome{Err: err}, true
	}
	st := c.State
	reply := checks.ReminderMessage(c.Finding, &st, c.Reason, now, v)
	if _, err := s.chat.PostReply(ctx, ref, reply, broadcastReminder(c)); err != nil {
		if gone(err) || slices.Contains([]string{"thread_not_found", "invalid_thread_ts"}, slack.ErrorCode(err)) {
			s.log.Info("finding thread is gone; posting the reminder as a new message", "fingerprint", fingerprintOf(c), "error", err)
			return Outcome{}, false
		}
		return Outcome{Err: err}, true
	}
	// The finding's message stays its reference: buttons and later updates
	// go to it, not to the reply.
	return Outcome{Ref: ref.String(), Action: ActionReminded}, true
}

// threadRef is the finding's message in this channel: the receiver's own
// reference, else (records from before per-receiver references) the
// announced message if it is in this channel.
func (s *slackNotifier) threadRef(n Notice) (slack.MessageRef, bool) {
	if ref, err := slack.ParseMessageRef(n.Ref); err == nil {
		return ref, true
	}
	ref, err := slack.ParseMessageRef(n.Change.State.AnnouncementRef)
	return ref, err == nil && ref.Channel == s.channel
}

// broadcastReminder: a critical finding's reminder is also shown in the
// channel (reply_broadcast), where a thread reply alone is easy to miss;
// others stay in the thread.
func broadcastReminder(c checks.Change) bool {
	return c.Finding.Severity == checks.SeverityCritical
}

// gone reports Slack errors that retrying cannot fix: the message or its
// channel no longer takes updates.
func gone(err error) bool {
	return slices.Contains([]string{"message_not_found", "channel_not_found", "cant_update_message",
		"edit_window_closed", "is_archived", "not_in_channel"}, slack.ErrorCode(err))
}
