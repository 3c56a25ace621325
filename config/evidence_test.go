package config

import (
	"fmt"
	"testing"
)

func TestEvidenceSection(t *testing.T) {
	tests := []struct {
		name, src string
		want      Evidence
	}{
		{"dir", "evidence:\n  dir: ev\n", Evidence{Dir: "conf/ev"}},
		{"s3", "evidence:\n  s3:\n    bucket: acme-evidence\n    prefix: prod\n    region: eu-west-1\n    endpoint: http://127.0.0.1:5000\n    sse: aws:kms\n    kms_key_id: alias/evidence\n",
			Evidence{S3: &EvidenceS3{Bucket: "acme-evidence", Prefix: "prod/", Region: "eu-west-1", Endpoint: "http://127.0.0.1:5000", SSE: "aws:kms", KMSKeyID: "alias/evidence"}}},
		{"s3 minimal", "evidence:\n  s3: {bucket: acme-evidence}\n", Evidence{S3: &EvidenceS3{Bucket: "acme-evidence"}}},
		{"absent", "", Evidence{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("conf/c.yaml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v %+v", cfg.Evidence.Dir, cfg.Evidence.S3) != fmt.Sprintf("%+v %+v", tt.want.Dir, tt.want.S3) {
				t.Errorf("evidence %+v %+v, want %+v %+v", cfg.Evidence.Dir, cfg.Evidence.S3, tt.want.Dir, tt.want.S3)
			}
			if cfg.Evidence.Enabled() != (tt.want.Dir != "" || tt.want.S3 != nil) {
				t.Errorf("Enabled() = %v", cfg.Evidence.Enabled())
			}
		})
	}
}

func TestEvidenceProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"both", "evidence:\n  dir: ev\n  s3: {bucket: acme-evidence}\n", `c.yaml:2: evidence: set either dir or s3, not both`},
		{"neither", "evidence: {}\n", `evidence: set dir (a directory) or s3 (a bucket)`},
		{"typo", "evidence:\n  s3:\n    buckt: acme\n", `c.yaml:3: unknown field "buckt"`},
		{"no bucket", "evidence:\n  s3:\n    prefix: x\n", `c.yaml:3: evidence.s3.bucket is required`},
		{"bad bucket", "evidence:\n  s3:\n    bucket: Acme_Evidence\n", `c.yaml:3: evidence.s3.bucket "Acme_Evidence" is not an S3 bucket name`},
		{"bad region", "evidence:\n  s3:\n    bucket: acme\n    region: europe\n", `c.yaml:4: evidence.s3.region "europe" is not an AWS region name`},
		{"bad endpoint", "evidence:\n  s3:\n    bucket: acme\n    endpoint: localhost:9000\n", `c.yaml:4: evidence.s3.endpoint must be an http(s) URL`},
		{"bad sse", "evidence:\n  s3:\n    bucket: acme\n    sse: kms\n", `c.yaml:4: evidence.s3.sse "kms": want AES256 or aws:kms`},
		{"key without kms", "evidence:\n  s3:\n    bucket: acme\n    kms_key_id: alias/x\n", `c.yaml:4: evidence.s3.kms_key_id needs sse: aws:kms`},
		{"absolute prefix", "evidence:\n  s3:\n    bucket: acme\n    prefix: /ev\n", `c.yaml:4: evidence.s3.prefix "/ev" must not start with /`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.src, tt.want) })
	}
}
