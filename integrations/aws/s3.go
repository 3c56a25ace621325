package aws

import (
	"context"
	"slices"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/comply-bot/comply/checks"
)

const (
	typeS3Bucket     = "aws.s3.bucket"
	typeS3AccountPAB = "aws.s3.account_public_access_block"
)

var s3ResourceTypes = []string{typeS3Bucket, typeS3AccountPAB}

var (
	pabNames  = []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"}
	aclNames  = []string{"acl_public_read", "acl_public_write", "acl_authenticated_users"}
	lockNames = []string{"object_lock_enabled", "object_lock_mode"}
)

const (
	allUsersURI  = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// collectS3 runs once per account: the bucket list and the account's public
// access block are global, each bucket's settings are read in its region.
func collectS3(ctx context.Context, a *account, home string, res *results) {
	acctPAB := collectAccountPAB(ctx, a, home, res)

	byRegion, ok := bucketsByRegion(ctx, a, home, res)
	if !ok {
		return
	}
	var wg sync.WaitGroup
	for region, names := range byRegion {
		wg.Go(func() {
			forEach(ctx, a.cl.concurrency, names, func(ctx context.Context, n string) {
				if r, ok := readBucket(ctx, a, region, n, acctPAB, res); ok {
					res.add(r)
				}
			})
		})
	}
	wg.Wait()
}

// pabAttrs is a public access block as attributes, with an optional prefix.
func pabAttrs(prefix string, c *s3types.PublicAccessBlockConfiguration) map[string]any {
	if c == nil {
		c = &s3types.PublicAccessBlockConfiguration{}
	}
	return map[string]any{
		prefix + "block_public_acls":       awssdk.ToBool(c.BlockPublicAcls),
		prefix + "ignore_public_acls":      awssdk.ToBool(c.IgnorePublicAcls),
		prefix + "block_public_policy":     awssdk.ToBool(c.BlockPublicPolicy),
		prefix + "restrict_public_buckets": awssdk.ToBool(c.RestrictPublicBuckets),
	}
}

// collectAccountPAB reads the account-wide S3 Block Public Access settings.
// It returns them as bucket attributes (account_*), or nil when unknown.
func collectAccountPAB(ctx context.Context, a *account, home string, res *results) map[string]any {
	var cfg *s3types.PublicAccessBlockConfiguration
	out, err := a.cl.s3control(home).GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: awssdk.String(a.id)})
	switch {
	case err == nil:
		if c := out.PublicAccessBlockConfiguration; c != nil {
			cfg = &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: c.BlockPublicAcls, IgnorePublicAcls: c.IgnorePublicAcls,
				BlockPublicPolicy: c.BlockPublicPolicy, RestrictPublicBuckets: c.RestrictPublicBuckets}
		}
	case isS3NotConfigured(err):
	default:
		res.fail(a.scope("s3control", checks.GlobalRegion), []string{typeS3AccountPAB}, "get account public access block", err)
		return nil
	}
	id := "arn:" + a.partition + ":s3:::account/" + a.id + "/public-access-block"
	res.add(newResource(typeS3AccountPAB, id, a, checks.GlobalRegion, a.id, nil, pabAttrs("", cfg)))
	return pabAttrs("account_", cfg)
}

// callResult is how one per-bucket call went.
type callResult int

const (
	callOK            callResult = iota
	callNotConfigured            // S3 said "no such configuration": the default applies
	callFailed                   // recorded; the attributes stay unknown
	callGone                     // the bucket was deleted meanwhile
)

// bucketReader reads one bucket's settings.
type bucketReader struct {
	a      *account
	cl     *s3.Client
	name   string
	sc     scope
	res    *results
	attrs  map[string]any
	gone   bool
	tagErr bool
}

func (b *bucketReader) call(op string, err error) callResult {
	switch {
	case err == nil:
		return callOK
	case isS3NotConfigured(err):
		return callNotConfigured
	case hasCode(err, "NoSuchBucket"):
		b.gone = true
		return callGone
	}
	b.res.detail(b.sc, op, b.name, err)
	return callFailed
}

func (b *bucketReader) set(kv map[string]any) {
	for k, v := range kv {
		b.attrs[k] = v
	}
}

// readBucket reads a bucket's settings with one call per configuration,
// skipping calls whose answer another already implies. It reports false if
// the bucket no longer exists.
func readBucket(ctx context.Context, a *account, region, name string, acctPAB map[string]any, res *results) (checks.Resource, bool) {
	b := &bucketReader{a: a, cl: a.cl.s3(region), name: name, sc: a.scope("s3", region), res: res, attrs: map[string]any{}}
	bucket := awssdk.String(name)
	b.set(acctPAB) // nil (unknown) when the account setting could not be read
	steps := []struct {
		attrs []string // what the step answers: skipped unless one is needed
		run   func()
	}{
		{pabNames, func() {
			out, err := b.cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
			switch b.call("GetPublicAccessBlock", err) {
			case callOK:
				b.set(pabAttrs("", out.PublicAccessBlockConfiguration))
			case callNotConfigured:
				b.set(pabAttrs("", nil))
			}
		}},
		{append([]string{"object_ownership"}, aclNames...), func() { b.ownershipAndACL(ctx) }},
		{[]string{"has_policy", "policy_public", "policy_denies_insecure_transport"}, func() { b.policy(ctx) }},
		{[]string{"encryption_enabled", "encryption_algorithm", "kms_key_id", "bucket_key_enabled"}, func() { b.encryption(ctx) }},
		{append([]string{"versioning_enabled", "mfa_delete_enabled", "replication_enabled"}, lockNames...), func() { b.versioningAndLocks(ctx) }},
		{[]string{"logging_enabled", "logging_target_bucket"}, func() {
			out, err := b.cl.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: bucket})
			if b.call("GetBucketLogging", err) == callOK {
				target := ""
				if out.LoggingEnabled != nil {
					target = awssdk.ToString(out.LoggingEnabled.TargetBucket)
				}
				b.set(map[string]any{"logging_enabled": out.LoggingEnabled != nil, "logging_target_bucket": target})
			}
		}},
		{[]string{"lifecycle_rules"}, func() {
			out, err := b.cl.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bucket})
			switch b.call("GetBucketLifecycleConfiguration", err) {
			case callOK:
				n := 0
				for _, r := range out.Rules {
					if r.Status == s3types.ExpirationStatusEnabled {
						n++
					}
				}
				b.attrs["lifecycle_rules"] = n
			case callNotConfigured:
				b.attrs["lifecycle_rules"] = 0
			}
		}},
		{[]string{"website_enabled"}, func() {
			_, err := b.cl.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bucket})
			switch b.call("GetBucketWebsite", err) {
			case callOK:
				b.attrs["website_enabled"] = true
			case callNotConfigured:
				b.attrs["website_enabled"] = false
			}
		}},
	}
	for _, step := range steps {
		if b.gone || ctx.Err() != nil {
			return checks.Resource{}, false
		}
		if a.need.any(typeS3Bucket, step.attrs...) {
			step.run()
		}
	}
	tags := map[string]string{}
	out, err := b.cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bucket})
	switch b.call("GetBucketTagging", err) {
	case callOK:
		for _, t := range out.TagSet {
			tags[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
		}
	case callFailed:
		// Tags cannot be marked unknown one by one, and rules select
		// buckets by tag: without them no bucket rule can be trusted.
		res.markIncomplete(typeS3Bucket)
	case callGone:
		return checks.Resource{}, false
	}
	if b.gone {
		return checks.Resource{}, false
	}
	return newResource(typeS3Bucket, "arn:"+a.partition+":s3:::"+name, a, region, name, tags, b.attrs), true
}

// ownershipAndACL reads Object Ownership, then the ACL unless ownership is
// BucketOwnerEnforced: ACLs are then disabled (S3 refuses that setting while
// the ACL grants anyone but the owner), so no grant can be public.
func (b *bucketReader) ownershipAndACL(ctx context.Context) {
	bucket := awssdk.String(b.name)
	ownership := ""
	out, err := b.cl.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: bucket})
	switch b.call("GetBucketOwnershipControls", err) {
	case callOK:
		if out.OwnershipControls != nil && len(out.OwnershipControls.Rules) > 0 {
			ownership = string(out.OwnershipControls.Rules[0].ObjectOwnership)
		}
		b.attrs["object_ownership"] = ownership
	case callNotConfigured:
		b.attrs["object_ownership"] = ""
	case callGone:
		return
	}
	if ownership == string(s3types.ObjectOwnershipBucketOwnerEnforced) {
		b.set(map[string]any{"acl_public_read": false, "acl_public_write": false, "acl_authenticated_users": false})
		return
	}
	if !b.a.need.any(typeS3Bucket, aclNames...) {
		return
	}
	acl, err := b.cl.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: bucket})
	if b.call("GetBucketAcl", err) != callOK {
		return
	}
	read, write, authn := false, false, false
	for _, g := range acl.Grants {
		if g.Grantee == nil {
			continue
		}
		switch awssdk.ToString(g.Grantee.URI) {
		case allUsersURI:
			switch g.Permission {
			case s3types.PermissionRead, s3types.PermissionReadAcp:
				read = true
			case s3types.PermissionWrite, s3types.PermissionWriteAcp:
				write = true
			case s3types.PermissionFullControl:
				read, write = true, true
			}
		case authUsersURI:
			authn = true
		}
	}
	b.set(map[string]any{"acl_public_read": read, "acl_public_write": write, "acl_authenticated_users": authn})
}

func (b *bucketReader) policy(ctx context.Context) {
	out, err := b.cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: awssdk.String(b.name)})
	switch b.call("GetBucketPolicy", err) {
	case callOK:
		doc, perr := checks.ParsePolicy(awssdk.ToString(out.Policy))
		if perr != nil {
			b.res.detail(b.sc, "GetBucketPolicy", b.name, perr)
			b.attrs["has_policy"] = true
			return
		}
		b.set(map[string]any{"has_policy": true, "policy_public": doc.BucketPublic(),
			"policy_denies_insecure_transport": doc.DeniesInsecureTransport()})
	case callNotConfigured:
		b.set(map[string]any{"has_policy": false, "policy_public": false, "policy_denies_insecure_transport": false})
	}
}

func (b *bucketReader) encryption(ctx context.Context) {
	out, err := b.cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: awssdk.String(b.name)})
	switch b.call("GetBucketEncryption", err) {
	case callOK:
		b.set(encryptionAttrs(out.ServerSideEncryptionConfiguration))
	case callNotConfigured:
		b.set(encryptionAttrs(nil))
	}
}

// encryptionAttrs are a bucket's default-encryption attributes; nil means
// none is configured.
func encryptionAttrs(c *s3types.ServerSideEncryptionConfiguration) map[string]any {
	attrs := map[string]any{"encryption_enabled": false, "encryption_algorithm": "", "kms_key_id": "", "bucket_key_enabled": false}
	if c == nil {
		return attrs
	}
	for _, r := range c.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			attrs["encryption_enabled"] = true
			attrs["encryption_algorithm"] = string(d.SSEAlgorithm)
			attrs["kms_key_id"] = awssdk.ToString(d.KMSMasterKeyID)
			attrs["bucket_key_enabled"] = awssdk.ToBool(r.BucketKeyEnabled)
			break
		}
	}
	return attrs
}

// versioningAndLocks reads versioning, then Object Lock and replication only
// when versioning is enabled: S3 requires it for both (Object Lock turns it
// on for good; replication refuses a bucket without it, and versioning
// cannot be suspended while replication is configured).
func (b *bucketReader) versioningAndLocks(ctx context.Context) {
	bucket := awssdk.String(b.name)
	v, err := b.cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
	if b.call("GetBucketVersioning", err) != callOK {
		return
	}
	enabled := v.Status == s3types.BucketVersioningStatusEnabled
	b.set(map[string]any{"versioning_enabled": enabled, "mfa_delete_enabled": v.MFADelete == s3types.MFADeleteStatusEnabled})
	if !enabled {
		b.set(map[string]any{"object_lock_enabled": false, "object_lock_mode": "", "replication_enabled": false})
		return
	}
	if b.a.need.any(typeS3Bucket, lockNames...) {
		ol, err := b.cl.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bucket})
		switch b.call("GetObjectLockConfiguration", err) {
		case callOK:
			mode := ""
			c := ol.ObjectLockConfiguration
			if c != nil && c.Rule != nil && c.Rule.DefaultRetention != nil {
				mode = string(c.Rule.DefaultRetention.Mode)
			}
			b.set(map[string]any{"object_lock_enabled": c != nil && c.ObjectLockEnabled == s3types.ObjectLockEnabledEnabled, "object_lock_mode": mode})
		case callNotConfigured:
			b.set(map[string]any{"object_lock_enabled": false, "object_lock_mode": ""})
		case callGone:
			return
		}
	}
	if !b.a.need.any(typeS3Bucket, "replication_enabled") {
		return
	}
	rep, err := b.cl.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: bucket})
	switch b.call("GetBucketReplication", err) {
	case callOK:
		on := false
		if rep.ReplicationConfiguration != nil {
			on = slices.ContainsFunc(rep.ReplicationConfiguration.Rules, func(r s3types.ReplicationRule) bool {
				return r.Status == s3types.ReplicationRuleStatusEnabled
			})
		}
		b.attrs["replication_enabled"] = on
	case callNotConfigured:
		b.attrs["replication_enabled"] = false
	}
}
