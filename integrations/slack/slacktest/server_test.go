package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func client(s *Server, token string) *slack.Client {
	return slack.New(token, slack.OptionAPIURL(s.APIURL()))
}

func button(id, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, "Click", false, false))
}

func TestWebAPIWithSlackGo(t *testing.T) {
	ctx := context.Background()
	s := NewServer(t, Options{Channels: []string{"C0OTHER01"}})
	api := client(s, s.BotToken())

	auth, err := api.AuthTestContext(ctx)
	if err != nil || auth.TeamID != TeamID || auth.UserID != BotUserID || auth.BotID != BotID {
		t.Fatalf("auth.test = %+v, %v", auth, err)
	}

	blocks := slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "hello", false, false), nil, nil, slack.SectionBlockOptionBlockID("s1")),
		slack.NewActionBlock("a1", button("comply_cmd/ack", "ack 0123abcd")))
	ch, ts, err := api.PostMessageContext(ctx, DefaultChannel, blocks, slack.MsgOptionText("fallback", false))
	if err != nil || ch != DefaultChannel || ts == "" {
		t.Fatalf("chat.postMessage = %s %s %v", ch, ts, err)
	}
	_, ts2, err := api.PostMessageContext(ctx, "C0OTHER01", slack.MsgOptionText("second", false))
	if err != nil || ts2 <= ts {
		t.Fatalf("second post ts %s after %s: %v", ts2, ts, err)
	}
	dm, _, err := api.PostMessageContext(ctx, "U0ALICE01", slack.MsgOptionText("dm", false))
	if err != nil || dm != "D0ALICE01" {
		t.Errorf("DM channel = %s, %v", dm, err)
	}
	if m, _ := s.Message(DefaultChannel, ts); m.Buttons()["comply_cmd/ack"] != "ack 0123abcd" {
		t.Errorf("buttons = %v", m.Buttons())
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, DefaultChannel, ts, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatalf("chat.update: %v", err)
	}
	m, ok := s.Message(DefaultChannel, ts)
	if !ok || m.Text != "edited" || len(m.Revisions) != 2 || m.Revisions[0].Text != "fallback" || m.Revisions[1].Via != "chat.update" {
		t.Errorf("stored message = %+v", m)
	}
	if got := s.Messages(DefaultChannel); len(got) != 1 {
		t.Errorf("%d messages in the default channel", len(got))
	}
	if _, err := api.PostEphemeralContext(ctx, DefaultChannel, "U0ALICE01", slack.MsgOptionText("psst", false)); err != nil {
		t.Fatalf("chat.postEphemeral: %v", err)
	}

	view := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "T", false, false),
		CallbackID: "cb", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("duration",
			slack.NewTextBlockObject(slack.PlainTextType, "How long", false, false), nil,
			slack.NewPlainTextInputBlockElement(nil, "duration"))}}}
	if _, err := api.OpenViewContext(ctx, "1.2.trigger", view); err != nil {
		t.Fatalf("views.open: %v", err)
	}
	if v := s.Views(); len(v) != 1 || v[0].TriggerID != "1.2.trigger" {
		t.Errorf("views = %+v", v)
	}

	file, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Channel: DefaultChannel, Filename: "r.csv", Title: "Report",
		Reader: strings.NewReader("a,b\n"), FileSize: 4})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if data, ok := s.UploadedFile(file.ID); !ok || string(data) != "a,b\n" || file.Title != "Report" {
		t.Errorf("uploaded %q %v %+v", data, ok, file)
	}

	calls := s.Calls("chat.postMessage")
	if len(calls) != 3 || calls[0].Token != s.BotToken() || calls[0].Params.Get("token") != "" || calls[0].Params.Get("channel") != DefaultChannel {
		t.Errorf("recorded postMessage calls = %+v", calls)
	}
}

func TestWebAPIErrors(t *testing.T) {
	ctx := context.Background()
	s := NewServer(t, Options{})
	api := client(s, s.BotToken())
	code := func(err error) string {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return se.Err
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	tooMany := make([]slack.Block, 51)
	for i := range tooMany {
		tooMany[i] = slack.NewDividerBlock()
	}
	dup := []slack.Block{
		slack.NewActionBlock("a", button("x", "1"), button("x", "2")),
	}
	longButton := slack.NewActionBlock("a", slack.NewButtonBlockElement("x", "v", slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("b", 76), false, false)))
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"bad token", func() error { _, err := client(s, "xoxb-wrong").AuthTestContext(ctx); return err }, "invalid_auth"},
		{"no token", func() error { _, err := client(s, "").AuthTestContext(ctx); return err }, "not_authed"},
		{"app token on web api", func() error { _, err := client(s, s.AppToken()).AuthTestContext(ctx); return err }, "invalid_auth"},
		{"unknown channel", func() error {
			_, _, err := api.PostMessageContext(ctx, "C0MISSING", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"no text", func() error { _, _, err := api.PostMessageContext(ctx, DefaultChannel); return err }, "no_text"},
		{"51 blocks", func() error {
			_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionBlocks(tooMany...))
			return err
		}, "invalid_blocks"},
		{"duplicate action ids", func() error {
			_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionBlocks(dup...))
			return err
		}, "invalid_blocks"},
		{"button text too long", func() error {
			_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionBlocks(longButton))
			return err
		}, "invalid_blocks"},
		{"update unknown message", func() error {
			_, _, _, err := api.UpdateMessageContext(ctx, DefaultChannel, "1.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"expired trigger", func() error {
			_, err := api.OpenViewContext(ctx, "expired-1", slack.ModalViewRequest{Type: slack.VTModal})
			return err
		}, "expired_trigger_id"},
	}
	for _, tt := range tests {
		if got := code(tt.call()); got != tt.want {
			t.Errorf("%s: error %q, want %q", tt.name, got, tt.want)
		}
	}

	s.Fail("chat.postMessage", "ratelimited", http.StatusTooManyRequests, 1)
	s.Fail("chat.postMessage", "fatal_error", http.StatusOK, 1)
	_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("first failure = %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false)); code(err) != "fatal_error" {
		t.Errorf("second failure = %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("failures did not run out: %v", err)
	}
}

func TestResponseURLs(t *testing.T) {
	ctx := context.Background()
	s := NewServer(t, Options{})
	api := client(s, s.BotToken())
	_, ts, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("original", false))
	if err != nil {
		t.Fatal(err)
	}
	post := func(u string, body string) int {
		resp, err := http.Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	bound := s.NewResponseURL(DefaultChannel, ts, "U0ALICE01")
	if code := post(bound, `{"text":"replaced","replace_original":true}`); code != http.StatusOK {
		t.Fatalf("replace: %d", code)
	}
	if m, _ := s.Message(DefaultChannel, ts); m.Text != "replaced" {
		t.Errorf("message = %q", m.Text)
	}
	if code := post(bound, `{"text":"for you","response_type":"ephemeral"}`); code != http.StatusOK {
		t.Fatalf("ephemeral: %d", code)
	}
	msgs := s.Messages(DefaultChannel)
	if last := msgs[len(msgs)-1]; !last.Ephemeral || last.User != "U0ALICE01" || last.Text != "for you" {
		t.Errorf("ephemeral = %+v", last)
	}
	for range 3 {
		post(bound, `{"text":"x"}`)
	}
	if code := post(bound, `{"text":"sixth"}`); code != http.StatusNotFound {
		t.Errorf("sixth use: %d", code)
	}
	if code := post(s.URL+"/response/R999999", `{"text":"x"}`); code != http.StatusNotFound {
		t.Errorf("unknown URL: %d", code)
	}
	if code := post(s.NewResponseURL(DefaultChannel, "", "U0ALICE01"), `{"blocks":[{"type":"nope"}]}`); code != http.StatusBadRequest {
		t.Errorf("invalid blocks: %d", code)
	}
	if n := len(s.Calls("response_url")); n != 8 {
		t.Errorf("%d response_url calls recorded, want 8", n)
	}
}

func TestSignedRequests(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := NewServer(t, Options{SigningSecret: "shh", Now: func() time.Time { return now }})
	req, c := s.SlashCommandRequest("http://bot.test/slack/commands", SlashCommand{Text: "status"})
	body, _ := io.ReadAll(req.Body)

	// slack-go's verifier agrees with our signature.
	sv, err := slack.NewSecretsVerifier(req.Header, "shh")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		t.Errorf("slack-go rejects the fake's signature: %v", err)
	}
	cmd, err := slack.SlashCommandParse(&http.Request{Method: http.MethodPost, Header: req.Header, Body: io.NopCloser(bytes.NewReader(body))})
	if err != nil || cmd.Text != "status" || cmd.Command != "/comply" || cmd.UserID != c.UserID || cmd.ResponseURL != c.ResponseURL || cmd.TriggerID == "" {
		t.Errorf("slack-go parses %+v, %v", cmd, err)
	}

	// A click on a posted button, as slack-go decodes it.
	api := client(s, s.BotToken())
	_, ts, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, "item", false, false), nil,
			slack.NewAccessory(button("comply_cmd/show", "show 0123abcd")), slack.SectionBlockOptionBlockID("item-0"))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClickButton("http://bot.test/slack/interactions", DefaultChannel, ts, "U0BOB0001", "comply_cmd/missing"); err == nil {
		t.Error("click on a missing button built")
	}
	click, err := s.ClickButton("http://bot.test/slack/interactions", DefaultChannel, ts, "U0BOB0001", "comply_cmd/show")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(click.Body)
	values, _ := url.ParseQuery(string(form))
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(values.Get("payload")), &cb); err != nil {
		t.Fatal(err)
	}
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U0BOB0001" || cb.Container.MessageTs != ts ||
		len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].Value != "show 0123abcd" ||
		cb.ActionCallback.BlockActions[0].BlockID != "item-0" || cb.ResponseURL == "" {
		t.Errorf("slack-go decodes %+v", cb)
	}
	if click.Header.Get("X-Slack-Signature") != Sign("shh", now.Unix(), form) {
		t.Error("click not signed")
	}
}

func TestValidateBlocks(t *testing.T) {
	tests := []struct {
		json string
		ok   bool
	}{
		{`[]`, true},
		{`[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]`, true},
		{`[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`, false},
		{`[{"type":"section"}]`, false},
		{`[{"type":"section","text":{"type":"mrkdwn","text":""}}]`, false},
		{`[{"type":"section","text":{"type":"mrkdwn","text":"x","emoji":true}}]`, false},
		{`[{"type":"section","block_id":"a","text":{"type":"plain_text","text":"x"}},{"type":"divider","block_id":"a"}]`, false},
		{`[{"type":"context","elements":[]}]`, false},
		{`[{"type":"carousel"}]`, false},
		{`{"type":"section"}`, false},
	}
	for _, tt := range tests {
		if err := ValidateBlocks(json.RawMessage(tt.json)); tt.ok != (err == nil) {
			t.Errorf("ValidateBlocks(%s) = %v", tt.json, err)
		}
	}
}
