package store_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// benchReport is a scan of n failing findings over 100 rules; findings
// [from, from+n) by index, so two reports overlap where their ranges do.
func benchReport(from, n int) *checks.ScanReport {
	const rules = 100
	r := &checks.ScanReport{Scan: checks.ScanInfo{ID: fmt.Sprintf("bench-%d", from), Complete: true}}
	for i := range rules {
		r.Rules = append(r.Rules, checks.RuleStats{RuleID: fmt.Sprintf("aws-bench-rule-%03d", i), Severity: checks.SeverityHigh})
	}
	sevs := checks.Severities()
	for i := from; i < from+n; i++ {
		rule := fmt.Sprintf("aws-bench-rule-%03d", i%rules)
		id := fmt.Sprintf("arn:aws:s3:::bench-bucket-%07d", i)
		account, region := fmt.Sprintf("%012d", 100000000000+i%7), []string{"us-east-1", "eu-west-1", "ap-south-1"}[i%3]
		r.Findings = append(r.Findings, checks.Finding{
			Fingerprint: checks.Fingerprint(rule, account, region, id),
			RuleID:      rule, Title: "S3 buckets encrypt data at rest by default", Severity: sevs[i%len(sevs)],
			ResourceID: id, ResourceType: "aws.s3.bucket", ResourceName: fmt.Sprintf("bench-bucket-%07d", i),
			Account: account, Region: region,
			Message:     fmt.Sprintf("bucket bench-bucket-%07d has no default encryption", i),
			Remediation: "Enable default encryption (SSE-S3 or SSE-KMS) on the bucket.",
			Frameworks:  map[string][]string{"SOC2": {"CC6.1"}, "HIPAA": {"164.312(a)(2)(iv)"}, "PCI": {"3.5.1"}, "CIS-AWS": {"2.1.1"}},
			Evidence:    map[string]any{"default_encryption": false, "kms_key_id": nil},
			Tags:        map[string]string{"team": "platform", "env": "prod"},
		})
	}
	return r
}

// BenchmarkReconcile100k: a first scan of 100,000 findings into an empty
// store, and a rescan of the same estate with 1% fixed and 1% newly broken.
func BenchmarkReconcile100k(b *testing.B) {
	const n = 100_000
	impls := []struct {
		name string
		open func(b *testing.B, opts store.Options) (store.Store, func())
	}{
		{"redis", func(b *testing.B, opts store.Options) (store.Store, func()) { return openTestRedis(b, opts) }},
		{"memory", func(b *testing.B, opts store.Options) (store.Store, func()) {
			s, err := store.NewMemory(nil, opts)
			if err != nil {
				b.Fatal(err)
			}
			return s, func() {}
		}},
	}
	ctx := context.Background()
	for _, impl := range impls {
		b.Run(impl.name+"/first-scan", func(b *testing.B) {
			first := benchReport(0, n)
			for range b.N {
				b.StopTimer()
				s, cleanup := impl.open(b, store.Options{})
				runtime.GC() // start from the same heap: the previous round's garbage is not this one's cost
				b.StartTimer()
				res, err := s.Reconcile(ctx, first, store.ReconcileOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if res.New != n || len(res.Changes) != n {
					b.Fatalf("new = %d, changes = %d", res.New, len(res.Changes))
				}
				cleanup()
				b.StartTimer()
			}
		})
		b.Run(impl.name+"/rescan-1pct", func(b *testing.B) {
			first := benchReport(0, n)
			rescan := benchReport(n/100, n) // drops [0, 1000): resolved; adds [n, n+1000): new
			for range b.N {
				b.StopTimer()
				now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
				s, cleanup := impl.open(b, store.Options{Now: func() time.Time { return now }})
				res, err := s.Reconcile(ctx, first, store.ReconcileOptions{})
				if err != nil {
					b.Fatal(err)
				}
				anns := make([]store.Announcement, 0, len(res.Changes))
				for _, c := range res.Changes {
					anns = append(anns, store.Announcement{Fingerprint: c.State.Fingerprint, Ref: "ts"})
				}
				if err := s.MarkAnnounced(ctx, anns...); err != nil {
					b.Fatal(err)
				}
				now = now.Add(time.Hour)
				res = nil
				runtime.GC()
				b.StartTimer()
				res, err = s.Reconcile(ctx, rescan, store.ReconcileOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if res.New != n/100 || res.Resolved != n/100 || res.StillOpen != n-n/100 || len(res.Changes) != n/50 {
					b.Fatalf("new %d, resolved %d, still open %d, changes %d", res.New, res.Resolved, res.StillOpen, len(res.Changes))
				}
				cleanup()
				b.StartTimer()
			}
		})
	}
}
