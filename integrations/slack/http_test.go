package slack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

// httpFixture runs NewHTTPHandler behind an httptest server, with a fake
// Slack to sign requests and receive replies.
type httpFixture struct {
	fake    *slacktest.Server
	srv     *httptest.Server
	handler *recordingHandler
	client  *Client
}

func newHTTPFixture(t *testing.T) *httpFixture {
	t.Helper()
	fake := slacktest.NewServer(t, slacktest.Options{})
	v, err := NewVerifier(fake.SigningSecret(), NewMemoryReplayGuard(nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newRecordingHandler()
	srv := httptest.NewServer(NewHTTPHandler(v, h, nil))
	t.Cleanup(srv.Close)
	return &httpFixture{fake: fake, srv: srv, handler: h, client: newTestClient(t, fake, fake.BotToken(), nil)}
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPCommandsAndButtons(t *testing.T) {
	fx := newHTTPFixture(t)
	ctx := t.Context()

	// A slash command reaches the handler, decoded.
	req, sent := fx.fake.SlashCommandRequest(fx.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan --service s3"})
	if code, body := do(t, req); code != http.StatusOK || body != "" {
		t.Fatalf("command: %d %q", code, body)
	}
	cmds, _ := fx.handler.snapshot()
	if len(cmds) != 1 || cmds[0].Text != "scan --service s3" || cmds[0].UserID != sent.UserID || cmds[0].ResponseURL != sent.ResponseURL {
		t.Fatalf("commands = %+v", cmds)
	}

	// The same request again is a replay.
	replay := fx.fake.SignedRequestAt(fx.srv.URL+"/slack/commands", req.Header.Get("Content-Type"), []byte(sent.Form().Encode()),
		time.Unix(mustInt(req.Header.Get(HeaderTimestamp)), 0))
	if code, _ := do(t, replay); code != http.StatusUnauthorized {
		t.Errorf("replay: %d", code)
	}

	// A button on a posted finding message: the click carries the command.
	f := goldenFinding()
	ref, err := fx.client.PostMessage(ctx, slacktest.DefaultChannel, checks.FindingMessage(f, nil, goldenNow, checks.FindingView{}))
	if err != nil {
		t.Fatal(err)
	}
	click, err := fx.fake.ClickButton(fx.srv.URL+"/slack/interactions", ref.Channel, ref.TS, "U0BOB0001", "comply_cmd/snooze-7d")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := do(t, click); code != http.StatusOK {
		t.Fatalf("click: %d", code)
	}
	_, ins := fx.handler.snapshot()
	if len(ins) != 1 || ins[0].Command != "snooze "+f.Fingerprint+" 7d snoozed from Slack" || ins[0].UserID != "U0BOB0001" ||
		ins[0].MessageTS != ref.TS || ins[0].ChannelID != ref.Channel {
		t.Fatalf("interactions = %+v", ins)
	}

	// The handler answers through the response URL of the click, replacing
	// the message.
	st := &checks.FindingState{Status: checks.LifecycleOpen, Snooze: &checks.Snooze{By: "U0BOB0001", Until: goldenNow.Add(7 * 24 * time.Hour)}}
	if err := fx.client.RespondURL(ctx, ins[0].ResponseURL, checks.FindingMessage(f, st, goldenNow, checks.FindingView{}), true); err != nil {
		t.Fatal(err)
	}
	m, _ := fx.fake.Message(ref.Channel, ref.TS)
	if !strings.Contains(strings.Join(m.AllText(), " "), "Snoozed until") {
		t.Errorf("message not updated: %v", m.AllText())
	}

	// The modal button, then the form: a bad duration keeps the form open
	// with an error; a good one closes it.
	// (A snoozed finding offers no Snooze… button: use a fresh message.)
	if _, ok := m.Buttons()["comply_modal/snooze/snooze-custom"]; ok {
		t.Error("snoozed finding offers Snooze…")
	}
	ref, err = fx.client.PostMessage(ctx, slacktest.DefaultChannel, checks.FindingMessage(f, nil, goldenNow, checks.FindingView{}))
	if err != nil {
		t.Fatal(err)
	}
	click, err = fx.fake.ClickButton(fx.srv.URL+"/slack/interactions", ref.Channel, ref.TS, "U0BOB0001", "comply_modal/snooze/snooze-custom")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := do(t, click); code != http.StatusOK {
		t.Fatalf("modal click: %d", code)
	}
	_, ins = fx.handler.snapshot()
	if ins[1].Button != ButtonSnoozeModal || ins[1].Fingerprint != f.Fingerprint || ins[1].TriggerID == "" {
		t.Fatalf("modal click = %+v", ins[1])
	}
	if err := fx.client.OpenSnoozeModal(ctx, ins[1].TriggerID, SnoozeModal{Fingerprint: f.Fingerprint, Title: f.Title, ChannelID: ref.Channel, MessageTS: ref.TS}); err != nil {
		t.Fatal(err)
	}
	view := fx.fake.Views()[0]
	for _, tc := range []struct {
		duration string
		body     string
	}{
		{"forever", `{"errors":{"duration":"Like 12h, 7d or 2w."},"response_action":"errors"}`},
		{"3d", ""},
	} {
		p, err := fx.fake.ViewSubmissionPayload(view, "U0BOB0001", map[string]string{"duration": tc.duration, "reason": "vendor patch"})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := fx.fake.InteractionRequest(fx.srv.URL+"/slack/interactions", p)
		code, body := do(t, req)
		if code != http.StatusOK || strings.TrimSpace(body) != tc.body {
			t.Errorf("submit %s: %d %q, want %q", tc.duration, code, body, tc.body)
		}
	}
	_, ins = fx.handler.snapshot()
	last := ins[len(ins)-1]
	if last.Snooze == nil || *last.Snooze != (SnoozeSubmission{Fingerprint: f.Fingerprint, Duration: "3d", Reason: "vendor patch", ChannelID: ref.Channel, MessageTS: ref.TS}) {
		t.Errorf("submission = %+v", last.Snooze)
	}
}

func TestHTTPRejectsAndDegrades(t *testing.T) {
	fx := newHTTPFixture(t)
	url := fx.srv.URL

	forged := slacktest.NewServer(t, slacktest.Options{SigningSecret: "not-the-secret"})
	req, _ := forged.SlashCommandRequest(url+"/slack/commands", slacktest.SlashCommand{Text: "scan"})
	if code, _ := do(t, req); code != http.StatusUnauthorized {
		t.Errorf("forged: %d", code)
	}
	stale := fx.fake.SignedRequestAt(url+"/slack/commands", "application/x-www-form-urlencoded",
		[]byte(fx.fake.CompleteSlashCommand(slacktest.SlashCommand{}).Form().Encode()), time.Now().Add(-6*time.Minute))
	if code, _ := do(t, stale); code != http.StatusUnauthorized {
		t.Errorf("stale: %d", code)
	}
	if cmds, ins := fx.handler.snapshot(); len(cmds)+len(ins) != 0 {
		t.Fatalf("rejected requests reached the handler: %v %v", cmds, ins)
	}

	// Signed but malformed: 400.
	bad := fx.fake.SignedRequest(url+"/slack/commands", "application/x-www-form-urlencoded", []byte("command=%2Fcomply&user_id=nobody"))
	if code, _ := do(t, bad); code != http.StatusBadRequest {
		t.Errorf("malformed command: %d", code)
	}
	// Another app's button: acknowledged and ignored.
	other, _ := fx.fake.InteractionRequest(url+"/slack/interactions", blockActions("someone_else", "1"))
	if code, _ := do(t, other); code != http.StatusOK {
		t.Errorf("foreign action: %d", code)
	}
	if _, ins := fx.handler.snapshot(); len(ins) != 0 {
		t.Errorf("foreign action reached the handler")
	}

	// A busy handler: the user is told, ephemerally.
	fx.handler.err = errBusy
	req, _ = fx.fake.SlashCommandRequest(url+"/slack/commands", slacktest.SlashCommand{Text: "scan"})
	code, body := do(t, req)
	var reply map[string]string
	_ = json.Unmarshal([]byte(body), &reply)
	if code != http.StatusOK || reply["response_type"] != "ephemeral" || reply["text"] != BusyText {
		t.Errorf("busy: %d %q", code, body)
	}

	// Events: the URL check echoes the challenge; other events are ignored.
	challenge := fx.fake.SignedRequest(url+"/slack/events", "application/json", []byte(`{"type":"url_verification","challenge":"c4ll3ng3"}`))
	if code, body := do(t, challenge); code != http.StatusOK || body != "c4ll3ng3" {
		t.Errorf("url_verification: %d %q", code, body)
	}
	ev := fx.fake.SignedRequest(url+"/slack/events", "application/json", []byte(`{"type":"event_callback","event_id":"Ev1"}`))
	if code, _ := do(t, ev); code != http.StatusOK {
		t.Errorf("event: %d", code)
	}
	get, _ := http.NewRequest(http.MethodGet, url+"/slack/commands", nil)
	if code, _ := do(t, get); code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", code)
	}
}

func mustInt(s string) int64 {
	var n int64
	for _, r := range s {
		n = n*10 + int64(r-'0')
	}
	return n
}
