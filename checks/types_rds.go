package checks

func rdsTypes() []ResourceType {
	return []ResourceType{
		{
			Name: "aws.rds.instance", Regions: "regional",
			IDDoc: "DB instance ARN, arn:aws:rds:REGION:ACCOUNT:db:NAME", Doc: "An RDS DB instance (Aurora cluster members included).",
			Attrs: []Attr{
				{Name: "db_instance_id", Kind: KindString, Doc: "DB instance identifier"},
				{Name: "engine", Kind: KindString, Doc: "mysql, postgres, aurora-postgresql, ..."},
				{Name: "engine_version", Kind: KindString, Doc: "Engine version"},
				{Name: "instance_class", Kind: KindString, Doc: "e.g. db.t3.micro"},
				{Name: "status", Kind: KindString, Doc: "DB instance status"},
				{Name: "publicly_accessible", Kind: KindBool, Doc: "The instance has a publicly resolvable endpoint"},
				{Name: "storage_encrypted", Kind: KindBool, Doc: "Storage is encrypted at rest"},
				{Name: "kms_key_id", Kind: KindString, Doc: "KMS key of the storage encryption, or \"\""},
				{Name: "backup_retention_days", Kind: KindInt, Doc: "Automated backup retention period in days (0 = disabled)"},
				{Name: "multi_az", Kind: KindBool, Doc: "Multi-AZ deployment"},
				{Name: "deletion_protection", Kind: KindBool, Doc: "Deletion protection is on"},
				{Name: "auto_minor_version_upgrade", Kind: KindBool, Doc: "Minor engine upgrades are applied automatically"},
				{Name: "iam_auth_enabled", Kind: KindBool, Doc: "IAM database authentication is enabled"},
				{Name: "log_exports", Kind: KindStringList, Doc: "Log types exported to CloudWatch Logs"},
				{Name: "copy_tags_to_snapshot", Kind: KindBool, Doc: "Tags are copied to snapshots"},
				{Name: "cluster_id", Kind: KindString, Doc: "Aurora cluster identifier, or \"\""},
			},
		},
		{
			Name: "aws.rds.cluster", Regions: "regional",
			IDDoc: "DB cluster ARN, arn:aws:rds:REGION:ACCOUNT:cluster:NAME",
			Doc:   "An Aurora DB cluster or a Multi-AZ DB cluster (the RDS API also lists Neptune and DocumentDB clusters): the settings that live on the cluster, not on its member instances.",
			Attrs: []Attr{
				{Name: "db_cluster_id", Kind: KindString, Doc: "DB cluster identifier"},
				{Name: "engine", Kind: KindString, Doc: "aurora-mysql, aurora-postgresql, mysql or postgres (Multi-AZ DB clusters), neptune, docdb"},
				{Name: "engine_version", Kind: KindString, Doc: "Engine version"},
				{Name: "engine_mode", Kind: KindString, Doc: "provisioned (also Serverless v2), serverless (v1), parallelquery, global, multimaster"},
				{Name: "status", Kind: KindString, Doc: "DB cluster status"},
				{Name: "storage_encrypted", Kind: KindBool, Doc: "Cluster storage is encrypted at rest"},
				{Name: "kms_key_id", Kind: KindString, Doc: "KMS key of the storage encryption, or \"\" when unencrypted"},
				{Name: "backup_retention_days", Kind: KindInt, Doc: "Automated backup retention period in days (at least 1 for Aurora)"},
				{Name: "deletion_protection", Kind: KindBool, Doc: "Deletion protection is on"},
				{Name: "iam_auth_enabled", Kind: KindBool, Doc: "IAM database authentication is enabled"},
				{Name: "multi_az", Kind: KindBool, Doc: "The cluster has instances in more than one Availability Zone"},
				{Name: "copy_tags_to_snapshot", Kind: KindBool, Doc: "Tags are copied to cluster snapshots"},
				{Name: "log_exports", Kind: KindStringList, Doc: "Log types exported to CloudWatch Logs"},
				{Name: "members", Kind: KindStringList, Doc: "DB instance identifiers of the cluster's members"},
				{Name: "publicly_accessible", Kind: KindBool, Doc: "The cluster (Multi-AZ DB cluster) or one of its member instances has a publicly resolvable endpoint"},
			},
		},
		{
			Name: "aws.rds.snapshot", Regions: "regional",
			IDDoc: "snapshot ARN, arn:aws:rds:REGION:ACCOUNT:snapshot:NAME", Doc: "A manual or automated RDS DB snapshot owned by the account.",
			Attrs: []Attr{
				{Name: "snapshot_id", Kind: KindString, Doc: "Snapshot identifier"},
				{Name: "db_instance_id", Kind: KindString, Doc: "Source DB instance"},
				{Name: "snapshot_type", Kind: KindString, Doc: "manual, automated, shared, public, awsbackup"},
				{Name: "encrypted", Kind: KindBool, Doc: "The snapshot is encrypted"},
				{Name: "public", Kind: KindBool, Doc: "The restore attribute grants all (anyone can restore it)"},
				{Name: "shared_accounts", Kind: KindStringList, Doc: "Account ids allowed to restore it"},
				{Name: "created_at", Kind: KindTime, Doc: "Snapshot creation time"},
			},
		},
	}
}
