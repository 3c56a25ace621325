package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
	slackgo "github.com/slack-go/slack"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = slackgo.APIURL

// ClientOptions configure a Client.
type ClientOptions struct {
	// APIURL is the Web API base URL (SLACK_API_URL); empty means Slack's.
	APIURL string
	// HTTPClient makes the requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// ResponseHosts are further hosts (host:port) that response URLs may
	// point to, besides hooks.slack.com and the API host.
	ResponseHosts []string
	// Retries is how often a rate-limited (429) call is retried.
	Retries int
	Log     *slog.Logger
}

// resolve checks the API URL and fills the defaults: a discarding log and
// an HTTP client with a 30 s timeout.
func (o ClientOptions) resolve() (ClientOptions, *url.URL, error) {
	base, err := NormalizeAPIURL(o.APIURL)
	if err != nil {
		return o, nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return o, base, nil
}

// Client is the part of Slack's Web API the bot uses.
type Client struct {
	api     *slackgo.Client
	apiURL  *url.URL
	http    *http.Client // for response URLs: no redirects
	allowed map[string]bool
	log     *slog.Logger
	// redact removes the token from error text; a func so that printing a
	// Client never shows the token.
	redact func(string) string
}

// Identity is who the token belongs to (auth.test).
type Identity struct {
	TeamID string
	Team   string
	UserID string
	BotID  string
	URL    string
}

// MessageRef locates a posted message.
type MessageRef struct {
	Channel string
	TS      string
}

// String is the form stored as a finding's announcement ref.
func (r MessageRef) String() string { return r.Channel + "/" + r.TS }

// ParseMessageRef reads MessageRef.String.
func ParseMessageRef(s string) (MessageRef, error) {
	ch, ts, ok := strings.Cut(s, "/")
	if !ok || !channelIDPattern.MatchString(ch) || !tsPattern.MatchString(ts) {
		return MessageRef{}, fmt.Errorf("not a slack message ref: %q", truncateRunes(s, 60))
	}
	return MessageRef{Channel: ch, TS: ts}, nil
}

// Upload is a file to share in a channel.
type Upload struct {
	Channel  string
	Filename string
	Title    string
	Comment  string
	ThreadTS string
	Content  []byte
}

// NormalizeAPIURL checks a Web API base URL and gives it the trailing slash
// slack-go needs.
func NormalizeAPIURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultAPIURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("slack API URL %q: want an absolute http(s) URL", truncateRunes(s, 100))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// NewClient makes a client for a bot token (xoxb-…).
func NewClient(token string, opts ClientOptions) (*Client, error) {
	if token == "" {
		return nil, errors.New("slack bot token is empty")
	}
	opts, base, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	log, hc := opts.Log, opts.HTTPClient
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	allowed := map[string]bool{"https://hooks.slack.com": true, base.Scheme + "://" + strings.ToLower(base.Host): true}
	if strings.HasSuffix(strings.ToLower(base.Hostname()), "slack-gov.com") {
		allowed["https://hooks.slack-gov.com"] = true
	}
	for _, h := range opts.ResponseHosts {
		allowed["https://"+strings.ToLower(h)] = true
		allowed["http://"+strings.ToLower(h)] = true
	}
	options := []slackgo.Option{
		slackgo.OptionAPIURL(base.String()),
		slackgo.OptionHTTPClient(hc),
		slackgo.OptionLog(slogOutput{log}),
	}
	if opts.Retries > 0 {
		options = append(options, slackgo.OptionRetry(opts.Retries))
	}
	return &Client{
		api:     slackgo.New(token, options...),
		apiURL:  base,
		http:    &noRedirect,
		allowed: allowed,
		log:     log,
		redact:  func(s string) string { return strings.ReplaceAll(s, token, "<redacted>") },
	}, nil
}

// AuthTest checks the token (for /readyz).
func (c *Client) AuthTest(ctx context.Context) (Identity, error) {
	r, err := c.api.AuthTestContext(ctx)
	if err != nil {
		return Identity{}, c.wrap("auth.test", err)
	}
	return Identity{TeamID: r.TeamID, Team: r.Team, UserID: r.UserID, BotID: r.BotID, URL: r.URL}, nil
}

// PostMessage posts m to a channel (an id, or a user id for a DM).
func (c *Client) PostMessage(ctx context.Context, channel string, m checks.Message) (MessageRef, error) {
	ch, ts, err := c.api.PostMessageContext(ctx, channel, msgOptions(m)...)
	if err != nil {
		return MessageRef{}, c.wrap("chat.postMessage", err)
	}
	return MessageRef{Channel: ch, TS: ts}, nil
}

// UpdateMessage replaces a posted message with m.
func (c *Client) UpdateMessage(ctx context.Context, ref MessageRef, m checks.Message) error {
	if _, _, _, err := c.api.UpdateMessageContext(ctx, ref.Channel, ref.TS, msgOptions(m)...); err != nil {
		return c.wrap("chat.update", err)
	}
	return nil
}

// PostEphemeral shows m to one user in a channel.
func (c *Client) PostEphemeral(ctx context.Context, channel, user string, m checks.Message) error {
	if _, err := c.api.PostEphemeralContext(ctx, channel, user, msgOptions(m)...); err != nil {
		return c.wrap("chat.postEphemeral", err)
	}
	return nil
}

// OpenSnoozeModal opens the snooze form (triggerID comes from the click,
// and is valid for 3 seconds).
func (c *Client) OpenSnoozeModal(ctx context.Context, triggerID string, m SnoozeModal) error {
	view, err := snoozeView(m)
	if err != nil {
		return err
	}
	if _, err := c.api.OpenViewContext(ctx, triggerID, view); err != nil {
		return c.wrap("views.open", err)
	}
	return nil
}

// UploadFile shares a file (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal) and returns its id.
func (c *Client) UploadFile(ctx context.Context, u Upload) (string, error) {
	if len(u.Content) == 0 {
		return "", errors.New("slack upload: empty file")
	}
	f, err := c.api.UploadFileContext(ctx, slackgo.UploadFileParameters{
		Reader:          bytes.NewReader(u.Content),
		FileSize:        len(u.Content),
		Filename:        u.Filename,
		Title:           u.Title,
		InitialComment:  u.Comment,
		Channel:         u.Channel,
		ThreadTimestamp: u.ThreadTS,
	})
	if err != nil {
		return "", c.wrap("files.upload", err)
	}
	return f.ID, nil
}

// responseBody is what a response URL takes.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          []slackgo.Block `json:"blocks,omitempty"`
	ResponseType    string          `json:"response_type,omitempty"`
	ReplaceOriginal bool            `json:"replace_original"`
}

// RespondURL answers through a response URL: replacing the message that
// held the button, or as a new message only the user sees. Only Slack's
// hooks host and the API host are allowed, so a forged URL cannot make us
// call inside our network.
func (c *Client) RespondURL(ctx context.Context, responseURL string, m checks.Message, replaceOriginal bool) error {
	u, err := url.Parse(responseURL)
	if err != nil || !c.allowed[u.Scheme+"://"+strings.ToLower(u.Host)] || u.User != nil {
		return errors.New("slack response_url: not a Slack URL")
	}
	blocks, text := Render(m)
	body := responseBody{Text: text, Blocks: blocks, ReplaceOriginal: replaceOriginal}
	if !replaceOriginal {
		body.ResponseType = "ephemeral"
	}
	js, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("slack response_url: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(js))
	if err != nil {
		return errors.New("slack response_url: bad request")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL is a credential of sorts: report the cause without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("slack response_url: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("slack response_url: status %d: %s", resp.StatusCode, strings.TrimSpace(truncateRunes(string(reply), 200)))
	}
	var ok struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(reply, &ok) == nil && ok.OK != nil && !*ok.OK {
		return fmt.Errorf("slack response_url: %s", truncateRunes(ok.Error, 100))
	}
	return nil
}

func msgOptions(m checks.Message) []slackgo.MsgOption {
	blocks, text := Render(m)
	return []slackgo.MsgOption{
		slackgo.MsgOptionBlocks(blocks...),
		slackgo.MsgOptionText(text, false), // already escaped
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
	}
}

// Error is a failed Web API call.
type Error struct {
	Method string
	// Code is Slack's error code (channel_not_found, invalid_auth, ...), or
	// empty for transport errors.
	Code string
	msg  string
	err  error
}

func (e *Error) Error() string { return "slack " + e.Method + ": " + e.msg }
func (e *Error) Unwrap() error { return e.err }

// ErrorCode is Slack's error code of err ("" if it has none).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func (c *Client) wrap(method string, err error) error {
	e := &Error{Method: method, msg: c.redact(err.Error()), err: err}
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		e.Code = se.Err
	}
	c.log.Debug("slack call failed", "method", method, "error", e.msg)
	return e
}

// slogOutput routes slack-go's own log lines (debug only) to slog.
type slogOutput struct{ log *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.log.Debug(strings.TrimSpace(msg), "component", "slack-go")
	return nil
}
