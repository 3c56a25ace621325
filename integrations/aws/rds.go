package aws

import (
	"context"
	"slices"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

const (
	typeRDSInstance = "aws.rds.instance"
	typeRDSCluster  = "aws.rds.cluster"
	typeRDSSnapshot = "aws.rds.snapshot"
)

var rdsResourceTypes = []string{typeRDSInstance, typeRDSCluster, typeRDSSnapshot}

func collectRDS(ctx context.Context, a *account, region string, res *results) {
	public, ok := collectDBInstances(ctx, a, region, res)
	if !ok {
		public = nil
	}
	collectDBClusters(ctx, a, region, public, res)
	collectDBSnapshots(ctx, a, region, res)
}

func rdsTags(tags []rdstypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return m
}

// collectDBInstances lists the region's DB instances and returns which are
// publicly accessible, by identifier (the clusters' publicly_accessible),
// and whether the listing was complete.
func collectDBInstances(ctx context.Context, a *account, region string, res *results) (map[string]bool, bool) {
	public := map[string]bool{}
	p := rds.NewDescribeDBInstancesPaginator(a.cl.rds(region), &rds.DescribeDBInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(a.scope("rds", region), []string{typeRDSInstance}, "describe DB instances", err)
			return nil, false
		}
		for _, db := range out.DBInstances {
			// kms_key_id is reported only with encryption: without it a key
			// id means nothing (moto reports a placeholder there).
			id := awssdk.ToString(db.DBInstanceIdentifier)
			public[id] = awssdk.ToBool(db.PubliclyAccessible)
			arn := awssdk.ToString(db.DBInstanceArn)
			if arn == "" {
				arn = a.arn("rds", region, "db:"+id)
			}
			logs := append([]string{}, db.EnabledCloudwatchLogsExports...)
			kms := ""
			if awssdk.ToBool(db.StorageEncrypted) {
				kms = awssdk.ToString(db.KmsKeyId)
			}
			res.add(newResource(typeRDSInstance, arn, a, region, id, rdsTags(db.TagList), map[string]any{
				"db_instance_id":             id,
				"engine":                     awssdk.ToString(db.Engine),
				"engine_version":             awssdk.ToString(db.EngineVersion),
				"instance_class":             awssdk.ToString(db.DBInstanceClass),
				"status":                     awssdk.ToString(db.DBInstanceStatus),
				"publicly_accessible":        awssdk.ToBool(db.PubliclyAccessible),
				"storage_encrypted":          awssdk.ToBool(db.StorageEncrypted),
				"kms_key_id":                 kms,
				"backup_retention_days":      int(awssdk.ToInt32(db.BackupRetentionPeriod)),
				"multi_az":                   awssdk.ToBool(db.MultiAZ),
				"deletion_protection":        awssdk.ToBool(db.DeletionProtection),
				"auto_minor_version_upgrade": awssdk.ToBool(db.AutoMinorVersionUpgrade),
				"iam_auth_enabled":           awssdk.ToBool(db.IAMDatabaseAuthenticationEnabled),
				"log_exports":                logs,
				"copy_tags_to_snapshot":      awssdk.ToBool(db.CopyTagsToSnapshot),
				"cluster_id":                 awssdk.ToString(db.DBClusterIdentifier),
			}))
		}
	}
	return public, true
}

// collectDBClusters lists Aurora and Multi-AZ DB clusters. DescribeDBClusters
// answers every attribute, tags included; publicly_accessible also reads the
// member instances (public, nil when their listing failed: then unknown).
func collectDBClusters(ctx context.Context, a *account, region string, public map[string]bool, res *results) {
	p := rds.NewDescribeDBClustersPaginator(a.cl.rds(region), &rds.DescribeDBClustersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(a.scope("rds", region), []string{typeRDSCluster}, "describe DB clusters", err)
			return
		}
		for _, c := range out.DBClusters {
			id := awssdk.ToString(c.DBClusterIdentifier)
			arn := awssdk.ToString(c.DBClusterArn)
			if arn == "" {
				arn = a.arn("rds", region, "cluster:"+id)
			}
			enc := awssdk.ToBool(c.StorageEncrypted)
			kms := ""
			if enc {
				kms = awssdk.ToString(c.KmsKeyId)
			}
			members := make([]string, 0, len(c.DBClusterMembers))
			anyPublic := awssdk.ToBool(c.PubliclyAccessible)
			for _, m := range c.DBClusterMembers {
				mid := awssdk.ToString(m.DBInstanceIdentifier)
				members = append(members, mid)
				anyPublic = anyPublic || public[mid]
			}
			slices.Sort(members)
			attrs := map[string]any{
				"db_cluster_id":         id,
				"engine":                awssdk.ToString(c.Engine),
				"engine_version":        awssdk.ToString(c.EngineVersion),
				"engine_mode":           awssdk.ToString(c.EngineMode),
				"status":                awssdk.ToString(c.Status),
				"storage_encrypted":     enc,
				"kms_key_id":            kms,
				"backup_retention_days": int(awssdk.ToInt32(c.BackupRetentionPeriod)),
				"deletion_protection":   awssdk.ToBool(c.DeletionProtection),
				"iam_auth_enabled":      awssdk.ToBool(c.IAMDatabaseAuthenticationEnabled),
				"multi_az":              awssdk.ToBool(c.MultiAZ),
				"copy_tags_to_snapshot": awssdk.ToBool(c.CopyTagsToSnapshot),
				"log_exports":           append([]string{}, c.EnabledCloudwatchLogsExports...),
				"members":               members,
			}
			if public != nil || anyPublic {
				attrs["publicly_accessible"] = anyPublic
			}
			res.add(newResource(typeRDSCluster, arn, a, region, id, rdsTags(c.TagList), attrs))
		}
	}
}

// collectDBSnapshots lists the account's DB snapshots. Who may restore one is
// in its "restore" attribute, read per snapshot, except for automated
// snapshots, which AWS does not let anyone share.
func collectDBSnapshots(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.rds(region)
	sc := a.scope("rds", region)
	var snaps []rdstypes.DBSnapshot
	p := rds.NewDescribeDBSnapshotsPaginator(cl, &rds.DescribeDBSnapshotsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeRDSSnapshot}, "describe DB snapshots", err)
			return
		}
		snaps = append(snaps, out.DBSnapshots...)
	}
	forEach(ctx, a.cl.concurrency, snaps, func(ctx context.Context, s rdstypes.DBSnapshot) {
		id := awssdk.ToString(s.DBSnapshotIdentifier)
		arn := awssdk.ToString(s.DBSnapshotArn)
		if arn == "" {
			arn = a.arn("rds", region, "snapshot:"+id)
		}
		typ := awssdk.ToString(s.SnapshotType)
		attrs := map[string]any{
			"snapshot_id":    id,
			"db_instance_id": awssdk.ToString(s.DBInstanceIdentifier),
			"snapshot_type":  typ,
			"encrypted":      awssdk.ToBool(s.Encrypted),
			"created_at":     awssdk.ToTime(s.SnapshotCreateTime).UTC(),
		}
		if typ == "automated" {
			attrs["public"], attrs["shared_accounts"] = false, []string{}
		} else {
			out, err := cl.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: s.DBSnapshotIdentifier})
			switch {
			case err == nil:
				public, shared := false, []string{}
				if r := out.DBSnapshotAttributesResult; r != nil {
					for _, at := range r.DBSnapshotAttributes {
						if awssdk.ToString(at.AttributeName) != "restore" {
							continue
						}
						for _, v := range at.AttributeValues {
							if v == "all" {
								public = true
								continue
							}
							shared = appendUnique(shared, v)
						}
					}
				}
				attrs["public"], attrs["shared_accounts"] = public, shared
			case hasCode(err, "DBSnapshotNotFound"):
				return
			default:
				res.detail(sc, "DescribeDBSnapshotAttributes", id, err)
			}
		}
		res.add(newResource(typeRDSSnapshot, arn, a, region, id, rdsTags(s.TagList), attrs))
	})
}
