package config

import (
	"regexp"
	"strings"
)

// rawEvidence is the evidence: section as written.
type rawEvidence struct {
	Dir string         `yaml:"dir"`
	S3  *rawEvidenceS3 `yaml:"s3"`
}

type rawEvidenceS3 struct {
	Bucket   string `yaml:"bucket"`
	Prefix   string `yaml:"prefix"`
	Region   string `yaml:"region"`
	Endpoint string `yaml:"endpoint"`
	SSE      string `yaml:"sse"`
	KMSKeyID string `yaml:"kms_key_id"`
}

// Evidence configures the tamper-evident evidence store (docs/evidence.md):
// a directory or an S3 bucket, never both.
type Evidence struct {
	// Dir is the evidence directory, resolved against the config file's
	// folder; empty when the evidence goes to S3 or is not recorded.
	Dir string
	// S3 is set when the evidence goes to an S3 bucket.
	S3 *EvidenceS3
}

// Enabled reports whether evidence is recorded.
func (e Evidence) Enabled() bool { return e.Dir != "" || e.S3 != nil }

// EvidenceS3 is an S3 evidence location.
type EvidenceS3 struct {
	Bucket string
	// Prefix is prepended to every key; empty or ending in "/".
	Prefix string
	// Region and Endpoint override the SDK's own chain (AWS_REGION,
	// AWS_ENDPOINT_URL); an endpoint means path-style addressing.
	Region, Endpoint string
	// SSE is the server-side encryption asked for on every object:
	// "AES256" or "aws:kms" (with KMSKeyID, else the account's default key);
	// empty leaves it to the bucket's default encryption.
	SSE, KMSKeyID string
}

// bucketPattern is S3's bucket naming rule (general purpose buckets).
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// evidence validates the evidence: section.
func (raw *rawConfig) evidence(add addFunc, resolve func(string) string) Evidence {
	r := raw.Evidence
	if r == nil {
		return Evidence{}
	}
	switch {
	case r.Dir != "" && r.S3 != nil:
		add("$.evidence", "evidence: set either dir or s3, not both")
		return Evidence{}
	case r.Dir != "":
		return Evidence{Dir: resolve(r.Dir)}
	case r.S3 == nil:
		add("$.evidence", "evidence: set dir (a directory) or s3 (a bucket)")
		return Evidence{}
	}
	s := r.S3
	out := &EvidenceS3{Bucket: s.Bucket, Prefix: s.Prefix, Region: s.Region, Endpoint: s.Endpoint, SSE: s.SSE, KMSKeyID: s.KMSKeyID}
	switch {
	case s.Bucket == "":
		add("$.evidence.s3", "evidence.s3.bucket is required")
	case !bucketPattern.MatchString(s.Bucket):
		add("$.evidence.s3.bucket", "evidence.s3.bucket %q is not an S3 bucket name", s.Bucket)
	}
	if strings.HasPrefix(s.Prefix, "/") {
		add("$.evidence.s3.prefix", "evidence.s3.prefix %q must not start with /", s.Prefix)
	}
	if out.Prefix != "" && !strings.HasSuffix(out.Prefix, "/") {
		out.Prefix += "/"
	}
	if s.Region != "" && !regionPattern.MatchString(s.Region) {
		add("$.evidence.s3.region", "evidence.s3.region %q is not an AWS region name", s.Region)
	}
	if s.Endpoint != "" && !strings.HasPrefix(s.Endpoint, "http://") && !strings.HasPrefix(s.Endpoint, "https://") {
		add("$.evidence.s3.endpoint", "evidence.s3.endpoint must be an http(s) URL")
	}
	switch s.SSE {
	case "", "AES256":
		if s.KMSKeyID != "" {
			add("$.evidence.s3.kms_key_id", "evidence.s3.kms_key_id needs sse: aws:kms")
		}
	case "aws:kms":
	default:
		add("$.evidence.s3.sse", "evidence.s3.sse %q: want AES256 or aws:kms", s.SSE)
	}
	return Evidence{S3: out}
}
