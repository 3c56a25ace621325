package aws

import (
	"maps"

	"github.com/comply-bot/comply/checks"
)

// What the scenario (scenario_test.go) must produce: every resource with
// every attribute, and every finding of the built-in rules.

func arnEC2(region, res string) string {
	return "arn:aws:ec2:" + region + ":" + testAccount + ":" + res
}

func perm(proto string, from, to int, v4, v6, groups []string) map[string]any {
	nz := func(x []string) []string {
		if x == nil {
			return []string{}
		}
		return x
	}
	return map[string]any{"protocol": proto, "from_port": from, "to_port": to, "ipv4_ranges": nz(v4),
		"ipv6_ranges": nz(v6), "prefix_lists": []string{}, "source_groups": nz(groups)}
}

// expectedResources is every resource the scenario must produce, by label.
// got supplies only what moto invents: ids of default VPCs, groups, ACLs,
// subnets and root volumes.
func expectedResources(ids seeded, got map[string]checks.Resource) map[string]want {
	attr := func(key, name string) string {
		if r, ok := got[key]; ok {
			s, _ := r.Attributes[name].(string)
			return s
		}
		return "?"
	}
	listAttr := func(key, name string) []string {
		if r, ok := got[key]; ok {
			s, _ := r.Attributes[name].([]string)
			return s
		}
		return nil
	}
	eastDefaultVPC := attr("aws.ec2.vpc|us-east-1|default", "vpc_id")
	westDefaultVPC := attr("aws.ec2.vpc|eu-west-1|default", "vpc_id")
	allOut := []map[string]any{perm("-1", 0, 65535, []string{"0.0.0.0/0"}, nil, nil)}
	noRules := []map[string]any{}

	bucket := func(over map[string]any) map[string]any {
		m := map[string]any{
			"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false,
			// The account's block is partial: only BlockPublicAcls.
			"account_block_public_acls": true, "account_ignore_public_acls": false,
			"account_block_public_policy": false, "account_restrict_public_buckets": false,
			"acl_public_read": false, "acl_public_write": false, "acl_authenticated_users": false,
			"object_ownership": "", "has_policy": false, "policy_public": false, "policy_denies_insecure_transport": false,
			"encryption_enabled": false, "encryption_algorithm": "", "kms_key_id": "", "bucket_key_enabled": false,
			"versioning_enabled": false, "mfa_delete_enabled": false, "logging_enabled": false, "logging_target_bucket": "",
			"object_lock_enabled": false, "object_lock_mode": "", "lifecycle_rules": 0, "replication_enabled": false,
			"website_enabled": false,
		}
		maps.Copy(m, over)
		return m
	}
	defaultSG := func(vpc string, region string, key string) want {
		return want{attrs: map[string]any{"group_id": attr(key, "group_id"), "group_name": "default", "vpc_id": vpc,
			"description": "default VPC security group", "is_default": true, "ingress": noRules, "egress": allOut, "attached_interfaces": 0}}
	}
	sg := func(id, name, desc string, ingress []map[string]any, attached int) want {
		return want{id: arnEC2("us-east-1", "security-group/"+id), attrs: map[string]any{"group_id": id, "group_name": name,
			"vpc_id": ids.appVPC, "description": desc, "is_default": false, "ingress": ingress, "egress": allOut, "attached_interfaces": attached}}
	}
	allowAll := []map[string]any{
		{"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 65535, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": ""},
		{"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 65535, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": ""},
	}
	defaultACL := func(key, vpc string) want {
		return want{attrs: map[string]any{"network_acl_id": attr(key, "network_acl_id"), "vpc_id": vpc, "is_default": true,
			"associated_subnets": listAttr(key, "associated_subnets"), "entries": allowAll}}
	}
	vol := func(key, name string, encrypted bool, kms, state, typ string, attached []string) want {
		return want{tags: map[string]string{"Name": name}, attrs: map[string]any{"volume_id": attr(key, "volume_id"), "encrypted": encrypted,
			"kms_key_id": kms, "state": state, "size_gib": 8, "volume_type": typ, "attached_instances": attached, "created_at": "set"}}
	}
	rootVol := func(key, inst string) want {
		w := vol(key, "", false, "", "in-use", "gp2", []string{inst})
		w.tags = nil
		return w
	}
	key := func(alias, id string, tags map[string]string, over map[string]any) want {
		m := map[string]any{"key_id": id, "key_manager": "CUSTOMER", "key_state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT",
			"key_usage": "ENCRYPT_DECRYPT", "origin": "AWS_KMS", "rotation_enabled": false, "policy_public": false, "aliases": []string{alias}}
		maps.Copy(m, over)
		return want{id: "arn:aws:kms:us-east-1:" + testAccount + ":key/" + id, tags: tags, attrs: m}
	}
	user := func(name string, tags map[string]string, over map[string]any) want {
		m := map[string]any{"user_name": name, "created_at": "set", "console_access": false, "password_last_used": "zero",
			"mfa_enabled": false, "access_keys": []map[string]any{}, "attached_policies": []string{}, "inline_policies": []string{},
			"groups": []string{}, "admin_access": false}
		maps.Copy(m, over)
		return want{id: "arn:aws:iam::" + testAccount + ":user/" + name, tags: tags, attrs: m}
	}
	rdsSnap := func(id, db, typ string, encrypted, public bool, shared []string) want {
		return want{attrs: map[string]any{"snapshot_id": id, "db_instance_id": db, "snapshot_type": typ, "encrypted": encrypted,
			"public": public, "shared_accounts": shared, "created_at": "set"}}
	}
	autoSnap := func(db string, encrypted bool) want {
		return rdsSnap(attr("aws.rds.snapshot|us-east-1|auto:"+db, "snapshot_id"), db, "automated", encrypted, false, []string{})
	}
	channel := map[string]string{"team": channelTag}

	return map[string]want{
		// S3
		"aws.s3.account_public_access_block|global|" + testAccount: {id: "arn:aws:s3:::account/" + testAccount + "/public-access-block",
			attrs: map[string]any{"block_public_acls": true, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false}},
		"aws.s3.bucket|us-east-1|comply-logs": {id: "arn:aws:s3:::comply-logs", attrs: bucket(map[string]any{
			"object_ownership": "BucketOwnerPreferred", "encryption_enabled": true, "encryption_algorithm": "AES256"})},
		"aws.s3.bucket|eu-west-1|comply-replica": {id: "arn:aws:s3:::comply-replica", attrs: bucket(map[string]any{"versioning_enabled": true})},
		"aws.s3.bucket|us-east-1|comply-good": {id: "arn:aws:s3:::comply-good", tags: map[string]string{"data-classification": "confidential", "env": "prod"},
			attrs: bucket(map[string]any{
				"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true,
				"object_ownership": "BucketOwnerEnforced", "has_policy": true, "policy_denies_insecure_transport": true,
				"encryption_enabled": true, "encryption_algorithm": "aws:kms", "kms_key_id": ids.keyRotating, "bucket_key_enabled": true,
				"versioning_enabled": true, "logging_enabled": true, "logging_target_bucket": "comply-logs",
				"lifecycle_rules": 1, "replication_enabled": true})},
		"aws.s3.bucket|us-east-1|comply-bad": {id: "arn:aws:s3:::comply-bad", tags: map[string]string{"team": channelTag, "data-classification": "restricted"},
			attrs: bucket(map[string]any{"object_ownership": "ObjectWriter", "acl_public_read": true, "acl_public_write": true,
				"has_policy": true, "policy_public": true, "website_enabled": true})},
		"aws.s3.bucket|eu-west-1|comply-partial": {id: "arn:aws:s3:::comply-partial", attrs: bucket(map[string]any{
			"block_public_acls": true, "ignore_public_acls": true, "object_ownership": "BucketOwnerPreferred",
			"acl_authenticated_users": true, "encryption_enabled": true, "encryption_algorithm": "AES256"})},
		"aws.s3.bucket|us-east-1|comply-locked": {id: "arn:aws:s3:::comply-locked", tags: map[string]string{"comply:object-lock": "required"},
			attrs: bucket(map[string]any{"versioning_enabled": true, "object_lock_enabled": true, "object_lock_mode": "GOVERNANCE"})},

		// EC2 networking
		"aws.ec2.vpc|us-east-1|app": {id: arnEC2("us-east-1", "vpc/"+ids.appVPC), tags: map[string]string{"Name": "app"},
			attrs: map[string]any{"vpc_id": ids.appVPC, "cidr_block": "10.1.0.0/16", "is_default": false, "flow_logs_enabled": true, "flow_log_traffic_types": []string{"ALL"}}},
		"aws.ec2.vpc|us-east-1|default": {id: arnEC2("us-east-1", "vpc/"+eastDefaultVPC),
			attrs: map[string]any{"vpc_id": eastDefaultVPC, "cidr_block": "172.31.0.0/16", "is_default": true, "flow_logs_enabled": false, "flow_log_traffic_types": []string{}}},
		"aws.ec2.vpc|eu-west-1|default": {id: arnEC2("eu-west-1", "vpc/"+westDefaultVPC),
			attrs: map[string]any{"vpc_id": westDefaultVPC, "cidr_block": "172.31.0.0/16", "is_default": true, "flow_logs_enabled": false, "flow_log_traffic_types": []string{}}},
		"aws.ec2.security_group|us-east-1|default:app":     defaultSG(ids.appVPC, east, "aws.ec2.security_group|us-east-1|default:app"),
		"aws.ec2.security_group|us-east-1|default:default": defaultSG(eastDefaultVPC, east, "aws.ec2.security_group|us-east-1|default:default"),
		"aws.ec2.security_group|eu-west-1|default:default": defaultSG(westDefaultVPC, west, "aws.ec2.security_group|eu-west-1|default:default"),
		"aws.ec2.security_group|us-east-1|ssh-range": func() want {
			w := sg(ids.sgRange, "ssh-range", "ssh-range group", []map[string]any{perm("tcp", 20, 25, []string{"0.0.0.0/0"}, nil, nil)}, 0)
			w.tags = map[string]string{"owner": channelTag}
			return w
		}(),
		"aws.ec2.security_group|us-east-1|all-open": sg(ids.sgAll, "all-open", "all-open group",
			[]map[string]any{perm("-1", 0, 65535, []string{"0.0.0.0/0"}, nil, nil)}, 0),
		"aws.ec2.security_group|us-east-1|rdp-v6": sg(ids.sgV6, "rdp-v6", "rdp-v6 group",
			[]map[string]any{perm("tcp", 3389, 3389, nil, []string{"::/0"}, nil)}, 0),
		"aws.ec2.security_group|us-east-1|private-only": sg(ids.sgPrivate, "private-only", "private-only group", []map[string]any{
			perm("tcp", 22, 22, []string{"10.0.0.0/8", "192.168.0.0/16"}, nil, nil),
			perm("tcp", 3306, 3306, nil, nil, []string{ids.sgRange}),
		}, 2), // the two instances' network interfaces
		"aws.ec2.security_group|eu-west-1|eu-ssh": {id: arnEC2("eu-west-1", "security-group/"+ids.sgWest), attrs: map[string]any{
			"group_id": ids.sgWest, "group_name": "eu-ssh", "vpc_id": westDefaultVPC, "description": "eu ssh", "is_default": false,
			"ingress": []map[string]any{perm("tcp", 22, 22, []string{"0.0.0.0/0"}, nil, nil)}, "egress": allOut, "attached_interfaces": 0}},
		"aws.ec2.network_acl|us-east-1|default-acl:app":     defaultACL("aws.ec2.network_acl|us-east-1|default-acl:app", ids.appVPC),
		"aws.ec2.network_acl|us-east-1|default-acl:default": defaultACL("aws.ec2.network_acl|us-east-1|default-acl:default", eastDefaultVPC),
		"aws.ec2.network_acl|eu-west-1|default-acl:default": defaultACL("aws.ec2.network_acl|eu-west-1|default-acl:default", westDefaultVPC),
		"aws.ec2.network_acl|us-east-1|private-acl": {id: arnEC2("us-east-1", "network-acl/"+ids.customACL), tags: map[string]string{"Name": "private-acl"},
			attrs: map[string]any{"network_acl_id": ids.customACL, "vpc_id": ids.appVPC, "is_default": false,
				"associated_subnets": []string{ids.privateSubnet}, "entries": []map[string]any{
					{"rule_number": 100, "egress": false, "action": "deny", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": ""},
					{"rule_number": 200, "egress": false, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 65535, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": ""},
				}}},

		// EBS
		"aws.ec2.volume|us-east-1|data-encrypted": vol("aws.ec2.volume|us-east-1|data-encrypted", "data-encrypted", true,
			attr("aws.ec2.volume|us-east-1|data-encrypted", "kms_key_id"), "available", "gp3", []string{}),
		"aws.ec2.volume|us-east-1|data-plain":  vol("aws.ec2.volume|us-east-1|data-plain", "data-plain", false, "", "available", "gp3", []string{}),
		"aws.ec2.volume|us-east-1|root:worker": rootVol("aws.ec2.volume|us-east-1|root:worker", ids.instPrivate),
		"aws.ec2.volume|us-east-1|root:web":    rootVol("aws.ec2.volume|us-east-1|root:web", ids.instPublic),
		"aws.ec2.snapshot|us-east-1|snap-public": {id: arnEC2("us-east-1", "snapshot/"+ids.snapPublic), attrs: map[string]any{
			"snapshot_id": ids.snapPublic, "volume_id": ids.volPlain, "encrypted": false, "kms_key_id": "", "public": true,
			"shared_accounts": []string{}, "created_at": "set"}},
		"aws.ec2.snapshot|us-east-1|snap-shared": {id: arnEC2("us-east-1", "snapshot/"+ids.snapShared), attrs: map[string]any{
			"snapshot_id": ids.snapShared, "volume_id": ids.volEnc, "encrypted": true, "kms_key_id": "", "public": false,
			"shared_accounts": []string{"210987654321"}, "created_at": "set"}},
		// default_kms_key_id is missing: moto does not implement GetEbsDefaultKmsKeyId.
		"aws.ec2.ebs_encryption_default|us-east-1|ebs-encryption-by-default": {id: arnEC2("us-east-1", "ebs-encryption-by-default"),
			attrs: map[string]any{"enabled": false}},
		"aws.ec2.ebs_encryption_default|eu-west-1|ebs-encryption-by-default": {id: arnEC2("eu-west-1", "ebs-encryption-by-default"),
			attrs: map[string]any{"enabled": true}},

		// Instances. Moto quirk: groups given on a network interface are
		// not reported on the instance (security_groups is empty).
		"aws.ec2.instance|us-east-1|worker": {id: arnEC2("us-east-1", "instance/"+ids.instPrivate), tags: map[string]string{"Name": "worker"},
			attrs: map[string]any{"instance_id": ids.instPrivate, "state": "running", "instance_type": "t3.micro", "image_id": ids.image,
				"vpc_id": ids.appVPC, "subnet_id": ids.privateSubnet, "subnet_tags": map[string]string{"tier": "private"}, "public_ip": "*",
				"metadata_http_tokens": "optional", "metadata_http_endpoint": "enabled", "metadata_hop_limit": 1, "iam_instance_profile": "",
				"security_groups": []string{}, "monitoring_enabled": false, "launched_at": "set"}},
		"aws.ec2.instance|us-east-1|web": {id: arnEC2("us-east-1", "instance/"+ids.instPublic), tags: map[string]string{"Name": "web"},
			attrs: map[string]any{"instance_id": ids.instPublic, "state": "running", "instance_type": "t3.micro", "image_id": ids.image,
				"vpc_id": ids.appVPC, "subnet_id": ids.publicSubnet, "subnet_tags": map[string]string{"tier": "public"}, "public_ip": "*",
				"metadata_http_tokens": "required", "metadata_http_endpoint": "enabled", "metadata_hop_limit": 1,
				"iam_instance_profile": ids.instanceProfileARN, "security_groups": []string{}, "monitoring_enabled": false, "launched_at": "set"}},

		// RDS. Moto takes an automated snapshot of each new instance.
		"aws.rds.instance|us-east-1|db-public": {id: "arn:aws:rds:us-east-1:" + testAccount + ":db:db-public", tags: channel,
			attrs: map[string]any{"db_instance_id": "db-public", "engine": "mysql", "engine_version": "8.0.35", "instance_class": "db.t3.micro",
				"status": "available", "publicly_accessible": true, "storage_encrypted": false, "kms_key_id": "", "backup_retention_days": 0,
				"multi_az": false, "deletion_protection": false, "auto_minor_version_upgrade": false, "iam_auth_enabled": false,
				"log_exports": []string{}, "copy_tags_to_snapshot": false, "cluster_id": ""}},
		"aws.rds.instance|us-east-1|db-private": {id: "arn:aws:rds:us-east-1:" + testAccount + ":db:db-private",
			attrs: map[string]any{"db_instance_id": "db-private", "engine": "postgres", "engine_version": "16.3", "instance_class": "db.t3.micro",
				"status": "available", "publicly_accessible": false, "storage_encrypted": true, "kms_key_id": ids.keyRotating, "backup_retention_days": 14,
				"multi_az": true, "deletion_protection": true, "auto_minor_version_upgrade": true, "iam_auth_enabled": true,
				"log_exports": []string{"postgresql"}, "copy_tags_to_snapshot": true, "cluster_id": ""}},
		"aws.rds.snapshot|us-east-1|snap-public":     rdsSnap("snap-public", "db-public", "manual", false, true, []string{}),
		"aws.rds.snapshot|us-east-1|snap-shared":     rdsSnap("snap-shared", "db-private", "manual", true, false, []string{"210987654321"}),
		"aws.rds.snapshot|us-east-1|auto:db-public":  autoSnap("db-public", false),
		"aws.rds.snapshot|us-east-1|auto:db-private": autoSnap("db-private", true),
		// Aurora. Moto quirks: it takes an automated DB snapshot of a cluster
		// member (AWS snapshots the cluster instead), encrypted although the
		// cluster is not.
		"aws.rds.instance|us-east-1|aurora-bad-1": {id: "arn:aws:rds:us-east-1:" + testAccount + ":db:aurora-bad-1",
			attrs: map[string]any{"db_instance_id": "aurora-bad-1", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2",
				"instance_class": "db.r6g.large", "status": "available", "publicly_accessible": true, "storage_encrypted": false, "kms_key_id": "",
				"backup_retention_days": 1, "multi_az": false, "deletion_protection": false, "auto_minor_version_upgrade": true,
				"iam_auth_enabled": false, "log_exports": []string{}, "copy_tags_to_snapshot": false, "cluster_id": "aurora-bad"}},
		"aws.rds.snapshot|us-east-1|auto:aurora-bad-1": autoSnap("aurora-bad-1", true),
		"aws.rds.cluster|us-east-1|aurora-good": {id: "arn:aws:rds:us-east-1:" + testAccount + ":cluster:aurora-good", tags: channel,
			attrs: map[string]any{"db_cluster_id": "aurora-good", "engine": "aurora-postgresql", "engine_version": "16.4", "engine_mode": "provisioned",
				"status": "available", "storage_encrypted": true, "kms_key_id": ids.keyRotating, "backup_retention_days": 14,
				"deletion_protection": true, "iam_auth_enabled": true, "multi_az": false, "copy_tags_to_snapshot": true,
				"log_exports": []string{"postgresql"}, "members": []string{}, "publicly_accessible": false}},
		"aws.rds.cluster|us-east-1|aurora-bad": {id: "arn:aws:rds:us-east-1:" + testAccount + ":cluster:aurora-bad",
			attrs: map[string]any{"db_cluster_id": "aurora-bad", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2",
				"engine_mode": "provisioned", "status": "available", "storage_encrypted": false, "kms_key_id": "", "backup_retention_days": 1,
				"deletion_protection": false, "iam_auth_enabled": false, "multi_az": false, "copy_tags_to_snapshot": false,
				"log_exports": []string{}, "members": []string{"aurora-bad-1"}, "publicly_accessible": true}},

		// IAM. Moto's credential report has no <root_account> row: the root
		// comes from the account summary.
		"aws.iam.root_account|global|root": {id: "arn:aws:iam::" + testAccount + ":root", attrs: map[string]any{"mfa_enabled": false,
			"hardware_mfa_enabled": false, "access_keys_active": 0, "password_last_used": "zero", "access_key_last_used": "zero"}},
		"aws.iam.password_policy|global|account-password-policy": {id: "arn:aws:iam::" + testAccount + ":account-password-policy",
			attrs: map[string]any{"exists": true, "minimum_length": 8, "require_uppercase": true, "require_lowercase": true,
				"require_numbers": true, "require_symbols": false, "reuse_prevention": 3, "max_age_days": 365}},
		"aws.iam.policy|global|full-admin": {id: "arn:aws:iam::" + testAccount + ":policy/full-admin",
			attrs: map[string]any{"policy_name": "full-admin", "attachment_count": 1, "allows_full_admin": true}},
		"aws.iam.policy|global|read-s3": {id: "arn:aws:iam::" + testAccount + ":policy/read-s3", tags: map[string]string{"owner": channelTag},
			attrs: map[string]any{"policy_name": "read-s3", "attachment_count": 0, "allows_full_admin": false}},
		"aws.iam.user|global|alice": user("alice", nil, map[string]any{"console_access": true,
			"access_keys": []map[string]any{{"id": "*", "status": "Active", "created_at": "set", "last_used_at": "zero"}}}),
		"aws.iam.user|global|bob": user("bob", nil, map[string]any{"admin_access": true,
			"attached_policies": []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}),
		"aws.iam.user|global|carol": user("carol", nil, map[string]any{"admin_access": true, "mfa_enabled": true,
			"attached_policies": []string{"arn:aws:iam::" + testAccount + ":policy/full-admin"}}),
		"aws.iam.user|global|dave": user("dave", channel, map[string]any{"admin_access": true,
			"inline_policies": []string{"inline-admin"}, "groups": []string{"devs"}}),

		// CloudTrail: the multi-region trail appears once, in its home region.
		"aws.cloudtrail.trail|us-east-1|main": {id: "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/main", attrs: map[string]any{
			"home_region": "us-east-1", "multi_region": true, "logging": true, "log_file_validation": true, "kms_key_id": ids.keyRotating,
			"s3_bucket": "comply-logs", "cloudwatch_logs_group": "", "include_global_events": true, "management_events": true, "organization_trail": false}},
		"aws.cloudtrail.trail|eu-west-1|eu-only": {id: "arn:aws:cloudtrail:eu-west-1:" + testAccount + ":trail/eu-only", attrs: map[string]any{
			"home_region": "eu-west-1", "multi_region": false, "logging": false, "log_file_validation": false, "kms_key_id": "",
			"s3_bucket": "comply-logs", "cloudwatch_logs_group": "", "include_global_events": false, "management_events": true, "organization_trail": false}},

		// The account's coverage: eu-only is neither multi-region nor logging.
		"aws.cloudtrail.account|global|" + testAccount: {id: "arn:aws:cloudtrail::" + testAccount + ":trails", attrs: map[string]any{
			"trail_count": 2, "multi_region_trail_count": 1, "has_multi_region_logging_trail": true, "has_multi_region_management_trail": true,
			"multi_region_logging_trails": []string{"arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/main"}}},

		// KMS. Moto quirk: the alias/aws/ebs key it makes for the encrypted
		// volume is a CUSTOMER key there (an AWS-managed one in AWS).
		"aws.kms.key|us-east-1|alias/rotating": key("alias/rotating", ids.keyRotating, channel, map[string]any{"rotation_enabled": true}),
		"aws.kms.key|us-east-1|alias/stale":    key("alias/stale", ids.keyStale, nil, nil),
		"aws.kms.key|us-east-1|alias/signing": key("alias/signing", ids.keySigning, nil, map[string]any{
			"key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"}),
		"aws.kms.key|us-east-1|alias/public":  key("alias/public", ids.keyPublic, nil, map[string]any{"policy_public": true}),
		"aws.kms.key|us-east-1|alias/aws/ebs": key("alias/aws/ebs", attr("aws.kms.key|us-east-1|alias/aws/ebs", "key_id"), nil, nil),
		"aws.kms.key|eu-west-1|west-key": {id: "arn:aws:kms:eu-west-1:" + testAccount + ":key/" + ids.keyWest, attrs: map[string]any{
			"key_id": ids.keyWest, "key_manager": "CUSTOMER", "key_state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT",
			"key_usage": "ENCRYPT_DECRYPT", "origin": "AWS_KMS", "rotation_enabled": false, "policy_public": false, "aliases": []string{}}},

		// Config: one per region, also where there is no recorder.
		"aws.config.recorder|us-east-1|config-recorder": {id: "arn:aws:config:us-east-1:" + testAccount + ":config-recorder", attrs: map[string]any{
			"exists": true, "recording": true, "all_supported": true, "include_global_resources": true, "delivery_channel": true,
			"last_status": "PENDING"}},
		"aws.config.recorder|eu-west-1|config-recorder": {id: "arn:aws:config:eu-west-1:" + testAccount + ":config-recorder", attrs: map[string]any{
			"exists": false, "recording": false, "all_supported": false, "include_global_resources": false, "delivery_channel": false,
			"last_status": ""}},

		// ELBv2
		"aws.elbv2.load_balancer|us-east-1|web": {id: ids.albWeb, tags: map[string]string{"app": "web"}, attrs: map[string]any{
			"lb_type": "application", "scheme": "internet-facing", "access_logs_enabled": false, "deletion_protection": true,
			"drop_invalid_headers": true, "listeners": []map[string]any{{"port": 80, "protocol": "HTTP", "ssl_policy": "", "redirects_to_https": true}}}},
		"aws.elbv2.load_balancer|us-east-1|plain": {id: ids.albPlain, tags: map[string]string{"app": "plain"}, attrs: map[string]any{
			"lb_type": "application", "scheme": "internet-facing", "access_logs_enabled": false, "deletion_protection": false,
			"drop_invalid_headers": false, "listeners": []map[string]any{{"port": 80, "protocol": "HTTP", "ssl_policy": "", "redirects_to_https": false}}}},
	}
}

// scenarioFindings is every finding the built-in rules must report on the
// scenario, as "rule-id label" (see labeled).
func scenarioFindings() []string {
	return []string{
		// Notes: comply-good fails only MFA delete; private-only (SSH from
		// private ranges) and the private ACL's SSH deny pass; the
		// alias/aws/ebs rotation finding is a moto quirk (a CUSTOMER key
		// there); eu-west-1 resources fail too.
		"aws-cloudtrail-cloudwatch-logs aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-cloudtrail-cloudwatch-logs aws.cloudtrail.trail|us-east-1|main",
		"aws-cloudtrail-kms-encryption aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-cloudtrail-log-file-validation aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-cloudtrail-logging aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-cloudtrail-management-events aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-cloudtrail-multi-region aws.cloudtrail.trail|eu-west-1|eu-only",
		"aws-config-recorder-recording aws.config.recorder|eu-west-1|config-recorder",
		"aws-ebs-encryption-by-default aws.ec2.ebs_encryption_default|us-east-1|ebs-encryption-by-default",
		"aws-ebs-snapshot-encrypted aws.ec2.snapshot|us-east-1|snap-public",
		"aws-ebs-snapshot-public aws.ec2.snapshot|us-east-1|snap-public",
		"aws-ebs-volume-encrypted aws.ec2.volume|us-east-1|data-plain",
		"aws-ebs-volume-encrypted aws.ec2.volume|us-east-1|root:web",
		"aws-ebs-volume-encrypted aws.ec2.volume|us-east-1|root:worker",
		"aws-ebs-volume-unattached aws.ec2.volume|us-east-1|data-encrypted",
		"aws-ebs-volume-unattached aws.ec2.volume|us-east-1|data-plain",
		"aws-ec2-default-sg-restricts-all-traffic aws.ec2.security_group|eu-west-1|default:default",
		"aws-ec2-default-sg-restricts-all-traffic aws.ec2.security_group|us-east-1|default:app",
		"aws-ec2-default-sg-restricts-all-traffic aws.ec2.security_group|us-east-1|default:default",
		"aws-ec2-instance-detailed-monitoring aws.ec2.instance|us-east-1|web",
		"aws-ec2-instance-detailed-monitoring aws.ec2.instance|us-east-1|worker",
		"aws-ec2-instance-iam-profile-attached aws.ec2.instance|us-east-1|worker",
		"aws-ec2-instance-imdsv2-required aws.ec2.instance|us-east-1|worker",
		"aws-ec2-instance-public-ip-in-private-subnet aws.ec2.instance|us-east-1|worker",
		"aws-ec2-nacl-rdp-open-to-world aws.ec2.network_acl|eu-west-1|default-acl:default",
		"aws-ec2-nacl-rdp-open-to-world aws.ec2.network_acl|us-east-1|default-acl:app",
		"aws-ec2-nacl-rdp-open-to-world aws.ec2.network_acl|us-east-1|default-acl:default",
		"aws-ec2-nacl-rdp-open-to-world aws.ec2.network_acl|us-east-1|private-acl",
		"aws-ec2-nacl-ssh-open-to-world aws.ec2.network_acl|eu-west-1|default-acl:default",
		"aws-ec2-nacl-ssh-open-to-world aws.ec2.network_acl|us-east-1|default-acl:app",
		"aws-ec2-nacl-ssh-open-to-world aws.ec2.network_acl|us-east-1|default-acl:default",
		"aws-ec2-sg-all-traffic-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-elasticsearch-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-ftp-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-ftp-open-to-world aws.ec2.security_group|us-east-1|ssh-range",
		"aws-ec2-sg-memcached-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-mongodb-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-mssql-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-mysql-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-oracle-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-postgresql-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-rdp-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-rdp-open-to-world aws.ec2.security_group|us-east-1|rdp-v6",
		"aws-ec2-sg-redis-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-ssh-open-to-world aws.ec2.security_group|eu-west-1|eu-ssh",
		"aws-ec2-sg-ssh-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-ssh-open-to-world aws.ec2.security_group|us-east-1|ssh-range",
		"aws-ec2-sg-telnet-open-to-world aws.ec2.security_group|us-east-1|all-open",
		"aws-ec2-sg-telnet-open-to-world aws.ec2.security_group|us-east-1|ssh-range",
		"aws-elbv2-access-logs aws.elbv2.load_balancer|us-east-1|plain",
		"aws-elbv2-access-logs aws.elbv2.load_balancer|us-east-1|web",
		"aws-elbv2-deletion-protection aws.elbv2.load_balancer|us-east-1|plain",
		"aws-elbv2-drop-invalid-headers aws.elbv2.load_balancer|us-east-1|plain",
		"aws-elbv2-http-redirects-to-https aws.elbv2.load_balancer|us-east-1|plain",
		"aws-iam-password-policy-complexity aws.iam.password_policy|global|account-password-policy",
		"aws-iam-password-policy-max-age aws.iam.password_policy|global|account-password-policy",
		"aws-iam-password-policy-min-length aws.iam.password_policy|global|account-password-policy",
		"aws-iam-password-policy-reuse aws.iam.password_policy|global|account-password-policy",
		"aws-iam-policy-no-full-admin-attached aws.iam.policy|global|full-admin",
		"aws-iam-root-hardware-mfa aws.iam.root_account|global|root",
		"aws-iam-root-mfa aws.iam.root_account|global|root",
		"aws-iam-user-console-mfa aws.iam.user|global|alice",
		"aws-iam-user-no-admin-policy aws.iam.user|global|bob",
		"aws-iam-user-no-admin-policy aws.iam.user|global|carol",
		"aws-iam-user-no-admin-policy aws.iam.user|global|dave",
		"aws-iam-user-no-direct-policies aws.iam.user|global|bob",
		"aws-iam-user-no-direct-policies aws.iam.user|global|carol",
		"aws-iam-user-no-direct-policies aws.iam.user|global|dave",
		"aws-kms-key-policy-not-public aws.kms.key|us-east-1|alias/public",
		"aws-kms-key-rotation aws.kms.key|eu-west-1|west-key",
		"aws-kms-key-rotation aws.kms.key|us-east-1|alias/aws/ebs",
		"aws-kms-key-rotation aws.kms.key|us-east-1|alias/public",
		"aws-kms-key-rotation aws.kms.key|us-east-1|alias/stale",
		"aws-rds-cluster-backup-retention aws.rds.cluster|us-east-1|aurora-bad",
		"aws-rds-cluster-copy-tags-to-snapshot aws.rds.cluster|us-east-1|aurora-bad",
		"aws-rds-cluster-deletion-protection aws.rds.cluster|us-east-1|aurora-bad",
		"aws-rds-cluster-iam-auth aws.rds.cluster|us-east-1|aurora-bad",
		"aws-rds-cluster-storage-encrypted aws.rds.cluster|us-east-1|aurora-bad",
		"aws-rds-instance-auto-minor-upgrade aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-backup-retention aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-copy-tags-to-snapshot aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-deletion-protection aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-iam-auth aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-log-exports aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-multi-az aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-public aws.rds.instance|us-east-1|aurora-bad-1",
		"aws-rds-instance-public aws.rds.instance|us-east-1|db-public",
		"aws-rds-instance-storage-encrypted aws.rds.instance|us-east-1|aurora-bad-1",
		"aws-rds-instance-storage-encrypted aws.rds.instance|us-east-1|db-public",
		"aws-rds-snapshot-encrypted aws.rds.snapshot|us-east-1|auto:db-public",
		"aws-rds-snapshot-encrypted aws.rds.snapshot|us-east-1|snap-public",
		"aws-rds-snapshot-public aws.rds.snapshot|us-east-1|snap-public",
		"aws-s3-account-public-access-block aws.s3.account_public_access_block|global|123456789012",
		"aws-s3-bucket-access-logging aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-access-logging aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-access-logging aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-access-logging aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-access-logging aws.s3.bucket|us-east-1|comply-logs",
		"aws-s3-bucket-acl-public-read aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-acl-public-write aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-acls-disabled aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-acls-disabled aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-acls-disabled aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-acls-disabled aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-acls-disabled aws.s3.bucket|us-east-1|comply-logs",
		"aws-s3-bucket-default-encryption aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-default-encryption aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-default-encryption aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-deny-insecure-transport aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-deny-insecure-transport aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-deny-insecure-transport aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-deny-insecure-transport aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-deny-insecure-transport aws.s3.bucket|us-east-1|comply-logs",
		"aws-s3-bucket-kms-encryption-sensitive aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|us-east-1|comply-good",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-mfa-delete aws.s3.bucket|us-east-1|comply-logs",
		"aws-s3-bucket-policy-public aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-public-access-block aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-public-access-block aws.s3.bucket|eu-west-1|comply-replica",
		"aws-s3-bucket-public-access-block aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-public-access-block aws.s3.bucket|us-east-1|comply-locked",
		"aws-s3-bucket-public-access-block aws.s3.bucket|us-east-1|comply-logs",
		"aws-s3-bucket-versioning aws.s3.bucket|eu-west-1|comply-partial",
		"aws-s3-bucket-versioning aws.s3.bucket|us-east-1|comply-bad",
		"aws-s3-bucket-versioning aws.s3.bucket|us-east-1|comply-logs",
		"aws-vpc-flow-logs-enabled aws.ec2.vpc|eu-west-1|default",
		"aws-vpc-flow-logs-enabled aws.ec2.vpc|us-east-1|default",
	}
}
