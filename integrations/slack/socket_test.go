package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/slack-go/slack/socketmode"
)

// orderLog records acks and handler calls in the order they happen.
type orderLog struct {
	mu     sync.Mutex
	events []string
	acks   []any
}

func (o *orderLog) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, s)
}

type fakeAcker struct{ log *orderLog }

func (a fakeAcker) Ack(req socketmode.Request, payload ...any) error {
	a.log.add("ack " + req.EnvelopeID)
	a.log.mu.Lock()
	defer a.log.mu.Unlock()
	var p any
	if len(payload) > 0 {
		p = payload[0]
	}
	a.log.acks = append(a.log.acks, p)
	return nil
}

type orderHandler struct {
	*recordingHandler
	log *orderLog
}

func (h orderHandler) HandleCommand(ctx context.Context, c SlashCommand) error {
	h.log.add("command " + c.Text)
	return h.recordingHandler.HandleCommand(ctx, c)
}

func (h orderHandler) HandleInteraction(ctx context.Context, in Interaction) error {
	h.log.add("interaction " + string(in.Type))
	return h.recordingHandler.HandleInteraction(ctx, in)
}

func envelope(id, typ string, payload any) socketmode.Event {
	js, _ := json.Marshal(payload)
	return socketmode.Event{Type: socketmode.EventType(typ), Request: &socketmode.Request{Type: typ, EnvelopeID: id, Payload: js}}
}

func TestSocketDispatch(t *testing.T) {
	meta := `{"fp":"` + fp + `","ch":"C0COMPLY1","ts":"1741608000.000100"}`
	slash := map[string]string{}
	for k, v := range slashForm(nil) {
		slash[k] = v[0]
	}
	slash["text"] = "status"
	tests := []struct {
		name   string
		evt    socketmode.Event
		events []string
		ack    string // JSON of the ack payload ("" for none)
	}{
		{"slash command", envelope("e1", "slash_commands", slash), []string{"ack e1", "command status"}, ""},
		{"button", envelope("e2", "interactive", blockActions("comply_cmd/ack", "ack "+fp)), []string{"ack e2", "interaction block_actions"}, ""},
		{"form accepted", envelope("e3", "interactive", snoozeSubmission(meta, "7d", "r")), []string{"interaction view_submission", "ack e3"}, ""},
		{"form rejected", envelope("e4", "interactive", snoozeSubmission(meta, "forever", "r")), []string{"interaction view_submission", "ack e4"},
			`{"errors":{"duration":"Like 12h, 7d or 2w."},"response_action":"errors"}`},
		{"foreign button", envelope("e5", "interactive", blockActions("other_app", "1")), []string{"ack e5"}, ""},
		{"bad interaction", envelope("e6", "interactive", map[string]any{"type": "block_actions"}), []string{"ack e6"}, ""},
		{"bad slash command", envelope("e7", "slash_commands", map[string]any{"command": "/comply"}), []string{"ack e7"}, ""},
		{"slash command not JSON object", envelope("e8", "slash_commands", "text"), []string{"ack e8"}, ""},
		{"events api", envelope("e9", "events_api", map[string]any{"type": "event_callback"}), []string{"ack e9"}, ""},
		{"hello", socketmode.Event{Type: socketmode.EventTypeHello, Request: &socketmode.Request{Type: "hello"}}, nil, ""},
		{"connecting", socketmode.Event{Type: socketmode.EventTypeConnecting}, nil, ""},
		{"connection error", socketmode.Event{Type: socketmode.EventTypeConnectionError, Data: errors.New("dial")}, nil, ""},
		{"no envelope", socketmode.Event{Type: socketmode.EventTypeInteractive}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &orderLog{}
			d := dispatcher{ack: fakeAcker{log}, h: orderHandler{newRecordingHandler(), log}, log: discard()}
			d.dispatch(context.Background(), tt.evt)
			if strings.Join(log.events, "; ") != strings.Join(tt.events, "; ") {
				t.Errorf("events = %v, want %v", log.events, tt.events)
			}
			if len(log.acks) > 0 {
				got := ""
				if log.acks[0] != nil {
					js, _ := json.Marshal(log.acks[0])
					got = string(js)
				}
				if got != tt.ack {
					t.Errorf("ack payload = %s, want %s", got, tt.ack)
				}
			}
		})
	}
}

func TestSocketRunnerAgainstFakeSlack(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{})
	h := newRecordingHandler()
	r, err := NewSocketRunner(fake.AppToken(), ClientOptions{APIURL: fake.APIURL()}, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := fake.WaitSocket(ctx); err != nil {
		t.Fatal(err)
	}

	id, sent, err := fake.SendSlashCommand(slacktest.SlashCommand{Text: "findings high"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, h.got)
	cmds, _ := h.snapshot()
	if len(cmds) != 1 || cmds[0].Text != "findings high" || cmds[0].ResponseURL != sent.ResponseURL || cmds[0].UserID != sent.UserID {
		t.Fatalf("commands = %+v", cmds)
	}

	meta := `{"fp":"` + fp + `"}`
	id, err = fake.SendSocket("interactive", snoozeSubmission(meta, "forever", "because"))
	if err != nil {
		t.Fatal(err)
	}
	ack, err := fake.WaitAck(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), `"response_action":"errors"`) {
		t.Errorf("form error not in the ack: %s", ack.Payload)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestSocketRunnerBadToken(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{})
	if _, err := NewSocketRunner("xoxb-not-an-app-token", ClientOptions{APIURL: fake.APIURL()}, newRecordingHandler()); err == nil {
		t.Error("bot token accepted as app token")
	}
	r, err := NewSocketRunner("xapp-1-SECRETwrong", ClientOptions{APIURL: fake.APIURL()}, newRecordingHandler())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = r.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("Run with a bad token = %v", err)
	}
}

func waitFor(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
	}
}
