package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFunc(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runServeCmd runs `comply <args>` with the given environment.
func runServeCmd(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: envFunc(vars)}
	return run(context.Background(), e, args), out.String(), errb.String()
}

// served is `comply serve` running in-process.
type served struct {
	url  string
	logs *syncBuffer
	stop func() error
}

func startServe(t *testing.T, vars map[string]string, args ...string) *served {
	t.Helper()
	return startServeWith(t, vars, nil, args...)
}

// startServeWith is startServe with extra test hooks set by with.
func startServeWith(t *testing.T, vars map[string]string, with func(*serveHooks), args ...string) *served {
	t.Helper()
	logs := &syncBuffer{}
	e := &env{stdout: io.Discard, stderr: logs, getenv: envFunc(vars)}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	hooks := serveHooks{ready: func(addr string) { ready <- addr }, authRetry: 50 * time.Millisecond, shutdownTimeout: 10 * time.Second}
	if with != nil {
		with(&hooks)
	}
	go func() { errc <- serve(ctx, e, append([]string{"--listen", "127.0.0.1:0"}, args...), hooks) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("serve stopped before listening: %v\n%s", err, logs.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("serve did not start\n%s", logs.String())
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-errc:
			case <-time.After(20 * time.Second):
				t.Errorf("serve did not stop\n%s", logs.String())
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return &served{url: "http://" + addr, logs: logs, stop: stop}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeNeedsSlackSettings(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		wants []string
	}{
		{"nothing", nil, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"}},
		{"no mode", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"}},
		{"no token", map[string]string{"SLACK_SIGNING_SECRET": "s"}, []string{"set SLACK_BOT_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runServeCmd(t, tt.vars, "serve")
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("want one line, got %q", stderr)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not name %q", stderr, w)
				}
			}
			if tt.name == "no token" && strings.Contains(stderr, "SIGNING_SECRET") {
				t.Errorf("named a variable that is set: %q", stderr)
			}
		})
	}
}

func TestServeCheckConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good.yaml": "sources:\n  - {name: estate, type: file, path: inv.json}\nslack:\n  channel: C0COMPLY1\n  roles: {operator: [U0ALICE01]}\n",
		"inv.json":  testInventory,
		"bad.yaml": "sources:\n  - {name: estate, type: file, path: missing.json}\nslack:\n  roles: {operator: [alice]}\n" +
			"store:\n  reminders: {high: soon}\n",
		"typo.yaml": "slack:\n  chanel: C0COMPLY1\n",
	})
	vars := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}

	code, stdout, stderr := runServeCmd(t, vars, "serve", "--check-config", "--config", filepath.Join(dir, "good.yaml"))
	if code != exitOK || !strings.Contains(stdout, "ok (1 sources") || !strings.Contains(stdout, "http mode") || stderr != "" {
		t.Errorf("good config: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, _, stderr = runServeCmd(t, map[string]string{"COMPLY_CONFIG": filepath.Join(dir, "bad.yaml"), "REDIS_URL": "http://x"}, "serve", "--check-config")
	if code != exitUsage {
		t.Errorf("bad config: exit %d", code)
	}
	for _, w := range []string{"warning: serve will need SLACK_BOT_TOKEN", "REDIS_URL:", `bad.yaml:4: slack.roles.operator: "alice"`,
		`bad.yaml:6: store.reminders.high: "soon"`, "serve --check-config: 3 problems"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("bad config output lacks %q:\n%s", w, stderr)
		}
	}

	// The file as an argument, and no Slack settings: the file is valid, so 0.
	code, stdout, stderr = runServeCmd(t, nil, "serve", "--check-config", filepath.Join(dir, "good.yaml"))
	if code != exitOK || !strings.Contains(stdout, "ok (1 sources") || !strings.Contains(stderr, "warning: serve will need SLACK_BOT_TOKEN") {
		t.Errorf("file argument without Slack settings: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, _ = runServeCmd(t, nil, "serve", "--check-config", "../../examples/comply.yaml")
	if code != exitOK {
		t.Errorf("examples/comply.yaml does not validate: exit %d", code)
	}

	// Once the file is valid, the serve-specific checks run too.
	code, _, stderr = runServeCmd(t, vars, "serve", "--check-config", "--config", filepath.Join(dir, "typo.yaml"))
	if code != exitUsage || !strings.Contains(stderr, `typo.yaml:2: unknown field "chanel"`) {
		t.Errorf("typo: exit %d, %q", code, stderr)
	}
	fixed := writeFiles(t, map[string]string{"c.yaml": "sources:\n  - {type: file, path: gone.json}\n"})
	code, _, stderr = runServeCmd(t, vars, "serve", "--check-config", "--config", filepath.Join(fixed, "c.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "slack.channel is required") || !strings.Contains(stderr, `source "file": no such file`) {
		t.Errorf("serve checks: exit %d, %q", code, stderr)
	}
	code, _, stderr = runServeCmd(t, vars, "serve", "--check-config")
	if code != exitUsage || !strings.Contains(stderr, "no config file") {
		t.Errorf("no config: exit %d, %q", code, stderr)
	}
}

func TestServeBadTokenIsNotReady(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{})
	dir := writeFiles(t, map[string]string{"c.yaml": "slack: {channel: C0COMPLY1}\n"})
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": fake.SigningSecret(), "SLACK_API_URL": fake.APIURL(),
		"COMPLY_CONFIG": filepath.Join(dir, "c.yaml"),
	})
	if code, _ := get(t, s.url+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	var code int
	var body string
	waitUntil(t, "auth.test to fail", func() bool {
		code, body = get(t, s.url+"/readyz")
		return strings.Contains(body, "invalid_auth")
	})
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d %q, want 503 naming invalid_auth", code, body)
	}
	waitUntil(t, "auth.test to be retried", func() bool { return len(fake.Calls("auth.test")) > 1 })
	logs := s.logs.String()
	for _, w := range []string{"slack auth.test failed", "invalid_auth", "state store is in-memory"} {
		if !strings.Contains(logs, w) {
			t.Errorf("log lacks %q:\n%s", w, logs)
		}
	}
	if strings.Contains(logs, "xoxb-revoked") {
		t.Error("the token reached the log")
	}
	if strings.Count(logs, "slack auth.test failed") != 1 {
		t.Errorf("the same auth failure was logged more than once:\n%s", logs)
	}
	if err := s.stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: only a failing test waits this long, and a loaded 2-core
	// CI machine running every package at once needs more than 15 s.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeSocketMode(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{})
	dir := writeFiles(t, map[string]string{
		"c.yaml":   "sources:\n  - {type: file, path: inv.json}\nslack:\n  channel: C0COMPLY1\n  roles: {operator: [U0ALICE01]}\n",
		"inv.json": testInventory,
	})
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": fake.AppToken(), "SLACK_API_URL": fake.APIURL(),
		"COMPLY_CONFIG": filepath.Join(dir, "c.yaml"),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := fake.WaitSocket(ctx); err != nil {
		t.Fatalf("no socket mode connection: %v\n%s", err, s.logs.String())
	}
	// No HTTP endpoints for Slack in Socket Mode.
	if code, _ := get(t, s.url+"/slack/commands"); code != http.StatusNotFound {
		t.Errorf("/slack/commands in socket mode: %d", code)
	}
	id, _, err := fake.SendSlashCommand(slacktest.SlashCommand{Text: "scan", UserID: "U0ALICE01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitAck(ctx, id); err != nil {
		t.Fatalf("no ack: %v", err)
	}
	waitUntil(t, "the scan summary", func() bool {
		for _, m := range fake.Messages(slacktest.DefaultChannel) {
			if strings.Contains(m.Text, "Scan complete") {
				return true
			}
		}
		return false
	})
	if err := s.stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
}
