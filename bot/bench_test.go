package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// clicksPerBurst is how many signed button clicks arrive at once.
const clicksPerBurst = 50

// BenchmarkInteractionAck measures how fast Slack's HTTP requests are
// acknowledged: each iteration sends 50 concurrent signed "Show details"
// clicks to /slack/interactions (signature check, replay guard, decode,
// queue) and times each until its response arrives. The work itself runs
// afterwards on the workers, outside the timing. p50 and p99 are reported
// in milliseconds over all clicks.
//
//	go test ./bot -run '^$' -bench InteractionAck -benchtime 20x
func BenchmarkInteractionAck(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkAck(b, nil) })
	b.Run("redis", func(b *testing.B) {
		st := benchRedis(b)
		if st == nil {
			b.Skip("Redis is not reachable at 127.0.0.1:6379")
		}
		benchmarkAck(b, st)
	})
}

func benchmarkAck(b *testing.B, st store.Store) {
	h := newHarness(b, harnessOptions{store: st, queue: clicksPerBurst * 2})
	var res []checks.Resource
	for i := range clicksPerBurst {
		res = append(res, bucket(fmt.Sprintf("bench-%02d", i), "us-east-1", false, true))
	}
	h.col.set(res...)
	h.command(alice, "scan")
	var targets []string
	for _, m := range h.findingMessages() {
		targets = append(targets, m.TS)
	}
	if len(targets) == 0 {
		b.Fatal("no finding messages to click")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clicksPerBurst}}
	var lat []time.Duration
	var mu sync.Mutex
	replies := len(h.fake.Calls("response_url"))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		reqs := make([]*http.Request, clicksPerBurst)
		for i := range reqs {
			r, err := h.fake.ClickButton(h.srv.URL+"/slack/interactions", channel, targets[i%len(targets)], alice, "comply_cmd/show")
			if err != nil {
				b.Fatal(err)
			}
			reqs[i] = r
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, r := range reqs {
			wg.Go(func() {
				<-start
				t0 := time.Now()
				resp, err := client.Do(r)
				d := time.Since(t0)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
		b.StartTimer()
		close(start)
		wg.Wait()
		b.StopTimer()
		h.wait() // the work runs outside the timing
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
	if n := len(h.fake.Calls("response_url")) - replies; n != b.N*clicksPerBurst {
		b.Errorf("%d replies, want %d: clicks were dropped", n, b.N*clicksPerBurst)
	}
}

// benchRedis opens the local Redis under a fresh prefix, deleted at the
// end, or returns nil if there is none (a benchmark is never run in CI).
func benchRedis(b *testing.B) store.Store {
	url := os.Getenv("COMPLY_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	p := make([]byte, 6)
	_, _ = rand.Read(p)
	prefix := "comply-bench:" + hex.EncodeToString(p) + ":"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := store.OpenRedis(ctx, url, store.Options{Prefix: prefix})
	if err != nil {
		return nil
	}
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	b.Cleanup(func() {
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			b.Errorf("clean up redis keys: %v", err)
		}
	})
	return st
}
