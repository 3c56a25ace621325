package store_test

import (
	"testing"
	"time"

	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
)

// A record with its own TTL (a digest group's) sets its hash's expiry, and
// each write renews it; records of open findings keep none.
func TestRedisDeliveryTTL(t *testing.T) {
	s := newTestRedis(t, store.Options{})
	rdb := redistest.Client(t)
	ctx := t.Context()
	rep := benchReport(0, 1)
	if _, err := s.Reconcile(ctx, rep, store.ReconcileOptions{}); err != nil {
		t.Fatal(err)
	}
	fp := rep.Findings[0].Fingerprint
	const group = "group:0123456789abcdef"
	pttl := func(fp string) time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, s.Prefix()+"dlv:"+fp).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, ttl := range []time.Duration{48 * time.Hour, 72 * time.Hour} {
		if err := s.RecordDeliveries(ctx, "digest",
			store.Delivery{Fingerprint: group, ChangeKey: "digest", At: time.Now(), TTL: ttl},
			store.Delivery{Fingerprint: fp, ChangeKey: "new:1"}); err != nil {
			t.Fatal(err)
		}
		if got := pttl(group); got <= ttl-time.Minute || got > ttl {
			t.Errorf("group record TTL %v, want about %v", got, ttl)
		}
		if got := pttl(fp); got != -1 {
			t.Errorf("open finding's record TTL %v, want none (-1)", got)
		}
	}
}
