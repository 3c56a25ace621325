package slack

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

const fp = "bf72b9594ce796c06d2462bf67a0c258"

func slashForm(mod func(url.Values)) url.Values {
	v := url.Values{
		"command": {"/comply"}, "text": {"snooze " + fp + " 7d \"waiting on vendor\""},
		"user_id": {"U0ALICE01"}, "user_name": {"alice"}, "channel_id": {"C0COMPLY1"}, "team_id": {"T0FAKE001"},
		"response_url": {"https://hooks.slack.com/commands/T0FAKE001/123/abc"}, "trigger_id": {"123.456.abc"},
	}
	if mod != nil {
		mod(v)
	}
	return v
}

func TestParseSlashCommand(t *testing.T) {
	tests := []struct {
		name string
		mod  func(url.Values)
		ok   bool
	}{
		{"good", nil, true},
		{"no text is fine", func(v url.Values) { v.Del("text") }, true},
		{"enterprise user", func(v url.Values) { v.Set("user_id", "W0ALICE01") }, true},
		{"private channel", func(v url.Values) { v.Set("channel_id", "G0PRIVATE") }, true},
		{"missing user", func(v url.Values) { v.Del("user_id") }, false},
		{"user with markup", func(v url.Values) { v.Set("user_id", "<!channel>") }, false},
		{"lower-case user", func(v url.Values) { v.Set("user_id", "u0alice01") }, false},
		{"missing channel", func(v url.Values) { v.Del("channel_id") }, false},
		{"bad channel", func(v url.Values) { v.Set("channel_id", "#general") }, false},
		{"bad team", func(v url.Values) { v.Set("team_id", "X1") }, false},
		{"command without slash", func(v url.Values) { v.Set("command", "comply") }, false},
		{"response_url not a URL", func(v url.Values) { v.Set("response_url", "ftp://x") }, false},
		{"response_url relative", func(v url.Values) { v.Set("response_url", "/commands/1") }, false},
		{"text too long", func(v url.Values) { v.Set("text", strings.Repeat("a", maxTextLen+1)) }, false},
		{"text not UTF-8", func(v url.Values) { v.Set("text", "\xff") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := slashForm(tt.mod)
			c, err := ParseSlashCommand([]byte(form.Encode()))
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrBadPayload) {
					t.Errorf("error %v is not ErrBadPayload", err)
				}
				return
			}
			if c.Command != "/comply" || c.UserID != form.Get("user_id") || c.Text != form.Get("text") || c.ChannelID != form.Get("channel_id") ||
				c.ResponseURL != form.Get("response_url") || c.TriggerID != "123.456.abc" || c.TeamID != "T0FAKE001" || c.UserName != "alice" {
				t.Errorf("decoded %+v", c)
			}
		})
	}
	if _, err := ParseSlashCommand([]byte("%zz")); !errors.Is(err, ErrBadPayload) {
		t.Errorf("bad form: %v", err)
	}
}

// blockActions is a block_actions payload like Slack's.
func blockActions(actionID, value string) map[string]any {
	return map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U0ALICE01", "username": "alice", "team_id": "T0FAKE001"},
		"team":         map[string]any{"id": "T0FAKE001", "domain": "fake"},
		"container":    map[string]any{"type": "message", "message_ts": "1741608000.000100", "channel_id": "C0COMPLY1"},
		"channel":      map[string]any{"id": "C0COMPLY1", "name": "compliance"},
		"message":      map[string]any{"ts": "1741608000.000100", "text": "x"},
		"trigger_id":   "123.456.abc",
		"response_url": "https://hooks.slack.com/actions/T0FAKE001/1/abc",
		"actions":      []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "b", "value": value, "action_ts": "1741608001.0"}},
	}
}

func snoozeSubmission(meta, duration, reason string) map[string]any {
	return map[string]any{
		"type":       "view_submission",
		"user":       map[string]any{"id": "U0ALICE01", "username": "alice"},
		"team":       map[string]any{"id": "T0FAKE001"},
		"trigger_id": "123.456.abc",
		"view": map[string]any{
			"id": "V1", "type": "modal", "callback_id": snoozeCallbackID, "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{
				"duration": map[string]any{"duration": map[string]any{"type": "plain_text_input", "value": duration}},
				"reason":   map[string]any{"reason": map[string]any{"type": "plain_text_input", "value": reason}},
			}},
		},
	}
}

func interactionBody(t *testing.T, p any) []byte {
	t.Helper()
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(js)}}.Encode())
}

func TestParseInteraction(t *testing.T) {
	meta := `{"fp":"` + fp + `","ch":"C0COMPLY1","ts":"1741608000.000100"}`
	tests := []interactionCase{
		{"command button", blockActions("comply_cmd/snooze-7d", "snooze "+fp+" 7d snoozed from Slack"), nil, func(t *testing.T, in Interaction) {
			if in.Type != InteractionBlockActions || in.Button != ButtonCommand || in.Command != "snooze "+fp+" 7d snoozed from Slack" ||
				in.UserID != "U0ALICE01" || in.ChannelID != "C0COMPLY1" || in.MessageTS != "1741608000.000100" ||
				in.ResponseURL != "https://hooks.slack.com/actions/T0FAKE001/1/abc" || in.TriggerID != "123.456.abc" || in.TeamID != "T0FAKE001" {
				t.Errorf("decoded %+v", in)
			}
		}},
		{"snooze modal button", blockActions("comply_modal/snooze/snooze-custom", fp), nil, func(t *testing.T, in Interaction) {
			if in.Button != ButtonSnoozeModal || in.Fingerprint != fp || in.Command != "" {
				t.Errorf("decoded %+v", in)
			}
		}},
		{"snooze submission", snoozeSubmission(meta, " 12h ", "vendor fix due"), nil, func(t *testing.T, in Interaction) {
			s := in.Snooze
			if in.Type != InteractionViewSubmission || s == nil || s.Fingerprint != fp || s.Duration != "12h" || s.Reason != "vendor fix due" ||
				s.ChannelID != "C0COMPLY1" || s.MessageTS != "1741608000.000100" {
				t.Errorf("decoded %+v / %+v", in, s)
			}
		}},
		{"another app's button", blockActions("approve_expense", "1"), ErrNotOurs, nil},
		{"unknown interaction type", map[string]any{"type": "shortcut", "user": map[string]any{"id": "U0ALICE01"}}, ErrNotOurs, nil},
		{"another app's modal", func() any {
			p := snoozeSubmission(meta, "1d", "r")
			p["view"].(map[string]any)["callback_id"] = "other"
			return p
		}(), ErrNotOurs, nil},
		{"empty command", blockActions("comply_cmd/ack", ""), ErrBadPayload, nil},
		{"command too long", blockActions("comply_cmd/ack", strings.Repeat("a", maxButtonValue+1)), ErrBadPayload, nil},
		{"modal with bad fingerprint", blockActions("comply_modal/snooze/x", "<!channel>"), ErrBadPayload, nil},
		{"no actions", func() any { p := blockActions("comply_cmd/ack", "ack"); delete(p, "actions"); return p }(), ErrBadPayload, nil},
		{"forged user", func() any {
			p := blockActions("comply_cmd/ack", "ack "+fp)
			p["user"] = map[string]any{"id": "<!channel>"}
			return p
		}(), ErrBadPayload, nil},
		{"no user", func() any { p := blockActions("comply_cmd/ack", "ack "+fp); delete(p, "user"); return p }(), ErrBadPayload, nil},
		{"bad message ts", func() any {
			p := blockActions("comply_cmd/ack", "ack "+fp)
			p["container"] = map[string]any{"message_ts": "yesterday", "channel_id": "C0COMPLY1"}
			return p
		}(), ErrBadPayload, nil},
		{"bad response_url", func() any {
			p := blockActions("comply_cmd/ack", "ack "+fp)
			p["response_url"] = "gopher://x"
			return p
		}(), ErrBadPayload, nil},
		{"submission without view", func() any { p := snoozeSubmission(meta, "1d", "r"); delete(p, "view"); return p }(), ErrBadPayload, nil},
		{"submission bad metadata", snoozeSubmission("not json", "1d", "r"), ErrBadPayload, nil},
		{"submission bad fingerprint", snoozeSubmission(`{"fp":"xyz"}`, "1d", "r"), ErrBadPayload, nil},
		{"submission bad channel", snoozeSubmission(`{"fp":"`+fp+`","ch":"<!here>"}`, "1d", "r"), ErrBadPayload, nil},
		{"submission no reason", snoozeSubmission(meta, "1d", "  "), ErrBadPayload, nil},
		{"submission no duration", snoozeSubmission(meta, "", "r"), ErrBadPayload, nil},
		{"submission reason too long", snoozeSubmission(meta, "1d", strings.Repeat("r", maxReasonChars+1)), ErrBadPayload, nil},
		{"type is a number", map[string]any{"type": 7}, ErrBadPayload, nil},
	}
	runInteractionCases(t, tests)
	for _, body := range []string{"", "payload=", "payload=%7B", "%zz", "payload=null", "payload=[]"} {
		if _, err := ParseInteraction([]byte(body)); !errors.Is(err, ErrBadPayload) && !errors.Is(err, ErrNotOurs) {
			t.Errorf("ParseInteraction(%q) = %v", body, err)
		}
	}
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		body string
		want EventRequest
		ok   bool
	}{
		{`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			EventRequest{Type: "url_verification", Challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}, true},
		{`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}`, EventRequest{Type: "event_callback", EventID: "Ev1"}, true},
		{`{"type":"url_verification"}`, EventRequest{}, false},
		{`{"challenge":"x"}`, EventRequest{}, false},
		{`not json`, EventRequest{}, false},
	}
	for _, tt := range tests {
		got, err := DecodeEvent([]byte(tt.body))
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("DecodeEvent(%s) = %+v, %v", tt.body, got, err)
		}
	}
}

func FuzzDecodeInteraction(f *testing.F) {
	meta := `{"fp":"` + fp + `","ch":"C0COMPLY1","ts":"1741608000.000100"}`
	for _, p := range []any{
		blockActions("comply_cmd/ack", "ack "+fp),
		blockActions("comply_modal/snooze/snooze-custom", fp),
		blockActions("other", "x"),
		snoozeSubmission(meta, "7d", "because"),
		rejectSubmission(`{"req":"`+testRequestID+`","ch":"C0COMPLY1"}`, "not now"),
		blockActions("comply_cmd/approve", "approve "+testRequestID),
		map[string]any{"type": "block_actions"},
	} {
		js, _ := json.Marshal(p)
		f.Add(js)
	}
	f.Add([]byte(`{"type":"view_submission","user":{"id":"U1AB"},"view":{"callback_id":"comply_snooze","private_metadata":"{}"}}`))
	f.Add([]byte(`{"type":"block_actions","actions":[{}],"user":{"id":"U1AB"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		in, err := DecodeInteraction(payload)
		if err != nil {
			if !errors.Is(err, ErrBadPayload) && !errors.Is(err, ErrNotOurs) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// What passes is well-formed.
		if !ValidUserID(in.UserID) {
			t.Fatalf("accepted user id %q", in.UserID)
		}
		if in.ChannelID != "" && !channelIDPattern.MatchString(in.ChannelID) {
			t.Fatalf("accepted channel %q", in.ChannelID)
		}
		if in.ResponseURL != "" && checkURL(in.ResponseURL) != nil {
			t.Fatalf("accepted response_url %q", in.ResponseURL)
		}
		switch in.Type {
		case InteractionBlockActions:
			if (in.Button == ButtonCommand) == (in.Command == "") || (in.Button == ButtonSnoozeModal && !fpPattern.MatchString(in.Fingerprint)) ||
				(in.Button == ButtonRejectModal && !requestIDPattern.MatchString(in.Request)) {
				t.Fatalf("inconsistent button %+v", in)
			}
		case InteractionViewSubmission:
			// Exactly one form, well-formed (a blank reject reason reaches the
			// bot, which keeps the form open with an error).
			switch {
			case (in.Snooze == nil) == (in.Reject == nil):
				t.Fatalf("want exactly one submission: %+v %+v", in.Snooze, in.Reject)
			case in.Snooze != nil && (in.Snooze.Reason == "" || in.Snooze.Duration == "" || !fpPattern.MatchString(in.Snooze.Fingerprint)):
				t.Fatalf("inconsistent snooze submission %+v", in.Snooze)
			case in.Reject != nil && (!requestIDPattern.MatchString(in.Reject.RequestID) ||
				in.Reject.ChannelID != "" && !channelIDPattern.MatchString(in.Reject.ChannelID)):
				t.Fatalf("inconsistent reject submission %+v", in.Reject)
			}
		default:
			t.Fatalf("accepted type %q", in.Type)
		}
		// The HTTP form path agrees with the raw path.
		in2, err := ParseInteraction([]byte(url.Values{"payload": {string(payload)}}.Encode()))
		if err != nil || in2.UserID != in.UserID || in2.Command != in.Command {
			t.Fatalf("form path differs: %+v, %v", in2, err)
		}
	})
}

func FuzzParseSlashCommand(f *testing.F) {
	f.Add([]byte(slashForm(nil).Encode()))
	f.Add([]byte("command=%2Fcomply&user_id=U1AB&channel_id=C1AB"))
	f.Add([]byte("%zz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseSlashCommand(body)
		if err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if !ValidUserID(c.UserID) || !channelIDPattern.MatchString(c.ChannelID) || !strings.HasPrefix(c.Command, "/") || len(c.Text) > maxTextLen {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// interactionCase is a payload and what ParseInteraction makes of it.
type interactionCase struct {
	name    string
	payload any
	err     error // nil, ErrBadPayload or ErrNotOurs
	check   func(t *testing.T, in Interaction)
}

func runInteractionCases(t *testing.T, tests []interactionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseInteraction(interactionBody(t, tt.payload))
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.check != nil {
				tt.check(t, in)
			}
		})
	}
}
