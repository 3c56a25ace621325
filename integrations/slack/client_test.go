package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

func newTestClient(t *testing.T, fake *slacktest.Server, token string, log *slog.Logger) *Client {
	t.Helper()
	c, err := NewClient(token, ClientOptions{APIURL: strings.TrimSuffix(fake.APIURL(), "/"), Log: log, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientAgainstFakeSlack(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.NewServer(t, slacktest.Options{})
	c := newTestClient(t, fake, fake.BotToken(), nil)

	id, err := c.AuthTest(ctx)
	if err != nil || id.TeamID != slacktest.TeamID || id.UserID != slacktest.BotUserID || id.BotID != slacktest.BotID {
		t.Fatalf("AuthTest = %+v, %v", id, err)
	}

	f := goldenFinding()
	ref, err := c.PostMessage(ctx, slacktest.DefaultChannel, checks.FindingMessage(f, nil, goldenNow, checks.FindingView{}))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if ref.Channel != slacktest.DefaultChannel || ref.TS == "" {
		t.Fatalf("ref = %+v", ref)
	}
	parsed, err := ParseMessageRef(ref.String())
	if err != nil || parsed != ref {
		t.Errorf("ParseMessageRef(%q) = %+v, %v", ref.String(), parsed, err)
	}

	st := &checks.FindingState{Status: checks.LifecycleOpen, Ack: &checks.Acknowledgement{By: "U0ALICE01", At: goldenNow}}
	if err := c.UpdateMessage(ctx, ref, checks.FindingMessage(f, st, goldenNow, checks.FindingView{})); err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	m, ok := fake.Message(ref.Channel, ref.TS)
	if !ok || len(m.Revisions) != 2 {
		t.Fatalf("message %+v", m)
	}
	if !strings.Contains(strings.Join(m.AllText(), "\n"), "Acknowledged by <@U0ALICE01>") {
		t.Errorf("update not applied: %v", m.AllText())
	}
	if _, ok := m.Buttons()["comply_cmd/ack"]; ok {
		t.Error("acknowledged message still offers Acknowledge")
	}

	if err := c.PostEphemeral(ctx, slacktest.DefaultChannel, "U0ALICE01", checks.TextMessage("only you")); err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}
	if err := c.OpenSnoozeModal(ctx, "123.456.trigger", SnoozeModal{Fingerprint: f.Fingerprint, Title: f.Title, ChannelID: ref.Channel, MessageTS: ref.TS}); err != nil {
		t.Fatalf("OpenSnoozeModal: %v", err)
	}
	if views := fake.Views(); len(views) != 1 || !strings.Contains(string(views[0].JSON), snoozeCallbackID) {
		t.Errorf("views = %+v", views)
	}
	fileID, err := c.UploadFile(ctx, Upload{Channel: slacktest.DefaultChannel, Filename: "soc2.md", Title: "SOC 2 report", Content: []byte("# SOC 2\n")})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if data, ok := fake.UploadedFile(fileID); !ok || string(data) != "# SOC 2\n" {
		t.Errorf("uploaded %q, %v", data, ok)
	}

	// What went over the wire.
	post := fake.Calls("chat.postMessage")[0]
	if post.Token != fake.BotToken() || post.Params.Get("channel") != slacktest.DefaultChannel || post.Params.Get("unfurl_links") != "false" {
		t.Errorf("postMessage params %v", post.Params)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(post.Params.Get("blocks")), &blocks); err != nil || len(blocks) == 0 {
		t.Errorf("blocks %q: %v", post.Params.Get("blocks"), err)
	}
	var methods []string
	for _, call := range fake.Calls() {
		methods = append(methods, call.Method)
	}
	want := "auth.test chat.postMessage chat.update chat.postEphemeral views.open files.getUploadURLExternal upload files.completeUploadExternal"
	if got := strings.Join(methods, " "); got != want {
		t.Errorf("calls = %s\nwant  %s", got, want)
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.NewServer(t, slacktest.Options{})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	good := newTestClient(t, fake, fake.BotToken(), log)
	const secretToken = "xoxb-1234-5678-SECRETsecretSECRET"
	bad := newTestClient(t, fake, secretToken, log)
	down, _ := NewClient(secretToken, ClientOptions{APIURL: "http://127.0.0.1:1/api/", Log: log})

	tests := []struct {
		name   string
		call   func() error
		code   string
		method string
	}{
		{"invalid token", func() error { _, err := bad.AuthTest(ctx); return err }, "invalid_auth", "auth.test"},
		{"invalid token on post", func() error {
			_, err := bad.PostMessage(ctx, slacktest.DefaultChannel, checks.TextMessage("x"))
			return err
		}, "invalid_auth", "chat.postMessage"},
		{"unknown channel", func() error { _, err := good.PostMessage(ctx, "C0NOWHERE", checks.TextMessage("x")); return err }, "channel_not_found", "chat.postMessage"},
		{"unknown message", func() error {
			return good.UpdateMessage(ctx, MessageRef{Channel: slacktest.DefaultChannel, TS: "1.000001"}, checks.TextMessage("x"))
		}, "message_not_found", "chat.update"},
		{"expired trigger", func() error { return good.OpenSnoozeModal(ctx, "expired-1", SnoozeModal{Fingerprint: fp}) }, "expired_trigger_id", "views.open"},
		{"upload to unknown channel", func() error {
			_, err := good.UploadFile(ctx, Upload{Channel: "C0NOWHERE", Filename: "a.txt", Content: []byte("a")})
			return err
		}, "channel_not_found", "files.upload"},
		{"server down", func() error { _, err := down.AuthTest(ctx); return err }, "", "auth.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			var se *Error
			if !errors.As(err, &se) || se.Method != tt.method || ErrorCode(err) != tt.code {
				t.Errorf("err = %v (method %v, code %q), want method %s code %q", err, se, ErrorCode(err), tt.method, tt.code)
			}
			if !strings.HasPrefix(err.Error(), "slack "+tt.method+": ") {
				t.Errorf("error %q does not name the method", err)
			}
			if strings.Contains(err.Error(), secretToken) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("token in error: %v", err)
			}
		})
	}
	// An error that quotes the token (a proxy echoing the request, say) is
	// redacted too.
	if err := bad.wrap("chat.update", errors.New("echo: token="+secretToken)); strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("wrap kept the token: %v", err)
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("token in logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "invalid_auth") {
		t.Errorf("failures not logged:\n%s", logs.String())
	}
	// Printing the client shows no token either.
	for _, format := range []string{"%v", "%+v", "%#v"} {
		if s := sprintf(format, bad); strings.Contains(s, "SECRET") {
			t.Errorf("%s of the client shows the token", format)
		}
	}
}

func TestRespondURL(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.NewServer(t, slacktest.Options{})
	c := newTestClient(t, fake, fake.BotToken(), nil)
	ref, err := c.PostMessage(ctx, slacktest.DefaultChannel, checks.TextMessage("original"))
	if err != nil {
		t.Fatal(err)
	}

	// Replace the message that held the button.
	bound := fake.NewResponseURL(ref.Channel, ref.TS, "U0ALICE01")
	if err := c.RespondURL(ctx, bound, checks.TextMessage("replaced"), true); err != nil {
		t.Fatalf("RespondURL replace: %v", err)
	}
	m, _ := fake.Message(ref.Channel, ref.TS)
	if m.Text != "replaced" || m.Revisions[1].Via != "response_url" {
		t.Errorf("message after replace = %q via %v", m.Text, m.Revisions)
	}
	// A new ephemeral reply.
	if err := c.RespondURL(ctx, bound, checks.ErrorMessage("no such finding", ""), false); err != nil {
		t.Fatalf("RespondURL ephemeral: %v", err)
	}
	msgs := fake.Messages(ref.Channel)
	last := msgs[len(msgs)-1]
	if !last.Ephemeral || last.User != "U0ALICE01" || !strings.Contains(last.Text, "no such finding") {
		t.Errorf("ephemeral reply = %+v", last)
	}
	var body map[string]any
	_ = json.Unmarshal(fake.Calls("response_url")[1].JSON, &body)
	if body["replace_original"] != false || body["response_type"] != "ephemeral" {
		t.Errorf("response body %v", body)
	}

	// Used up, the URL answers 404; the error names no URL.
	for range 3 {
		_ = c.RespondURL(ctx, bound, checks.TextMessage("again"), false)
	}
	err = c.RespondURL(ctx, bound, checks.TextMessage("sixth"), false)
	if err == nil || !strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), bound) {
		t.Errorf("used-up URL: %v", err)
	}

	// The SSRF guard: only Slack's hooks host and the API host.
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached an internal host: %s", r.URL)
	}))
	defer internal.Close()
	for _, u := range []string{
		internal.URL + "/latest/meta-data",
		"http://169.254.169.254/latest/meta-data",
		"https://hooks.slack.com.evil.example/x",
		"http://hooks.slack.com/actions/x", // https only
		"https://user:pass@hooks.slack.com/actions/x",
		"not a url\x00",
		"",
	} {
		if err := c.RespondURL(ctx, u, checks.TextMessage("x"), false); err == nil || !strings.Contains(err.Error(), "not a Slack URL") {
			t.Errorf("RespondURL(%q) = %v", u, err)
		}
	}
	// A host the caller allows (tests, proxies) passes.
	allowed, _ := NewClient("xoxb-x", ClientOptions{APIURL: fake.APIURL(), ResponseHosts: []string{strings.TrimPrefix(internal.URL, "http://")}})
	hit := false
	internal.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true; _, _ = w.Write([]byte("ok")) })
	if err := allowed.RespondURL(ctx, internal.URL+"/r", checks.TextMessage("x"), false); err != nil || !hit {
		t.Errorf("allowed host: %v, hit %v", err, hit)
	}
}

func TestRespondURLRefusesRedirects(t *testing.T) {
	var reached bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	c, _ := NewClient("xoxb-x", ClientOptions{APIURL: redirector.URL + "/api/"})
	err := c.RespondURL(context.Background(), redirector.URL+"/response/1", checks.TextMessage("x"), false)
	if err == nil || reached {
		t.Errorf("redirect followed: err %v, reached %v", err, reached)
	}
}

func TestNormalizeAPIURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "https://slack.com/api/", true},
		{"https://slack-gov.com/api", "https://slack-gov.com/api/", true},
		{"http://127.0.0.1:9999/api/", "http://127.0.0.1:9999/api/", true},
		{"slack.com/api", "", false},
		{"ftp://slack.com/api/", "", false},
	}
	for _, tt := range tests {
		u, err := NormalizeAPIURL(tt.in)
		if tt.ok != (err == nil) || (err == nil && u.String() != tt.want) {
			t.Errorf("NormalizeAPIURL(%q) = %v, %v", tt.in, u, err)
		}
	}
	if _, err := NewClient("", ClientOptions{}); err == nil {
		t.Error("empty token accepted")
	}
}

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }
