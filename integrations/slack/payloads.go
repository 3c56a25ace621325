package slack

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// SlashCommand is a /comply invocation.
type SlashCommand struct {
	Command     string // "/comply"
	Text        string // what follows the command
	UserID      string
	UserName    string
	ChannelID   string
	TeamID      string
	ResponseURL string
	TriggerID   string
}

// InteractionType is the kind of interaction payload.
type InteractionType string

// Interaction types we handle.
const (
	InteractionBlockActions   InteractionType = "block_actions"
	InteractionViewSubmission InteractionType = "view_submission"
)

// ButtonKind says what a clicked button asks for.
type ButtonKind string

// Button kinds.
const (
	// ButtonCommand runs Interaction.Command, the text of a /comply command.
	ButtonCommand ButtonKind = "command"
	// ButtonSnoozeModal asks to open the snooze form for Interaction.Fingerprint.
	ButtonSnoozeModal ButtonKind = "snooze-modal"
	// ButtonRejectModal asks to open the reject form for Interaction.Request.
	ButtonRejectModal ButtonKind = "reject-modal"
)

// Interaction is a button click on one of our messages or a submitted form.
type Interaction struct {
	Type        InteractionType
	UserID      string
	UserName    string
	TeamID      string
	ChannelID   string // empty for a form submission
	MessageTS   string // the message holding the button
	ResponseURL string
	TriggerID   string // lets the handler open a form (valid for 3 s)

	// block_actions
	Button      ButtonKind
	Command     string // ButtonCommand: the command text
	Fingerprint string // ButtonSnoozeModal: the finding
	Request     string // ButtonRejectModal: the remediation request id

	// view_submission: one of
	Snooze *SnoozeSubmission
	Reject *RejectSubmission
}

// EventRequest is an Events API request.
type EventRequest struct {
	Type      string // "url_verification", "event_callback", ...
	Challenge string // url_verification: to echo back
	EventID   string
}

// Errors of the decoders. A payload for something that is not ours (another
// app's button, an unknown form) is ErrNotOurs: ignore it.
var (
	ErrBadPayload = errors.New("bad slack payload")
	ErrNotOurs    = errors.New("slack payload is not for comply")
)

// Field limits: far above what Slack sends, low enough to bound memory.
const (
	maxIDLen   = 64
	maxURLLen  = 2048
	maxTextLen = 8000
	maxNameLen = 256
)

var (
	teamIDPattern    = regexp.MustCompile(`^[TE][A-Z0-9]{2,30}$`)
	channelIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{2,30}$`)
	tsPattern        = regexp.MustCompile(`^\d{1,12}\.\d{1,8}$`)
	fpPattern        = regexp.MustCompile(`^[0-9a-f]{6,64}$`)
)

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadPayload}, args...)...)
}

// ParseSlashCommand reads a slash command's form-encoded body.
func ParseSlashCommand(body []byte) (SlashCommand, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return SlashCommand{}, badf("slash command form: %v", err)
	}
	return DecodeSlashCommand(form)
}

// DecodeSlashCommand checks and copies a slash command's fields.
func DecodeSlashCommand(form url.Values) (SlashCommand, error) {
	c := SlashCommand{
		Command:     form.Get("command"),
		Text:        form.Get("text"),
		UserID:      form.Get("user_id"),
		UserName:    form.Get("user_name"),
		ChannelID:   form.Get("channel_id"),
		TeamID:      form.Get("team_id"),
		ResponseURL: form.Get("response_url"),
		TriggerID:   form.Get("trigger_id"),
	}
	if !strings.HasPrefix(c.Command, "/") || len(c.Command) > maxNameLen {
		return SlashCommand{}, badf("slash command name %q", truncateRunes(c.Command, 40))
	}
	if err := checkCommon(c.UserID, c.TeamID, c.ChannelID, c.ResponseURL, c.TriggerID, c.UserName); err != nil {
		return SlashCommand{}, err
	}
	if c.ChannelID == "" {
		return SlashCommand{}, badf("slash command without channel_id")
	}
	if len(c.Text) > maxTextLen || !utf8.ValidString(c.Text) {
		return SlashCommand{}, badf("slash command text: too long or not UTF-8")
	}
	return c, nil
}

func checkCommon(user, team, channel, responseURL, trigger, userName string) error {
	switch {
	case !ValidUserID(user):
		return badf("user id %q", truncateRunes(user, 40))
	case team != "" && !teamIDPattern.MatchString(team):
		return badf("team id %q", truncateRunes(team, 40))
	case channel != "" && !channelIDPattern.MatchString(channel):
		return badf("channel id %q", truncateRunes(channel, 40))
	case len(trigger) > maxIDLen*4:
		return badf("trigger id too long")
	case len(userName) > maxNameLen:
		return badf("user name too long")
	}
	if responseURL != "" {
		if err := checkURL(responseURL); err != nil {
			return badf("response_url: %v", err)
		}
	}
	return nil
}

func checkURL(s string) error {
	if len(s) > maxURLLen {
		return errors.New("too long")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an absolute http(s) URL")
	}
	return nil
}

// interactionPayload is the part of Slack's interaction JSON we read.
type interactionPayload struct {
	Type string `json:"type"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		MessageTS string `json:"message_ts"`
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Message struct {
		TS string `json:"ts"`
	} `json:"message"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Actions     []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	} `json:"actions"`
	View *viewPayload `json:"view"`
}

// ParseInteraction reads an interaction request's form-encoded body
// (payload=<json>).
func ParseInteraction(body []byte) (Interaction, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Interaction{}, badf("interaction form: %v", err)
	}
	p := form.Get("payload")
	if p == "" {
		return Interaction{}, badf("interaction without payload")
	}
	return DecodeInteraction([]byte(p))
}

// DecodeInteraction reads an interaction payload (the JSON Slack sends as
// the payload field over HTTP, or as is over Socket Mode).
func DecodeInteraction(payload []byte) (Interaction, error) {
	if len(payload) > MaxBodyBytes {
		return Interaction{}, badf("interaction payload too large")
	}
	var p interactionPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return Interaction{}, badf("interaction JSON: %v", err)
	}
	in := Interaction{
		Type:        InteractionType(p.Type),
		UserID:      p.User.ID,
		UserName:    p.User.Username,
		TeamID:      p.Team.ID,
		ChannelID:   cmp.Or(p.Channel.ID, p.Container.ChannelID),
		MessageTS:   cmp.Or(p.Container.MessageTS, p.Message.TS),
		ResponseURL: p.ResponseURL,
		TriggerID:   p.TriggerID,
	}
	if err := checkCommon(in.UserID, in.TeamID, in.ChannelID, in.ResponseURL, in.TriggerID, in.UserName); err != nil {
		return Interaction{}, err
	}
	if in.MessageTS != "" && !tsPattern.MatchString(in.MessageTS) {
		return Interaction{}, badf("message ts %q", truncateRunes(in.MessageTS, 40))
	}
	switch in.Type {
	case InteractionBlockActions:
		return decodeAction(in, p)
	case InteractionViewSubmission:
		if p.View == nil {
			return Interaction{}, badf("view_submission without view")
		}
		if p.View.CallbackID == rejectCallbackID {
			r, err := decodeRejectSubmission(*p.View)
			if err != nil {
				return Interaction{}, err
			}
			in.Reject = &r
			return in, nil
		}
		s, err := decodeSnoozeSubmission(*p.View)
		if err != nil {
			return Interaction{}, err
		}
		in.Snooze = &s
		return in, nil
	}
	return Interaction{}, fmt.Errorf("%w: interaction type %q", ErrNotOurs, truncateRunes(p.Type, 40))
}

func decodeAction(in Interaction, p interactionPayload) (Interaction, error) {
	if len(p.Actions) == 0 {
		return Interaction{}, badf("block_actions without actions")
	}
	// Slack sends the one action that was taken.
	a := p.Actions[0]
	kind, rest, _ := strings.Cut(a.ActionID, "/")
	switch {
	case kind == ActionCommand:
		if a.Value == "" || len(a.Value) > maxButtonValue || !utf8.ValidString(a.Value) {
			return Interaction{}, badf("button command: empty, too long or not UTF-8")
		}
		in.Button, in.Command = ButtonCommand, a.Value
	case kind == ActionModal && strings.HasPrefix(rest, "snooze/"):
		if !fpPattern.MatchString(a.Value) {
			return Interaction{}, badf("snooze button fingerprint %q", truncateRunes(a.Value, 70))
		}
		in.Button, in.Fingerprint = ButtonSnoozeModal, a.Value
	case kind == ActionModal && strings.HasPrefix(rest, "reject/"):
		if !requestIDPattern.MatchString(a.Value) {
			return Interaction{}, badf("reject button request id %q", truncateRunes(a.Value, 40))
		}
		in.Button, in.Request = ButtonRejectModal, a.Value
	default:
		return Interaction{}, fmt.Errorf("%w: action %q", ErrNotOurs, truncateRunes(a.ActionID, 60))
	}
	return in, nil
}

type eventPayload struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	EventID   string `json:"event_id"`
}

// DecodeEvent reads an Events API request body.
func DecodeEvent(body []byte) (EventRequest, error) {
	var p eventPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return EventRequest{}, badf("event JSON: %v", err)
	}
	if p.Type == "" {
		return EventRequest{}, badf("event without type")
	}
	if p.Type == "url_verification" && (p.Challenge == "" || len(p.Challenge) > 512) {
		return EventRequest{}, badf("url_verification challenge empty or too long")
	}
	return EventRequest{Type: p.Type, Challenge: p.Challenge, EventID: p.EventID}, nil
}
