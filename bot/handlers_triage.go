package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// triage runs ack, snooze and unsnooze: change the state (the store writes
// the audit entry in the same step), update the finding's message in the
// channel in place, and tell the user.
func (b *Bot) triage(ctx context.Context, req request, cmd command.Command) {
	st, ok := b.lookup(ctx, req, cmd.ID)
	if !ok {
		return
	}
	fp := st.Fingerprint
	var (
		next checks.FindingState
		err  error
		text string
	)
	title := findingOf(&st).Title
	switch cmd.Name {
	case command.Ack:
		if st.Ack != nil {
			b.reply(ctx, req, checks.TextMessage("Already acknowledged: "+title))
			return
		}
		next, err = b.opts.Store.Acknowledge(ctx, fp, req.User, cmd.Reason)
		text = "Acknowledged: " + title
	case command.Snooze:
		until := b.now().Add(cmd.Duration)
		next, err = b.opts.Store.Snooze(ctx, fp, req.User, cmd.Reason, until)
		text = fmt.Sprintf("Snoozed until %s: %s", until.UTC().Format(checks.TimeLayout), title)
	case command.Unsnooze:
		if !st.Snooze.InForce(b.now()) {
			b.reply(ctx, req, checks.TextMessage("That finding is not snoozed: "+title))
			return
		}
		next, err = b.opts.Store.Unsnooze(ctx, fp, req.User)
		text = "Snooze lifted: " + title
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		b.reply(ctx, req, checks.ErrorMessage("That finding is no longer known.", ""))
		return
	case errors.Is(err, store.ErrInvalid):
		b.reply(ctx, req, checks.ErrorMessage(fmt.Sprintf("Cannot %s this finding: %s", cmd.Name, oneLine(err.Error())), command.Usage(cmd.Name)))
		return
	case err != nil:
		b.storeFailed(ctx, req, string(cmd.Name)+" the finding", err)
		return
	}
	b.refreshMessage(ctx, next)
	b.reply(ctx, req, checks.TextMessage(text))
}

// refreshMessage updates a finding's message in the channel to its state.
func (b *Bot) refreshMessage(ctx context.Context, st checks.FindingState) {
	ref, err := slack.ParseMessageRef(st.AnnouncementRef)
	if err != nil {
		return // never posted on its own
	}
	f := findingOf(&st)
	m := checks.FindingMessage(f, &st, b.now(), b.pendingView(ctx, f, false))
	if err := b.opts.Chat.UpdateMessage(ctx, ref, m); err != nil {
		b.log.Warn("finding message not updated", "fingerprint", st.Fingerprint, "error", err)
	}
}
