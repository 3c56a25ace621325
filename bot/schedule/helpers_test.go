package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"github.com/comply-bot/comply/store"
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

// redisURL is the test Redis: REDIS_URL or the local one. Missing, the test
// is skipped, or fails with CI=true.
func redisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	opts.MaxRetries = -1
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		msg := "Redis is not reachable at " + opts.Addr + " (" + err.Error() + "); start one with " +
			"`redis-server --port 6379 --save '' --appendonly no`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return url
}

// openRedisPair opens two Redis stores (two replicas: separate clients)
// under one fresh prefix, whose keys are deleted at cleanup.
func openRedisPair(t testing.TB) (*store.Redis, *store.Redis) {
	t.Helper()
	url := redisURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "comply-test:schedule:" + hex.EncodeToString(b) + ":"
	var out [2]*store.Redis
	for i := range out {
		s, err := store.OpenRedis(context.Background(), url, store.Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[i] = s
	}
	t.Cleanup(func() {
		o, _ := redis.ParseURL(url)
		rdb := redis.NewClient(o)
		defer rdb.Close()
		ctx := context.Background()
		keys, err := rdb.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = rdb.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("clean up redis keys %s*: %v", prefix, err)
		}
	})
	return out[0], out[1]
}
