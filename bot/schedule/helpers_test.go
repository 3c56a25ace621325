package schedule

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
)

// spec builds a schedule as the config loader does.
func spec(t testing.TB, name, cronSpec, tz string) Spec {
	t.Helper()
	sched, err := cron.ParseStandard(cronSpec)
	if err != nil {
		t.Fatalf("parse %q: %v", cronSpec, err)
	}
	loc := time.UTC
	if tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			t.Fatal(err)
		}
	}
	return Spec{Name: name, Cron: cronSpec, Spec: sched, Location: loc, Summary: true}
}

// failures records monitoring failures.
type failures struct {
	mu      sync.Mutex
	reasons []string
}

func (f *failures) add(_ Spec, _ Outcome, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reasons = append(f.reasons, reason)
}

func (f *failures) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reasons...)
}

func newMemory(t testing.TB) *store.Memory {
	t.Helper()
	m, err := store.NewMemory(slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// openRedisPair opens two Redis stores (two replicas: separate clients)
// under one fresh prefix, whose keys are deleted at cleanup.
func openRedisPair(t testing.TB) (*store.Redis, *store.Redis) {
	t.Helper()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url, "comply-test:schedule")
	var out [2]*store.Redis
	for i := range out {
		s, err := store.OpenRedis(context.Background(), url, store.Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}
