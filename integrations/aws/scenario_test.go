package aws

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// The scenario: one account (moto's default, 123456789012) with resources in
// us-east-1 and eu-west-1, seeded once per test run through the SDK and
// collected once; the tests assert on that collection.
const (
	testAccount = "123456789012"
	east        = "us-east-1"
	west        = "eu-west-1"
	channelTag  = "<!channel>" // must survive collection unchanged (escaping is the chat layer's job)
)

var scenarioRegions = []string{east, west}

type scenarioFixture struct {
	once sync.Once
	err  error
	ids  seeded
	col  *checks.Collection
}

// seeded holds ids moto chose while seeding.
type seeded struct {
	appVPC, privateSubnet, publicSubnet, publicSubnet2 string
	sgRange, sgAll, sgV6, sgPrivate, sgWest            string
	customACL                                          string
	volEnc, volPlain                                   string
	snapPublic, snapShared                             string
	instPrivate, instPublic                            string
	keyRotating, keyStale, keySigning, keyPublic       string
	keyWest                                            string
	albWeb, albPlain                                   string
	instanceProfileARN, image                          string
}

var fixture scenarioFixture

// scenario seeds and collects once; every test that reads it shares both.
func scenario(t *testing.T) (*checks.Collection, seeded) {
	t.Helper()
	endpoint := requireMoto(t)
	fixture.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		fixture.ids, fixture.err = seedScenario(ctx, endpoint)
		if fixture.err != nil {
			return
		}
		c := newTestCollector(t, endpoint, Options{Regions: scenarioRegions})
		fixture.col, fixture.err = c.Collect(ctx)
	})
	if fixture.err != nil {
		t.Fatalf("scenario: %v", fixture.err)
	}
	return fixture.col, fixture.ids
}

// seeder runs seeding steps and keeps the first error.
type seeder struct {
	ctx      context.Context
	endpoint string
	err      error
	ids      seeded
}

func (s *seeder) do(what string, err error) {
	if err != nil && s.err == nil {
		s.err = &seedError{what, err}
	}
}

type seedError struct {
	what string
	err  error
}

func (e *seedError) Error() string { return "seed " + e.what + ": " + e.err.Error() }

func (s *seeder) cfg(region string) awssdk.Config { return awstest.Config(s.endpoint, region) }

func seedScenario(ctx context.Context, endpoint string) (seeded, error) {
	s := &seeder{ctx: ctx, endpoint: endpoint}
	// KMS first: the good bucket and the trail encrypt with a key.
	s.seedKMS()
	s.seedS3()
	s.seedEC2()
	s.seedRDS()
	s.seedIAM()
	s.seedCloudTrail()
	s.seedConfig()
	s.seedELB()
	return s.ids, s.err
}

func (s *seeder) seedKMS() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := kms.NewFromConfig(s.cfg(east))
	create := func(alias string, in *kms.CreateKeyInput) string {
		out, err := cl.CreateKey(ctx, in)
		s.do("create key "+alias, err)
		if err != nil {
			return ""
		}
		id := awssdk.ToString(out.KeyMetadata.KeyId)
		_, err = cl.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: awssdk.String(alias), TargetKeyId: awssdk.String(id)})
		s.do("create alias "+alias, err)
		return id
	}
	s.ids.keyRotating = create("alias/rotating", &kms.CreateKeyInput{
		Tags: []kmstypes.Tag{{TagKey: awssdk.String("team"), TagValue: awssdk.String(channelTag)}}})
	_, err := cl.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: awssdk.String(s.ids.keyRotating)})
	s.do("enable key rotation", err)
	s.ids.keyStale = create("alias/stale", &kms.CreateKeyInput{})
	s.ids.keySigning = create("alias/signing", &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	s.ids.keyPublic = create("alias/public", &kms.CreateKeyInput{})
	_, err = cl.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: awssdk.String(s.ids.keyPublic), PolicyName: awssdk.String("default"),
		Policy: awssdk.String(`{"Version":"2012-10-17","Statement":[{"Sid":"anyone","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}]}`)})
	s.do("put key policy", err)

	wcl := kms.NewFromConfig(s.cfg(west))
	out, err := wcl.CreateKey(ctx, &kms.CreateKeyInput{Description: awssdk.String("west")})
	s.do("create west key", err)
	if err == nil {
		s.ids.keyWest = awssdk.ToString(out.KeyMetadata.KeyId)
	}
}

func (s *seeder) s3(region string) *s3.Client {
	return s3.NewFromConfig(s.cfg(region), func(o *s3.Options) { o.UsePathStyle = true })
}

func (s *seeder) seedS3() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := s.s3(east)
	wcl := s.s3(west)
	bucket := func(cl *s3.Client, name, region string, in *s3.CreateBucketInput) {
		in.Bucket = awssdk.String(name)
		if region != east {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		_, err := cl.CreateBucket(ctx, in)
		s.do("create bucket "+name, err)
	}
	pab := func(cl *s3.Client, name string, acls, ignore, policy, restrict bool) {
		_, err := cl.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: awssdk.String(name),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: &acls,
				IgnorePublicAcls: &ignore, BlockPublicPolicy: &policy, RestrictPublicBuckets: &restrict}})
		s.do("put public access block "+name, err)
	}
	tag := func(cl *s3.Client, name string, kv ...string) {
		var set []s3types.Tag
		for i := 0; i+1 < len(kv); i += 2 {
			set = append(set, s3types.Tag{Key: awssdk.String(kv[i]), Value: awssdk.String(kv[i+1])})
		}
		_, err := cl.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: awssdk.String(name), Tagging: &s3types.Tagging{TagSet: set}})
		s.do("tag "+name, err)
	}
	versioning := func(cl *s3.Client, name string, st s3types.BucketVersioningStatus) {
		_, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: awssdk.String(name),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: st}})
		s.do("versioning "+name, err)
	}
	encrypt := func(cl *s3.Client, name string, alg s3types.ServerSideEncryption, key string) {
		def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: alg}
		if key != "" {
			def.KMSMasterKeyID = awssdk.String(key)
		}
		_, err := cl.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: awssdk.String(name),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{
				{ApplyServerSideEncryptionByDefault: def, BucketKeyEnabled: awssdk.Bool(key != "")}}}})
		s.do("encrypt "+name, err)
	}
	ownership := func(cl *s3.Client, name string, o s3types.ObjectOwnership) {
		_, err := cl.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: awssdk.String(name),
			OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: o}}}})
		s.do("ownership "+name, err)
	}
	policy := func(cl *s3.Client, name, doc string) {
		_, err := cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: awssdk.String(name), Policy: awssdk.String(doc)})
		s.do("policy "+name, err)
	}

	// comply-logs receives access logs, trail logs and flow logs.
	bucket(cl, "comply-logs", east, &s3.CreateBucketInput{})
	encrypt(cl, "comply-logs", s3types.ServerSideEncryptionAes256, "")
	ownership(cl, "comply-logs", s3types.ObjectOwnershipBucketOwnerPreferred)
	_, err := cl.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: awssdk.String("comply-logs"), GrantWrite: awssdk.String(`uri="http://acs.amazonaws.com/groups/s3/LogDelivery"`), GrantReadACP: awssdk.String(`uri="http://acs.amazonaws.com/groups/s3/LogDelivery"`), GrantFullControl: awssdk.String(`id="` + motoOwnerID + `"`)})
	s.do("acl comply-logs", err)

	// comply-replica: the replication target, versioned, in the other region.
	bucket(wcl, "comply-replica", west, &s3.CreateBucketInput{})
	versioning(wcl, "comply-replica", s3types.BucketVersioningStatusEnabled)

	// comply-good: every control on.
	bucket(cl, "comply-good", east, &s3.CreateBucketInput{})
	pab(cl, "comply-good", true, true, true, true)
	ownership(cl, "comply-good", s3types.ObjectOwnershipBucketOwnerEnforced)
	policy(cl, "comply-good", `{"Version":"2012-10-17","Statement":[{"Sid":"tls","Effect":"Deny","Principal":"*","Action":"s3:*",
		"Resource":["arn:aws:s3:::comply-good","arn:aws:s3:::comply-good/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	encrypt(cl, "comply-good", s3types.ServerSideEncryptionAwsKms, s.ids.keyRotating)
	versioning(cl, "comply-good", s3types.BucketVersioningStatusEnabled)
	_, err = cl.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: awssdk.String("comply-good"),
		BucketLoggingStatus: &s3types.BucketLoggingStatus{LoggingEnabled: &s3types.LoggingEnabled{
			TargetBucket: awssdk.String("comply-logs"), TargetPrefix: awssdk.String("good/")}}})
	s.do("logging comply-good", err)
	_, err = cl.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: awssdk.String("comply-good"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{
			{ID: awssdk.String("expire"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: awssdk.String("tmp/")},
				Expiration: &s3types.LifecycleExpiration{Days: awssdk.Int32(7)}},
			{ID: awssdk.String("off"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: awssdk.String("old/")},
				Expiration: &s3types.LifecycleExpiration{Days: awssdk.Int32(30)}},
		}}})
	s.do("lifecycle comply-good", err)
	_, err = cl.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: awssdk.String("comply-good"),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: awssdk.String("arn:aws:iam::" + testAccount + ":role/replication"),
			Rules: []s3types.ReplicationRule{{ID: awssdk.String("all"), Status: s3types.ReplicationRuleStatusEnabled, Priority: awssdk.Int32(1),
				Filter:                  &s3types.ReplicationRuleFilter{Prefix: awssdk.String("")},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
				Destination:             &s3types.Destination{Bucket: awssdk.String("arn:aws:s3:::comply-replica")}}}}})
	s.do("replication comply-good", err)
	tag(cl, "comply-good", "data-classification", "confidential", "env", "prod")

	// comply-bad: public by ACL and by policy, unencrypted, a website, a
	// tag that would ping a Slack channel if it were not escaped.
	bucket(cl, "comply-bad", east, &s3.CreateBucketInput{ObjectOwnership: s3types.ObjectOwnershipObjectWriter})
	// Moto quirk: of a canned public-read-write grant, GetBucketAcl shows
	// only READ; explicit grants come back one permission each.
	allUsers := awssdk.String(`uri="` + allUsersURI + `"`)
	_, err = cl.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: awssdk.String("comply-bad"), GrantRead: allUsers, GrantWrite: allUsers,
		GrantFullControl: awssdk.String(`id="` + motoOwnerID + `"`)})
	s.do("acl comply-bad", err)
	policy(cl, "comply-bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::comply-bad/*"}]}`)
	_, err = cl.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: awssdk.String("comply-bad"),
		WebsiteConfiguration: &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: awssdk.String("index.html")}}})
	s.do("website comply-bad", err)
	tag(cl, "comply-bad", "team", channelTag, "data-classification", "restricted")

	// comply-partial (eu-west-1): half a public access block, versioning
	// suspended, SSE-S3, a grant to every AWS account.
	bucket(wcl, "comply-partial", west, &s3.CreateBucketInput{})
	pab(wcl, "comply-partial", true, true, false, false)
	versioning(wcl, "comply-partial", s3types.BucketVersioningStatusEnabled)
	versioning(wcl, "comply-partial", s3types.BucketVersioningStatusSuspended)
	encrypt(wcl, "comply-partial", s3types.ServerSideEncryptionAes256, "")
	ownership(wcl, "comply-partial", s3types.ObjectOwnershipBucketOwnerPreferred)
	_, err = wcl.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: awssdk.String("comply-partial"),
		GrantRead: awssdk.String(`uri="` + authUsersURI + `"`), GrantFullControl: awssdk.String(`id="` + motoOwnerID + `"`)})
	s.do("acl comply-partial", err)

	// comply-locked: Object Lock required by tag, and on.
	bucket(cl, "comply-locked", east, &s3.CreateBucketInput{ObjectLockEnabledForBucket: awssdk.Bool(true)})
	_, err = cl.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: awssdk.String("comply-locked"),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
			Rule: &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeGovernance, Days: awssdk.Int32(1)}}}})
	s.do("object lock comply-locked", err)
	tag(cl, "comply-locked", "comply:object-lock", "required")

	// The account's public access block: partial.
	ctl := s3control.NewFromConfig(s.cfg(east), func(o *s3control.Options) {
		o.EndpointResolverV2 = keepHostResolver{s3control.NewDefaultEndpointResolverV2()}
	})
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: awssdk.String(testAccount),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{BlockPublicAcls: awssdk.Bool(true),
			IgnorePublicAcls: awssdk.Bool(false), BlockPublicPolicy: awssdk.Bool(false), RestrictPublicBuckets: awssdk.Bool(false)}})
	s.do("account public access block", err)
}

// motoOwnerID is the canonical user id moto gives the bucket owner.
const motoOwnerID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

type seedErr string

func (e seedErr) Error() string { return string(e) }

func ec2Tag(k, v string) ec2types.Tag {
	return ec2types.Tag{Key: awssdk.String(k), Value: awssdk.String(v)}
}

func tagSpec(rt ec2types.ResourceType, tags ...ec2types.Tag) []ec2types.TagSpecification {
	if len(tags) == 0 {
		return nil
	}
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

func (s *seeder) seedEC2() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := ec2.NewFromConfig(s.cfg(east))
	vpc, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: awssdk.String("10.1.0.0/16"),
		TagSpecifications: tagSpec(ec2types.ResourceTypeVpc, ec2Tag("Name", "app"))})
	s.do("create vpc", err)
	if err != nil {
		return
	}
	s.ids.appVPC = awssdk.ToString(vpc.Vpc.VpcId)
	subnet := func(cidr, az string, tags ...ec2types.Tag) string {
		out, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: awssdk.String(cidr),
			AvailabilityZone: awssdk.String(az), TagSpecifications: tagSpec(ec2types.ResourceTypeSubnet, tags...)})
		s.do("create subnet "+cidr, err)
		if err != nil {
			return ""
		}
		return awssdk.ToString(out.Subnet.SubnetId)
	}
	s.ids.privateSubnet = subnet("10.1.1.0/24", "us-east-1a", ec2Tag("tier", "private"))
	s.ids.publicSubnet = subnet("10.1.2.0/24", "us-east-1a", ec2Tag("tier", "public"))
	s.ids.publicSubnet2 = subnet("10.1.3.0/24", "us-east-1b", ec2Tag("tier", "public"))

	group := func(name string, tags []ec2types.Tag, perms ...ec2types.IpPermission) string {
		out, err := cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: awssdk.String(name),
			Description: awssdk.String(name + " group"), VpcId: vpc.Vpc.VpcId,
			TagSpecifications: tagSpec(ec2types.ResourceTypeSecurityGroup, tags...)})
		s.do("create security group "+name, err)
		if err != nil {
			return ""
		}
		if len(perms) > 0 {
			_, err = cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: out.GroupId, IpPermissions: perms})
			s.do("authorize "+name, err)
		}
		return awssdk.ToString(out.GroupId)
	}
	tcp := func(from, to int32, cidrs ...string) ec2types.IpPermission {
		p := ec2types.IpPermission{IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(from), ToPort: awssdk.Int32(to)}
		for _, c := range cidrs {
			if strings.Contains(c, ":") {
				p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: awssdk.String(c)})
			} else {
				p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: awssdk.String(c)})
			}
		}
		return p
	}
	s.ids.sgRange = group("ssh-range", []ec2types.Tag{ec2Tag("owner", channelTag)}, tcp(20, 25, "0.0.0.0/0"))
	s.ids.sgAll = group("all-open", nil, ec2types.IpPermission{IpProtocol: awssdk.String("-1"),
		IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String("0.0.0.0/0")}}})
	s.ids.sgV6 = group("rdp-v6", nil, tcp(3389, 3389, "::/0"))
	s.ids.sgPrivate = group("private-only", nil, tcp(22, 22, "10.0.0.0/8", "192.168.0.0/16"),
		ec2types.IpPermission{IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(3306), ToPort: awssdk.Int32(3306),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: awssdk.String(s.ids.sgRange)}}})

	// A custom network ACL on the private subnet: SSH denied first, then
	// everything allowed, so RDP is open and SSH is not.
	acl, err := cl.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: vpc.Vpc.VpcId,
		TagSpecifications: tagSpec(ec2types.ResourceTypeNetworkAcl, ec2Tag("Name", "private-acl"))})
	s.do("create network acl", err)
	if err == nil {
		s.ids.customACL = awssdk.ToString(acl.NetworkAcl.NetworkAclId)
		entry := func(n int32, action ec2types.RuleAction, proto string, from, to int32) {
			in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAcl.NetworkAclId, RuleNumber: awssdk.Int32(n),
				Egress: awssdk.Bool(false), RuleAction: action, Protocol: awssdk.String(proto), CidrBlock: awssdk.String("0.0.0.0/0")}
			if proto != "-1" {
				in.PortRange = &ec2types.PortRange{From: awssdk.Int32(from), To: awssdk.Int32(to)}
			}
			_, err := cl.CreateNetworkAclEntry(ctx, in)
			s.do("network acl entry", err)
		}
		entry(100, ec2types.RuleActionDeny, "6", 22, 22)
		entry(200, ec2types.RuleActionAllow, "-1", 0, 0)
		assoc, err := cl.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
			{Name: awssdk.String("association.subnet-id"), Values: []string{s.ids.privateSubnet}}}})
		s.do("find subnet acl association", err)
		if err == nil {
			for _, n := range assoc.NetworkAcls {
				for _, as := range n.Associations {
					if awssdk.ToString(as.SubnetId) == s.ids.privateSubnet {
						_, err := cl.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
							AssociationId: as.NetworkAclAssociationId, NetworkAclId: acl.NetworkAcl.NetworkAclId})
						s.do("associate network acl", err)
					}
				}
			}
		}
	}

	// Volumes and snapshots. Moto quirk: creating an encrypted volume
	// without a key makes moto create the AWS-managed alias/aws/ebs key,
	// which then shows up among the region's KMS keys.
	vol := func(encrypted bool, name string) string {
		out, err := cl.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: awssdk.String("us-east-1a"), Size: awssdk.Int32(8),
			VolumeType: ec2types.VolumeTypeGp3, Encrypted: awssdk.Bool(encrypted),
			TagSpecifications: tagSpec(ec2types.ResourceTypeVolume, ec2Tag("Name", name))})
		s.do("create volume "+name, err)
		if err != nil {
			return ""
		}
		return awssdk.ToString(out.VolumeId)
	}
	s.ids.volEnc = vol(true, "data-encrypted")
	s.ids.volPlain = vol(false, "data-plain")
	snap := func(vol, desc string) string {
		out, err := cl.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: awssdk.String(vol), Description: awssdk.String(desc)})
		s.do("create snapshot "+desc, err)
		if err != nil {
			return ""
		}
		return awssdk.ToString(out.SnapshotId)
	}
	s.ids.snapPublic = snap(s.ids.volPlain, "public")
	_, err = cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: awssdk.String(s.ids.snapPublic),
		Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission, OperationType: ec2types.OperationTypeAdd,
		GroupNames: []string{"all"}})
	s.do("make snapshot public", err)
	s.ids.snapShared = snap(s.ids.volEnc, "shared")
	_, err = cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: awssdk.String(s.ids.snapShared),
		Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission, OperationType: ec2types.OperationTypeAdd,
		UserIds: []string{"210987654321"}})
	s.do("share snapshot", err)

	// Instances: one with a public IP in a private subnet and IMDSv1, one
	// with IMDSv2 and an instance profile.
	// Moto does not validate AMI ids (and RegisterImage would add an AMI
	// snapshot owned by the account).
	ami := awssdk.String("ami-0123456789abcdef0")
	s.ids.image = *ami
	run := func(name, subnet string, public bool, tokens ec2types.HttpTokensState, profile string) string {
		in := &ec2.RunInstancesInput{ImageId: ami, MinCount: awssdk.Int32(1), MaxCount: awssdk.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro,
			NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: awssdk.Int32(0),
				SubnetId: awssdk.String(subnet), AssociatePublicIpAddress: awssdk.Bool(public), Groups: []string{s.ids.sgPrivate}}},
			MetadataOptions:   &ec2types.InstanceMetadataOptionsRequest{HttpTokens: tokens, HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled},
			TagSpecifications: tagSpec(ec2types.ResourceTypeInstance, ec2Tag("Name", name))}
		if profile != "" {
			in.IamInstanceProfile = &ec2types.IamInstanceProfileSpecification{Arn: awssdk.String(profile)}
		}
		out, err := cl.RunInstances(ctx, in)
		s.do("run instance "+name, err)
		if err != nil || len(out.Instances) == 0 {
			return ""
		}
		return awssdk.ToString(out.Instances[0].InstanceId)
	}
	iamcl := iam.NewFromConfig(s.cfg(east))
	prof, err := iamcl.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: awssdk.String("web")})
	s.do("create instance profile", err)
	if err == nil {
		s.ids.instanceProfileARN = awssdk.ToString(prof.InstanceProfile.Arn)
	}
	s.ids.instPrivate = run("worker", s.ids.privateSubnet, true, ec2types.HttpTokensStateOptional, "")
	s.ids.instPublic = run("web", s.ids.publicSubnet, true, ec2types.HttpTokensStateRequired, s.ids.instanceProfileARN)

	// Flow logs on the app VPC only; the default VPC has none.
	fl, err := cl.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{s.ids.appVPC}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeAll, LogDestinationType: ec2types.LogDestinationTypeS3,
		LogDestination: awssdk.String("arn:aws:s3:::comply-logs")})
	s.do("create flow logs", err)
	if err == nil && len(fl.Unsuccessful) > 0 {
		s.do("create flow logs", seedErr(awssdk.ToString(fl.Unsuccessful[0].Error.Message)))
	}

	// eu-west-1: SSH open to the world in the default VPC, and EBS
	// encryption by default on.
	wcl := ec2.NewFromConfig(s.cfg(west))
	out, err := wcl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: awssdk.String("eu-ssh"), Description: awssdk.String("eu ssh")})
	s.do("create west group", err)
	if err == nil {
		s.ids.sgWest = awssdk.ToString(out.GroupId)
		_, err = wcl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: out.GroupId,
			IpPermissions: []ec2types.IpPermission{tcp(22, 22, "0.0.0.0/0")}})
		s.do("authorize west group", err)
	}
	_, err = wcl.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
	s.do("enable EBS encryption by default", err)
}

func iamTag(k, v string) iamtypes.Tag {
	return iamtypes.Tag{Key: awssdk.String(k), Value: awssdk.String(v)}
}

func (s *seeder) seedRDS() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := rds.NewFromConfig(s.cfg(east))
	_, err := cl.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: awssdk.String("db-public"),
		DBInstanceClass: awssdk.String("db.t3.micro"), Engine: awssdk.String("mysql"), EngineVersion: awssdk.String("8.0.35"),
		AllocatedStorage: awssdk.Int32(20), MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("secret123456"),
		PubliclyAccessible: awssdk.Bool(true), BackupRetentionPeriod: awssdk.Int32(0), AutoMinorVersionUpgrade: awssdk.Bool(false),
		Tags: []rdstypes.Tag{{Key: awssdk.String("team"), Value: awssdk.String(channelTag)}}})
	s.do("create db-public", err)
	_, err = cl.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: awssdk.String("db-private"),
		DBInstanceClass: awssdk.String("db.t3.micro"), Engine: awssdk.String("postgres"), EngineVersion: awssdk.String("16.3"),
		AllocatedStorage: awssdk.Int32(20), MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("secret123456"),
		PubliclyAccessible: awssdk.Bool(false), StorageEncrypted: awssdk.Bool(true), KmsKeyId: awssdk.String(s.ids.keyRotating),
		BackupRetentionPeriod: awssdk.Int32(14), MultiAZ: awssdk.Bool(true), DeletionProtection: awssdk.Bool(true),
		EnableIAMDatabaseAuthentication: awssdk.Bool(true), EnableCloudwatchLogsExports: []string{"postgresql"},
		CopyTagsToSnapshot: awssdk.Bool(true), AutoMinorVersionUpgrade: awssdk.Bool(true)})
	s.do("create db-private", err)
	_, err = cl.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: awssdk.String("db-public"),
		DBSnapshotIdentifier: awssdk.String("snap-public")})
	s.do("create db snapshot", err)
	_, err = cl.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: awssdk.String("snap-public"),
		AttributeName: awssdk.String("restore"), ValuesToAdd: []string{"all"}})
	s.do("make db snapshot public", err)
	_, err = cl.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: awssdk.String("db-private"),
		DBSnapshotIdentifier: awssdk.String("snap-shared")})
	s.do("create db snapshot 2", err)
	_, err = cl.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: awssdk.String("snap-shared"),
		AttributeName: awssdk.String("restore"), ValuesToAdd: []string{"210987654321"}})
	s.do("share db snapshot", err)

	// Clusters: one compliant Aurora PostgreSQL cluster; one Aurora MySQL
	// cluster with the API's defaults and a publicly accessible member.
	_, err = cl.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: awssdk.String("aurora-good"),
		Engine: awssdk.String("aurora-postgresql"), EngineVersion: awssdk.String("16.4"),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("secret123456"),
		StorageEncrypted: awssdk.Bool(true), KmsKeyId: awssdk.String(s.ids.keyRotating), BackupRetentionPeriod: awssdk.Int32(14),
		DeletionProtection: awssdk.Bool(true), EnableIAMDatabaseAuthentication: awssdk.Bool(true), CopyTagsToSnapshot: awssdk.Bool(true),
		EnableCloudwatchLogsExports: []string{"postgresql"}, Tags: []rdstypes.Tag{{Key: awssdk.String("team"), Value: awssdk.String(channelTag)}}})
	s.do("create aurora-good", err)
	_, err = cl.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: awssdk.String("aurora-bad"),
		Engine: awssdk.String("aurora-mysql"), EngineVersion: awssdk.String("8.0.mysql_aurora.3.05.2"),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("secret123456")})
	s.do("create aurora-bad", err)
	_, err = cl.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: awssdk.String("aurora-bad-1"),
		DBClusterIdentifier: awssdk.String("aurora-bad"), DBInstanceClass: awssdk.String("db.r6g.large"),
		Engine: awssdk.String("aurora-mysql"), PubliclyAccessible: awssdk.Bool(true)})
	s.do("create aurora-bad-1", err)
}

func (s *seeder) seedIAM() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := iam.NewFromConfig(s.cfg(east))
	_, err := cl.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: awssdk.Int32(8),
		RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: false,
		PasswordReusePrevention: awssdk.Int32(3), MaxPasswordAge: awssdk.Int32(365)})
	s.do("password policy", err)
	user := func(name string, tags ...string) {
		in := &iam.CreateUserInput{UserName: awssdk.String(name)}
		for i := 0; i+1 < len(tags); i += 2 {
			in.Tags = append(in.Tags, iamTag(tags[i], tags[i+1]))
		}
		_, err := cl.CreateUser(ctx, in)
		s.do("create user "+name, err)
	}
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	readS3 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`

	// alice: console password and an access key, no MFA.
	user("alice")
	_, err = cl.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: awssdk.String("alice"), Password: awssdk.String("Secret-123456")})
	s.do("login profile", err)
	_, err = cl.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: awssdk.String("alice")})
	s.do("access key alice", err)
	// bob: AWS-managed AdministratorAccess.
	user("bob")
	_, err = cl.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: awssdk.String("bob"),
		PolicyArn: awssdk.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	s.do("attach AdministratorAccess", err)
	// carol: a customer-managed admin policy, and a virtual MFA device.
	user("carol")
	pol, err := cl.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: awssdk.String("full-admin"), PolicyDocument: awssdk.String(admin)})
	s.do("create policy full-admin", err)
	if err == nil {
		_, err = cl.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: awssdk.String("carol"), PolicyArn: pol.Policy.Arn})
		s.do("attach full-admin", err)
	}
	_, err = cl.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: awssdk.String("read-s3"), PolicyDocument: awssdk.String(readS3),
		Tags: []iamtypes.Tag{iamTag("owner", channelTag)}})
	s.do("create policy read-s3", err)
	mfa, err := cl.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: awssdk.String("carol")})
	s.do("create mfa", err)
	if err == nil {
		_, err = cl.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: awssdk.String("carol"), SerialNumber: mfa.VirtualMFADevice.SerialNumber,
			AuthenticationCode1: awssdk.String("123456"), AuthenticationCode2: awssdk.String("654321")})
		s.do("enable mfa", err)
	}
	// dave: an inline admin policy, in a group, tagged.
	user("dave", "team", channelTag)
	_, err = cl.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: awssdk.String("dave"), PolicyName: awssdk.String("inline-admin"),
		PolicyDocument: awssdk.String(admin)})
	s.do("inline policy", err)
	_, err = cl.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: awssdk.String("devs")})
	s.do("create group", err)
	_, err = cl.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: awssdk.String("devs"), UserName: awssdk.String("dave")})
	s.do("add to group", err)
}

func (s *seeder) seedCloudTrail() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := cloudtrail.NewFromConfig(s.cfg(east))
	_, err := cl.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: awssdk.String("main"), S3BucketName: awssdk.String("comply-logs"),
		IsMultiRegionTrail: awssdk.Bool(true), EnableLogFileValidation: awssdk.Bool(true), IncludeGlobalServiceEvents: awssdk.Bool(true),
		KmsKeyId: awssdk.String(s.ids.keyRotating)})
	s.do("create trail main", err)
	_, err = cl.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: awssdk.String("main")})
	s.do("start logging", err)
	wcl := cloudtrail.NewFromConfig(s.cfg(west))
	_, err = wcl.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: awssdk.String("eu-only"), S3BucketName: awssdk.String("comply-logs"),
		IncludeGlobalServiceEvents: awssdk.Bool(false)})
	s.do("create trail eu-only", err)
}

func (s *seeder) seedConfig() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := configservice.NewFromConfig(s.cfg(east))
	_, err := cl.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{
		Name: awssdk.String("default"), RoleARN: awssdk.String("arn:aws:iam::" + testAccount + ":role/config"),
		RecordingGroup: &cfgtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true}}})
	s.do("put configuration recorder", err)
	_, err = cl.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &cfgtypes.DeliveryChannel{
		Name: awssdk.String("default"), S3BucketName: awssdk.String("comply-logs")}})
	s.do("put delivery channel", err)
	_, err = cl.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: awssdk.String("default")})
	s.do("start configuration recorder", err)
}

func (s *seeder) seedELB() {
	if s.err != nil {
		return
	}
	ctx := s.ctx
	cl := elb.NewFromConfig(s.cfg(east))
	lb := func(name string) string {
		out, err := cl.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: awssdk.String(name),
			Subnets: []string{s.ids.publicSubnet, s.ids.publicSubnet2}, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing,
			Type: elbtypes.LoadBalancerTypeEnumApplication, Tags: []elbtypes.Tag{{Key: awssdk.String("app"), Value: awssdk.String(name)}}})
		s.do("create load balancer "+name, err)
		if err != nil || len(out.LoadBalancers) == 0 {
			return ""
		}
		return awssdk.ToString(out.LoadBalancers[0].LoadBalancerArn)
	}
	s.ids.albWeb = lb("web")
	s.ids.albPlain = lb("plain")
	if s.err != nil {
		return
	}
	_, err := cl.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: awssdk.String(s.ids.albWeb), Port: awssdk.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect,
			RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: awssdk.String("HTTPS"), Port: awssdk.String("443"),
				StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}})
	s.do("create redirect listener", err)
	_, err = cl.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: awssdk.String(s.ids.albWeb),
		Attributes: []elbtypes.LoadBalancerAttribute{
			{Key: awssdk.String("deletion_protection.enabled"), Value: awssdk.String("true")},
			{Key: awssdk.String("routing.http.drop_invalid_header_fields.enabled"), Value: awssdk.String("true")},
		}})
	s.do("load balancer attributes", err)
	tg, err := cl.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: awssdk.String("plain"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: awssdk.Int32(80), VpcId: awssdk.String(s.ids.appVPC)})
	s.do("create target group", err)
	if err == nil {
		_, err = cl.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: awssdk.String(s.ids.albPlain), Port: awssdk.Int32(80),
			Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward,
				TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
		s.do("create forward listener", err)
	}
}
