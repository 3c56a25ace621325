package aws

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/comply-bot/comply/checks"
)

// fault is an error a proxy in front of moto answers instead of moto, for
// requests signed for a service (and region, if set), optionally only for
// one operation.
type fault struct {
	service, region string
	match           func(r *http.Request) bool
	status          int
	contentType     string
	body            string
}

var credScope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([^/]+)/([^/]+)/aws4_request`)

// faultProxy forwards to moto except where a fault applies.
func faultProxy(t *testing.T, target string, faults []fault) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := credScope.FindStringSubmatch(r.Header.Get("Authorization"))
		if m != nil {
			for _, f := range faults {
				if f.service == m[2] && (f.region == "" || f.region == m[1]) && (f.match == nil || f.match(r)) {
					_, _ = io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", f.contentType)
					w.WriteHeader(f.status)
					_, _ = io.WriteString(w, f.body)
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// bodyHas matches requests whose body holds all of parts (query-protocol
// services name the action in the body); the body is kept for forwarding.
func bodyHas(parts ...string) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		for _, p := range parts {
			if !strings.Contains(string(body), p) {
				return false
			}
		}
		return true
	}
}

func queryError(code, msg string) string {
	return `<ErrorResponse><Error><Type>Sender</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>r1</RequestId></ErrorResponse>`
}

// TestServiceFailures: services that refuse (AccessDenied), throttle past the
// retries, or answer as a region the account has not enabled become scan
// errors and incomplete types; per-resource refusals leave only the
// attributes they would have answered unknown; everything else is still
// collected exactly as in a healthy scan.
func TestServiceFailures(t *testing.T) {
	healthy, ids := scenario(t)
	proxy := faultProxy(t, motoEndpoint, []fault{
		{service: "rds", status: 403, contentType: "text/xml", body: queryError("AccessDenied", "User: test is not authorized to perform: rds:DescribeDBInstances")},
		{service: "elasticloadbalancing", status: 400, contentType: "text/xml", body: queryError("Throttling", "Rate exceeded")},
		{service: "ec2", region: west, status: 401, contentType: "text/xml",
			body: `<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>r1</RequestID></Response>`},
		{service: "kms", match: func(r *http.Request) bool { return r.Header.Get("X-Amz-Target") == "TrentService.GetKeyPolicy" },
			status: 400, contentType: "application/x-amz-json-1.1", body: `{"__type":"AccessDeniedException","message":"not allowed to read key policies"}`},
		{service: "s3", match: func(r *http.Request) bool { return r.URL.Path == "/comply-good" && r.URL.Query().Has("policy") },
			status: 403, contentType: "application/xml", body: `<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`},
	})

	var (
		mu       sync.Mutex
		progress []int
		total    int
	)
	c := newTestCollector(t, proxy, Options{Regions: scenarioRegions, MaxAttempts: 2, Progress: func(done, tot int, what string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, done)
		total = tot
	}})
	col, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// 3 account-wide units (iam, s3, cloudtrail) + 5 regional services × 2.
	if total != 13 || !slices.Equal(progress, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}) {
		t.Errorf("progress: done %v of %d, want 1..13 of 13", progress, total)
	}

	wantIncomplete := append(append(slices.Clone(ec2ResourceTypes), rdsResourceTypes...), elbv2ResourceTypes...)
	slices.Sort(wantIncomplete)
	if !slices.Equal(col.IncompleteTypes, wantIncomplete) {
		t.Errorf("incomplete types %v, want %v", col.IncompleteTypes, wantIncomplete)
	}

	type errWant struct{ service, region, message string }
	var wantErrs []errWant
	for _, what := range []string{"describe security groups", "describe network ACLs", "describe flow logs", "describe volumes",
		"describe snapshots", "get EBS encryption by default", "describe instances"} {
		wantErrs = append(wantErrs, errWant{"ec2", west, what + ": region not enabled: AuthFailure: AWS was not able to validate the provided access credentials"})
	}
	wantErrs = append(wantErrs,
		errWant{"ec2", west, "DescribeNetworkInterfaces: region not enabled: AuthFailure: AWS was not able to validate the provided access credentials (attached_interfaces of every security group)"},
		errWant{"elbv2", east, "describe load balancers: throttled after retries: Throttling: Rate exceeded"},
		errWant{"elbv2", west, "describe load balancers: throttled after retries: Throttling: Rate exceeded"},
		errWant{"kms", east, "GetKeyPolicy: access denied: AccessDeniedException: not allowed to read key policies (5 resources, e.g. "},
		errWant{"kms", west, "GetKeyPolicy: access denied: AccessDeniedException: not allowed to read key policies (" + ids.keyWest + ")"},
		errWant{"s3", east, "GetBucketPolicy: access denied: AccessDenied: Access Denied (comply-good)"},
	)
	for _, r := range scenarioRegions {
		for _, what := range []string{"describe DB instances", "describe DB clusters", "describe DB snapshots"} {
			wantErrs = append(wantErrs, errWant{"rds", r, what + ": access denied: AccessDenied: User: test is not authorized to perform: rds:DescribeDBInstances"})
		}
	}
	matched := make([]bool, len(wantErrs))
	for _, e := range col.Errors {
		if e.Source != "aws" || e.Account != testAccount {
			t.Errorf("error with source %q account %q: %+v", e.Source, e.Account, e)
		}
		found := false
		for i, w := range wantErrs {
			if !matched[i] && e.Service == w.service && e.Region == w.region && strings.HasPrefix(e.Message, w.message) {
				matched[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("unexpected error: %+v", e)
		}
	}
	for i, ok := range matched {
		if !ok {
			t.Errorf("missing error: %+v", wantErrs[i])
		}
	}

	// What was collected: everything a healthy scan has, except the failed
	// services, EC2 in eu-west-1, and the attributes of refused calls.
	got := map[string]checks.Resource{}
	for _, r := range col.Resources {
		got[r.ID] = r
	}
	for _, h := range healthy.Resources {
		gone := strings.HasPrefix(h.Type, "aws.rds.") || h.Type == typeLoadBalancer ||
			(strings.HasPrefix(h.Type, "aws.ec2.") && h.Region == west)
		r, ok := got[h.ID]
		if gone {
			if ok {
				t.Errorf("%s collected through a failing service", h.ID)
			}
			continue
		}
		if !ok {
			t.Errorf("%s missing", h.ID)
			continue
		}
		want := maps.Clone(h.Attributes)
		switch {
		case h.Type == typeKMSKey:
			delete(want, "policy_public")
		case h.ID == "arn:aws:s3:::comply-good":
			delete(want, "has_policy")
			delete(want, "policy_public")
			delete(want, "policy_denies_insecure_transport")
		}
		if !reflect.DeepEqual(r.Attributes, want) || !reflect.DeepEqual(r.Tags, h.Tags) {
			t.Errorf("%s differs from the healthy scan:\n got %v\nwant %v", h.ID, r.Attributes, want)
		}
	}
	if len(col.Resources) >= len(healthy.Resources) {
		t.Errorf("%d resources, the healthy scan has %d", len(col.Resources), len(healthy.Resources))
	}

	// Rules over incomplete types yield nothing; rules reading refused
	// attributes are not evaluated on those resources; all else as before.
	res := evaluate(t, col.Resources, col.IncompleteTypes)
	var want []string
	for _, f := range scenarioFindings() {
		ty := strings.SplitN(strings.Fields(f)[1], "|", 2)[0]
		if slices.Contains(col.IncompleteTypes, ty) || strings.HasPrefix(f, "aws-kms-key-policy-not-public ") {
			continue
		}
		want = append(want, f)
	}
	if gotF := findingKeys(t, res, healthy, ids); !slices.Equal(gotF, want) {
		missing, extra := diffSets(want, gotF)
		t.Errorf("findings differ:\nmissing %v\nextra   %v", missing, extra)
	}
	for _, s := range res.Rules {
		if slices.Contains(col.IncompleteTypes, s.ResourceType) && (!s.Skipped || s.Pass+s.Fail != 0) {
			t.Errorf("rule %s over incomplete %s: %+v", s.RuleID, s.ResourceType, s)
		}
	}
	unknown := map[string]bool{}
	for _, u := range res.Unknown {
		unknown[u.RuleID+" "+u.ResourceID] = true
	}
	for _, k := range []string{
		"aws-kms-key-policy-not-public arn:aws:kms:us-east-1:" + testAccount + ":key/" + ids.keyPublic,
		"aws-s3-bucket-policy-public arn:aws:s3:::comply-good",
		"aws-s3-bucket-deny-insecure-transport arn:aws:s3:::comply-good",
	} {
		if !unknown[k] {
			t.Errorf("%s: want not evaluated (unknown attribute), got %v", k, slices.Sorted(maps.Keys(unknown)))
		}
	}
}

// TestCancelled: a cancelled scan is an error, not a result.
func TestCancelled(t *testing.T) {
	endpoint := requireMoto(t)
	c := newTestCollector(t, endpoint, Options{Regions: []string{east}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if col, err := c.Collect(ctx); err == nil {
		t.Fatalf("want an error, got a collection of %d resources", len(col.Resources))
	}
}

// TestCredentialReportFallback: without the credential report, per-user
// calls give the same users.
func TestCredentialReportFallback(t *testing.T) {
	healthy, _ := scenario(t)
	proxy := faultProxy(t, motoEndpoint, []fault{{service: "iam", match: bodyHas("Action=GenerateCredentialReport"),
		status: 403, contentType: "text/xml", body: queryError("AccessDenied", "not allowed to generate the credential report")}})
	c := newTestCollector(t, proxy, Options{Regions: []string{east}})
	col, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Errors) > 0 || len(col.IncompleteTypes) > 0 {
		t.Fatalf("errors %v, incomplete %v", col.Errors, col.IncompleteTypes)
	}
	want := "aws account " + testAccount + ": IAM credential report unavailable (access denied: AccessDenied: not allowed to generate the credential report): using per-user calls"
	if !slices.Contains(col.Warnings, want) {
		t.Errorf("warnings %q, want %q", col.Warnings, want)
	}
	iamOf := func(c *checks.Collection) map[string]checks.Resource {
		m := map[string]checks.Resource{}
		for _, r := range c.Resources {
			if strings.HasPrefix(r.Type, "aws.iam.") {
				m[r.ID] = r
			}
		}
		return m
	}
	got, exp := iamOf(col), iamOf(healthy)
	if len(got) != len(exp) || len(exp) == 0 {
		t.Fatalf("%d IAM resources, want %d", len(got), len(exp))
	}
	for id, w := range exp {
		if g := got[id]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", id, g, w)
		}
	}
}
