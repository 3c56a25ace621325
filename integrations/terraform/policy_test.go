package terraform

import "testing"

func TestPolicyAnalysis(t *testing.T) {
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
			sts, ok := parsePolicy(c.doc)
			if ok != c.valid {
				t.Fatalf("valid = %v, want %v", ok, c.valid)
			}
			if got := policyPublic(sts, s3RestrictingKeys); got != c.public {
				t.Errorf("policyPublic = %v, want %v", got, c.public)
			}
			if got := deniesInsecureTransport(sts); got != c.denies {
				t.Errorf("deniesInsecureTransport = %v, want %v", got, c.denies)
			}
			if got := allowsFullAdmin(sts); got != c.admin {
				t.Errorf("allowsFullAdmin = %v, want %v", got, c.admin)
			}
		})
	}
}

func TestKMSRestrictingKeys(t *testing.T) {
	sts, _ := parsePolicy(`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
		"Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}]}`)
	if policyPublic(sts, kmsRestrictingKeys) {
		t.Error("kms:CallerAccount should restrict a KMS key policy")
	}
	if !policyPublic(sts, s3RestrictingKeys) {
		t.Error("kms:CallerAccount is not an S3 restricting key")
	}
}

func TestAWSManagedAdmin(t *testing.T) {
	for _, c := range []struct {
		arn          string
		admin, known bool
	}{
		{"arn:aws:iam::aws:policy/AdministratorAccess", true, true},
		{"arn:aws-us-gov:iam::aws:policy/AdministratorAccess", true, true},
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", false, true},
		{"arn:aws:iam::aws:policy/AmazonRDSFullAccess", false, false},
		{"arn:aws:iam::111122223333:policy/AdministratorAccess", false, false},
	} {
		admin, known := awsManagedAdmin(c.arn)
		if admin != c.admin || known != c.known {
			t.Errorf("%s: (%v, %v), want (%v, %v)", c.arn, admin, known, c.admin, c.known)
		}
	}
}
