package aws

import (
	"context"
	"slices"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// TestAssumeRoleAccounts scans the default account and two roles: one in
// another account (moto keeps accounts apart by the assumed role's
// credentials), one whose AssumeRole is refused.
func TestAssumeRoleAccounts(t *testing.T) {
	endpoint := requireMoto(t)
	ctx := context.Background()
	const other, refused = "111111111111", "222222222222"
	otherRole := "arn:aws:iam::" + other + ":role/scanner"

	// Seed a bucket in the other account, as the role.
	cfg := awstest.Config(endpoint, east)
	cfg.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), otherRole))
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: awssdk.String("other-account-bucket")}); err != nil {
		t.Fatal(err)
	}

	proxy := faultProxy(t, endpoint, []fault{{service: "sts", match: bodyHas("Action=AssumeRole", refused),
		status: 403, contentType: "text/xml", body: queryError("AccessDenied", "not authorized to perform sts:AssumeRole")}})

	c := newTestCollector(t, proxy, Options{Regions: []string{east}, Accounts: []AccountRole{
		{RoleARN: otherRole, ExternalID: "ext-id", SessionName: "comply-test"},
		{RoleARN: "arn:aws:iam::" + refused + ":role/scanner"},
	}})
	col, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}

	byAccount := map[string][]checks.Resource{}
	for _, r := range col.Resources {
		byAccount[r.Account] = append(byAccount[r.Account], r)
	}
	if len(byAccount) != 2 || len(byAccount[testAccount]) == 0 || len(byAccount[other]) == 0 {
		t.Fatalf("resources by account: %d accounts %v", len(byAccount), keysOf(byAccount))
	}
	var otherBuckets []string
	for _, r := range byAccount[other] {
		if r.Type == typeS3Bucket {
			otherBuckets = append(otherBuckets, r.Name)
		}
		if r.Type == typeIAMRoot && r.ID != "arn:aws:iam::"+other+":root" {
			t.Errorf("root of the other account: %s", r.ID)
		}
		if r.Type == typeS3AccountPAB && r.ID != "arn:aws:s3:::account/"+other+"/public-access-block" {
			t.Errorf("account public access block of the other account: %s", r.ID)
		}
	}
	if !slices.Equal(otherBuckets, []string{"other-account-bucket"}) {
		t.Errorf("other account's buckets: %v", otherBuckets)
	}
	for _, r := range byAccount[testAccount] {
		if r.Name == "other-account-bucket" {
			t.Errorf("the other account's bucket is listed in the default account")
		}
	}

	// The refused role: one error naming its account; nothing of it is
	// trusted, so every type is incomplete.
	if len(col.Errors) != 1 {
		t.Fatalf("errors: %+v", col.Errors)
	}
	e := col.Errors[0]
	if e.Service != "sts" || e.Account != refused || !strings.Contains(e.Message, "access denied") || !strings.Contains(e.Message, "AssumeRole") {
		t.Errorf("error: %+v", e)
	}
	if !slices.Equal(col.IncompleteTypes, ResourceTypes()) {
		t.Errorf("incomplete types %v, want all", col.IncompleteTypes)
	}
	// Requests sent: AssumeRole for each role, GetCallerIdentity for each
	// account with credentials (the refused role's is never sent).
	if col.APICalls["sts"] != 4 {
		t.Errorf("sts calls: %d, want 4", col.APICalls["sts"])
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRegionsAll: "all" means every region DescribeRegions reports enabled.
func TestRegionsAll(t *testing.T) {
	endpoint := requireMoto(t)
	c := newTestCollector(t, endpoint, Options{Regions: []string{"all"}})
	a := c.newAccount(nil, newCallCounter(), nil)
	if err := a.resolveRegions(context.Background(), c.opts.Regions); err != nil {
		t.Fatal(err)
	}
	if !a.all || len(a.regions) < 10 || !slices.Contains(a.regions, east) || !slices.Contains(a.regions, west) || !slices.IsSorted(a.regions) {
		t.Errorf("regions: all=%v %v", a.all, a.regions)
	}
	if !a.inScope("ap-southeast-2") {
		t.Error("with all regions every region is in scope")
	}
	b := c.newAccount(nil, newCallCounter(), nil)
	if err := b.resolveRegions(context.Background(), []string{west}); err != nil || b.all || b.inScope(east) || !b.inScope(west) {
		t.Errorf("explicit regions: %v all=%v err=%v", b.regions, b.all, err)
	}
}

// TestSameAccountTwice: a role in the default account does not scan it twice.
func TestSameAccountTwice(t *testing.T) {
	endpoint := requireMoto(t)
	role := "arn:aws:iam::" + testAccount + ":role/self"
	c := newTestCollector(t, endpoint, Options{Regions: []string{east}, Accounts: []AccountRole{{RoleARN: role}}})
	col, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range col.Resources {
		key := r.Type + " " + r.Region + " " + r.ID
		if seen[key] {
			t.Fatalf("%s collected twice", key)
		}
		seen[key] = true
	}
	if len(seen) == 0 {
		t.Fatal("nothing collected")
	}
	want := "aws: " + role + " reaches account " + testAccount + ", which is already scanned"
	if !slices.Contains(col.Warnings, want) {
		t.Errorf("warnings %q, want %q", col.Warnings, want)
	}
}
