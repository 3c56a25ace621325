// Package slacktest is a fake Slack for tests: an httptest server that
// speaks the Web API methods comply uses, response URLs, file uploads and
// Socket Mode, records every call, keeps the messages it was sent, and
// builds signed slash-command and interaction requests.
//
// It does not import the adapter it tests: signatures, payloads and
// responses are written here from Slack's documentation.
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

// Defaults of a new server.
const (
	DefaultBotToken      = "xoxb-fake-bot-token"
	DefaultAppToken      = "xapp-fake-app-token"
	DefaultSigningSecret = "fake-signing-secret"
	DefaultChannel       = "C0COMPLY1"
	TeamID               = "T0FAKE001"
	BotUserID            = "U0BOT0001"
	BotID                = "B0BOT0001"
)

// Options configure a Server; zero values take the defaults.
type Options struct {
	BotToken      string
	AppToken      string
	SigningSecret string
	// Channels that exist besides DefaultChannel; posting elsewhere fails
	// with channel_not_found (a user id opens a DM).
	Channels []string
	// Now is the clock used for message timestamps and request signatures.
	Now func() time.Time
}

// Call is one request the server received.
type Call struct {
	Method string // "chat.postMessage", "response_url", "upload", ...
	Path   string
	Token  string     // the token sent (form field or bearer)
	Params url.Values // form fields, without the token
	JSON   json.RawMessage
	Time   time.Time
}

// Message is a message as the fake holds it after posts and updates.
type Message struct {
	Channel   string
	TS        string
	Text      string
	Blocks    json.RawMessage
	Ephemeral bool
	User      string // ephemeral: who sees it
	// ThreadTS is the parent's ts of a threaded reply (empty: a message in
	// the channel); Broadcast says the reply was also shown in the channel
	// (reply_broadcast).
	ThreadTS  string
	Broadcast bool
	// Revisions holds every version, oldest first (the last is current).
	Revisions []Revision
}

// Revision is one version of a message.
type Revision struct {
	Via    string // chat.postMessage, chat.update, response_url ...
	Text   string
	Blocks json.RawMessage
	Time   time.Time
}

// View is a modal opened with views.open.
type View struct {
	ID        string
	TriggerID string
	JSON      json.RawMessage
}

// Server is the fake Slack.
type Server struct {
	*httptest.Server
	opts Options

	mu        sync.Mutex
	calls     []Call
	channels  map[string]bool
	messages  map[string]*Message // by channel/ts
	order     []string
	responses map[string]responseTarget
	uploads   map[string]*upload
	views     []View
	groups    map[string][]string // user groups: id -> members
	failures  map[string][]failure
	seq       int
	socket    *socketHub
}

type responseTarget struct {
	Channel, TS, User string
	Uses              int
}

type upload struct {
	name    string
	length  int
	content []byte
	done    bool
}

type failure struct {
	code   string
	status int
}

// NewServer starts a fake Slack and stops it when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.BotToken == "" {
		opts.BotToken = DefaultBotToken
	}
	if opts.AppToken == "" {
		opts.AppToken = DefaultAppToken
	}
	if opts.SigningSecret == "" {
		opts.SigningSecret = DefaultSigningSecret
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:      opts,
		channels:  map[string]bool{DefaultChannel: true},
		messages:  map[string]*Message{},
		responses: map[string]responseTarget{},
		uploads:   map[string]*upload{},
		failures:  map[string][]failure{},
	}
	for _, c := range opts.Channels {
		s.channels[c] = true
	}
	s.socket = newSocketHub()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.api)
	mux.HandleFunc("POST /response/{id}", s.respond)
	mux.HandleFunc("POST /upload/{id}", s.upload)
	mux.HandleFunc("GET /socket", s.serveSocket)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and any Socket Mode connections.
func (s *Server) Close() {
	s.socket.close()
	s.Server.Close()
}

// APIURL is the Web API base URL (SLACK_API_URL) of the fake.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// BotToken, AppToken and SigningSecret are the credentials the fake accepts.
func (s *Server) BotToken() string      { return s.opts.BotToken }
func (s *Server) AppToken() string      { return s.opts.AppToken }
func (s *Server) SigningSecret() string { return s.opts.SigningSecret }

// AddChannel makes a channel exist.
func (s *Server) AddChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = true
}

// Fail makes the next times calls of method fail with Slack error code
// (HTTP 200, ok=false), or with HTTP status if status is not 200 (429 adds
// Retry-After: 1).
func (s *Server) Fail(method, code string, status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.failures[method] = append(s.failures[method], failure{code: code, status: status})
	}
}

// Calls returns the recorded calls, all or those of the given methods.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages of a channel (all channels if empty), in
// the order they were posted, with their current content.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, k := range s.order {
		m := s.messages[k]
		if channel == "" || m.Channel == channel {
			out = append(out, cloneMessage(m))
		}
	}
	return out
}

// Message returns one message by channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[channel+"/"+ts]
	if !ok {
		return Message{}, false
	}
	return cloneMessage(m), true
}

// Views returns the modals opened so far.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.views)
}

// UploadedFile returns a completed upload's content by file id.
func (s *Server) UploadedFile(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok || !u.done {
		return nil, false
	}
	return slices.Clone(u.content), true
}

// NewResponseURL makes a response URL. Bound to a message (channel and ts
// set), replace_original updates that message; otherwise replies become
// ephemeral messages for user in channel.
func (s *Server) NewResponseURL(channel, ts, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("R%06d", s.seq)
	s.responses[id] = responseTarget{Channel: channel, TS: ts, User: user}
	return s.URL + "/response/" + id
}

// Text of the message: the fallback text and every text in its blocks, for
// assertions that do not care about layout.
func (m Message) AllText() []string {
	out := []string{m.Text}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				out = append(out, t)
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var blocks any
	if json.Unmarshal(m.Blocks, &blocks) == nil {
		walk(blocks)
	}
	return out
}

// Buttons lists the message's buttons as action_id → value.
func (m Message) Buttons() map[string]string {
	out := map[string]string{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "button" {
				id, _ := x["action_id"].(string)
				val, _ := x["value"].(string)
				out[id] = val
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var blocks any
	if json.Unmarshal(m.Blocks, &blocks) == nil {
		walk(blocks)
	}
	return out
}

func cloneMessage(m *Message) Message {
	c := *m
	c.Revisions = slices.Clone(m.Revisions)
	return c
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Time = s.opts.Now()
	s.calls = append(s.calls, c)
}

// nextTS makes a unique, increasing message timestamp.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.opts.Now().Unix(), s.seq)
}
