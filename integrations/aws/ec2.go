package aws

import (
	"context"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const (
	typeVolume     = "aws.ec2.volume"
	typeSnapshot   = "aws.ec2.snapshot"
	typeEBSDefault = "aws.ec2.ebs_encryption_default"
	typeInstance   = "aws.ec2.instance"
)

var ec2ResourceTypes = []string{typeSecurityGroup, typeNetworkACL, typeVolume, typeSnapshot, typeEBSDefault, typeInstance, typeVPC}

// collectEC2 runs the EC2 collectors of one region side by side; the
// region's limiter bounds their calls together.
func collectEC2(ctx context.Context, a *account, region string, res *results) {
	var wg sync.WaitGroup
	for _, f := range []func(context.Context, *account, string, *results){
		collectSecurityGroups, collectNetworkACLs, collectVPCs,
		collectVolumes, collectSnapshots, collectEBSDefault, collectInstances,
	} {
		wg.Go(func() { f(ctx, a, region, res) })
	}
	wg.Wait()
}

func collectVolumes(ctx context.Context, a *account, region string, res *results) {
	p := ec2.NewDescribeVolumesPaginator(a.cl.ec2(region), &ec2.DescribeVolumesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(a.scope("ec2", region), []string{typeVolume}, "describe volumes", err)
			return
		}
		for _, v := range out.Volumes {
			id := awssdk.ToString(v.VolumeId)
			instances := []string{}
			for _, at := range v.Attachments {
				instances = appendUnique(instances, awssdk.ToString(at.InstanceId))
			}
			tags, name := ec2Tags(v.Tags)
			if name == "" {
				name = id
			}
			res.add(newResource(typeVolume, a.arn("ec2", region, "volume/"+id), a, region, name, tags, map[string]any{
				"volume_id":          id,
				"encrypted":          awssdk.ToBool(v.Encrypted),
				"kms_key_id":         awssdk.ToString(v.KmsKeyId),
				"state":              string(v.State),
				"size_gib":           int(awssdk.ToInt32(v.Size)),
				"volume_type":        string(v.VolumeType),
				"attached_instances": instances,
				"created_at":         awssdk.ToTime(v.CreateTime).UTC(),
			}))
		}
	}
}

// collectSnapshots lists the account's own snapshots. Who may create volumes
// from one is only in its createVolumePermission attribute: one call each.
func collectSnapshots(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.ec2(region)
	sc := a.scope("ec2", region)
	var snaps []ec2types.Snapshot
	p := ec2.NewDescribeSnapshotsPaginator(cl, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeSnapshot}, "describe snapshots", err)
			return
		}
		snaps = append(snaps, out.Snapshots...)
	}
	forEach(ctx, a.cl.concurrency, snaps, func(ctx context.Context, s ec2types.Snapshot) {
		id := awssdk.ToString(s.SnapshotId)
		tags, name := ec2Tags(s.Tags)
		if name == "" {
			name = id
		}
		attrs := map[string]any{
			"snapshot_id": id,
			"volume_id":   awssdk.ToString(s.VolumeId),
			"encrypted":   awssdk.ToBool(s.Encrypted),
			"kms_key_id":  awssdk.ToString(s.KmsKeyId),
			"created_at":  awssdk.ToTime(s.StartTime).UTC(),
		}
		out, err := cl.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{
			SnapshotId: s.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
		switch {
		case err == nil:
			public, shared := false, []string{}
			for _, perm := range out.CreateVolumePermissions {
				if perm.Group == ec2types.PermissionGroupAll {
					public = true
				}
				shared = appendUnique(shared, awssdk.ToString(perm.UserId))
			}
			attrs["public"], attrs["shared_accounts"] = public, shared
		case hasCode(err, "InvalidSnapshot.NotFound"):
			return // deleted since it was listed
		default:
			res.detail(sc, "DescribeSnapshotAttribute", id, err)
		}
		res.add(newResource(typeSnapshot, a.arn("ec2", region, "snapshot/"+id), a, region, name, tags, attrs))
	})
}

func collectEBSDefault(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.ec2(region)
	sc := a.scope("ec2", region)
	enc, err := cl.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		res.fail(sc, []string{typeEBSDefault}, "get EBS encryption by default", err)
		return
	}
	attrs := map[string]any{"enabled": awssdk.ToBool(enc.EbsEncryptionByDefault)}
	key, err := cl.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{})
	if err != nil {
		res.detail(sc, "GetEbsDefaultKmsKeyId", "ebs-encryption-by-default", err)
	} else {
		attrs["default_kms_key_id"] = awssdk.ToString(key.KmsKeyId)
	}
	res.add(newResource(typeEBSDefault, a.arn("ec2", region, "ebs-encryption-by-default"), a, region,
		"ebs-encryption-by-default", nil, attrs))
}

func collectInstances(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.ec2(region)
	sc := a.scope("ec2", region)
	var instances []ec2types.Instance
	p := ec2.NewDescribeInstancesPaginator(cl, &ec2.DescribeInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeInstance}, "describe instances", err)
			return
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				instances = append(instances, in)
			}
		}
	}
	if len(instances) == 0 {
		return
	}
	// Subnet tags tell private subnets apart: one listing for all instances.
	subnetTags := map[string]map[string]string{}
	subnetsKnown := true
	sp := ec2.NewDescribeSubnetsPaginator(cl, &ec2.DescribeSubnetsInput{})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			res.detail(sc, "DescribeSubnets", "subnet_tags of every instance", err)
			subnetsKnown = false
			break
		}
		for _, s := range out.Subnets {
			subnetTags[awssdk.ToString(s.SubnetId)], _ = ec2Tags(s.Tags)
		}
	}
	for _, in := range instances {
		id := awssdk.ToString(in.InstanceId)
		tags, name := ec2Tags(in.Tags)
		if name == "" {
			name = id
		}
		groups := []string{}
		for _, g := range in.SecurityGroups {
			groups = appendUnique(groups, awssdk.ToString(g.GroupId))
		}
		state := ""
		if in.State != nil {
			state = string(in.State.Name)
		}
		profile := ""
		if in.IamInstanceProfile != nil {
			profile = awssdk.ToString(in.IamInstanceProfile.Arn)
		}
		monitoring := in.Monitoring != nil && in.Monitoring.State == ec2types.MonitoringStateEnabled
		attrs := map[string]any{
			"instance_id":          id,
			"state":                state,
			"instance_type":        string(in.InstanceType),
			"image_id":             awssdk.ToString(in.ImageId),
			"vpc_id":               awssdk.ToString(in.VpcId),
			"subnet_id":            awssdk.ToString(in.SubnetId),
			"public_ip":            awssdk.ToString(in.PublicIpAddress),
			"iam_instance_profile": profile,
			"security_groups":      groups,
			"monitoring_enabled":   monitoring,
			"launched_at":          awssdk.ToTime(in.LaunchTime).UTC(),
		}
		if m := in.MetadataOptions; m != nil {
			attrs["metadata_http_tokens"] = string(m.HttpTokens)
			attrs["metadata_http_endpoint"] = string(m.HttpEndpoint)
			attrs["metadata_hop_limit"] = int(awssdk.ToInt32(m.HttpPutResponseHopLimit))
		}
		if subnetsKnown {
			st := subnetTags[awssdk.ToString(in.SubnetId)]
			if st == nil {
				st = map[string]string{}
			}
			attrs["subnet_tags"] = st
		}
		res.add(newResource(typeInstance, a.arn("ec2", region, "instance/"+id), a, region, name, tags, attrs))
	}
}
