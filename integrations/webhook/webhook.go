// Package webhook delivers finding changes to an HTTP endpoint: a signed JSON
// batch for any receiver (SIEM, automation), or Splunk HTTP Event Collector
// events.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// Format is the wire format of a delivery.
type Format string

// Formats.
const (
	FormatJSON   Format = "json"       // one signed JSON batch per delivery
	FormatSplunk Format = "splunk-hec" // Splunk HEC events, one per change
)

// Headers of a signed JSON delivery.
const (
	HeaderSignature = "X-Comply-Signature" // "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"
	HeaderTimestamp = "X-Comply-Timestamp" // Unix seconds, also covered by the signature
	HeaderDelivery  = "X-Comply-Delivery"  // stable across retries of one batch: receivers may dedupe on it
)

// SplunkSourceType is the sourcetype of every HEC event.
const SplunkSourceType = "comply:finding"

// Config configures one webhook receiver.
type Config struct {
	// URL is the endpoint. For FormatSplunk it may be the HEC base
	// (https://splunk:8088), to which /services/collector/event is added.
	URL    string
	Format Format // default FormatJSON
	// Secret is the HMAC key for FormatJSON; empty sends unsigned batches.
	Secret string
	// SplunkToken is the HEC token, sent as "Authorization: Splunk <token>".
	SplunkToken string
	SplunkIndex string // optional HEC index
	SplunkHost  string // optional HEC host field

	MaxAttempts    int           // total tries per delivery, default 4
	InitialBackoff time.Duration // first wait, doubled per try; default 1s
	MaxBackoff     time.Duration // cap on one wait (and on Retry-After); default 30s
	Timeout        time.Duration // per attempt; default 10s
}

// Sender posts change batches to one endpoint.
type Sender struct {
	cfg      Config
	endpoint string
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	// sleep waits between attempts; tests replace it to run instantly.
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Sender. A nil client means http.DefaultClient;
// a nil log discards.
func New(cfg Config, client *http.Client, log *slog.Logger) (*Sender, error) {
	if cfg.Format == "" {
		cfg.Format = FormatJSON
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.InitialBackoff <= 0 {
		cfg.InitialBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("webhook: url must be an absolute http(s) URL")
	}
	endpoint := cfg.URL
	switch cfg.Format {
	case FormatJSON:
	case FormatSplunk:
		if cfg.SplunkToken == "" {
			return nil, errors.New("webhook: splunk-hec format needs a token")
		}
		if !strings.Contains(u.Path, "/services/collector") {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/services/collector/event"
			endpoint = u.String()
		}
	default:
		return nil, fmt.Errorf("webhook: unknown format %q (want json or splunk-hec)", cfg.Format)
	}
	if client == nil {
		client = http.DefaultClient
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, endpoint: endpoint, client: client, log: log, now: time.Now, sleep: sleepCtx}, nil
}

// Batch is the JSON body of a FormatJSON delivery.
type Batch struct {
	Version int             `json:"version"`
	SentAt  time.Time       `json:"sent_at"`
	Changes []checks.Change `json:"changes"`
}

// Sync delivers one change; webhooks keep no remote object, so the ref is
// empty. It lets a webhook stand where a ticketing receiver does.
func (s *Sender) Sync(ctx context.Context, change checks.Change) (string, error) {
	return "", s.Notify(ctx, []checks.Change{change})
}

// Notify delivers changes as one request, retrying on 5xx, 429 and network
// errors with capped exponential backoff. An empty batch sends nothing.
func (s *Sender) Notify(ctx context.Context, changes []checks.Change) error {
	if len(changes) == 0 {
		return nil
	}
	now := s.now().UTC()
	var body []byte
	var err error
	if s.cfg.Format == FormatSplunk {
		body, err = splunkBody(changes, now, s.cfg)
	} else {
		body, err = json.Marshal(Batch{Version: 1, SentAt: now, Changes: changes})
	}
	if err != nil {
		return fmt.Errorf("webhook: encode %d changes: %w", len(changes), err)
	}
	sum := sha256.Sum256(body)
	delivery := hex.EncodeToString(sum[:16])
	ts := fmt.Sprint(now.Unix())
	if err := s.deliver(ctx, body, ts, delivery); err != nil {
		return fmt.Errorf("webhook: deliver %d changes to %s: %w", len(changes), s.target(), err)
	}
	return nil
}

// target names the endpoint without path or query, which may hold secrets.
func (s *Sender) target() string {
	u, err := url.Parse(s.endpoint)
	if err != nil {
		return "endpoint"
	}
	return u.Scheme + "://" + u.Host
}

// Sign returns the signature header value for a body sent at ts.
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery's signature and that its timestamp is within
// tolerance of now, for receivers written in Go (and the tests).
func Verify(secret, ts, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	var sec int64
	if _, err := fmt.Sscan(ts, &sec); err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp outside tolerance")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("signature mismatch")
	}
	return nil
}
