package awstest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Sizes is how many of each resource the benchmark scenario holds.
type Sizes struct {
	Buckets, SecurityGroups, Volumes, Users, DBInstances, Trails, Keys int
}

// BenchmarkSizes is the scenario of docs/benchmarks.md.
var BenchmarkSizes = Sizes{Buckets: 500, SecurityGroups: 200, Volumes: 200, Users: 50, DBInstances: 20, Trails: 10, Keys: 40}

// Seed fills an emulator at endpoint with the benchmark scenario, spread
// over regions (the first also gets the global resources). Buckets get a
// realistic mix of settings: half block public access and disable ACLs,
// a third are encrypted, a quarter versioned, a fifth tagged, a tenth
// carry a policy. Seeding runs `workers` calls at a time.
func Seed(ctx context.Context, endpoint string, regions []string, n Sizes, workers int) error {
	if len(regions) == 0 {
		return errors.New("seed: no region")
	}
	s := &benchSeeder{ctx: ctx, endpoint: endpoint, regions: regions, workers: max(1, workers)}
	s.run("buckets", n.Buckets, s.bucket)
	s.run("security groups", n.SecurityGroups, s.securityGroup)
	s.run("volumes", n.Volumes, s.volume)
	s.run("users", n.Users, s.user)
	s.run("DB instances", n.DBInstances, s.dbInstance)
	s.run("trails", n.Trails, s.trail)
	s.run("keys", n.Keys, s.key)
	return s.err
}

type benchSeeder struct {
	ctx      context.Context
	endpoint string
	regions  []string
	workers  int

	mu  sync.Mutex
	err error
}

func (s *benchSeeder) region(i int) string { return s.regions[i%len(s.regions)] }

func (s *benchSeeder) cfg(region string) awssdk.Config { return Config(s.endpoint, region) }

// run calls fn for 0..n-1, workers at a time, and keeps the first error.
func (s *benchSeeder) run(what string, n int, fn func(i int) error) {
	if s.err != nil {
		return
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Go(func() {
			for i := range work {
				if err := fn(i); err != nil {
					s.mu.Lock()
					if s.err == nil {
						s.err = fmt.Errorf("seed %s #%d: %w", what, i, err)
					}
					s.mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if s.ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if s.err == nil && s.ctx.Err() != nil {
		s.err = s.ctx.Err()
	}
}

func (s *benchSeeder) bucket(i int) error {
	ctx := s.ctx
	region := s.region(i)
	cl := s3.NewFromConfig(s.cfg(region), func(o *s3.Options) { o.UsePathStyle = true })
	name := awssdk.String(fmt.Sprintf("bench-%04d", i))
	in := &s3.CreateBucketInput{Bucket: name}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := cl.CreateBucket(ctx, in); err != nil {
		return err
	}
	if i%2 == 0 {
		t := awssdk.Bool(true)
		if _, err := cl.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: t, IgnorePublicAcls: t, BlockPublicPolicy: t, RestrictPublicBuckets: t}}); err != nil {
			return err
		}
		if _, err := cl.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: name, OwnershipControls: &s3types.OwnershipControls{
			Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
			return err
		}
	}
	if i%3 == 0 {
		if _, err := cl.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: name, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}); err != nil {
			return err
		}
	}
	if i%4 == 0 {
		if _, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			return err
		}
	}
	if i%5 == 0 {
		if _, err := cl.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{
			{Key: awssdk.String("team"), Value: awssdk.String(fmt.Sprintf("team-%d", i%7))}}}}); err != nil {
			return err
		}
	}
	if i%10 == 0 {
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, *name)
		if _, err := cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: name, Policy: awssdk.String(doc)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *benchSeeder) securityGroup(i int) error {
	cl := ec2.NewFromConfig(s.cfg(s.region(i)))
	out, err := cl.CreateSecurityGroup(s.ctx, &ec2.CreateSecurityGroupInput{GroupName: awssdk.String(fmt.Sprintf("bench-%04d", i)),
		Description: awssdk.String("benchmark group")})
	if err != nil {
		return err
	}
	cidr := "10.0.0.0/8"
	if i%5 == 0 {
		cidr = "0.0.0.0/0"
	}
	port := int32([]int{22, 443, 3306, 5432, 8080}[i%5])
	_, err = cl.AuthorizeSecurityGroupIngress(s.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: out.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(port), ToPort: awssdk.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String(cidr)}}}}})
	return err
}

func (s *benchSeeder) volume(i int) error {
	region := s.region(i)
	cl := ec2.NewFromConfig(s.cfg(region))
	_, err := cl.CreateVolume(s.ctx, &ec2.CreateVolumeInput{AvailabilityZone: awssdk.String(region + "a"), Size: awssdk.Int32(int32(8 + i%100)),
		VolumeType: ec2types.VolumeTypeGp3, Encrypted: awssdk.Bool(i%2 == 0)})
	return err
}

func (s *benchSeeder) user(i int) error {
	cl := iam.NewFromConfig(s.cfg(s.regions[0]))
	name := awssdk.String(fmt.Sprintf("bench-user-%03d", i))
	if _, err := cl.CreateUser(s.ctx, &iam.CreateUserInput{UserName: name}); err != nil {
		return err
	}
	if i%2 == 0 {
		if _, err := cl.CreateAccessKey(s.ctx, &iam.CreateAccessKeyInput{UserName: name}); err != nil {
			return err
		}
	}
	if i%3 == 0 {
		if _, err := cl.CreateLoginProfile(s.ctx, &iam.CreateLoginProfileInput{UserName: name, Password: awssdk.String("Bench-password-1")}); err != nil {
			return err
		}
	}
	return nil
}

func (s *benchSeeder) dbInstance(i int) error {
	cl := rds.NewFromConfig(s.cfg(s.region(i)))
	_, err := cl.CreateDBInstance(s.ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: awssdk.String(fmt.Sprintf("bench-db-%02d", i)),
		DBInstanceClass: awssdk.String("db.t3.micro"), Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("bench-password"),
		StorageEncrypted: awssdk.Bool(i%2 == 0), PubliclyAccessible: awssdk.Bool(i%4 == 0)})
	return err
}

func (s *benchSeeder) trail(i int) error {
	region := s.region(i)
	// Bucket i%len(regions) is in the trail's region (see bucket).
	bucket := awssdk.String(fmt.Sprintf("bench-%04d", i%len(s.regions)))
	cl := cloudtrail.NewFromConfig(s.cfg(region))
	name := awssdk.String(fmt.Sprintf("bench-trail-%02d", i))
	if _, err := cl.CreateTrail(s.ctx, &cloudtrail.CreateTrailInput{Name: name, S3BucketName: bucket,
		IsMultiRegionTrail: awssdk.Bool(i%2 == 0), EnableLogFileValidation: awssdk.Bool(i%3 == 0)}); err != nil {
		return err
	}
	_, err := cl.StartLogging(s.ctx, &cloudtrail.StartLoggingInput{Name: name})
	return err
}

func (s *benchSeeder) key(i int) error {
	cl := kms.NewFromConfig(s.cfg(s.region(i)))
	out, err := cl.CreateKey(s.ctx, &kms.CreateKeyInput{Description: awssdk.String(fmt.Sprintf("bench key %d", i))})
	if err != nil {
		return err
	}
	if i%2 == 0 {
		_, err = cl.EnableKeyRotation(s.ctx, &kms.EnableKeyRotationInput{KeyId: out.KeyMetadata.KeyId})
	}
	return err
}
