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
