package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
)

// The snooze form: a duration like the typed command takes and a reason.
const (
	snoozeCallbackID = "comply_snooze"
	snoozeDuration   = "duration"
	snoozeReason     = "reason"
	maxReasonChars   = 500
	maxDurationChars = 16
	maxModalTitle    = 24
)

// SnoozeModal is the form a "Snooze…" button opens.
type SnoozeModal struct {
	Fingerprint string
	Title       string // the finding's title, shown in the form
	// ChannelID and MessageTS locate the message to update afterwards.
	ChannelID string
	MessageTS string
}

// SnoozeSubmission is what the user entered in the snooze form. Duration
// and Reason are as typed: the bot parses them as it parses
// "/comply snooze <id> <duration> <reason>".
type SnoozeSubmission struct {
	Fingerprint string
	Duration    string
	Reason      string
	ChannelID   string
	MessageTS   string
}

// snoozeMeta rides in the view's private_metadata (at most 3000 chars).
type snoozeMeta struct {
	Fingerprint string `json:"fp"`
	ChannelID   string `json:"ch,omitempty"`
	MessageTS   string `json:"ts,omitempty"`
}

func snoozeView(m SnoozeModal) (slackgo.ModalViewRequest, error) {
	if !fpPattern.MatchString(m.Fingerprint) {
		return slackgo.ModalViewRequest{}, fmt.Errorf("snooze form: bad fingerprint %q", truncateRunes(m.Fingerprint, 70))
	}
	meta, err := json.Marshal(snoozeMeta{Fingerprint: m.Fingerprint, ChannelID: m.ChannelID, MessageTS: m.MessageTS})
	if err != nil {
		return slackgo.ModalViewRequest{}, fmt.Errorf("snooze form metadata: %w", err)
	}
	pt := func(s string, limit int) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(s, limit), false, false)
	}
	dur := slackgo.NewPlainTextInputBlockElement(pt("7d", 20), snoozeDuration)
	dur.InitialValue = "7d"
	dur.MaxLength = maxDurationChars
	reason := slackgo.NewPlainTextInputBlockElement(pt("Why can this wait?", 50), snoozeReason)
	reason.Multiline = true
	reason.MinLength = 1
	reason.MaxLength = maxReasonChars
	about := "Snooze finding " + m.Fingerprint[:min(8, len(m.Fingerprint))]
	if m.Title != "" {
		about += ": " + oneLine(m.Title)
	}
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      snoozeCallbackID,
		Title:           pt("Snooze finding", maxModalTitle),
		Submit:          pt("Snooze", maxModalTitle),
		Close:           pt("Cancel", maxModalTitle),
		PrivateMetadata: string(meta),
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{
			slackgo.NewSectionBlock(pt(about, maxSectionText), nil, nil, slackgo.SectionBlockOptionBlockID("about")),
			slackgo.NewInputBlock(snoozeDuration, pt("For how long", 2000), pt("Like 12h, 7d or 2w; at most 365d.", 2000), dur),
			slackgo.NewInputBlock(snoozeReason, pt("Reason", 2000), nil, reason),
		}},
	}, nil
}

// viewPayload is the part of a submitted view we read.
type viewPayload struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	State           struct {
		Values map[string]map[string]struct {
			Value string `json:"value"`
		} `json:"values"`
	} `json:"state"`
}

func decodeSnoozeSubmission(v viewPayload) (SnoozeSubmission, error) {
	if v.CallbackID != snoozeCallbackID {
		return SnoozeSubmission{}, fmt.Errorf("%w: view %q", ErrNotOurs, truncateRunes(v.CallbackID, 40))
	}
	var meta snoozeMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil {
		return SnoozeSubmission{}, badf("snooze form metadata: %v", err)
	}
	if !fpPattern.MatchString(meta.Fingerprint) {
		return SnoozeSubmission{}, badf("snooze form fingerprint %q", truncateRunes(meta.Fingerprint, 70))
	}
	if meta.ChannelID != "" && !channelIDPattern.MatchString(meta.ChannelID) {
		return SnoozeSubmission{}, badf("snooze form channel %q", truncateRunes(meta.ChannelID, 40))
	}
	if meta.MessageTS != "" && !tsPattern.MatchString(meta.MessageTS) {
		return SnoozeSubmission{}, badf("snooze form message ts %q", truncateRunes(meta.MessageTS, 40))
	}
	value := func(id string) string { return strings.TrimSpace(v.State.Values[id][id].Value) }
	s := SnoozeSubmission{
		Fingerprint: meta.Fingerprint,
		Duration:    value(snoozeDuration),
		Reason:      value(snoozeReason),
		ChannelID:   meta.ChannelID,
		MessageTS:   meta.MessageTS,
	}
	switch {
	case s.Duration == "" || utf8.RuneCountInString(s.Duration) > maxDurationChars:
		return SnoozeSubmission{}, badf("snooze form duration empty or too long")
	case s.Reason == "" || utf8.RuneCountInString(s.Reason) > maxReasonChars:
		return SnoozeSubmission{}, badf("snooze form reason empty or too long")
	case !utf8.ValidString(s.Duration) || !utf8.ValidString(s.Reason):
		return SnoozeSubmission{}, badf("snooze form input is not UTF-8")
	}
	return s, nil
}
