package aws

import (
	"net/url"
	"strings"
	"testing"
)

func TestPolicyAnalysis(t *testing.T) {
	type want struct{ admin, public, kmsPublic, denyInsecure bool }
	cases := []struct {
		name string
		doc  string
		want want
	}{
		{"empty", `{}`, want{}},
		{"admin strings",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want{admin: true}},
		{"admin lists",
			`{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":["arn:aws:s3:::b","*"]}]}`,
			want{admin: true}},
		{"admin needs resource star",
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}`,
			want{}},
		{"admin needs action star",
			`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
			want{}},
		{"deny star is not admin",
			`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
			want{}},
		{"NotAction is not Action star",
			`{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
			want{}},
		{"public star principal",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			want{public: true, kmsPublic: true}},
		{"public AWS star in list",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]},"Action":"s3:GetObject","Resource":"*"}]}`,
			want{public: true, kmsPublic: true}},
		{"account principal is not public",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}]}`,
			want{}},
		{"service principal is not public",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}`,
			want{}},
		{"source ip restricts",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
			want{}},
		{"org id restricts, key case-insensitive",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"AWS:PrincipalOrgId":["o-abc"]}}}]}`,
			want{}},
		{"negated condition does not restrict",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
			want{public: true, kmsPublic: true}},
		{"IfExists does not restrict",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}}]}`,
			want{public: true, kmsPublic: true}},
		{"wildcard condition value does not restrict",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"aws:SourceArn":"*"}}}]}`,
			want{public: true, kmsPublic: true}},
		{"other condition keys do not restrict",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"public/"}}}]}`,
			want{public: true, kmsPublic: true}},
		{"kms caller account restricts key policies only",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"ec2.us-east-1.amazonaws.com"}}}]}`,
			want{public: true}},
		{"NotPrincipal allow is public",
			`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"*"}]}`,
			want{public: true, kmsPublic: true}},
		{"deny insecure transport",
			`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			want{denyInsecure: true}},
		{"deny insecure transport, unquoted false, AWS star, action star",
			`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}`,
			want{denyInsecure: true}},
		{"deny insecure transport for one action only",
			`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			want{}},
		{"deny insecure transport for one principal only",
			`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			want{}},
		{"allow on secure transport true is not a deny",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
			want{}},
		{"url-encoded IAM document",
			url.PathEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
			want{admin: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parsePolicy(tc.doc)
			if err != nil {
				t.Fatalf("parsePolicy: %v", err)
			}
			got := want{p.allowsFullAdmin(), p.bucketPolicyPublic(), p.keyPolicyPublic(), p.deniesInsecureTransport()}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, doc := range []string{
		`{"Statement": 5}`,
		`{"Statement": [{"Action": {"x": 1}}]}`,
		`{"Statement": [{"Principal": 7}]}`,
		`not json`,
		`%zz`,
	} {
		if _, err := parsePolicy(doc); err == nil {
			t.Errorf("parsePolicy(%q): want an error", doc)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("parsePolicy(%q): multi-line error %q", doc, err)
		}
	}
}
