package bot

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
)

// formTimeout bounds opening a form: Slack's trigger id lives 3 seconds.
const formTimeout = 2500 * time.Millisecond

// openSnoozeForm opens the snooze form of a "Snooze…" click, after checking
// the user may snooze at all (no point filling in a form to be refused).
func (b *Bot) openSnoozeForm(ctx context.Context, in slack.Interaction) {
	ctx, cancel := context.WithTimeout(ctx, formTimeout)
	defer cancel()
	req := request{User: in.UserID, Channel: in.ChannelID, ResponseURL: in.ResponseURL, Via: "button"}
	if !b.opts.Authz.Allows(ctx, in.UserID, Required(command.Snooze)) {
		cmd := command.Command{Name: command.Snooze, ID: in.Fingerprint}
		b.refuse(context.WithoutCancel(ctx), req, cmd, "needs the operator role",
			"You need the operator role to snooze findings. Ask a comply admin to add you to slack.roles in the config.")
		return
	}
	modal := slack.SnoozeModal{Fingerprint: in.Fingerprint, ChannelID: in.ChannelID, MessageTS: in.MessageTS}
	if st, err := b.opts.Store.Finding(ctx, in.Fingerprint); err == nil {
		modal.Title = findingOf(&st).Title
	}
	if err := b.opts.Chat.OpenSnoozeModal(ctx, in.TriggerID, modal); err != nil {
		b.log.Warn("snooze form not opened", "user", in.UserID, "error", err)
		b.reply(context.WithoutCancel(ctx), req, checks.ErrorMessage("The snooze form could not be opened; type the command instead.",
			command.Usage(command.Snooze)))
	}
}

// submitSnoozeForm checks a submitted snooze form (a bad duration keeps the
// form open with the reason under the field) and queues the snooze command
// it amounts to, which then runs like a typed one.
func (b *Bot) submitSnoozeForm(in slack.Interaction) error {
	s := in.Snooze
	d, err := command.ParseDuration(s.Duration)
	if err != nil {
		return &slack.FormError{Field: "duration", Message: err.Error()}
	}
	if utf8.RuneCountInString(s.Reason) > command.MaxReasonLen {
		return &slack.FormError{Field: "reason", Message: "At most 500 characters."}
	}
	cmd := command.Command{Name: command.Snooze, ID: s.Fingerprint, Duration: d, Reason: s.Reason}
	channel := s.ChannelID
	if channel == "" {
		channel = in.ChannelID
	}
	if err := b.submit(request{Text: cmd.String(), User: in.UserID, Channel: channel, Via: "form"}); err != nil {
		return &slack.FormError{Field: "duration", Message: slack.BusyText}
	}
	return nil
}
