package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
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
		benchmarkAck(b, benchRedis(b))
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

// benchRedis opens the test Redis (redistest) under a fresh prefix,
// deleted at the end; without Redis the benchmark is skipped.
func benchRedis(b *testing.B) store.Store {
	url := redistest.URL(b)
	st, err := store.OpenRedis(context.Background(), url, store.Options{Prefix: redistest.Prefix(b, url, "comply-bench")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}
