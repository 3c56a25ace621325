package aws

import (
	"strings"
	"testing"
	"time"
)

const reportHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"

func TestParseCredentialReport(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	data := strings.Join([]string{
		reportHeader,
		"<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,true,2021-01-01T00:00:00+00:00,2026-11-02T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
		"alice,arn:aws:iam::111122223333:user/alice,2020-01-01T00:00:00+00:00,true,no_information,2020-01-01T00:00:00+00:00,N/A,false,true,2022-05-05T05:05:05+00:00,N/A,N/A,N/A,false,2023-06-06T06:06:06+00:00,2024-01-01T00:00:00+00:00,eu-west-1,ec2,false,N/A,false,N/A",
		"bob,arn:aws:iam::111122223333:user/bob,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
	}, "\n") + "\n"
	rows, err := parseCredentialReport([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	root := rows[rootReportUser]
	if root == nil || !root.mfaActive || root.passwordEnabled || !root.passwordLastUsed.Equal(ts("2026-11-01T10:00:00Z")) {
		t.Errorf("root row: %+v", root)
	}
	if k := root.keys[0]; !k.present || !k.active || !k.lastUsed.Equal(ts("2026-11-02T00:00:00Z")) {
		t.Errorf("root key 1: %+v", k)
	}
	if k := root.keys[1]; k.present || k.active {
		t.Errorf("root key 2 should be absent: %+v", k)
	}
	alice := rows["alice"]
	if !alice.passwordEnabled || !alice.passwordLastUsed.IsZero() || alice.mfaActive {
		t.Errorf("alice: %+v", alice)
	}
	if k := alice.keys[0]; !k.present || !k.active || !k.lastRotated.Equal(ts("2022-05-05T05:05:05Z")) || !k.lastUsed.IsZero() {
		t.Errorf("alice key 1: %+v", k)
	}
	if k := alice.keys[1]; !k.present || k.active || !k.lastUsed.Equal(ts("2024-01-01T00:00:00Z")) {
		t.Errorf("alice key 2: %+v", k)
	}
	bob := rows["bob"]
	if bob.passwordEnabled || !bob.mfaActive || bob.keys[0].present || bob.keys[1].present {
		t.Errorf("bob: %+v", bob)
	}
}

func TestParseCredentialReportErrors(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          "",
		"missing column": "user,arn\nalice,arn:aws:iam::1:user/alice\n",
		"bad date":       reportHeader + "\nalice,arn,x,true,yesterday,x,x,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
		"bad csv":        reportHeader + "\n\"alice,unterminated\n",
	} {
		if _, err := parseCredentialReport([]byte(data)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
