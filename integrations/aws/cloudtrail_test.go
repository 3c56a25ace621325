package aws

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws/awstest"
)

func TestTrailCoverage(t *testing.T) {
	trail := func(id string, attrs map[string]any) checks.Resource {
		return checks.Resource{ID: id, Type: typeTrail, Attributes: attrs}
	}
	multi := func(logging, mgmt any) map[string]any {
		m := map[string]any{"multi_region": true}
		if logging != nil {
			m["logging"] = logging
		}
		if mgmt != nil {
			m["management_events"] = mgmt
		}
		return m
	}
	regional := map[string]any{"multi_region": false, "logging": true, "management_events": true}
	cases := []struct {
		name   string
		trails []checks.Resource
		want   map[string]any
	}{
		{"no trail", nil, map[string]any{"trail_count": 0, "multi_region_trail_count": 0, "multi_region_logging_trails": []string{},
			"has_multi_region_logging_trail": false, "has_multi_region_management_trail": false}},
		{"regional trails only", []checks.Resource{trail("a", regional), trail("b", regional)},
			map[string]any{"trail_count": 2, "multi_region_trail_count": 0, "multi_region_logging_trails": []string{},
				"has_multi_region_logging_trail": false, "has_multi_region_management_trail": false}},
		{"stopped multi-region trail", []checks.Resource{trail("a", multi(false, true))},
			map[string]any{"trail_count": 1, "multi_region_trail_count": 1, "multi_region_logging_trails": []string{},
				"has_multi_region_logging_trail": false, "has_multi_region_management_trail": false}},
		{"logging, write events only", []checks.Resource{trail("b", multi(true, false)), trail("a", multi(true, false))},
			map[string]any{"trail_count": 2, "multi_region_trail_count": 2, "multi_region_logging_trails": []string{"a", "b"},
				"has_multi_region_logging_trail": true, "has_multi_region_management_trail": false}},
		// One trail's status is unknown, another proves coverage.
		{"unknown status beside a logging trail", []checks.Resource{trail("a", multi(nil, nil)), trail("b", multi(true, true))},
			map[string]any{"trail_count": 2, "multi_region_trail_count": 2, "has_multi_region_logging_trail": true,
				"has_multi_region_management_trail": true}},
		// The only multi-region trail's status is unknown: nothing is claimed.
		{"unknown status", []checks.Resource{trail("a", multi(nil, nil)), trail("b", regional)},
			map[string]any{"trail_count": 2, "multi_region_trail_count": 1}},
		{"unknown selectors", []checks.Resource{trail("a", multi(true, nil))},
			map[string]any{"trail_count": 1, "multi_region_trail_count": 1, "multi_region_logging_trails": []string{"a"},
				"has_multi_region_logging_trail": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := trailCoverage(c.trails); !reflect.DeepEqual(got, c.want) {
				t.Errorf("trailCoverage:\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestCloudTrailAccount scans a fresh account as its trails are set up: no
// trail, a regional one, a stopped multi-region one (created in eu-west-1,
// listed in both scanned regions), then that trail logging. Only the last
// passes the account rule. Attributes are filtered as `comply scan` does.
func TestCloudTrailAccount(t *testing.T) {
	endpoint := requireMoto(t)
	ctx := context.Background()
	const acct = "333344445555"
	role := "arn:aws:iam::" + acct + ":role/scanner"
	cfg := func(region string) awssdk.Config {
		c := awstest.Config(endpoint, region)
		c.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(c), role))
		return c
	}
	engine := builtinEngine(t)
	c := newTestCollector(t, endpoint, Options{Regions: scenarioRegions, SkipDefault: true,
		Accounts: []AccountRole{{RoleARN: role}}, Attributes: AttributesFor(engine.Rules())})
	accountID := "arn:aws:cloudtrail::" + acct + ":trails"

	scan := func(step string, wantTrails, wantMulti int, wantPass bool) {
		t.Helper()
		col, err := c.Collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(col.Errors) > 0 || len(col.IncompleteTypes) > 0 {
			t.Fatalf("%s: errors %v, incomplete %v", step, col.Errors, col.IncompleteTypes)
		}
		var summary *checks.Resource
		trails := 0
		for i, r := range col.Resources {
			switch r.Type {
			case typeTrailAccount:
				if summary != nil {
					t.Fatalf("%s: two account summaries", step)
				}
				summary = &col.Resources[i]
			case typeTrail:
				trails++
			}
		}
		if summary == nil || summary.ID != accountID || summary.Region != checks.GlobalRegion || summary.Account != acct {
			t.Fatalf("%s: account summary %+v", step, summary)
		}
		if trails != wantTrails || summary.Attributes["trail_count"] != wantTrails || summary.Attributes["multi_region_trail_count"] != wantMulti {
			t.Errorf("%s: %d trail resources, summary %v; want %d trails, %d multi-region", step, trails, summary.Attributes, wantTrails, wantMulti)
		}
		res := evaluate(t, col.Resources, col.IncompleteTypes)
		failed := slices.ContainsFunc(res.Findings, func(f checks.Finding) bool {
			return f.RuleID == "aws-cloudtrail-account-multi-region-trail" && f.ResourceID == accountID
		})
		if failed == wantPass {
			t.Errorf("%s: aws-cloudtrail-account-multi-region-trail failed=%v, want pass=%v (summary %v)", step, failed, wantPass, summary.Attributes)
		}
	}

	scan("no trail", 0, 0, false)

	const bucket = "trail-coverage-logs"
	s3c := s3.NewFromConfig(cfg(west), func(o *s3.Options) { o.UsePathStyle = true })
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: awssdk.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(west)}})
	if err != nil {
		t.Fatal(err)
	}
	eastCT, westCT := cloudtrail.NewFromConfig(cfg(east)), cloudtrail.NewFromConfig(cfg(west))
	if _, err := eastCT.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: awssdk.String("regional"), S3BucketName: awssdk.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eastCT.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: awssdk.String("regional")}); err != nil {
		t.Fatal(err)
	}
	scan("a regional trail", 1, 0, false)

	if _, err := westCT.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: awssdk.String("org-wide"), S3BucketName: awssdk.String(bucket),
		IsMultiRegionTrail: awssdk.Bool(true), IncludeGlobalServiceEvents: awssdk.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	scan("a stopped multi-region trail", 2, 1, false)

	if _, err := westCT.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: awssdk.String("org-wide")}); err != nil {
		t.Fatal(err)
	}
	scan("a logging multi-region trail", 2, 1, true)
}

// TestCloudTrailAccountFailures: a trail whose status cannot be read leaves
// the account's coverage unknown (not evaluated, never a finding); a region
// whose trails cannot be listed makes the summary incomplete.
func TestCloudTrailAccountFailures(t *testing.T) {
	scenario(t) // the default account's trails
	status := func(r *http.Request) bool {
		return r.Header.Get("X-Amz-Target") == "CloudTrail_20131101.GetTrailStatus"
	}
	listing := func(r *http.Request) bool {
		return r.Header.Get("X-Amz-Target") == "CloudTrail_20131101.DescribeTrails"
	}
	denied := `{"__type":"AccessDeniedException","message":"no"}`
	accountID := "arn:aws:cloudtrail::" + testAccount + ":trails"

	proxy := faultProxy(t, motoEndpoint, []fault{{service: "cloudtrail", match: status, status: 400,
		contentType: "application/x-amz-json-1.1", body: denied}})
	col, err := newTestCollector(t, proxy, Options{Regions: scenarioRegions}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var summary map[string]any
	for _, r := range col.Resources {
		if r.ID == accountID {
			summary = r.Attributes
		}
	}
	if want := map[string]any{"trail_count": 2, "multi_region_trail_count": 1}; !reflect.DeepEqual(summary, want) {
		t.Errorf("summary with unreadable trail status: %v, want %v", summary, want)
	}
	res := evaluate(t, col.Resources, col.IncompleteTypes)
	if !slices.ContainsFunc(res.Unknown, func(u checks.Inconclusive) bool {
		return u.RuleID == "aws-cloudtrail-account-multi-region-trail" && u.ResourceID == accountID
	}) {
		t.Errorf("aws-cloudtrail-account-multi-region-trail: want not evaluated, unknown %v", res.Unknown)
	}

	proxy = faultProxy(t, motoEndpoint, []fault{{service: "cloudtrail", region: west, match: listing, status: 400,
		contentType: "application/x-amz-json-1.1", body: denied}})
	col, err = newTestCollector(t, proxy, Options{Regions: scenarioRegions}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(col.IncompleteTypes, typeTrailAccount) || !slices.Contains(col.IncompleteTypes, typeTrail) {
		t.Errorf("incomplete types %v, want both CloudTrail types", col.IncompleteTypes)
	}
	for _, r := range col.Resources {
		if r.Type == typeTrailAccount {
			t.Errorf("an account summary from a partial listing: %v", r.Attributes)
		}
	}

	// --regions all with DescribeRegions refused: no region was looked
	// at, so "no trail" must not be claimed (an --export-inventory file
	// would carry it as a fact).
	proxy = faultProxy(t, motoEndpoint, []fault{{service: "ec2", match: bodyHas("Action=DescribeRegions"), status: 403,
		contentType: "text/xml", body: queryError("UnauthorizedOperation", "not allowed to describe regions")}})
	col, err = newTestCollector(t, proxy, Options{Regions: []string{"all"}}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(col.IncompleteTypes, typeTrailAccount) {
		t.Errorf("incomplete types %v, want %s", col.IncompleteTypes, typeTrailAccount)
	}
	for _, r := range col.Resources {
		if r.Type == typeTrailAccount {
			t.Errorf("an account summary without any region listed: %v", r.Attributes)
		}
	}
}

// TestCloudTrailForeignOrganizationTrail: a member account sees its
// organization's trail (owned by the management account) in DescribeTrails,
// but may not list its tags nor, often, read its status. That is no scan
// error: the trail's status is unknown, and the member's own trails are
// still read (tags included: ListTags refuses a batch that names another
// account's trail).
func TestCloudTrailForeignOrganizationTrail(t *testing.T) {
	scenario(t) // the default account's trails
	const orgARN = "arn:aws:cloudtrail:" + east + ":999988887777:trail/org"
	own := map[string]bool{}
	{
		col, err := newTestCollector(t, motoEndpoint, Options{Regions: scenarioRegions}).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range col.Resources {
			if r.Type == typeTrail {
				own[r.ID] = true
			}
		}
	}
	if len(own) == 0 {
		t.Fatal("the scenario has no trail")
	}
	// DescribeTrails answers (in every region) with the account's trails
	// plus the foreign one.
	list := []map[string]any{{"Name": "org", "TrailARN": orgARN, "HomeRegion": east, "IsMultiRegionTrail": true,
		"IsOrganizationTrail": true, "S3BucketName": "org-trail-logs", "LogFileValidationEnabled": true}}
	listed := map[string]bool{}
	for _, region := range scenarioRegions {
		ct := cloudtrail.NewFromConfig(awstest.Config(motoEndpoint, region))
		out, err := ct.DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: awssdk.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range out.TrailList {
			if arn := awssdk.ToString(tr.TrailARN); !listed[arn] {
				listed[arn] = true
				list = append(list, map[string]any{"Name": awssdk.ToString(tr.Name), "TrailARN": arn,
					"HomeRegion": awssdk.ToString(tr.HomeRegion), "IsMultiRegionTrail": awssdk.ToBool(tr.IsMultiRegionTrail),
					"S3BucketName": awssdk.ToString(tr.S3BucketName)})
			}
		}
	}
	body, _ := json.Marshal(map[string]any{"trailList": list})
	describe := func(r *http.Request) bool {
		return r.Header.Get("X-Amz-Target") == "CloudTrail_20131101.DescribeTrails"
	}
	foreign := func(r *http.Request) bool {
		return r.Header.Get("X-Amz-Target") != "CloudTrail_20131101.DescribeTrails" && bodyHas("999988887777")(r)
	}
	proxy := faultProxy(t, motoEndpoint, []fault{
		{service: "cloudtrail", match: describe, status: 200, contentType: "application/x-amz-json-1.1", body: string(body)},
		{service: "cloudtrail", match: foreign, status: 400, contentType: "application/x-amz-json-1.1",
			body: `{"__type":"CloudTrailARNInvalidException","message":"AccountID in ARN is wrong, you can only access resources with AccountID 123456789012."}`},
	})
	col, err := newTestCollector(t, proxy, Options{Regions: scenarioRegions}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Errors) > 0 || len(col.IncompleteTypes) > 0 {
		t.Errorf("errors %v, incomplete %v; want none for another account's trail", col.Errors, col.IncompleteTypes)
	}
	seen := map[string]bool{}
	for _, r := range col.Resources {
		if r.Type != typeTrail {
			continue
		}
		seen[r.ID] = true
		if _, known := r.Attributes["logging"]; r.ID == orgARN && known {
			t.Errorf("foreign trail status %v, want unknown", r.Attributes["logging"])
		}
	}
	for id := range own {
		if !seen[id] {
			t.Errorf("own trail %s missing", id)
		}
	}
}
