package terraform

import (
	"strings"
	"testing"
)

// bucketAttrs is an aws_s3_bucket as a refreshed provider v5 state holds it;
// extra JSON fields are merged over it.
func bucketAttrs(name, extra string) string {
	base := `"id": "` + name + `", "bucket": "` + name + `", "arn": "arn:aws:s3:::` + name + `", "region": "eu-west-1",
		"tags": {"Name": "` + name + `"}, "tags_all": {"Name": "` + name + `", "env": "prod"},
		"acl": null, "grant": [{"id": "owner", "type": "CanonicalUser", "uri": "", "permissions": ["FULL_CONTROL"]}],
		"policy": "", "versioning": [{"enabled": false, "mfa_delete": false}], "logging": [], "lifecycle_rule": [],
		"replication_configuration": [], "website": [], "object_lock_enabled": false, "object_lock_configuration": [],
		"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256", "kms_master_key_id": ""}], "bucket_key_enabled": false}]}]`
	if extra != "" {
		base += ", " + extra
	}
	return "{" + base + "}"
}

func policyJSON(statements ...string) string {
	return jsonString(`{"Version": "2012-10-17", "Statement": [` + strings.Join(statements, ",") + `]}`)
}

const (
	stPublicRead   = `{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}`
	stDenyInsecure = `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`
)

func TestS3Bucket(t *testing.T) {
	const id = "arn:aws:s3:::b"
	defaults := map[string]any{
		// from the bucket's own refreshed blocks
		"encryption_enabled": true, "encryption_algorithm": "AES256", "kms_key_id": "", "bucket_key_enabled": false,
		"versioning_enabled": false, "mfa_delete_enabled": false, "logging_enabled": false, "logging_target_bucket": "",
		"acl_public_read": false, "acl_public_write": false, "acl_authenticated_users": false,
		"has_policy": false, "policy_public": false, "policy_denies_insecure_transport": false,
		"object_lock_enabled": false, "object_lock_mode": "", "lifecycle_rules": 0, "replication_enabled": false, "website_enabled": false,
		// no evidence: unknown
		"block_public_acls": absent, "restrict_public_buckets": absent, "account_block_public_acls": absent, "object_ownership": absent,
	}
	cases := []struct {
		name  string
		state []tfres
		want  map[string]any
	}{
		{"bucket alone", []tfres{r("aws_s3_bucket", "b", bucketAttrs("b", ""))}, defaults},
		{"every setting resource", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_server_side_encryption_configuration", "b", `{"bucket": "b", "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k"}], "bucket_key_enabled": true}]}`),
			r("aws_s3_bucket_versioning", "b", `{"bucket": "b", "versioning_configuration": [{"status": "Enabled", "mfa_delete": "Enabled"}]}`),
			r("aws_s3_bucket_public_access_block", "b", `{"bucket": "b", "block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": true}`),
			r("aws_s3_bucket_logging", "b", `{"bucket": "b", "target_bucket": "logs", "target_prefix": "b/"}`),
			r("aws_s3_bucket_policy", "b", `{"bucket": "b", "policy": `+policyJSON(stDenyInsecure)+`}`),
			r("aws_s3_bucket_acl", "b", `{"bucket": "b", "acl": "private", "access_control_policy": []}`),
			r("aws_s3_bucket_ownership_controls", "b", `{"bucket": "b", "rule": [{"object_ownership": "BucketOwnerEnforced"}]}`),
			r("aws_s3_bucket_object_lock_configuration", "b", `{"bucket": "b", "object_lock_enabled": "Enabled", "rule": [{"default_retention": [{"mode": "COMPLIANCE", "days": 30, "years": null}]}]}`),
			r("aws_s3_bucket_lifecycle_configuration", "b", `{"bucket": "b", "rule": [{"id": "a", "status": "Enabled"}, {"id": "b", "status": "Disabled"}, {"id": "c", "status": "Enabled"}]}`),
			r("aws_s3_bucket_replication_configuration", "b", `{"bucket": "b", "rule": [{"id": "a", "status": "Disabled"}, {"id": "b", "status": "Enabled"}]}`),
			r("aws_s3_bucket_website_configuration", "b", `{"bucket": "b", "index_document": [{"suffix": "index.html"}]}`),
			r("aws_s3_account_public_access_block", "this", `{"account_id": "111122223333", "block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": false}`),
			r("aws_iam_user", "someone", `{"name": "x", "arn": "arn:aws:iam::111122223333:user/x"}`), // tells the account
		}, map[string]any{
			"encryption_enabled": true, "encryption_algorithm": "aws:kms", "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k", "bucket_key_enabled": true,
			"versioning_enabled": true, "mfa_delete_enabled": true,
			"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": true,
			"account_block_public_acls": true, "account_ignore_public_acls": true, "account_block_public_policy": true, "account_restrict_public_buckets": false,
			"logging_enabled": true, "logging_target_bucket": "logs",
			"has_policy": true, "policy_public": false, "policy_denies_insecure_transport": true,
			"acl_public_read": false, "acl_public_write": false, "acl_authenticated_users": false,
			"object_ownership": "BucketOwnerEnforced", "object_lock_enabled": true, "object_lock_mode": "COMPLIANCE",
			"lifecycle_rules": 2, "replication_enabled": true, "website_enabled": true,
		}},
		{"bucket's own blocks", []tfres{r("aws_s3_bucket", "b", bucketAttrs("b", `"versioning": [{"enabled": true, "mfa_delete": true}],
			"logging": [{"target_bucket": "logs", "target_prefix": ""}], "policy": `+policyJSON(stPublicRead)+`,
			"lifecycle_rule": [{"id": "x", "enabled": true}, {"id": "y", "enabled": false}],
			"replication_configuration": [{"role": "r", "rules": [{"id": "a", "status": "Enabled"}]}],
			"website": [{"index_document": "index.html"}], "object_lock_enabled": true,
			"object_lock_configuration": [{"object_lock_enabled": "Enabled", "rule": [{"default_retention": [{"mode": "GOVERNANCE"}]}]}],
			"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms:dsse", "kms_master_key_id": "k"}], "bucket_key_enabled": true}]}]`))},
			map[string]any{
				"versioning_enabled": true, "mfa_delete_enabled": true, "logging_enabled": true, "logging_target_bucket": "logs",
				"has_policy": true, "policy_public": true, "policy_denies_insecure_transport": false,
				"lifecycle_rules": 1, "replication_enabled": true, "website_enabled": true,
				"object_lock_enabled": true, "object_lock_mode": "GOVERNANCE",
				"encryption_enabled": true, "encryption_algorithm": "aws:kms:dsse", "kms_key_id": "k", "bucket_key_enabled": true,
			}},
		{"no encryption in state: unknown, not assumed", []tfres{r("aws_s3_bucket", "b", bucketAttrs("b", `"server_side_encryption_configuration": []`))},
			map[string]any{"encryption_enabled": absent, "encryption_algorithm": absent, "kms_key_id": absent, "bucket_key_enabled": absent}},
		{"older provider without the blocks: AWS defaults where they do not depend on the bucket's age", []tfres{
			r("aws_s3_bucket", "b", `{"bucket": "b", "arn": "arn:aws:s3:::b", "region": "eu-west-1"}`)},
			map[string]any{"versioning_enabled": false, "logging_enabled": false, "has_policy": false, "acl_public_read": false,
				"object_lock_enabled": false, "lifecycle_rules": 0, "website_enabled": false, "replication_enabled": false,
				"encryption_enabled": absent, "block_public_acls": absent, "object_ownership": absent}},
		{"encryption rule without a default", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_server_side_encryption_configuration", "b", `{"bucket": "b", "rule": [{"apply_server_side_encryption_by_default": [], "bucket_key_enabled": null}]}`)},
			map[string]any{"encryption_enabled": false, "encryption_algorithm": "", "kms_key_id": "", "bucket_key_enabled": false}},
		{"versioning suspended", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", `"versioning": [{"enabled": true, "mfa_delete": false}]`)),
			r("aws_s3_bucket_versioning", "b", `{"bucket": "b", "versioning_configuration": [{"status": "Suspended", "mfa_delete": null}]}`)},
			map[string]any{"versioning_enabled": false, "mfa_delete_enabled": false}},
		{"canned public-read-write via the deprecated acl argument", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", `"grant": [], "acl": "public-read-write"`))},
			map[string]any{"acl_public_read": true, "acl_public_write": true, "acl_authenticated_users": false}},
		{"canned authenticated-read", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_acl", "b", `{"bucket": "b", "acl": "authenticated-read"}`)},
			map[string]any{"acl_public_read": false, "acl_public_write": false, "acl_authenticated_users": true}},
		{"unknown canned ACL", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_acl", "b", `{"bucket": "b", "acl": "future-acl"}`)},
			map[string]any{"acl_public_read": absent, "acl_public_write": absent, "acl_authenticated_users": absent}},
		{"grants in access_control_policy win over the canned name", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_acl", "b", `{"bucket": "b", "acl": null, "access_control_policy": [{"grant": [
				{"grantee": [{"type": "CanonicalUser", "id": "owner", "uri": ""}], "permission": "FULL_CONTROL"},
				{"grantee": [{"type": "Group", "id": "", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}], "permission": "WRITE_ACP"}],
				"owner": [{"id": "owner"}]}]}`)},
			map[string]any{"acl_public_read": false, "acl_public_write": true, "acl_authenticated_users": false}},
		{"bucket grant FULL_CONTROL to AllUsers", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", `"grant": [{"id": "", "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "permissions": ["FULL_CONTROL"]}]`))},
			map[string]any{"acl_public_read": true, "acl_public_write": true}},
		{"policy resource overrides the bucket's policy", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", `"policy": `+policyJSON(stPublicRead))),
			r("aws_s3_bucket_policy", "b", `{"bucket": "b", "policy": `+policyJSON(stDenyInsecure)+`}`)},
			map[string]any{"has_policy": true, "policy_public": false, "policy_denies_insecure_transport": true}},
		{"invalid policy document", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_policy", "b", `{"bucket": "b", "policy": "not json"}`)},
			map[string]any{"has_policy": true, "policy_public": absent, "policy_denies_insecure_transport": absent}},
		{"setting for a bucket not in the file is ignored", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", "")),
			r("aws_s3_bucket_versioning", "other", `{"bucket": "other", "versioning_configuration": [{"status": "Enabled"}]}`)},
			map[string]any{"versioning_enabled": false}},
		{"object lock enabled without a default rule", []tfres{
			r("aws_s3_bucket", "b", bucketAttrs("b", `"object_lock_enabled": true, "object_lock_configuration": [{"object_lock_enabled": "Enabled", "rule": []}]`))},
			map[string]any{"object_lock_enabled": true, "object_lock_mode": ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := parseOK(t, stateJSON(t, c.state...))
			b := find(t, res, "aws.s3.bucket", id)
			checkAttrs(t, b, c.want)
			if b.Name != "b" || b.Region != "eu-west-1" {
				t.Errorf("name %q region %q, want b eu-west-1", b.Name, b.Region)
			}
		})
	}
}

func TestS3BucketPlacementAndTags(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		tfres{module: `module.data["raw"]`, typ: "aws_s3_bucket", name: "this", attrs: bucketAttrs("raw", `"tags": {"owner": "<!channel>"}, "tags_all": {"owner": "<!channel>", "env": "prod"}`)},
		r("aws_kms_key", "k", `{"key_id": "k", "arn": "arn:aws:kms:eu-west-1:111122223333:key/k"}`),
		r("aws_s3_account_public_access_block", "this", `{"account_id": "111122223333", "block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}`),
	))
	b := find(t, res, "aws.s3.bucket", "arn:aws:s3:::raw")
	if b.Account != acct {
		t.Errorf("account %q, want %s (the provider's other resources tell it)", b.Account, acct)
	}
	if b.Tags["owner"] != "<!channel>" || b.Tags["env"] != "prod" {
		t.Errorf("tags %v: want tags_all, unescaped", b.Tags)
	}
	checkAttrs(t, b, map[string]any{"account_block_public_acls": true, "account_restrict_public_buckets": true})
	p := find(t, res, "aws.s3.account_public_access_block", "arn:aws:s3:::account/111122223333/public-access-block")
	if p.Region != "global" || p.Account != acct {
		t.Errorf("account PAB placed %q/%q", p.Account, p.Region)
	}
	checkAttrs(t, p, map[string]any{"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true})
}
