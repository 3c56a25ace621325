package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
)

// The reject form of a remediation request: the reason, required. It works
// like the snooze form (modal.go).
const (
	rejectCallbackID = "comply_reject"
	rejectReason     = "reason"
)

// requestIDPattern is a remediation request id as the bot makes them.
var requestIDPattern = regexp.MustCompile(`^rem-[0-9a-f]{4,32}$`)

// RejectModal is the form a remediation message's "Reject…" button opens.
type RejectModal struct {
	RequestID string
	Title     string // what the request fixes, shown in the form
	ChannelID string // where the button was clicked, for the reply
}

// RejectSubmission is what the user entered in the reject form; Reason is
// as typed (the bot checks it as it checks "/comply reject <id> <reason>").
type RejectSubmission struct {
	RequestID string
	Reason    string
	ChannelID string
}

type rejectMeta struct {
	RequestID string `json:"req"`
	ChannelID string `json:"ch,omitempty"`
}

func rejectView(m RejectModal) (slackgo.ModalViewRequest, error) {
	if !requestIDPattern.MatchString(m.RequestID) {
		return slackgo.ModalViewRequest{}, fmt.Errorf("reject form: bad request id %q", truncateRunes(m.RequestID, 40))
	}
	meta, err := json.Marshal(rejectMeta{RequestID: m.RequestID, ChannelID: m.ChannelID})
	if err != nil {
		return slackgo.ModalViewRequest{}, fmt.Errorf("reject form metadata: %w", err)
	}
	pt := func(s string, limit int) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(s, limit), false, false)
	}
	reason := slackgo.NewPlainTextInputBlockElement(pt("Why should this change not be made?", 50), rejectReason)
	reason.Multiline = true
	reason.MinLength = 1
	reason.MaxLength = maxReasonChars
	about := "Reject fix " + m.RequestID
	if m.Title != "" {
		about += ": " + oneLine(m.Title)
	}
	about += ". Nothing is changed; the reason is shown on the request and kept in the audit log."
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      rejectCallbackID,
		Title:           pt("Reject fix", maxModalTitle),
		Submit:          pt("Reject", maxModalTitle),
		Close:           pt("Cancel", maxModalTitle),
		PrivateMetadata: string(meta),
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{
			slackgo.NewSectionBlock(pt(about, maxSectionText), nil, nil, slackgo.SectionBlockOptionBlockID("about")),
			slackgo.NewInputBlock(rejectReason, pt("Reason", 2000), nil, reason),
		}},
	}, nil
}

func decodeRejectSubmission(v viewPayload) (RejectSubmission, error) {
	if v.CallbackID != rejectCallbackID {
		return RejectSubmission{}, fmt.Errorf("%w: view %q", ErrNotOurs, truncateRunes(v.CallbackID, 40))
	}
	var meta rejectMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil {
		return RejectSubmission{}, badf("reject form metadata: %v", err)
	}
	if !requestIDPattern.MatchString(meta.RequestID) {
		return RejectSubmission{}, badf("reject form request id %q", truncateRunes(meta.RequestID, 40))
	}
	if meta.ChannelID != "" && !channelIDPattern.MatchString(meta.ChannelID) {
		return RejectSubmission{}, badf("reject form channel %q", truncateRunes(meta.ChannelID, 40))
	}
	s := RejectSubmission{RequestID: meta.RequestID, ChannelID: meta.ChannelID,
		Reason: strings.TrimSpace(v.State.Values[rejectReason][rejectReason].Value)}
	// An empty reason (only spaces typed) is the bot's to answer, in the form.
	switch {
	case utf8.RuneCountInString(s.Reason) > maxReasonChars:
		return RejectSubmission{}, badf("reject form reason too long")
	case !utf8.ValidString(s.Reason):
		return RejectSubmission{}, badf("reject form input is not UTF-8")
	}
	return s, nil
}

// OpenRejectModal opens the reject form of a remediation request
// (triggerID comes from the click, and is valid for 3 seconds).
func (c *Client) OpenRejectModal(ctx context.Context, triggerID string, m RejectModal) error {
	view, err := rejectView(m)
	if err != nil {
		return err
	}
	if _, err := c.api.OpenViewContext(ctx, triggerID, view); err != nil {
		return c.wrap("views.open", err)
	}
	return nil
}
