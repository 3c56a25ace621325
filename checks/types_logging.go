package checks

func loggingTypes() []ResourceType {
	return []ResourceType{
		{
			Name: "aws.cloudtrail.trail", Regions: "regional (its home region; a multi-region trail appears once)",
			IDDoc: "trail ARN", Doc: "A CloudTrail trail and its status.",
			Attrs: []Attr{
				{Name: "home_region", Kind: KindString, Doc: "Region the trail was created in"},
				{Name: "multi_region", Kind: KindBool, Doc: "The trail logs every region"},
				{Name: "logging", Kind: KindBool, Doc: "The trail is currently logging"},
				{Name: "log_file_validation", Kind: KindBool, Doc: "Log file integrity validation is enabled"},
				{Name: "kms_key_id", Kind: KindString, Doc: "KMS key encrypting the logs, or \"\" (SSE-S3)"},
				{Name: "s3_bucket", Kind: KindString, Doc: "Bucket receiving the logs"},
				{Name: "cloudwatch_logs_group", Kind: KindString, Doc: "CloudWatch Logs group ARN, or \"\""},
				{Name: "include_global_events", Kind: KindBool, Doc: "Global service events (IAM, STS) are included"},
				{Name: "management_events", Kind: KindBool, Doc: "Read and write management events are recorded"},
				{Name: "organization_trail", Kind: KindBool, Doc: "An AWS Organizations trail"},
			},
		},
		{
			Name: "aws.cloudtrail.account", Regions: "global (one per account, also where no trail exists)",
			IDDoc: "arn:aws:cloudtrail::ACCOUNT:trails",
			Doc: "CloudTrail coverage of a whole account: every trail visible in the scanned regions (a multi-region " +
				"or organization trail counts once, whichever region it lives in), so an account without any trail is a finding.",
			Attrs: []Attr{
				{Name: "trail_count", Kind: KindInt, Doc: "Trails visible in the scanned regions (0: CloudTrail records nothing beyond the 90-day event history)"},
				{Name: "multi_region_trail_count", Kind: KindInt, Doc: "Of those, trails that log every region"},
				{Name: "multi_region_logging_trails", Kind: KindStringList, Doc: "ARNs of multi-region trails that are currently logging"},
				{Name: "has_multi_region_logging_trail", Kind: KindBool, Doc: "At least one multi-region trail is logging (CIS AWS 3.1)"},
				{Name: "has_multi_region_management_trail", Kind: KindBool, Doc: "At least one multi-region trail is logging and records all read and write management events"},
			},
		},
		{
			Name: "aws.kms.key", Regions: "regional",
			IDDoc: "key ARN", Doc: "A KMS key.",
			Attrs: []Attr{
				{Name: "key_id", Kind: KindString, Doc: "Key id"},
				{Name: "key_manager", Kind: KindString, Doc: "CUSTOMER or AWS"},
				{Name: "key_state", Kind: KindString, Doc: "Enabled, Disabled, PendingDeletion, ..."},
				{Name: "key_spec", Kind: KindString, Doc: "SYMMETRIC_DEFAULT, RSA_2048, ..."},
				{Name: "key_usage", Kind: KindString, Doc: "ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC"},
				{Name: "origin", Kind: KindString, Doc: "AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE"},
				{Name: "rotation_enabled", Kind: KindBool, Doc: "Automatic rotation is enabled (false where rotation is not supported)"},
				{Name: "policy_public", Kind: KindBool, Doc: "The key policy allows a wildcard principal without a restricting condition"},
				{Name: "aliases", Kind: KindStringList, Doc: "Alias names"},
			},
		},
		{
			Name: "aws.config.recorder", Regions: "regional (one per account and region, also where none exists)",
			IDDoc: "arn:aws:config:REGION:ACCOUNT:config-recorder", Doc: "AWS Config's recording status in one region.",
			Attrs: []Attr{
				{Name: "exists", Kind: KindBool, Doc: "A configuration recorder exists"},
				{Name: "recording", Kind: KindBool, Doc: "The recorder is recording"},
				{Name: "all_supported", Kind: KindBool, Doc: "It records all supported resource types"},
				{Name: "include_global_resources", Kind: KindBool, Doc: "It records global resources (IAM)"},
				{Name: "delivery_channel", Kind: KindBool, Doc: "A delivery channel exists"},
				{Name: "last_status", Kind: KindString, Doc: "Last recording status: SUCCESS, FAILURE, PENDING, or \"\""},
			},
		},
		{
			Name: "aws.elbv2.load_balancer", Regions: "regional",
			IDDoc: "load balancer ARN", Doc: "An Application, Network or Gateway Load Balancer and its listeners.",
			Attrs: []Attr{
				{Name: "lb_type", Kind: KindString, Doc: "application, network or gateway"},
				{Name: "scheme", Kind: KindString, Doc: "internet-facing or internal"},
				{Name: "listeners", Kind: KindObjectList, Doc: "Listeners", Fields: []Attr{
					{Name: "port", Kind: KindInt, Doc: "Listener port"},
					{Name: "protocol", Kind: KindString, Doc: "HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE"},
					{Name: "ssl_policy", Kind: KindString, Doc: "Security policy of HTTPS/TLS listeners, or \"\""},
					{Name: "redirects_to_https", Kind: KindBool, Doc: "The default action redirects to HTTPS"},
				}},
				{Name: "access_logs_enabled", Kind: KindBool, Doc: "Access logs go to S3"},
				{Name: "deletion_protection", Kind: KindBool, Doc: "Deletion protection is on"},
				{Name: "drop_invalid_headers", Kind: KindBool, Doc: "Invalid HTTP header fields are dropped (ALB)"},
			},
		},
	}
}
