package bot

import (
	"cmp"
	"context"
	"strings"
	"unicode/utf8"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
)

// openRejectForm opens the reject form of a "Reject…" click, after the
// checks reject itself makes first (remediation enabled, the request still
// waiting, the user an approver or the requester), so nobody fills in a
// form to be refused. reject checks again when the form comes back.
func (b *Bot) openRejectForm(ctx context.Context, in slack.Interaction) {
	// The trigger id lives 3 seconds from the click: the checks are store
	// reads, and the form must open within formTimeout of the start.
	formCtx, cancel := context.WithTimeout(ctx, formTimeout)
	defer cancel()
	req := request{User: in.UserID, Channel: in.ChannelID, ResponseURL: in.ResponseURL, Via: "button"}
	cmd := command.Command{Name: command.Reject, ID: in.Request}
	if b.opts.Remediation == nil || b.opts.Remediator == nil {
		b.remediation(ctx, req, cmd) // refuses, as a typed reject would
		return
	}
	r, _, ok := b.rejectable(ctx, req, cmd)
	if !ok {
		return
	}
	modal := slack.RejectModal{RequestID: r.ID, Title: cmp.Or(b.requestFinding(ctx, r).Title, r.RuleID), ChannelID: in.ChannelID}
	if err := b.opts.Chat.OpenRejectModal(formCtx, in.TriggerID, modal); err != nil {
		b.log.Warn("reject form not opened", "user", in.UserID, "request", r.ID, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The reject form could not be opened; type the command instead.",
			command.Usage(command.Reject)))
	}
}

// submitRejectForm queues the reject command a submitted form amounts to;
// it then runs like a typed one (and refuses a non-approver again).
func (b *Bot) submitRejectForm(in slack.Interaction) error {
	s := in.Reject
	switch {
	case strings.TrimSpace(s.Reason) == "":
		return &slack.FormError{Field: "reason", Message: "Say why the change should not be made."}
	case utf8.RuneCountInString(s.Reason) > command.MaxReasonLen:
		return &slack.FormError{Field: "reason", Message: "At most 500 characters."}
	}
	cmd := command.Command{Name: command.Reject, ID: s.RequestID, Reason: s.Reason}
	if err := b.submit(request{Text: cmd.String(), User: in.UserID, Channel: cmp.Or(s.ChannelID, in.ChannelID), Via: "form"}); err != nil {
		return &slack.FormError{Field: "reason", Message: slack.BusyText}
	}
	return nil
}
