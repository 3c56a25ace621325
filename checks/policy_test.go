package checks

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
			p, err := ParsePolicy(tc.doc)
			if err != nil {
				t.Fatalf("parsePolicy: %v", err)
			}
			got := want{p.AllowsFullAdmin(), p.BucketPublic(), p.KeyPublic(), p.DeniesInsecureTransport()}
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
		if _, err := ParsePolicy(doc); err == nil {
			t.Errorf("ParsePolicy(%q): want an error", doc)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParsePolicy(%q): multi-line error %q", doc, err)
		}
	}
}

func TestPolicyAnalysisTerraformCases(t *testing.T) {
	cases := []struct {
		name                         string
		doc                          string
		valid, public, denies, admin bool
	}{
		{"empty statement list", `{"Statement": []}`, true, false, false, false},
		{"single statement object", `{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}`, true, true, false, false},
		{"AWS wildcard", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}]}`, true, true, false, false},
		{"AWS wildcard in a list", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "s3:*"}]}`, true, true, false, false},
		{"account principal", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"}]}`, true, false, false, false},
		{"service principal", `{"Statement": [{"Effect": "Allow", "Principal": {"Service": "*"}, "Action": "s3:*"}]}`, true, false, false, false},
		{"restricted by source IP", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}`, true, false, false, false},
		{"restricted by org (key case-insensitive)", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringEquals": {"AWS:PrincipalOrgID": "o-1"}}}]}`, true, false, false, false},
		{"restricted by VPC endpoint", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]}`, true, false, false, false},
		{"negated operator does not restrict", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}`, true, true, false, false},
		{"IfExists does not restrict", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}}]}`, true, true, false, false},
		{"wildcard value does not restrict", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringLike": {"aws:SourceArn": "*"}}}]}`, true, true, false, false},
		{"NotPrincipal allow is public", `{"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject"}]}`, true, true, false, false},
		{"effect case-insensitive", `{"Statement": [{"Effect": "allow", "Principal": "*", "Action": "*", "Resource": "*"}]}`, true, true, false, true},
		{"unrelated condition does not restrict", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": {"StringLike": {"s3:prefix": "public/"}}}]}`, true, true, false, false},
		{"deny insecure transport, string false", `{"Statement": [` + stDenyInsecure + `]}`, true, false, true, false},
		{"deny insecure transport, bool false, Action *", `{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": false}}}]}`, true, false, true, false},
		{"deny insecure transport, list value", `{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s3:*"], "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}]}`, true, false, true, false},
		{"deny only GetObject is not enough", `{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`, true, false, false, false},
		{"deny for one principal is not enough", `{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`, true, false, false, false},
		{"allow on insecure transport is not a deny", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`, true, false, false, false},
		{"admin", `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`, true, false, false, true},
		{"admin in lists", `{"Statement": [{"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": ["*"]}]}`, true, false, false, true},
		{"s3 admin is not full admin", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`, true, false, false, false},
		{"denied admin", `{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}`, true, false, false, false},
		{"not JSON", `{"Statement": `, false, false, false, false},
		{"statement of the wrong type", `{"Statement": "everything"}`, false, false, false, false},
		{"statement element of the wrong type", `{"Statement": [1]}`, false, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePolicy(c.doc)
			if (err == nil) != c.valid {
				t.Fatalf("valid = %v, want %v (%v)", err == nil, c.valid, err)
			}
			if err != nil {
				return
			}
			if got := p.BucketPublic(); got != c.public {
				t.Errorf("BucketPublic = %v, want %v", got, c.public)
			}
			if got := p.DeniesInsecureTransport(); got != c.denies {
				t.Errorf("DeniesInsecureTransport = %v, want %v", got, c.denies)
			}
			if got := p.AllowsFullAdmin(); got != c.admin {
				t.Errorf("AllowsFullAdmin = %v, want %v", got, c.admin)
			}
		})
	}
}

func TestKMSRestrictingKeys(t *testing.T) {
	p, _ := ParsePolicy(`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
		"Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}]}`)
	if p.KeyPublic() {
		t.Error("kms:CallerAccount should restrict a KMS key policy")
	}
	if !p.BucketPublic() {
		t.Error("kms:CallerAccount is not an S3 restricting key")
	}
}

const stDenyInsecure = `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`

func TestNormalizeProtocol(t *testing.T) {
	for in, want := range map[string]string{"6": "tcp", "TCP": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "-1", "all": "-1", "": "-1", "47": "47"} {
		if got := NormalizeProtocol(in); got != want {
			t.Errorf("NormalizeProtocol(%q) = %q, want %q", in, got, want)
		}
	}
}
