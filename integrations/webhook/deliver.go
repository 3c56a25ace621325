package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// statusError is a non-2xx answer; retryable for 5xx and 429.
type statusError struct {
	code       int
	body       string
	retryAfter time.Duration
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("status %d", e.code)
	}
	return fmt.Sprintf("status %d: %s", e.code, e.body)
}

func (e *statusError) retryable() bool {
	return e.code >= 500 || e.code == http.StatusTooManyRequests
}

// deliver runs the attempts. A final error says how many were made.
func (s *Sender) deliver(ctx context.Context, body []byte, ts, delivery string) error {
	wait := s.cfg.InitialBackoff
	var last error
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		err := s.attempt(ctx, body, ts, delivery)
		if err == nil {
			return nil
		}
		last = err
		var se *statusError
		if errors.As(err, &se) && !se.retryable() {
			return err // a 4xx will not get better by asking again
		}
		if ctx.Err() != nil {
			return fmt.Errorf("attempt %d: %w", attempt, err)
		}
		if attempt == s.cfg.MaxAttempts {
			break
		}
		d := jitter(wait)
		if se != nil && se.retryAfter > 0 {
			d = se.retryAfter
		}
		d = min(d, s.cfg.MaxBackoff)
		s.log.WarnContext(ctx, "webhook delivery failed, retrying",
			"target", s.target(), "attempt", attempt, "wait", d, "err", err)
		if err := s.sleep(ctx, d); err != nil {
			return fmt.Errorf("attempt %d: %w (then %w)", attempt, last, err)
		}
		wait = min(wait*2, s.cfg.MaxBackoff)
	}
	return fmt.Errorf("gave up after %d attempts: %w", s.cfg.MaxAttempts, last)
}

func (s *Sender) attempt(ctx context.Context, body []byte, ts, delivery string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return errors.New("build request") // the error would print the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "comply-webhook/1")
	req.Header.Set(HeaderDelivery, delivery)
	switch s.cfg.Format {
	case FormatSplunk:
		req.Header.Set("Authorization", "Splunk "+s.cfg.SplunkToken)
	default:
		req.Header.Set(HeaderTimestamp, ts)
		if s.cfg.Secret != "" {
			req.Header.Set(HeaderSignature, Sign(s.cfg.Secret, ts, body))
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error prints the full URL, which may carry a token: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post: %s", s.redact(err.Error()))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &statusError{
		code:       resp.StatusCode,
		body:       s.redact(strings.TrimSpace(string(snippet))),
		retryAfter: retryAfter(resp.Header.Get("Retry-After")),
	}
}

// redact removes the configured secrets from text that came from outside
// (an error, a response body echoing the request).
func (s *Sender) redact(text string) string {
	for _, secret := range []string{s.cfg.Secret, s.cfg.SplunkToken, s.endpoint} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "<redacted>")
		}
	}
	return text
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// jitter spreads retries of many senders over [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// splunkEvent is one HEC event (https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector).
type splunkEvent struct {
	Time       float64       `json:"time"`
	Host       string        `json:"host,omitempty"`
	Source     string        `json:"source"`
	SourceType string        `json:"sourcetype"`
	Index      string        `json:"index,omitempty"`
	Event      checks.Change `json:"event"`
}

// splunkBody concatenates one event object per change, which is how HEC
// takes a batch (not a JSON array).
func splunkBody(changes []checks.Change, now time.Time, cfg Config) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, c := range changes {
		at := c.State.LastSeen
		if at.IsZero() {
			at = now
		}
		ev := splunkEvent{
			Time:       float64(at.UnixMilli()) / 1000,
			Host:       cfg.SplunkHost,
			Source:     "comply",
			SourceType: SplunkSourceType,
			Index:      cfg.SplunkIndex,
			Event:      c,
		}
		if err := enc.Encode(ev); err != nil {
			return nil, fmt.Errorf("event %s: %w", c.Finding.Fingerprint, err)
		}
	}
	return buf.Bytes(), nil
}
