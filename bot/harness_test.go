package bot

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
)

// Users of the tests: alice operates, bob only looks.
const (
	alice   = "U0ALICE01"
	bob     = "U0BOB0001"
	channel = slacktest.DefaultChannel
)

const testRules = `rules:
  - id: t-versioning
    title: Buckets keep versions
    resource: aws.s3.bucket
    severity: medium
    assert: versioning_enabled
    message: "bucket {{ name }} is unversioned"
    remediation: {text: Enable versioning., action: aws.s3.enable-versioning}
    frameworks: {SOC2: [A1.2]}
  - id: t-encryption
    title: Buckets encrypt
    resource: aws.s3.bucket
    severity: critical
    assert: encryption_enabled
    remediation: {text: Encrypt., action: aws.s3.enable-default-encryption, params: {algorithm: AES256}}
    frameworks: {PCI: ["3.5.1"]}
  - id: t-volume
    title: Volumes encrypt
    resource: aws.ec2.volume
    severity: high
    assert: encrypted
    frameworks: {HIPAA: ["164.312(a)(2)(iv)"]}
`

func loadTestRules(t testing.TB) []*checks.Rule {
	t.Helper()
	rules, err := checks.DefaultCatalog().LoadRules(checks.RuleSource{Name: "rules.yaml", Data: []byte(testRules)})
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func bucket(name, region string, versioned, encrypted bool) checks.Resource {
	return checks.Resource{ID: "arn:aws:s3:::" + name, Type: "aws.s3.bucket", Account: "111122223333", Region: region, Name: name,
		Tags: map[string]string{}, Attributes: map[string]any{"versioning_enabled": versioned, "encryption_enabled": encrypted}}
}

func volume(id, region string, encrypted bool) checks.Resource {
	return checks.Resource{ID: id, Type: "aws.ec2.volume", Account: "111122223333", Region: region, Name: id,
		Tags: map[string]string{}, Attributes: map[string]any{"encrypted": encrypted}}
}

// fakeCollector serves resources the test sets; gate, if set, holds Collect
// until closed.
type fakeCollector struct {
	mu        sync.Mutex
	resources []checks.Resource
	gate      chan struct{}
	calls     int
}

func (c *fakeCollector) Name() string { return "fake" }

func (c *fakeCollector) Collect(ctx context.Context) (*checks.Collection, error) {
	c.mu.Lock()
	gate := c.gate
	c.calls++
	res := append([]checks.Resource(nil), c.resources...)
	c.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &checks.Collection{Resources: res}, nil
}

func (c *fakeCollector) set(res ...checks.Resource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resources = res
}

func (c *fakeCollector) hold() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gate = make(chan struct{})
	return c.gate
}

// harness is a bot with the in-memory store, the fake Slack, and Slack's
// HTTP endpoints in front of it.
type harness struct {
	t     testing.TB
	fake  *slacktest.Server
	st    store.Store
	bot   *Bot
	srv   *httptest.Server
	col   *fakeCollector
	clock *clock
}

type harnessOptions struct {
	roles       config.Roles
	noRoles     bool
	maxMessages int
	workers     int
	queue       int
	store       store.Store // default: in-memory
	remediation *RemediationPolicy
	remediator  Remediator
	clock       *clock // default: now, advanced by hand
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	if o.roles.Empty() && !o.noRoles {
		o.roles = config.Roles{Viewer: []string{"*"}, Operator: []string{alice}}
	}
	clk := o.clock
	if clk == nil {
		clk = &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fake := slacktest.NewServer(t, slacktest.Options{})
	st := o.store
	if st == nil {
		mem, err := store.NewMemory(log, store.Options{Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		st = mem
	}
	client, err := slack.NewClient(fake.BotToken(), slack.ClientOptions{APIURL: fake.APIURL(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	col := &fakeCollector{}
	b, err := New(Options{
		Channel: channel, Store: st, Chat: NewSlackChat(client),
		Authz: NewAuthorizer(o.roles, client, nil, log), Rules: loadTestRules(t),
		Collectors: func(context.Context, ScanScope) ([]Collector, error) { return []Collector{col}, nil },
		Workers:    o.workers, Queue: o.queue, MaxFindingMessages: o.maxMessages, Now: clk.now, Log: log,
		Remediation: o.remediation, Remediator: o.remediator,
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := slack.NewVerifier(fake.SigningSecret(), ReplayGuard(st), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(slack.NewHTTPHandler(v, b, log))
	h := &harness{t: t, fake: fake, st: st, bot: b, srv: srv, col: col, clock: clk}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.Shutdown(ctx)
		_ = st.Close()
	})
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// do sends a signed request and waits until the work it queued is done.
func (h *harness) do(req *http.Request) *http.Response {
	h.t.Helper()
	resp := h.send(req)
	h.wait()
	return resp
}

// send sends a signed request; it must be acknowledged with 200.
func (h *harness) send(req *http.Request) *http.Response {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%s: status %d: %s", req.URL.Path, resp.StatusCode, body)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// command runs /comply text as user and returns what the user was told.
func (h *harness) command(user, text string) []string {
	h.t.Helper()
	before := len(h.ephemeral(user))
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: text, UserID: user})
	h.do(req)
	return h.ephemeral(user)[before:]
}

// click clicks a button of a message as user and returns what the user was
// told.
func (h *harness) click(ts, user, actionID string) []string {
	h.t.Helper()
	before := len(h.ephemeral(user))
	req, err := h.fake.ClickButton(h.srv.URL+"/slack/interactions", channel, ts, user, actionID)
	if err != nil {
		h.t.Fatal(err)
	}
	h.do(req)
	return h.ephemeral(user)[before:]
}

// wait waits for the bot's queued work to finish.
func (h *harness) wait() {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for h.bot.pool.Pending() > 0 || h.bot.forms.Pending() > 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("bot work did not finish")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ephemeral returns the texts of the messages only user saw, oldest first.
func (h *harness) ephemeral(user string) []string {
	var out []string
	for _, m := range h.fake.Messages("") {
		if m.Ephemeral && m.User == user {
			out = append(out, strings.Join(m.AllText(), "\n"))
		}
	}
	return out
}

// findingMessages are the channel's finding messages by fingerprint.
func (h *harness) findingMessages() map[string]slacktest.Message {
	out := map[string]slacktest.Message{}
	for _, m := range h.fake.Messages(channel) {
		if m.Ephemeral {
			continue
		}
		if v, ok := m.Buttons()["comply_cmd/show"]; ok {
			out[strings.TrimPrefix(v, "show ")] = m
		}
	}
	return out
}

// scanMessages are the channel's scan messages (posted "Scan running").
func (h *harness) scanMessages() []slacktest.Message {
	var out []slacktest.Message
	for _, m := range h.fake.Messages(channel) {
		if len(m.Revisions) > 0 && strings.Contains(m.Revisions[0].Text, "Scan running") {
			out = append(out, m)
		}
	}
	return out
}

func text(m slacktest.Message) string { return strings.Join(m.AllText(), "\n") }

func (h *harness) audit(action string) []checks.AuditEntry {
	h.t.Helper()
	all, err := h.st.ReadAudit(context.Background(), store.AuditQuery{})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []checks.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}
