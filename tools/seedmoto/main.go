// Command seedmoto fills a moto server with the benchmark scenario of
// docs/benchmarks.md (500 buckets, 200 security groups, 200 volumes, 50
// users, 20 RDS instances, 10 trails, 40 KMS keys by default), spread over
// the given regions.
//
//	moto_server -H 127.0.0.1 -p 5000 &   # with MOTO_EC2_LOAD_DEFAULT_AMIS=false
//	go run ./tools/seedmoto -endpoint http://127.0.0.1:5000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/comply-bot/comply/integrations/aws/awstest"
)

func main() {
	n := awstest.BenchmarkSizes
	endpoint := flag.String("endpoint", os.Getenv("AWS_ENDPOINT_URL"), "moto endpoint (default $AWS_ENDPOINT_URL)")
	regions := flag.String("regions", "us-east-1,eu-west-1", "comma-separated regions to spread resources over; the first also holds IAM")
	workers := flag.Int("workers", 8, "calls in flight while seeding")
	flag.IntVar(&n.Buckets, "buckets", n.Buckets, "S3 buckets")
	flag.IntVar(&n.SecurityGroups, "security-groups", n.SecurityGroups, "security groups")
	flag.IntVar(&n.Volumes, "volumes", n.Volumes, "EBS volumes")
	flag.IntVar(&n.Users, "users", n.Users, "IAM users")
	flag.IntVar(&n.DBInstances, "db-instances", n.DBInstances, "RDS instances")
	flag.IntVar(&n.Trails, "trails", n.Trails, "CloudTrail trails")
	flag.IntVar(&n.Keys, "keys", n.Keys, "KMS keys")
	flag.Parse()
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "seedmoto: no endpoint: pass -endpoint or set AWS_ENDPOINT_URL")
		os.Exit(2)
	}
	rs := strings.Split(*regions, ",")
	if n.Trails > 0 && n.Buckets < len(rs) {
		fmt.Fprintln(os.Stderr, "seedmoto: trails log to the first buckets: need at least one bucket per region")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := awstest.Seed(ctx, *endpoint, rs, n, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "seedmoto:", err)
		os.Exit(1)
	}
	fmt.Printf("seeded %+v into %s (%s) in %s\n", n, *endpoint, *regions, time.Since(start).Round(time.Millisecond))
}
