// Package redistest gives tests the real Redis they run against: its URL
// (checked to answer), a fresh key prefix per test, and the deletion of that
// prefix's keys. It does not import store, so store's own tests can use it.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the Redis tests use when COMPLY_TEST_REDIS_URL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL is the test Redis: COMPLY_TEST_REDIS_URL, or the local one. When it
// does not answer, the test is skipped with how to start one, or fails with
// CI=true (where a missing service is a failure).
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("COMPLY_TEST_REDIS_URL")
	if url == "" {
		url = DefaultURL
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("COMPLY_TEST_REDIS_URL: %v", err)
	}
	opts.MaxRetries = -1 // a missing server should be reported at once
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		msg := "Redis is not reachable at " + opts.Addr + " (" + err.Error() + "); start one with " +
			"`redis-server --port 6379 --save '' --appendonly no` or `docker run --rm -p 6379:6379 redis:7`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return url
}

// Prefix returns a fresh key prefix, "<name>:<random>:", whose keys are
// deleted when the test ends.
func Prefix(t testing.TB, url, name string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := name + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { Wipe(t, url, prefix) })
	return prefix
}

// Wipe deletes every key under prefix, as an operator flushing Redis would.
func Wipe(t testing.TB, url, prefix string) {
	t.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Errorf("wipe redis keys %s*: %v", prefix, err)
		return
	}
	rdb := redis.NewClient(o)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			rdb.Unlink(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Unlink(ctx, keys...)
	}
	if err := iter.Err(); err != nil {
		t.Errorf("wipe redis keys %s*: %v", prefix, err)
	}
}

// Client is a raw client of the test Redis (URL), closed when the test
// ends, for tests that look at keys themselves.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
