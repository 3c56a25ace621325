package slack

import (
	"encoding/json"
	"strings"
	"testing"
)

const testRequestID = "rem-0a1b2c3d4e5f6071"

func rejectSubmission(meta, reason string) map[string]any {
	p := snoozeSubmission(meta, "", reason)
	view := p["view"].(map[string]any)
	view["callback_id"] = rejectCallbackID
	view["state"] = map[string]any{"values": map[string]any{
		"reason": map[string]any{"reason": map[string]any{"type": "plain_text_input", "value": reason}},
	}}
	return p
}

func TestRejectInteractions(t *testing.T) {
	meta := `{"req":"` + testRequestID + `","ch":"C0COMPLY1"}`
	tests := []interactionCase{
		{"reject modal button", blockActions("comply_modal/reject/reject", testRequestID), nil, func(t *testing.T, in Interaction) {
			if in.Button != ButtonRejectModal || in.Request != testRequestID || in.Command != "" || in.Fingerprint != "" {
				t.Errorf("%+v", in)
			}
		}},
		{"reject submission", rejectSubmission(meta, "  not during the freeze "), nil, func(t *testing.T, in Interaction) {
			if in.Type != InteractionViewSubmission || in.Snooze != nil || in.Reject == nil {
				t.Fatalf("%+v", in)
			}
			if r := *in.Reject; r.RequestID != testRequestID || r.Reason != "not during the freeze" || r.ChannelID != "C0COMPLY1" {
				t.Errorf("%+v", r)
			}
		}},
		{"blank reason reaches the bot", rejectSubmission(meta, "   "), nil, func(t *testing.T, in Interaction) {
			if in.Reject == nil || in.Reject.Reason != "" {
				t.Errorf("%+v", in.Reject)
			}
		}},
		{"button with a bad request id", blockActions("comply_modal/reject/reject", "<!channel>"), ErrBadPayload, nil},
		{"submission bad metadata", rejectSubmission("{", "r"), ErrBadPayload, nil},
		{"submission bad request id", rejectSubmission(`{"req":"rem-<!here>"}`, "r"), ErrBadPayload, nil},
		{"submission bad channel", rejectSubmission(`{"req":"`+testRequestID+`","ch":"<!here>"}`, "r"), ErrBadPayload, nil},
		{"submission reason too long", rejectSubmission(meta, strings.Repeat("r", maxReasonChars+1)), ErrBadPayload, nil},
	}
	runInteractionCases(t, tests)
}

func TestRejectView(t *testing.T) {
	v, err := rejectView(RejectModal{RequestID: testRequestID, Title: "Buckets <!channel>\nencrypt", ChannelID: "C0COMPLY1"})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s := string(js)
	for _, want := range []string{`"callback_id":"comply_reject"`, `"block_id":"reason"`, `"action_id":"reason"`, `"min_length":1`,
		`"max_length":500`, "Reject fix " + testRequestID + ": Buckets"} {
		if !strings.Contains(s, want) {
			t.Errorf("view lacks %s:\n%s", want, s)
		}
	}
	// The view's metadata reads back as the submission's.
	var meta rejectMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.RequestID != testRequestID || meta.ChannelID != "C0COMPLY1" {
		t.Errorf("metadata %q: %+v %v", v.PrivateMetadata, meta, err)
	}
	if _, err := rejectView(RejectModal{RequestID: "rem-<!channel>"}); err == nil {
		t.Error("a bad request id made a form")
	}
}
