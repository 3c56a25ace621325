package aws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// BenchmarkScan scans the benchmark scenario (awstest.BenchmarkSizes:
// 500 buckets, 200 security groups, 200 volumes, 50 users, 20 RDS
// instances, 10 trails, 40 KMS keys over us-east-1 and eu-west-1) with the
// default concurrency and with one call at a time per service and region.
// COMPLY_BENCH_ENDPOINT names a moto already seeded with
// `go run ./tools/seedmoto`; without it a moto is started and seeded here
// (a minute or two). COMPLY_BENCH_LATENCY (e.g. 30ms) adds that much
// latency to every call, as real AWS has. See docs/benchmarks.md.
func BenchmarkScan(b *testing.B) {
	endpoint := os.Getenv("COMPLY_BENCH_ENDPOINT")
	if endpoint == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		m, err := awstest.StartMoto(ctx)
		if err != nil {
			if awstest.MissingIsFailure() {
				b.Fatal(err)
			}
			b.Skip(err)
		}
		b.Cleanup(m.Stop)
		t0 := time.Now()
		if err := awstest.Seed(ctx, m.Endpoint, []string{east, west}, awstest.BenchmarkSizes, 8); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %+v in %s", awstest.BenchmarkSizes, time.Since(t0).Round(time.Millisecond))
		endpoint = m.Endpoint
	}
	if d := os.Getenv("COMPLY_BENCH_LATENCY"); d != "" {
		latency, err := time.ParseDuration(d)
		if err != nil {
			b.Fatalf("COMPLY_BENCH_LATENCY: %v", err)
		}
		endpoint = latencyProxy(b, endpoint, latency)
	}
	rules := AttributesFor(builtinEngine(b).Rules())
	for _, bc := range []struct {
		name        string
		concurrency int
		attributes  map[string][]string
		maxInFlight int
	}{
		{"full/concurrency=8", 8, nil, 0},
		{"full/concurrency=1", 1, nil, 0},
		{"full/serial", 1, nil, 1},
		{"rules/concurrency=8", 8, rules, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := newTestCollector(b, endpoint, Options{Regions: []string{east, west}, Concurrency: bc.concurrency,
				MaxInFlight: bc.maxInFlight, Attributes: bc.attributes})
			var col *checks.Collection
			for b.Loop() {
				var err error
				if col, err = c.Collect(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			if len(col.Errors) > 0 {
				b.Fatalf("scan errors: %v", col.Errors)
			}
			buckets, calls := 0, 0
			for _, r := range col.Resources {
				if r.Type == typeS3Bucket {
					buckets++
				}
			}
			for _, n := range col.APICalls {
				calls += n
			}
			b.ReportMetric(float64(len(col.Resources)), "resources")
			b.ReportMetric(float64(calls), "calls")
			if buckets > 0 {
				b.ReportMetric(float64(col.APICalls["s3"])/float64(buckets), "s3-calls/bucket")
			}
		})
	}
}

// latencyProxy delays every request to moto, standing in for the network
// and service time of real AWS (moto answers in a few milliseconds, from one
// Python process).
func latencyProxy(b *testing.B, target string, latency time.Duration) string {
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		rp.ServeHTTP(w, r)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}
