package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// The remediation tests work in accounts of their own, reached by assuming
// a role (moto keeps accounts apart by the assumed role's credentials), so
// that the shared scenario account stays untouched.
const (
	remAccount  = "333333333333"
	remRole     = "arn:aws:iam::" + remAccount + ":role/remediator"
	lateAccount = "444444444444" // an account no remediation role reaches
)

// Conformance with bot.Remediator, which this package cannot import.
var _ interface {
	Supports(action string) bool
	Plan(ctx context.Context, t checks.RemediationTarget) (checks.RemediationPlan, error)
	Apply(ctx context.Context, p checks.RemediationPlan) error
} = (*Remediator)(nil)

func newTestRemediator(t *testing.T, endpoint string, opts RemediatorOptions) *Remediator {
	t.Helper()
	opts.Endpoint = endpoint
	r, err := NewRemediator(context.Background(), opts, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewRemediator: %v", err)
	}
	return r
}

// roleConfig is an SDK configuration acting as role in moto.
func roleConfig(endpoint, region, role string) awssdk.Config {
	cfg := awstest.Config(endpoint, region)
	cfg.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role))
	return cfg
}

// remSeed holds what seeding the remediation account created.
type remSeed struct {
	sgWeb, sgAll         string
	keySym, keyAsym      string
	oldKey, idleKey      string
	trailARN             string
	publicBucket, plain  string
	kmsBucket, logBucket string
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
		return v
	}
}

// seedRemediation creates one non-compliant resource per action in the
// remediation account, plus compliant ones for the no-op plans.
func seedRemediation(t *testing.T, ctx context.Context, endpoint string) remSeed {
	s := remSeed{publicBucket: "rem-public", plain: "rem-plain", kmsBucket: "rem-kms", logBucket: "rem-trail-logs"}
	cfg := roleConfig(endpoint, east, remRole)

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{s.publicBucket, s.plain, s.kmsBucket, s.logBucket} {
		must[*s3.CreateBucketOutput](t, "bucket "+b)(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: awssdk.String(b)}))
	}
	must[*s3.PutBucketAclOutput](t, "public-read ACL")(s3c.PutBucketAcl(ctx, &s3.PutBucketAclInput{
		Bucket: awssdk.String(s.publicBucket), ACL: s3types.BucketCannedACLPublicRead}))

	ec2c := ec2.NewFromConfig(cfg)
	group := func(name string, perms ...ec2types.IpPermission) string {
		out := must[*ec2.CreateSecurityGroupOutput](t, "group "+name)(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: awssdk.String(name), Description: awssdk.String(name)}))
		must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "authorize "+name)(ec2c.AuthorizeSecurityGroupIngress(ctx,
			&ec2.AuthorizeSecurityGroupIngressInput{GroupId: out.GroupId, IpPermissions: perms}))
		return awssdk.ToString(out.GroupId)
	}
	tcp := func(port int32, v4 []string, v6 ...string) ec2types.IpPermission {
		p := ec2types.IpPermission{IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(port), ToPort: awssdk.Int32(port)}
		for _, c := range v4 {
			p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: awssdk.String(c)})
		}
		for _, c := range v6 {
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: awssdk.String(c)})
		}
		return p
	}
	// web: RDP open to the world on IPv4 and IPv6 next to a private range,
	// SSH open to the world, HTTPS from a private range only.
	s.sgWeb = group("rem-web", tcp(443, []string{"10.0.0.0/8"}), tcp(22, []string{worldV4}),
		tcp(3389, []string{worldV4, "10.0.0.0/8"}, worldV6))
	s.sgAll = group("rem-all", ec2types.IpPermission{IpProtocol: awssdk.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String(worldV4)}}})

	kmsc := kms.NewFromConfig(cfg)
	s.keySym = awssdk.ToString(must[*kms.CreateKeyOutput](t, "key")(kmsc.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.Arn)
	s.keyAsym = awssdk.ToString(must[*kms.CreateKeyOutput](t, "signing key")(kmsc.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})).KeyMetadata.Arn)

	iamc := iam.NewFromConfig(cfg)
	key := func(user string) string {
		must[*iam.CreateUserOutput](t, "user "+user)(iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: awssdk.String(user)}))
		return awssdk.ToString(must[*iam.CreateAccessKeyOutput](t, "key of "+user)(iamc.CreateAccessKey(ctx,
			&iam.CreateAccessKeyInput{UserName: awssdk.String(user)})).AccessKey.AccessKeyId)
	}
	s.oldKey, s.idleKey = key("rem-old"), key("rem-idle")

	rdsc := rds.NewFromConfig(cfg)
	db := func(id string, public bool, days int32) {
		must[*rds.CreateDBInstanceOutput](t, "db "+id)(rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: awssdk.String(id),
			DBInstanceClass: awssdk.String("db.t3.micro"), Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
			MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("secret123456"),
			PubliclyAccessible: awssdk.Bool(public), BackupRetentionPeriod: awssdk.Int32(days)}))
	}
	db("rem-db-public", true, 1)
	db("rem-db-kept", false, 14)

	// The trail lives in eu-west-1: its fix must go there, whatever region
	// a finding names.
	ctc := cloudtrail.NewFromConfig(roleConfig(endpoint, west, remRole))
	s.trailARN = awssdk.ToString(must[*cloudtrail.CreateTrailOutput](t, "trail")(ctc.CreateTrail(ctx, &cloudtrail.CreateTrailInput{
		Name: awssdk.String("rem-trail"), S3BucketName: awssdk.String(s.logBucket)})).TrailARN)
	return s
}

// scanRemediation scans the remediation account and evaluates the built-in
// rules at scanTime; findings are keyed "rule-id resource-name", with
// "@region" outside us-east-1.
func scanRemediation(t *testing.T, ctx context.Context, endpoint string, scanTime time.Time) (map[string]checks.Finding, []*checks.Rule, map[string]checks.Resource) {
	t.Helper()
	engine := builtinEngine(t)
	c := newTestCollector(t, endpoint, Options{Regions: scenarioRegions, SkipDefault: true, Accounts: []AccountRole{{RoleARN: remRole}}})
	col, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Errors) > 0 || len(col.IncompleteTypes) > 0 {
		t.Fatalf("scan errors %+v, incomplete %v", col.Errors, col.IncompleteTypes)
	}
	res, err := engine.Evaluate(ctx, col.Resources, checks.EvalOptions{ScanTime: scanTime})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]checks.Finding{}
	for _, f := range res.Findings {
		key := f.RuleID + " " + f.ResourceName
		if f.Region != east && f.Region != checks.GlobalRegion {
			key += "@" + f.Region
		}
		out[key] = f
	}
	byID := map[string]checks.Resource{}
	for _, r := range col.Resources {
		byID[r.ID] = r
	}
	return out, engine.Rules(), byID
}

// attrValue is a resource's attribute as a change names it, including one
// access key's field ("access_keys[AKIA...].status").
func attrValue(r checks.Resource, attr string) any {
	if rest, ok := strings.CutPrefix(attr, "access_keys["); ok {
		id, field, _ := strings.Cut(rest, "].")
		keys, _ := r.Attributes["access_keys"].([]map[string]any)
		for _, k := range keys {
			if k["id"] == id {
				return k[field]
			}
		}
		return nil
	}
	return r.Attributes[attr]
}

// target is what the bot builds from a finding and its rule.
func target(t *testing.T, f checks.Finding, rules []*checks.Rule) checks.RemediationTarget {
	t.Helper()
	i := slices.IndexFunc(rules, func(r *checks.Rule) bool { return r.ID == f.RuleID })
	if i < 0 {
		t.Fatalf("no rule %s", f.RuleID)
	}
	rem := rules[i].Remediation
	return checks.RemediationTarget{Action: rem.Action, Params: rem.Params, RuleID: f.RuleID, Fingerprint: f.Fingerprint,
		ResourceID: f.ResourceID, ResourceType: f.ResourceType, ResourceName: f.ResourceName, Account: f.Account, Region: f.Region}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// sortedIngress orders flattened rules, whose order AWS does not promise.
func sortedIngress(t *testing.T, v any) string {
	t.Helper()
	var rules []any
	if err := json.Unmarshal([]byte(jsonOf(t, v)), &rules); err != nil {
		t.Fatal(err)
	}
	sort.Slice(rules, func(i, j int) bool { return jsonOf(t, rules[i]) < jsonOf(t, rules[j]) })
	return jsonOf(t, rules)
}

// call and change are checks.PlannedCall and checks.AttributeChange as
// their JSON reads, written short in the cases.
// normChanges is changes as JSON, with security-group rules in a fixed order.
func normChanges(t *testing.T, changes any) string {
	t.Helper()
	var list []change
	if err := json.Unmarshal([]byte(jsonOf(t, changes)), &list); err != nil {
		t.Fatal(err)
	}
	for i, c := range list {
		if c.Attribute == "ingress" {
			list[i].Before, list[i].After = sortedIngress(t, c.Before), sortedIngress(t, c.After)
		}
	}
	return jsonOf(t, list)
}

type call struct {
	API    string         `json:"api"`
	Params map[string]any `json:"params,omitempty"`
}

type change struct {
	Attribute string `json:"attribute"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
}

// TestRemediateActions: for each action, a finding of the built-in rules on
// a seeded resource is planned (the exact calls, before and after), applied,
// and gone at the next scan; planned again, it is a no-op, and applying the
// old plan again still succeeds.
func TestRemediateActions(t *testing.T) {
	endpoint := requireMoto(t)
	ctx := context.Background()
	s := seedRemediation(t, ctx, endpoint)
	// 100 days on: the fresh access keys are past both key limits.
	later := time.Now().Add(100 * 24 * time.Hour)
	r := newTestRemediator(t, endpoint, RemediatorOptions{RoleARN: remRole})
	r.now = func() time.Time { return later }
	const kmsKey = "arn:aws:kms:us-east-1:" + remAccount + ":alias/s3"
	rKMS := newTestRemediator(t, endpoint, RemediatorOptions{Accounts: map[string]string{remAccount: remRole}, KMSKeyID: kmsKey})

	owner := func(bucket string, more map[string]any) map[string]any {
		m := map[string]any{"Bucket": bucket, "ExpectedBucketOwner": remAccount}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	modify := func(more map[string]any) map[string]any {
		m := map[string]any{"DBInstanceIdentifier": "rem-db-public", "ApplyImmediately": true}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	web := func(v4 []string, withSSH bool, v6 ...string) []map[string]any {
		out := []map[string]any{perm("tcp", 443, 443, []string{"10.0.0.0/8"}, nil, nil), perm("tcp", 3389, 3389, v4, v6, nil)}
		if withSSH {
			out = append(out, perm("tcp", 22, 22, []string{worldV4}, nil, nil))
		}
		return out
	}
	cases := []struct {
		finding string // "rule-id resource-name"
		rem     *Remediator
		calls   []call
		changes []change
		also    []string // findings the same fix resolves
		stays   []string // findings it must leave alone
		noop    string   // what the plan says once applied
	}{
		{finding: "aws-s3-bucket-public-access-block " + s.publicBucket,
			calls: []call{{API: "s3:PutPublicAccessBlock", Params: owner(s.publicBucket, map[string]any{"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}})}},
			changes: []change{{"block_public_acls", false, true}, {"ignore_public_acls", false, true},
				{"block_public_policy", false, true}, {"restrict_public_buckets", false, true}},
			also:  []string{"aws-s3-bucket-acl-public-read " + s.publicBucket},
			stays: []string{"aws-s3-bucket-versioning " + s.publicBucket},
			noop:  "already blocks public access"},
		{finding: "aws-s3-bucket-default-encryption " + s.plain,
			calls: []call{{API: "s3:PutBucketEncryption", Params: owner(s.plain, map[string]any{"ServerSideEncryptionConfiguration": map[string]any{
				"Rules": []any{map[string]any{"ApplyServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}}})}},
			changes: []change{{"encryption_enabled", false, true}, {"encryption_algorithm", "", "AES256"}},
			noop:    "already encrypts new objects by default (AES256)"},
		{finding: "aws-s3-bucket-default-encryption " + s.kmsBucket, rem: rKMS,
			calls: []call{{API: "s3:PutBucketEncryption", Params: owner(s.kmsBucket, map[string]any{"ServerSideEncryptionConfiguration": map[string]any{
				"Rules": []any{map[string]any{"BucketKeyEnabled": true,
					"ApplyServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kmsKey}}}}})}},
			changes: []change{{"encryption_enabled", false, true}, {"encryption_algorithm", "", "aws:kms"},
				{"kms_key_id", "", kmsKey}, {"bucket_key_enabled", false, true}},
			noop: "(aws:kms)"},
		{finding: "aws-s3-bucket-versioning " + s.plain,
			calls: []call{{API: "s3:PutBucketVersioning", Params: owner(s.plain, map[string]any{
				"VersioningConfiguration": map[string]any{"Status": "Enabled"}})}},
			changes: []change{{"versioning_enabled", false, true}},
			noop:    "already has versioning enabled"},
		{finding: "aws-ec2-sg-rdp-open-to-world rem-web",
			calls: []call{{API: "ec2:RevokeSecurityGroupIngress", Params: map[string]any{"GroupId": s.sgWeb, "IpPermissions": []any{
				map[string]any{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
					"IpRanges": []any{map[string]any{"CidrIp": worldV4}}, "Ipv6Ranges": []any{map[string]any{"CidrIpv6": worldV6}}}}}}},
			changes: []change{{"ingress", web([]string{worldV4, "10.0.0.0/8"}, true, worldV6), web([]string{"10.0.0.0/8"}, true)}},
			stays:   []string{"aws-ec2-sg-ssh-open-to-world rem-web"},
			noop:    "admits nothing from 0.0.0.0/0 or ::/0 on protocols tcp, udp, ports 3389"},
		{finding: "aws-ec2-sg-all-traffic-open-to-world rem-all",
			calls: []call{{API: "ec2:RevokeSecurityGroupIngress", Params: map[string]any{"GroupId": s.sgAll, "IpPermissions": []any{
				map[string]any{"IpProtocol": "-1", "IpRanges": []any{map[string]any{"CidrIp": worldV4}}}}}}},
			changes: []change{{"ingress", []map[string]any{perm("-1", 0, 65535, []string{worldV4}, nil, nil)}, []map[string]any{}}},
			also:    []string{"aws-ec2-sg-ssh-open-to-world rem-all", "aws-ec2-sg-rdp-open-to-world rem-all"},
			noop:    "on protocols -1"},
		{finding: "aws-ebs-encryption-by-default ebs-encryption-by-default",
			calls:   []call{{API: "ec2:EnableEbsEncryptionByDefault", Params: map[string]any{}}},
			changes: []change{{"enabled", false, true}},
			noop:    "already on in us-east-1"},
		{finding: "aws-cloudtrail-log-file-validation rem-trail@eu-west-1",
			calls:   []call{{API: "cloudtrail:UpdateTrail", Params: map[string]any{"Name": s.trailARN, "EnableLogFileValidation": true}}},
			changes: []change{{"log_file_validation", false, true}},
			noop:    "already validates its log files"},
		{finding: "aws-kms-key-rotation " + s.keySym[strings.LastIndex(s.keySym, "/")+1:],
			calls:   []call{{API: "kms:EnableKeyRotation", Params: map[string]any{"KeyId": s.keySym[strings.LastIndex(s.keySym, "/")+1:]}}},
			changes: []change{{"rotation_enabled", false, true}},
			noop:    "already rotates automatically"},
		{finding: "aws-iam-user-access-key-rotation rem-old",
			calls:   []call{{API: "iam:UpdateAccessKey", Params: map[string]any{"UserName": "rem-old", "AccessKeyId": s.oldKey, "Status": "Inactive"}}},
			changes: []change{{"access_keys[" + s.oldKey + "].status", "Active", "Inactive"}},
			also:    []string{"aws-iam-user-unused-access-key rem-old"},
			noop:    "has no active access key older than 90 days"},
		{finding: "aws-iam-user-unused-access-key rem-idle",
			calls:   []call{{API: "iam:UpdateAccessKey", Params: map[string]any{"UserName": "rem-idle", "AccessKeyId": s.idleKey, "Status": "Inactive"}}},
			changes: []change{{"access_keys[" + s.idleKey + "].status", "Active", "Inactive"}},
			also:    []string{"aws-iam-user-access-key-rotation rem-idle"},
			noop:    "has no active access key unused for 45 days or more"},
		{finding: "aws-rds-instance-public rem-db-public",
			calls:   []call{{API: "rds:ModifyDBInstance", Params: modify(map[string]any{"PubliclyAccessible": false})}},
			changes: []change{{"publicly_accessible", true, false}},
			noop:    "already not publicly accessible"},
		{finding: "aws-rds-instance-backup-retention rem-db-public",
			calls:   []call{{API: "rds:ModifyDBInstance", Params: modify(map[string]any{"BackupRetentionPeriod": 7})}},
			changes: []change{{"backup_retention_days", 1, 7}},
			noop:    "already keeps backups 7 days (at least 7)"},
	}

	before, rules, _ := scanRemediation(t, ctx, endpoint, later)
	plans := make([]checks.RemediationPlan, len(cases))
	for i, c := range cases {
		for _, key := range append(append([]string{c.finding}, c.also...), c.stays...) {
			if _, ok := before[key]; !ok {
				t.Fatalf("seeded finding %q missing; findings: %v", key, keysOf(before))
			}
		}
		rem := c.rem
		if rem == nil {
			rem = r
		}
		tg := target(t, before[c.finding], rules)
		if !rem.Supports(tg.Action) {
			t.Fatalf("%s: action %s not supported", c.finding, tg.Action)
		}
		p, err := rem.Plan(ctx, tg)
		if err != nil {
			t.Fatalf("%s: plan: %v", c.finding, err)
		}
		if got, want := jsonOf(t, p.Calls), jsonOf(t, c.calls); got != want {
			t.Errorf("%s: calls\n got %s\nwant %s", c.finding, got, want)
		}
		if got, want := normChanges(t, p.Changes), normChanges(t, c.changes); got != want {
			t.Errorf("%s: changes\n got %s\nwant %s", c.finding, got, want)
		}
		if p.NoOp() || p.NoOpReason != "" || p.Target.Fingerprint != tg.Fingerprint {
			t.Errorf("%s: plan no-op %v (%q), target %+v", c.finding, p.NoOp(), p.NoOpReason, p.Target)
		}
		if rem == r && !p.PlannedAt.Equal(later.UTC()) {
			t.Errorf("%s: planned at %v, want the remediator's clock %v", c.finding, p.PlannedAt, later.UTC())
		}
		// The plan goes through JSON (the bot stores it) before it is applied.
		var stored checks.RemediationPlan
		if err := json.Unmarshal([]byte(jsonOf(t, p)), &stored); err != nil {
			t.Fatal(err)
		}
		if err := rem.Apply(ctx, stored); err != nil {
			t.Fatalf("%s: apply: %v", c.finding, err)
		}
		plans[i] = stored
	}

	after, _, resources := scanRemediation(t, ctx, endpoint, later)
	for i, c := range cases {
		// The scan reads what the plan said it would set.
		res, ok := resources[plans[i].Target.ResourceID]
		if !ok {
			t.Errorf("%s: resource %s not collected", c.finding, plans[i].Target.ResourceID)
		}
		for _, ch := range plans[i].Changes {
			got, want := jsonOf(t, attrValue(res, ch.Attribute)), jsonOf(t, ch.After)
			if ch.Attribute == "ingress" {
				got, want = sortedIngress(t, attrValue(res, ch.Attribute)), sortedIngress(t, ch.After)
			}
			if got != want {
				t.Errorf("%s: %s after the fix is %s, the plan said %s", c.finding, ch.Attribute, got, want)
			}
		}
		for _, key := range append([]string{c.finding}, c.also...) {
			if _, ok := after[key]; ok {
				t.Errorf("%s: still found after the fix", key)
			}
		}
		for _, key := range c.stays {
			if _, ok := after[key]; !ok {
				t.Errorf("%s: resolved by the fix of %s, which must leave it alone", key, c.finding)
			}
		}
		rem := c.rem
		if rem == nil {
			rem = r
		}
		p, err := rem.Plan(ctx, plans[i].Target)
		if err != nil {
			t.Errorf("%s: plan again: %v", c.finding, err)
			continue
		}
		if !p.NoOp() || len(p.Changes) != 0 || !strings.Contains(p.NoOpReason, c.noop) {
			t.Errorf("%s: plan of a compliant resource: calls %v, reason %q, want one containing %q", c.finding, p.Calls, p.NoOpReason, c.noop)
		}
		if err := rem.Apply(ctx, plans[i]); err != nil {
			t.Errorf("%s: applying the plan again: %v", c.finding, err)
		}
	}

	t.Run("compliant resources", func(t *testing.T) {
		for _, tg := range []checks.RemediationTarget{
			{Action: "aws.rds.set-backup-retention", ResourceType: typeRDSInstance, Params: map[string]any{"days": 7},
				ResourceID: "arn:aws:rds:us-east-1:" + remAccount + ":db:rem-db-kept"},
			{Action: "aws.iam.deactivate-access-key", ResourceType: typeIAMUser, Params: map[string]any{"max_age_days": 200},
				ResourceID: "arn:aws:iam::" + remAccount + ":user/rem-fresh"},
		} {
			tg.Account, tg.Region = remAccount, east
			if tg.ResourceType == typeIAMUser {
				must[*iam.CreateUserOutput](t, "user")(iam.NewFromConfig(roleConfig(endpoint, east, remRole)).CreateUser(ctx,
					&iam.CreateUserInput{UserName: awssdk.String("rem-fresh")}))
			}
			p, err := r.Plan(ctx, tg)
			if err != nil || !p.NoOp() || p.NoOpReason == "" {
				t.Errorf("%s on %s: plan %+v, err %v; want a no-op", tg.Action, tg.ResourceID, p, err)
			}
		}
	})
}

// TestRevokeIngressPartiallyGone: the revoke call of a plan whose ranges are
// partly gone already still removes the rest.
func TestRevokeIngressPartiallyGone(t *testing.T) {
	endpoint := requireMoto(t)
	ctx := context.Background()
	cfg := roleConfig(endpoint, east, remRole)
	ec2c := ec2.NewFromConfig(cfg)
	sg := must[*ec2.CreateSecurityGroupOutput](t, "group")(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: awssdk.String("rem-partial"), Description: awssdk.String("partial")}))
	world := ec2types.IpPermission{IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(22), ToPort: awssdk.Int32(22),
		IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String(worldV4)}}, Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: awssdk.String(worldV6)}}}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "authorize")(ec2c.AuthorizeSecurityGroupIngress(ctx,
		&ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{world}}))

	r := newTestRemediator(t, endpoint, RemediatorOptions{RoleARN: remRole})
	tg := checks.RemediationTarget{Action: "aws.ec2.revoke-public-ingress", Params: map[string]any{"ports": []any{uint64(22)}},
		ResourceType: typeSecurityGroup, ResourceID: "arn:aws:ec2:us-east-1:" + remAccount + ":security-group/" + awssdk.ToString(sg.GroupId),
		Account: remAccount, Region: east}
	p, err := r.Plan(ctx, tg)
	if err != nil || len(p.Calls) != 1 {
		t.Fatalf("plan: %+v, %v", p, err)
	}
	// Someone revokes the IPv4 range by hand between plan and apply.
	v4 := world
	v4.Ipv6Ranges = nil
	must[*ec2.RevokeSecurityGroupIngressOutput](t, "revoke by hand")(ec2c.RevokeSecurityGroupIngress(ctx,
		&ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{v4}}))
	if err := r.Apply(ctx, p); err != nil {
		t.Fatalf("apply: %v", err)
	}
	out := must[*ec2.DescribeSecurityGroupsOutput](t, "describe")(ec2c.DescribeSecurityGroups(ctx,
		&ec2.DescribeSecurityGroupsInput{GroupIds: []string{awssdk.ToString(sg.GroupId)}}))
	if perms := out.SecurityGroups[0].IpPermissions; len(perms) != 0 {
		t.Errorf("ingress left: %s", jsonOf(t, flattenPermissions(perms)))
	}
}

// TestRemediateRefusals: what a plan or an apply must refuse, with a
// clear, one-line error.
func TestRemediateRefusals(t *testing.T) {
	endpoint := requireMoto(t)
	ctx := context.Background()
	cfg := roleConfig(endpoint, east, remRole)
	asym := must[*kms.CreateKeyOutput](t, "signing key")(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify})).KeyMetadata
	r := newTestRemediator(t, endpoint, RemediatorOptions{RoleARN: remRole})
	def := newTestRemediator(t, endpoint, RemediatorOptions{})
	bucket := checks.RemediationTarget{Action: "aws.s3.enable-versioning", ResourceType: typeS3Bucket,
		ResourceID: "arn:aws:s3:::rem-no-such-bucket", Account: remAccount, Region: east}
	with := func(t checks.RemediationTarget, f func(*checks.RemediationTarget)) checks.RemediationTarget {
		f(&t)
		return t
	}

	cases := []struct {
		name    string
		rem     *Remediator
		target  checks.RemediationTarget
		invalid bool // wraps checks.ErrInvalidInput
		want    string
	}{
		{"asymmetric key", r, checks.RemediationTarget{Action: "aws.kms.enable-rotation", ResourceType: typeKMSKey,
			ResourceID: awssdk.ToString(asym.Arn), Account: remAccount, Region: east}, true,
			"cannot rotate key " + awssdk.ToString(asym.KeyId) + ": automatic rotation supports only symmetric encryption keys"},
		{"unknown action", r, with(bucket, func(t *checks.RemediationTarget) { t.Action = "aws.s3.delete-bucket" }), true,
			`unknown remediation action "aws.s3.delete-bucket"`},
		{"wrong resource type", r, with(bucket, func(t *checks.RemediationTarget) { t.ResourceType = typeKMSKey }), true,
			"action aws.s3.enable-versioning fixes aws.s3.bucket, not aws.kms.key"},
		{"unknown param", r, with(bucket, func(t *checks.RemediationTarget) {
			t.Action, t.ResourceType, t.Params = "aws.ec2.revoke-public-ingress", typeSecurityGroup, map[string]any{"port": 22}
		}), true, `unknown remediation param "port" (known: ports, protocols)`},
		{"bad param", r, with(bucket, func(t *checks.RemediationTarget) {
			t.Action, t.ResourceType, t.Params = "aws.rds.set-backup-retention", typeRDSInstance, map[string]any{"days": "week"}
		}), true, "remediation param days: want an integer"},
		{"account the default credentials are not in", def, with(bucket, func(t *checks.RemediationTarget) { t.Account = lateAccount }), false,
			"no remediation role for account " + lateAccount + ", and the default credentials are in account " + testAccount},
		{"role in another account", r, with(bucket, func(t *checks.RemediationTarget) { t.Account = lateAccount }), false,
			"remediation role " + remRole + " reaches account " + remAccount + ", not the finding's account " + lateAccount},
		{"API error", r, bucket, false, "s3 GetBucketVersioning rem-no-such-bucket: error: NoSuchBucket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.rem.Plan(ctx, c.target)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("plan error %v, want one line containing %q", err, c.want)
			}
			if errors.Is(err, checks.ErrInvalidInput) != c.invalid {
				t.Errorf("errors.Is(ErrInvalidInput) = %v, want %v", !c.invalid, c.invalid)
			}
		})
	}

	t.Run("apply API error", func(t *testing.T) {
		p := checks.RemediationPlan{Target: bucket, Calls: []checks.PlannedCall{{API: "s3:PutBucketVersioning",
			Params: map[string]any{"Bucket": "rem-no-such-bucket", "VersioningConfiguration": map[string]any{"Status": "Enabled"}}}}}
		err := r.Apply(ctx, p)
		want := "apply aws.s3.enable-versioning on arn:aws:s3:::rem-no-such-bucket: call 1 of 1, s3:PutBucketVersioning: error: NoSuchBucket"
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("apply error %v, want one line starting %q", err, want)
		}
		if code := errorCode(err); code != "NoSuchBucket" {
			t.Errorf("the API error is not wrapped: code %q", code)
		}
	})
	t.Run("apply a call the action never makes", func(t *testing.T) {
		p := checks.RemediationPlan{Target: bucket, Calls: []checks.PlannedCall{{API: "s3:DeleteBucket", Params: map[string]any{"Bucket": "x"}}}}
		if err := r.Apply(ctx, p); err == nil || !errors.Is(err, checks.ErrInvalidInput) || !strings.Contains(err.Error(), "s3:DeleteBucket") {
			t.Fatalf("apply error %v", err)
		}
	})
	t.Run("apply params the API does not take", func(t *testing.T) {
		p := checks.RemediationPlan{Target: bucket, Calls: []checks.PlannedCall{{API: "s3:PutBucketVersioning",
			Params: map[string]any{"Bucket": "rem-no-such-bucket", "Recursive": true}}}}
		if err := r.Apply(ctx, p); err == nil || !strings.Contains(err.Error(), `unknown field "Recursive"`) {
			t.Fatalf("apply error %v", err)
		}
	})
}

func TestRemediatorOptions(t *testing.T) {
	for _, c := range []struct {
		opts RemediatorOptions
		want string
	}{
		{RemediatorOptions{RoleARN: "remediator"}, "invalid remediation role ARN"},
		{RemediatorOptions{Accounts: map[string]string{"1234": remRole}}, `invalid account id "1234"`},
		{RemediatorOptions{Accounts: map[string]string{lateAccount: remRole}}, "is in account " + remAccount},
	} {
		_, err := NewRemediator(context.Background(), c.opts, nil)
		if err == nil || !errors.Is(err, checks.ErrInvalidInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opts, err, c.want)
		}
	}
}

// TestIngressFilter: which world-open permissions a rule's params select.
func TestIngressFilter(t *testing.T) {
	type perm struct {
		proto    string
		from, to int
	}
	cases := []struct {
		params map[string]any
		match  []perm
		skip   []perm
	}{
		{map[string]any{"ports": []any{uint64(22)}, "protocols": []any{"tcp"}},
			[]perm{{"tcp", 22, 22}, {"tcp", 20, 25}, {"-1", 0, 65535}, {"tcp", 0, 65535}},
			[]perm{{"udp", 22, 22}, {"tcp", 23, 23}, {"icmp", -1, -1}, {"132", 0, 65535}}},
		{map[string]any{"ports": []any{float64(3389)}}, // JSON numbers; tcp and udp by default
			[]perm{{"tcp", 3389, 3389}, {"udp", 3389, 3389}},
			[]perm{{"icmp", 3389, 3389}, {"tcp", 22, 22}}},
		{map[string]any{"protocols": []any{"-1"}},
			[]perm{{"-1", 0, 65535}},
			[]perm{{"tcp", 0, 65535}, {"udp", 53, 53}}},
		{nil, []perm{{"tcp", 1, 1}, {"icmp", -1, -1}, {"-1", 0, 65535}}, nil},
	}
	for _, c := range cases {
		f, err := newIngressFilter(c.params)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.match {
			if !f.matches(p.proto, p.from, p.to) {
				t.Errorf("%v: %+v should match", c.params, p)
			}
		}
		for _, p := range c.skip {
			if f.matches(p.proto, p.from, p.to) {
				t.Errorf("%v: %+v should not match", c.params, p)
			}
		}
	}
	for _, bad := range []map[string]any{
		{"ports": []any{"ssh"}},
		{"ports": []any{}},
		{"ports": []int{}},         // typed, not decoded: empty must not mean every port
		{"ports": []int{70000}},    // typed, out of range
		{"protocols": []string{}},  // typed and empty
		{"protocols": []any{true}}, // not a protocol
	} {
		if _, err := newIngressFilter(bad); err == nil {
			t.Errorf("params %v accepted", bad)
		}
	}
}

// TestKeyLimits: the rules' own age arithmetic.
func TestKeyLimits(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ago := func(days float64) time.Time { return now.Add(-time.Duration(days * 24 * float64(time.Hour))) }
	for _, c := range []struct {
		params        map[string]any
		created, used time.Time
		want          bool
	}{
		{map[string]any{"max_age_days": 90}, ago(90), ago(1), false},
		{map[string]any{"max_age_days": 90}, ago(90.5), ago(1), true},
		{map[string]any{"max_age_days": 90}, ago(89), time.Time{}, false}, // idle, but only age is checked
		{map[string]any{"unused_days": 45}, ago(200), ago(44), false},
		{map[string]any{"unused_days": 45}, ago(200), ago(45), true},
		{map[string]any{"unused_days": 45}, ago(45), time.Time{}, true}, // never used: idle since created
		{nil, ago(91), ago(1), true},
		{nil, ago(50), time.Time{}, true},
		{nil, ago(50), ago(2), false},
	} {
		l, err := newKeyLimits(c.params)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.stale(now, c.created, c.used); got != c.want {
			t.Errorf("%v created %v used %v: stale %v, want %v", c.params, now.Sub(c.created), c.used, got, c.want)
		}
	}
}

// TestBuiltinRuleActions: every action a built-in rule names is implemented,
// is one of checks.RemediationActions, fixes the rule's resource type and
// accepts the rule's params.
func TestBuiltinRuleActions(t *testing.T) {
	known := slices.Sorted(slices.Values(checks.RemediationActions()))
	if got := RemediationActionNames(); !slices.Equal(got, known) {
		t.Errorf("implemented actions %v, checks.RemediationActions %v", got, known)
	}
	used := map[string]bool{}
	for _, rule := range builtinEngine(t).Rules() {
		name := rule.Remediation.Action
		if name == "" {
			continue
		}
		used[name] = true
		a, ok := remediationActions()[name]
		if !ok {
			t.Errorf("%s: action %s not implemented", rule.ID, name)
			continue
		}
		if !slices.Contains(a.types, rule.Resource) {
			t.Errorf("%s: action %s does not fix %s", rule.ID, name, rule.Resource)
		}
		params := rule.Remediation.Params
		err := checkParams(params, a.params)
		if err == nil {
			switch name {
			case "aws.ec2.revoke-public-ingress":
				_, err = newIngressFilter(params)
			case "aws.iam.deactivate-access-key":
				_, err = newKeyLimits(params)
			case "aws.rds.set-backup-retention":
				_, _, err = paramInt(params, "days", defaultBackupDays)
			}
		}
		if err != nil {
			t.Errorf("%s: params %v: %v", rule.ID, params, err)
		}
	}
	for _, name := range known {
		if !used[name] {
			t.Errorf("no built-in rule uses %s", name)
		}
	}
}

// TestRemediatePlanEmptyAnswers: an endpoint that answers a read with an
// empty document (a proxy, an emulator) fails the plan, never panics.
func TestRemediatePlanEmptyAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch target := r.Header.Get("X-Amz-Target"); {
		case strings.Contains(string(body), "Action=GetCallerIdentity"):
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
				`<Arn>arn:aws:iam::%s:user/x</Arn><UserId>X</UserId><Account>%s</Account></GetCallerIdentityResult>`+
				`<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, remAccount, remAccount)
		case strings.HasPrefix(target, "TrentService."):
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprint(w, `{}`)
		default:
			http.Error(w, "unexpected "+target, http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	r := newTestRemediator(t, srv.URL, RemediatorOptions{})
	_, err := r.Plan(context.Background(), checks.RemediationTarget{Action: "aws.kms.enable-rotation", ResourceType: typeKMSKey,
		ResourceID: "arn:aws:kms:" + east + ":" + remAccount + ":key/k1", Account: remAccount, Region: east})
	if err == nil || !strings.Contains(err.Error(), "no key metadata") {
		t.Fatalf("plan error %v", err)
	}
}
