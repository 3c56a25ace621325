package aws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// TestLimits: calls in flight stay within the per-service-and-region bound,
// and within the global bound when one is set; every attempt is counted.
func TestLimits(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`))
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name                string
		concurrency, global int
		regions             []string
		want                int32
	}{
		{"per service and region", 3, 0, []string{east}, 3},
		{"two regions double it", 3, 0, []string{east, west}, 6},
		{"global bound", 3, 2, []string{east, west}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peak.Store(0)
			calls := newCallCounter()
			var global limiter
			if tc.global > 0 {
				global = make(limiter, tc.global)
			}
			cl := newClients(awstest.Config(srv.URL, east), tc.concurrency, calls, global)
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					r := tc.regions[i%len(tc.regions)]
					_, err := cl.s3(r).GetBucketVersioning(context.Background(), &s3.GetBucketVersioningInput{Bucket: awssdk.String("b")})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if got := peak.Load(); got != tc.want {
				t.Errorf("peak in flight %d, want %d", got, tc.want)
			}
			if got := calls.snapshot()["s3"]; got != 40 {
				t.Errorf("counted %d calls, want 40", got)
			}
		})
	}
}
