package aws

import (
	"context"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/comply-bot/comply/checks"
)

// bucketsByRegion lists the account's buckets and groups those in scanned
// regions by region. Current AWS names each bucket's region in ListBuckets.
// Where it does not (emulators, older endpoints), one listing per scanned
// region filtered by region answers it (once the endpoint is seen to honor
// the filter); GetBucketLocation per bucket is the last resort.
func bucketsByRegion(ctx context.Context, a *account, home string, res *results) (map[string][]string, bool) {
	sc := a.scope("s3", checks.GlobalRegion)
	cl := a.cl.s3(home)
	all, err := listBuckets(ctx, cl, "")
	if err != nil {
		res.fail(sc, []string{typeS3Bucket}, "list buckets", err)
		return nil, false
	}
	byRegion := map[string][]string{}
	add := func(name, region string) {
		if a.inScope(region) {
			byRegion[region] = append(byRegion[region], name)
		}
	}
	var unknown []string
	for _, b := range all {
		if r := awssdk.ToString(b.BucketRegion); r != "" {
			add(awssdk.ToString(b.Name), r)
		} else {
			unknown = append(unknown, awssdk.ToString(b.Name))
		}
	}
	if len(unknown) == 0 {
		return byRegion, true
	}
	if !a.all {
		if located, ok := locateByListing(ctx, a, cl, unknown); ok {
			for n, r := range located {
				add(n, r)
			}
			// Buckets no scanned region listed are elsewhere: out of scope.
			return byRegion, true
		}
	}
	var mu sync.Mutex
	forEach(ctx, a.cl.concurrency, unknown, func(ctx context.Context, n string) {
		r, err := bucketLocation(ctx, cl, n)
		if err != nil {
			if hasCode(err, "NoSuchBucket") {
				return // deleted since it was listed
			}
			res.detail(sc, "GetBucketLocation", n, err)
			res.markIncomplete(typeS3Bucket)
			return
		}
		mu.Lock()
		add(n, r)
		mu.Unlock()
	})
	return byRegion, true
}

// probeRegion is a region that cannot hold buckets: an endpoint that honors
// ListBuckets' region filter lists nothing for it.
const probeRegion = "zz-comply-probe-1"

// locateByListing finds the regions of buckets among the scanned regions
// with one region-filtered listing each. It reports false when the endpoint
// does not honor the filter (it lists buckets for a region that cannot have
// any, or one bucket in two regions), and the caller falls back to
// GetBucketLocation.
func locateByListing(ctx context.Context, a *account, cl *s3.Client, names []string) (map[string]string, bool) {
	if probe, err := listBuckets(ctx, cl, probeRegion); err != nil || len(probe) > 0 {
		return nil, false
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	located := map[string]string{}
	for _, r := range a.regions {
		bs, err := listBuckets(ctx, cl, r)
		if err != nil {
			return nil, false
		}
		for _, b := range bs {
			n := awssdk.ToString(b.Name)
			if !want[n] {
				continue
			}
			if prev, dup := located[n]; dup && prev != r {
				return nil, false
			}
			located[n] = r
		}
	}
	return located, true
}

// listBuckets lists every bucket, or those of one region.
func listBuckets(ctx context.Context, cl *s3.Client, region string) ([]s3types.Bucket, error) {
	in := &s3.ListBucketsInput{MaxBuckets: awssdk.Int32(10000)}
	if region != "" {
		in.BucketRegion = awssdk.String(region)
	}
	var out []s3types.Bucket
	p := s3.NewListBucketsPaginator(cl, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Buckets...)
	}
	return out, nil
}

func bucketLocation(ctx context.Context, cl *s3.Client, name string) (string, error) {
	out, err := cl.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: awssdk.String(name)})
	if err != nil {
		return "", err
	}
	return locationRegion(string(out.LocationConstraint)), nil
}

// locationRegion maps a LocationConstraint to a region: empty is us-east-1,
// and "EU" is the legacy name of eu-west-1.
func locationRegion(c string) string {
	switch c {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return c
}
