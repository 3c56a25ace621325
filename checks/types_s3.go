package checks

func s3Types() []ResourceType {
	pab := func(scope string) []Attr {
		return []Attr{
			{Name: "block_public_acls", Kind: KindBool, Doc: scope + " BlockPublicAcls (false when no configuration exists)"},
			{Name: "ignore_public_acls", Kind: KindBool, Doc: scope + " IgnorePublicAcls"},
			{Name: "block_public_policy", Kind: KindBool, Doc: scope + " BlockPublicPolicy"},
			{Name: "restrict_public_buckets", Kind: KindBool, Doc: scope + " RestrictPublicBuckets"},
		}
	}
	bucket := append(pab("Bucket-level public access block:"),
		Attr{Name: "account_block_public_acls", Kind: KindBool, Doc: "Account-level BlockPublicAcls of the owning account (copied here so one rule sees the effective setting)"},
		Attr{Name: "account_ignore_public_acls", Kind: KindBool, Doc: "Account-level IgnorePublicAcls"},
		Attr{Name: "account_block_public_policy", Kind: KindBool, Doc: "Account-level BlockPublicPolicy"},
		Attr{Name: "account_restrict_public_buckets", Kind: KindBool, Doc: "Account-level RestrictPublicBuckets"},
		Attr{Name: "acl_public_read", Kind: KindBool, Doc: "The bucket ACL grants READ or READ_ACP (or FULL_CONTROL) to AllUsers"},
		Attr{Name: "acl_public_write", Kind: KindBool, Doc: "The bucket ACL grants WRITE or WRITE_ACP (or FULL_CONTROL) to AllUsers"},
		Attr{Name: "acl_authenticated_users", Kind: KindBool, Doc: "The bucket ACL grants any permission to AuthenticatedUsers (any AWS account)"},
		Attr{Name: "object_ownership", Kind: KindString, Doc: "Object Ownership: BucketOwnerEnforced (ACLs disabled), BucketOwnerPreferred, ObjectWriter, or \"\" when not set"},
		Attr{Name: "has_policy", Kind: KindBool, Doc: "A bucket policy exists"},
		Attr{Name: "policy_public", Kind: KindBool, Doc: "The bucket policy allows a wildcard principal (\"*\" or {\"AWS\":\"*\"}) without a restricting condition (aws:SourceIp, aws:SourceVpc(e), aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID, aws:PrincipalAccount)"},
		Attr{Name: "policy_denies_insecure_transport", Kind: KindBool, Doc: "The bucket policy has a Deny for all principals on s3:* (or *) when aws:SecureTransport is false"},
		Attr{Name: "encryption_enabled", Kind: KindBool, Doc: "A default server-side encryption rule is configured"},
		Attr{Name: "encryption_algorithm", Kind: KindString, Doc: "Default SSE algorithm: AES256, aws:kms, aws:kms:dsse, or \"\""},
		Attr{Name: "kms_key_id", Kind: KindString, Doc: "KMS key of the default encryption (aws:kms), or \"\""},
		Attr{Name: "bucket_key_enabled", Kind: KindBool, Doc: "S3 Bucket Keys are enabled for SSE-KMS"},
		Attr{Name: "versioning_enabled", Kind: KindBool, Doc: "Versioning status is Enabled (not Suspended or never enabled)"},
		Attr{Name: "mfa_delete_enabled", Kind: KindBool, Doc: "MFA Delete is enabled"},
		Attr{Name: "logging_enabled", Kind: KindBool, Doc: "Server access logging is enabled"},
		Attr{Name: "logging_target_bucket", Kind: KindString, Doc: "Target bucket of server access logs, or \"\""},
		Attr{Name: "object_lock_enabled", Kind: KindBool, Doc: "Object Lock is enabled on the bucket"},
		Attr{Name: "object_lock_mode", Kind: KindString, Doc: "Default retention mode: GOVERNANCE, COMPLIANCE, or \"\""},
		Attr{Name: "lifecycle_rules", Kind: KindInt, Doc: "Number of enabled lifecycle rules"},
		Attr{Name: "replication_enabled", Kind: KindBool, Doc: "A replication configuration with an enabled rule exists"},
		Attr{Name: "website_enabled", Kind: KindBool, Doc: "Static website hosting is configured"},
	)
	return []ResourceType{
		{
			Name: "aws.s3.bucket", Regions: "regional (the bucket's region; listed once per account)",
			IDDoc: "bucket ARN, arn:aws:s3:::NAME", Doc: "An S3 bucket and its access, encryption, versioning and logging settings.",
			Attrs: bucket,
		},
		{
			Name: "aws.s3.account_public_access_block", Regions: "global (one per account)",
			IDDoc: "arn:aws:s3:::account/ACCOUNT-ID/public-access-block", Doc: "The account-wide S3 Block Public Access settings.",
			Attrs: pab("Account-level public access block:"),
		},
	}
}
