package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// bucket is the target bucket's name and, as ExpectedBucketOwner on every
// call, its account: a bucket name is global, and a bucket recreated by
// someone else in between must not be changed.
func (p *planner) bucket() (name string, params map[string]any, err error) {
	name, err = p.arnResource("")
	if err != nil {
		return "", nil, err
	}
	return name, map[string]any{"Bucket": name, "ExpectedBucketOwner": p.t.Account}, nil
}

// s3Read wraps a failed read of a bucket's configuration.
func s3Read(op, bucket string, err error) error {
	return callError(fmt.Sprintf("s3 %s %s", op, bucket), err)
}

func actBlockPublicAccess() remediationAction {
	return remediationAction{
		types: []string{typeS3Bucket},
		apis:  map[string]executor{"s3:PutPublicAccessBlock": op((*clients).s3, (*s3.Client).PutPublicAccessBlock)},
		plan: func(ctx context.Context, p *planner) error {
			name, params, err := p.bucket()
			if err != nil {
				return err
			}
			out, err := p.cl.s3(p.region).GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{
				Bucket: awssdk.String(name), ExpectedBucketOwner: awssdk.String(p.t.Account)})
			var cur *s3types.PublicAccessBlockConfiguration
			switch {
			case err == nil:
				cur = out.PublicAccessBlockConfiguration
			case !isS3NotConfigured(err):
				return s3Read("GetPublicAccessBlock", name, err)
			}
			before := pabAttrs("", cur)
			for _, n := range pabNames {
				if !before[n].(bool) {
					p.change(n, false, true)
				}
			}
			if len(p.plan.Changes) == 0 {
				p.noop("bucket %s already blocks public access (all four settings on)", name)
				return nil
			}
			params["PublicAccessBlockConfiguration"] = map[string]any{"BlockPublicAcls": true, "IgnorePublicAcls": true,
				"BlockPublicPolicy": true, "RestrictPublicBuckets": true}
			p.call("s3:PutPublicAccessBlock", params)
			return nil
		},
	}
}

func actBucketEncryption() remediationAction {
	return remediationAction{
		types: []string{typeS3Bucket},
		apis:  map[string]executor{"s3:PutBucketEncryption": op((*clients).s3, (*s3.Client).PutBucketEncryption)},
		plan: func(ctx context.Context, p *planner) error {
			name, params, err := p.bucket()
			if err != nil {
				return err
			}
			out, err := p.cl.s3(p.region).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{
				Bucket: awssdk.String(name), ExpectedBucketOwner: awssdk.String(p.t.Account)})
			var cur *s3types.ServerSideEncryptionConfiguration
			switch {
			case err == nil:
				cur = out.ServerSideEncryptionConfiguration
			case !isS3NotConfigured(err):
				return s3Read("GetBucketEncryption", name, err)
			}
			before := encryptionAttrs(cur)
			if before["encryption_enabled"].(bool) {
				p.noop("bucket %s already encrypts new objects by default (%s)", name, before["encryption_algorithm"])
				return nil
			}
			byDefault := map[string]any{"SSEAlgorithm": string(s3types.ServerSideEncryptionAes256)}
			rule := map[string]any{"ApplyServerSideEncryptionByDefault": byDefault}
			after := map[string]any{"encryption_enabled": true, "encryption_algorithm": byDefault["SSEAlgorithm"]}
			if p.kmsKey != "" {
				// A bucket key cuts the KMS requests (and their cost) by
				// orders of magnitude.
				byDefault["SSEAlgorithm"] = string(s3types.ServerSideEncryptionAwsKms)
				byDefault["KMSMasterKeyID"] = p.kmsKey
				rule["BucketKeyEnabled"] = true
				after = map[string]any{"encryption_enabled": true, "encryption_algorithm": byDefault["SSEAlgorithm"],
					"kms_key_id": p.kmsKey, "bucket_key_enabled": true}
			}
			for _, n := range []string{"encryption_enabled", "encryption_algorithm", "kms_key_id", "bucket_key_enabled"} {
				if v, ok := after[n]; ok && v != before[n] {
					p.change(n, before[n], v)
				}
			}
			params["ServerSideEncryptionConfiguration"] = map[string]any{"Rules": []any{rule}}
			p.call("s3:PutBucketEncryption", params)
			return nil
		},
	}
}

func actBucketVersioning() remediationAction {
	return remediationAction{
		types: []string{typeS3Bucket},
		apis:  map[string]executor{"s3:PutBucketVersioning": op((*clients).s3, (*s3.Client).PutBucketVersioning)},
		plan: func(ctx context.Context, p *planner) error {
			name, params, err := p.bucket()
			if err != nil {
				return err
			}
			out, err := p.cl.s3(p.region).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{
				Bucket: awssdk.String(name), ExpectedBucketOwner: awssdk.String(p.t.Account)})
			if err != nil {
				return s3Read("GetBucketVersioning", name, err)
			}
			if out.Status == s3types.BucketVersioningStatusEnabled {
				p.noop("bucket %s already has versioning enabled", name)
				return nil
			}
			p.change("versioning_enabled", false, true)
			params["VersioningConfiguration"] = map[string]any{"Status": string(s3types.BucketVersioningStatusEnabled)}
			p.call("s3:PutBucketVersioning", params)
			return nil
		},
	}
}
