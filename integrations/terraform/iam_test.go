package terraform

import "testing"

func TestIAMUsers(t *testing.T) {
	user := func(name string) string {
		return `{"id": "` + name + `", "name": "` + name + `", "arn": "arn:aws:iam::111122223333:user/` + name + `", "path": "/", "tags": {}}`
	}
	adminDoc := jsonString(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`)
	s3Doc := jsonString(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`)
	runtimeOnly := map[string]any{"password_last_used": absent, "created_at": absent}
	cases := []struct {
		name  string
		state []tfres
		want  map[string]any
	}{
		{"bare user: Terraform's view, runtime facts unknown", []tfres{r("aws_iam_user", "u", user("alice"))}, with(with(runtimeOnly,
			"console_access", false), "mfa_enabled", absent)},
		{"bare user lists", []tfres{r("aws_iam_user", "u", user("alice"))}, map[string]any{
			"user_name": "alice", "access_keys": []map[string]any{}, "attached_policies": []string{}, "inline_policies": []string{},
			"groups": []string{}, "admin_access": false}},
		{"login profile, assigned MFA device, AWS admin policy", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_user_login_profile", "u", `{"user": "alice", "password_reset_required": true}`),
			r("aws_iam_virtual_mfa_device", "u", `{"arn": "arn:aws:iam::111122223333:mfa/alice", "virtual_mfa_device_name": "alice", "user_name": "alice"}`),
			r("aws_iam_user_policy_attachment", "u", `{"user": "alice", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}`),
		}, map[string]any{"console_access": true, "mfa_enabled": true, "admin_access": true,
			"attached_policies": []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}},
		{"MFA device of someone else proves nothing", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_virtual_mfa_device", "b", `{"arn": "arn:aws:iam::111122223333:mfa/bob", "virtual_mfa_device_name": "bob", "user_name": "bob"}`),
			r("aws_iam_virtual_mfa_device", "unassigned", `{"arn": "arn:aws:iam::111122223333:mfa/x", "virtual_mfa_device_name": "x", "user_name": null}`),
		}, map[string]any{"mfa_enabled": absent}},
		{"access keys: the schema needs last_used_at, which Terraform cannot know", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_access_key", "k", `{"id": "AKIA1", "user": "alice", "status": "Active", "create_date": "2024-01-01T00:00:00Z"}`),
		}, map[string]any{"access_keys": absent}},
		{"customer policy in the file, inline policies, groups", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_policy", "p", `{"arn": "arn:aws:iam::111122223333:policy/s3", "name": "s3", "policy": `+s3Doc+`}`),
			r("aws_iam_user_policy_attachment", "p", `{"user": "alice", "policy_arn": "arn:aws:iam::111122223333:policy/s3"}`),
			r("aws_iam_policy_attachment", "shared", `{"name": "shared", "users": ["alice", "bob"], "roles": [], "groups": [], "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}`),
			r("aws_iam_user_policy", "i1", `{"user": "alice", "name": "read-logs", "policy": `+s3Doc+`}`),
			r("aws_iam_user_policy", "i2", `{"user": "bob", "name": "bobs", "policy": `+adminDoc+`}`),
			r("aws_iam_user_group_membership", "g", `{"user": "alice", "groups": ["devs", "oncall"]}`),
			r("aws_iam_group_membership", "ops", `{"name": "ops", "group": "ops", "users": ["alice"]}`),
			r("aws_iam_group_membership", "other", `{"name": "x", "group": "x", "users": ["bob"]}`),
		}, map[string]any{
			"attached_policies": []string{"arn:aws:iam::111122223333:policy/s3", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			"inline_policies":   []string{"read-logs"}, "groups": []string{"devs", "oncall", "ops"}, "admin_access": false}},
		{"inline admin policy", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_user_policy", "i", `{"user": "alice", "name": "breakglass", "policy": `+adminDoc+`}`),
		}, map[string]any{"admin_access": true, "inline_policies": []string{"breakglass"}}},
		{"policy not in the file: admin unknown", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_user_policy_attachment", "p", `{"user": "alice", "policy_arn": "arn:aws:iam::111122223333:policy/elsewhere"}`),
		}, map[string]any{"admin_access": absent, "attached_policies": []string{"arn:aws:iam::111122223333:policy/elsewhere"}}},
		{"one known admin policy decides even next to an unknown one", []tfres{
			r("aws_iam_user", "u", user("alice")),
			r("aws_iam_user_policy_attachment", "p", `{"user": "alice", "policy_arn": "arn:aws:iam::111122223333:policy/elsewhere"}`),
			r("aws_iam_user_policy_attachment", "a", `{"user": "alice", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}`),
		}, map[string]any{"admin_access": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := parseOK(t, stateJSON(t, c.state...))
			u := find(t, res, "aws.iam.user", "arn:aws:iam::111122223333:user/alice")
			checkAttrs(t, u, c.want)
			if u.Region != "global" || u.Account != acct || u.Name != "alice" {
				t.Errorf("placed %q/%q name %q", u.Account, u.Region, u.Name)
			}
		})
	}
}

func TestIAMPolicyAndPasswordPolicy(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		r("aws_iam_policy", "p", `{"arn": "arn:aws:iam::111122223333:policy/all", "name": "all", "attachment_count": 3,
			"policy": `+jsonString(`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`)+`}`),
		r("aws_iam_account_password_policy", "pp", `{"minimum_password_length": 14, "require_uppercase_characters": true, "require_lowercase_characters": true,
			"require_numbers": true, "require_symbols": false, "password_reuse_prevention": null, "max_password_age": 90}`),
	))
	checkAttrs(t, find(t, res, "aws.iam.policy", "arn:aws:iam::111122223333:policy/all"),
		map[string]any{"policy_name": "all", "attachment_count": 3, "allows_full_admin": true})
	pp := find(t, res, "aws.iam.password_policy", "arn:aws:iam::111122223333:account-password-policy")
	checkAttrs(t, pp, map[string]any{"exists": true, "minimum_length": 14, "require_uppercase": true, "require_lowercase": true,
		"require_numbers": true, "require_symbols": false, "reuse_prevention": 0, "max_age_days": 90})
	if pp.Region != "global" {
		t.Errorf("password policy region %q", pp.Region)
	}
}
