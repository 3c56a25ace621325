package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/comply-bot/comply/integrations/slack"
)

// Pinger checks a backend is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// AuthChecker checks the Slack token (auth.test).
type AuthChecker interface {
	AuthTest(ctx context.Context) (slack.Identity, error)
}

// Health serves /healthz (the process is up) and /readyz (the store answers,
// Slack accepted the token, and the bot is not shutting down).
type Health struct {
	store Pinger
	auth  AuthChecker
	log   *slog.Logger
	// Retry is how often a failed auth.test is retried; Recheck how often
	// a passed one is repeated (a revoked token shows up).
	Retry, Recheck time.Duration

	stopping atomic.Bool
	mu       sync.Mutex
	authErr  error // nil once auth.test passed
}

// NewHealth checks store and auth; auth.test has not passed until Run says so.
func NewHealth(store Pinger, auth AuthChecker, log *slog.Logger) *Health {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Health{store: store, auth: auth, log: log, Retry: 15 * time.Second, Recheck: 5 * time.Minute,
		authErr: fmt.Errorf("slack auth.test has not run yet")}
}

// Run checks the Slack token now and then periodically, until ctx ends.
func (h *Health) Run(ctx context.Context) {
	for {
		wait := h.Recheck
		if !h.checkAuth(ctx) {
			wait = h.Retry
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (h *Health) checkAuth(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id, err := h.auth.AuthTest(cctx)
	if ctx.Err() != nil {
		return true
	}
	h.mu.Lock()
	prev := h.authErr
	h.authErr = err
	h.mu.Unlock()
	switch {
	case err != nil && (prev == nil || prev.Error() != err.Error()):
		h.log.Error("slack auth.test failed: not ready until the bot token works (check SLACK_BOT_TOKEN and SLACK_API_URL)", "error", err)
	case err == nil && prev != nil:
		h.log.Info("slack auth.test passed", "team", id.Team, "team_id", id.TeamID, "bot_user", id.UserID)
	}
	return err == nil
}

// SetStopping makes /readyz fail, so load balancers stop sending work.
func (h *Health) SetStopping() { h.stopping.Store(true) }

// Healthz answers 200 while the process runs.
func (h *Health) Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Readyz answers 200 when ready, else 503 with the reasons, one a line.
func (h *Health) Readyz(w http.ResponseWriter, r *http.Request) {
	var problems []string
	if h.stopping.Load() {
		problems = append(problems, "shutting down")
	}
	h.mu.Lock()
	authErr := h.authErr
	h.mu.Unlock()
	if authErr != nil {
		problems = append(problems, "slack: "+oneLine(authErr.Error()))
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		problems = append(problems, "store: "+oneLine(err.Error()))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n" + strings.Join(problems, "\n") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
