package slack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

var verifyNow = time.Unix(1_741_608_000, 0)

type failingGuard struct{}

func (failingGuard) FirstSeen(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis down")
}

func signedRequest(body string, ts time.Time, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	tsText := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set(HeaderTimestamp, tsText)
	r.Header.Set(HeaderSignature, SignatureHeader(secret, tsText, []byte(body)))
	return r
}

func TestVerifierMiddleware(t *testing.T) {
	body := "command=%2Fcomply&text=scan&user_id=U0ALICE01"
	replayed := signedRequest(body, verifyNow, testSecret)
	tests := []struct {
		name   string
		req    func() *http.Request
		guard  ReplayGuard
		status int
	}{
		{"good", func() *http.Request { return signedRequest(body, verifyNow, testSecret) }, nil, http.StatusOK},
		{"good within skew", func() *http.Request { return signedRequest(body, verifyNow.Add(-4*time.Minute), testSecret) }, nil, http.StatusOK},
		{"forged secret", func() *http.Request { return signedRequest(body, verifyNow, "other-secret") }, nil, http.StatusUnauthorized},
		{"body changed", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Body = io.NopCloser(strings.NewReader(body + "&text=fix"))
			return r
		}, nil, http.StatusUnauthorized},
		{"timestamp changed", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Set(HeaderTimestamp, strconv.FormatInt(verifyNow.Unix()-1, 10))
			return r
		}, nil, http.StatusUnauthorized},
		{"stale", func() *http.Request {
			return signedRequest(body, verifyNow.Add(-5*time.Minute-time.Second), testSecret)
		}, nil, http.StatusUnauthorized},
		{"future", func() *http.Request { return signedRequest(body, verifyNow.Add(5*time.Minute+time.Second), testSecret) }, nil, http.StatusUnauthorized},
		{"missing signature", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Del(HeaderSignature)
			return r
		}, nil, http.StatusUnauthorized},
		{"missing timestamp", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Del(HeaderTimestamp)
			return r
		}, nil, http.StatusUnauthorized},
		{"timestamp not a number", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Set(HeaderTimestamp, "yesterday")
			return r
		}, nil, http.StatusUnauthorized},
		{"no v0 prefix", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Set(HeaderSignature, strings.TrimPrefix(r.Header.Get(HeaderSignature), "v0="))
			return r
		}, nil, http.StatusUnauthorized},
		{"signature not hex", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Header.Set(HeaderSignature, "v0=zz")
			return r
		}, nil, http.StatusUnauthorized},
		{"oversized body", func() *http.Request {
			return signedRequest(strings.Repeat("a", MaxBodyBytes+1), verifyNow, testSecret)
		}, nil, http.StatusRequestEntityTooLarge},
		{"body at the limit", func() *http.Request {
			return signedRequest(strings.Repeat("a", MaxBodyBytes), verifyNow, testSecret)
		}, nil, http.StatusOK},
		{"replay guard down", func() *http.Request { return signedRequest(body, verifyNow, testSecret) }, failingGuard{}, http.StatusServiceUnavailable},
		{"wrong method", func() *http.Request {
			r := signedRequest(body, verifyNow, testSecret)
			r.Method = http.MethodGet
			return r
		}, nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			guard := tt.guard
			if guard == nil {
				guard = NewMemoryReplayGuard(func() time.Time { return verifyNow })
			}
			v, err := NewVerifier(testSecret, guard, func() time.Time { return verifyNow }, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ran atomic.Int32
			var gotBody string
			h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran.Add(1)
				b, _ := VerifiedBody(r.Context())
				fromBody, _ := io.ReadAll(r.Body)
				if string(b) != string(fromBody) {
					t.Errorf("context body and request body differ")
				}
				gotBody = string(b)
			}))
			req := tt.req()
			wantBody := ""
			if tt.status == http.StatusOK {
				b, _ := io.ReadAll(req.Body)
				wantBody = string(b)
				req.Body = io.NopCloser(strings.NewReader(wantBody))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if want := int32(0); tt.status != http.StatusOK && ran.Load() != want {
				t.Errorf("handler ran for a rejected request")
			}
			if tt.status == http.StatusOK && (ran.Load() != 1 || gotBody != wantBody) {
				t.Errorf("handler ran %d times with body of %d bytes", ran.Load(), len(gotBody))
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		v, _ := NewVerifier(testSecret, NewMemoryReplayGuard(func() time.Time { return verifyNow }), func() time.Time { return verifyNow }, nil)
		var ran atomic.Int32
		h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran.Add(1) }))
		for i, want := range []int{http.StatusOK, http.StatusUnauthorized, http.StatusUnauthorized} {
			r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
			r.Header = replayed.Header.Clone()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != want {
				t.Errorf("attempt %d: status %d, want %d", i, rec.Code, want)
			}
		}
		if ran.Load() != 1 {
			t.Errorf("handler ran %d times, want 1", ran.Load())
		}
	})
}

func TestVerifierMatchesFakeSlackSigning(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{SigningSecret: testSecret, Now: func() time.Time { return verifyNow }})
	req, _ := fake.SlashCommandRequest("http://comply.test/slack/commands", slacktest.SlashCommand{Text: "status"})
	v, _ := NewVerifier(testSecret, NewMemoryReplayGuard(nil), func() time.Time { return verifyNow }, nil)
	body, err := v.Verify(req)
	if err != nil {
		t.Fatalf("fake Slack's signature rejected: %v", err)
	}
	if !strings.Contains(string(body), "text=status") {
		t.Errorf("body = %q", body)
	}
}

func TestMemoryReplayGuardExpires(t *testing.T) {
	now := verifyNow
	g := NewMemoryReplayGuard(func() time.Time { return now })
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		key     string
		first   bool
	}{
		{0, "a", true},
		{time.Minute, "a", false},
		{0, "b", true},
		{9 * time.Minute, "a", true}, // 10 minutes later: forgotten
		{time.Minute, "b", true},     // b was recorded a minute after a
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		got, err := g.FirstSeen(ctx, s.key, 10*time.Minute)
		if err != nil || got != s.first {
			t.Errorf("step %d: FirstSeen(%s) = %v, %v; want %v", i, s.key, got, err, s.first)
		}
	}
}

func TestNewVerifierNeedsSecretAndGuard(t *testing.T) {
	if _, err := NewVerifier("", NewMemoryReplayGuard(nil), nil, nil); err == nil {
		t.Error("empty secret accepted")
	}
	if _, err := NewVerifier("s", nil, nil, nil); err == nil {
		t.Error("nil guard accepted")
	}
}
