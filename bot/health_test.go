package bot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack"
)

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

type authFunc func(context.Context) (slack.Identity, error)

func (f authFunc) AuthTest(ctx context.Context) (slack.Identity, error) { return f(ctx) }

func TestReadiness(t *testing.T) {
	var storeErr, authErr atomic.Pointer[error]
	set := func(p *atomic.Pointer[error], err error) { p.Store(&err) }
	set(&storeErr, nil)
	set(&authErr, errors.New("slack auth.test: invalid_auth"))
	var authCalls atomic.Int32
	h := NewHealth(pingFunc(func(context.Context) error { return *storeErr.Load() }),
		authFunc(func(context.Context) (slack.Identity, error) {
			authCalls.Add(1)
			return slack.Identity{}, *authErr.Load()
		}), nil)
	h.Retry, h.Recheck = 5*time.Millisecond, time.Hour

	ready := func() (int, string) {
		rec := httptest.NewRecorder()
		h.Readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "has not run yet") {
		t.Errorf("before auth.test: %d %q", code, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	waitFor(t, "auth.test retries", func() bool { return authCalls.Load() >= 3 })
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "slack: slack auth.test: invalid_auth") {
		t.Errorf("bad token: %d %q", code, body)
	}
	set(&authErr, nil)
	waitFor(t, "ready", func() bool { code, _ := ready(); return code == http.StatusOK })
	calls := authCalls.Load()
	time.Sleep(30 * time.Millisecond)
	if authCalls.Load() != calls {
		t.Error("auth.test retried after it passed (before Recheck)")
	}
	set(&storeErr, errors.New("ping redis: connection refused"))
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "store: ping redis: connection refused") {
		t.Errorf("store down: %d %q", code, body)
	}
	set(&storeErr, nil)
	h.SetStopping()
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("stopping: %d %q", code, body)
	}
	rec := httptest.NewRecorder()
	h.Healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz %d", rec.Code)
	}
}
