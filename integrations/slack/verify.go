package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack).
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	// MaxSkew is how far a request's timestamp may be from our clock.
	MaxSkew = 5 * time.Minute
	// MaxBodyBytes bounds what we read of a request body.
	MaxBodyBytes = 1 << 20
)

// ReplayGuard remembers request signatures so a captured request cannot be
// sent again. The state store implements it (SET NX with a TTL).
type ReplayGuard interface {
	// FirstSeen records key for ttl and reports true, unless key is already
	// recorded, in which case it reports false.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Verifier checks Slack's signature on HTTP requests.
type Verifier struct {
	secret []byte
	replay ReplayGuard
	now    func() time.Time
	log    *slog.Logger
}

// NewVerifier checks requests signed with secret. now is the clock (nil:
// time.Now); log may be nil.
func NewVerifier(secret string, replay ReplayGuard, now func() time.Time, log *slog.Logger) (*Verifier, error) {
	if secret == "" {
		return nil, errors.New("slack signing secret is empty")
	}
	if replay == nil {
		return nil, errors.New("slack verifier needs a replay guard")
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{secret: []byte(secret), replay: replay, now: now, log: log}, nil
}

// Errors of Verify; all but errReplayStore mean the request is not Slack's.
var (
	ErrMissingHeaders = errors.New("missing slack signature headers")
	ErrBadTimestamp   = errors.New("slack request timestamp outside the allowed window")
	ErrBadSignature   = errors.New("slack request signature does not match")
	ErrReplay         = errors.New("slack request already seen")
	ErrBodyTooLarge   = errors.New("slack request body too large")
	errReplayStore    = errors.New("replay guard unavailable")
)

// Verify reads the body of r (at most MaxBodyBytes) and checks its
// signature, timestamp and novelty. It returns the verified body.
func (v *Verifier) Verify(r *http.Request) ([]byte, error) {
	sig, tsText := r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp)
	if sig == "" || tsText == "" {
		return nil, ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a unix time", ErrBadTimestamp, truncateRunes(tsText, 20))
	}
	if skew := v.now().Sub(time.Unix(ts, 0)); skew > MaxSkew || skew < -MaxSkew {
		return nil, fmt.Errorf("%w: %s", ErrBadTimestamp, skew.Round(time.Second))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read slack request body: %w", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	got, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return nil, ErrBadSignature
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil || !hmac.Equal(gotMAC, Sign(v.secret, tsText, body)) {
		return nil, ErrBadSignature
	}
	// Only a verified signature is remembered, so forgeries cannot fill the
	// guard. A signature stays valid for 2×MaxSkew of our clock.
	first, err := v.replay.FirstSeen(r.Context(), "slack-sig:"+got, 2*MaxSkew)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errReplayStore, err)
	}
	if !first {
		return nil, ErrReplay
	}
	return body, nil
}

// Sign computes Slack's v0 signature of a request body.
func Sign(secret []byte, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}

// SignatureHeader is the X-Slack-Signature value for a body.
func SignatureHeader(secret, timestamp string, body []byte) string {
	return "v0=" + hex.EncodeToString(Sign([]byte(secret), timestamp, body))
}

type bodyKey struct{}

// VerifiedBody returns the body checked by Middleware.
func VerifiedBody(ctx context.Context) ([]byte, bool) {
	b, ok := ctx.Value(bodyKey{}).([]byte)
	return b, ok
}

// Middleware lets through only requests Slack signed: anything else gets 401
// (413 for an oversized body, 503 if the replay guard fails) and next never
// runs. The verified body is in the request's context (VerifiedBody) and
// its Body.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := v.Verify(r)
		if err != nil {
			code := http.StatusUnauthorized
			switch {
			case errors.Is(err, ErrBodyTooLarge):
				code = http.StatusRequestEntityTooLarge
			case errors.Is(err, errReplayStore):
				code = http.StatusServiceUnavailable
			}
			v.log.Warn("slack request rejected", "path", r.URL.Path, "remote", r.RemoteAddr, "status", code, "error", err)
			http.Error(w, http.StatusText(code), code)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// MemoryReplayGuard is a ReplayGuard for one process (tests, single replica).
type MemoryReplayGuard struct {
	mu   sync.Mutex
	seen map[string]time.Time
	now  func() time.Time
}

// NewMemoryReplayGuard remembers keys in memory; now is the clock (nil:
// time.Now).
func NewMemoryReplayGuard(now func() time.Time) *MemoryReplayGuard {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayGuard{seen: map[string]time.Time{}, now: now}
}

// FirstSeen implements ReplayGuard.
func (g *MemoryReplayGuard) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for k, exp := range g.seen {
		if !now.Before(exp) {
			delete(g.seen, k)
		}
	}
	if exp, ok := g.seen[key]; ok && now.Before(exp) {
		return false, nil
	}
	g.seen[key] = now.Add(ttl)
	return true, nil
}
