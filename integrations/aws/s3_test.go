package aws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/comply-bot/comply/checks"
)

func buckets(col *checks.Collection) map[string]checks.Resource {
	out := map[string]checks.Resource{}
	for _, r := range col.Resources {
		if r.Type == typeS3Bucket {
			out[r.ID] = r
		}
	}
	return out
}

// TestRuleDrivenCollection: collecting only what the built-in rules read
// makes fewer S3 calls and gives the same findings.
func TestRuleDrivenCollection(t *testing.T) {
	full, ids := scenario(t)
	engine := builtinEngine(t)
	c := newTestCollector(t, motoEndpoint, Options{Regions: scenarioRegions, Attributes: AttributesFor(engine.Rules())})
	col, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Errors) > 0 || len(col.IncompleteTypes) > 0 {
		t.Fatalf("errors %v, incomplete %v", col.Errors, col.IncompleteTypes)
	}
	if col.APICalls["s3"] >= full.APICalls["s3"] {
		t.Errorf("s3 calls: %d, a full collection makes %d", col.APICalls["s3"], full.APICalls["s3"])
	}
	res := evaluate(t, col.Resources, nil)
	if got := findingKeys(t, res, full, ids); !slices.Equal(got, scenarioFindings()) {
		missing, extra := diffSets(scenarioFindings(), got)
		t.Errorf("findings differ:\nmissing %v\nextra   %v", missing, extra)
	}
	if len(res.Unknown) > 0 {
		t.Errorf("rules not evaluated: %+v", res.Unknown)
	}
	good := buckets(col)["arn:aws:s3:::comply-good"]
	for _, skipped := range []string{"lifecycle_rules", "website_enabled", "replication_enabled"} {
		if _, ok := good.Attributes[skipped]; ok {
			t.Errorf("%s collected though no rule reads it", skipped)
		}
	}
}

// TestBucketRegionFilterIgnored: an endpoint that names no bucket region and
// ignores ListBuckets' region filter must not put buckets in the wrong
// region: the collector notices and asks GetBucketLocation.
func TestBucketRegionFilterIgnored(t *testing.T) {
	healthy, _ := scenario(t)
	u, _ := url.Parse(motoEndpoint)
	rp := httputil.NewSingleHostReverseProxy(u)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		q := r.URL.Query()
		q.Del("bucket-region")
		r.URL.RawQuery = q.Encode()
	}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	want := buckets(healthy)
	// One region: every bucket would land in it if the filter were trusted.
	for _, regions := range [][]string{{east}, scenarioRegions} {
		c := newTestCollector(t, srv.URL, Options{Regions: regions, Attributes: map[string][]string{}})
		col, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := buckets(col)
		n := 0
		for id, w := range want {
			if !slices.Contains(regions, w.Region) {
				if _, ok := got[id]; ok {
					t.Errorf("regions %v: %s (in %s) listed", regions, id, w.Region)
				}
				continue
			}
			n++
			if g, ok := got[id]; !ok || g.Region != w.Region || !reflect.DeepEqual(g.Tags, w.Tags) {
				t.Errorf("regions %v: %s: region %q tags %v, want %q %v", regions, id, g.Region, g.Tags, w.Region, w.Tags)
			}
		}
		if len(got) != n {
			t.Errorf("regions %v: %d buckets, want %d", regions, len(got), n)
		}
	}
}

// TestEndpointFromEnvironment: AWS_ENDPOINT_URL alone (what the CLI gets)
// switches S3 to path-style and keeps S3 Control's host.
func TestEndpointFromEnvironment(t *testing.T) {
	healthy, _ := scenario(t)
	t.Setenv("AWS_ENDPOINT_URL", motoEndpoint)
	c, err := New(context.Background(), Options{Regions: scenarioRegions, Attributes: map[string][]string{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	col, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Errors) > 0 {
		t.Fatalf("errors: %v", col.Errors)
	}
	if got, want := len(buckets(col)), len(buckets(healthy)); got != want {
		t.Errorf("%d buckets, want %d", got, want)
	}
	n := 0
	for _, r := range col.Resources {
		if r.Type == typeS3AccountPAB {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d account public access blocks, want 1", n)
	}
}
