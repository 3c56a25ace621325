package terraform

import "slices"

// IAM: users with their login profile, policies and group memberships;
// customer-managed policies; the account password policy.
//
// Terraform holds what it manages, not what AWS records at run time: a
// user's last sign-in and key use are never in it, and MFA is enrolled by the
// user outside Terraform, so mfa_enabled is only known when a virtual MFA
// device in the file is assigned to the user. access_keys is known only to be
// empty: the schema requires last_used_at on every key, which Terraform
// cannot know, so a user with aws_iam_access_key resources has it unknown.

func mapIAM(m *mapper) {
	mapIAMUsers(m)
	mapIAMPolicies(m)
	mapPasswordPolicy(m)
}

func mapIAMUsers(m *mapper) {
	ix := m.ix
	users := []string{"aws_iam_user"}
	byUser := func(child, attr string) joined {
		return ix.children(child, join{attr: attr, parents: users, keys: []string{"name", "id"}})
	}
	profiles := byUser("aws_iam_user_login_profile", "user")
	attachments := byUser("aws_iam_user_policy_attachment", "user")
	inline := byUser("aws_iam_user_policy", "user")
	memberships := byUser("aws_iam_user_group_membership", "user")
	keys := byUser("aws_iam_access_key", "user")

	for _, u := range ix.of("aws_iam_user") {
		attrs := map[string]any{}
		name, nameOK := u.attrs.str("name")
		setIf(attrs, "user_name", name, nameOK)

		if kids, known := profiles.of(u); known {
			attrs["console_access"] = len(kids) > 0
		}
		if nameOK && mfaAssigned(ix, name) {
			attrs["mfa_enabled"] = true
		}
		// A user without keys has a known, empty list; with keys, each
		// entry would need last_used_at, so the list stays unknown.
		if kids, known := keys.of(u); known && len(kids) == 0 {
			attrs["access_keys"] = []map[string]any{}
		}

		// Managed policies attached directly to the user.
		arns, arnsOK := []string{}, true
		admin := adminVerdict{}
		kids, known := attachments.of(u)
		arnsOK = arnsOK && known
		for _, a := range kids {
			arn, ok := a.attrs.str("policy_arn")
			arnsOK = arnsOK && ok
			arns = append(arns, arn)
			admin.add(m.managedPolicyAdmin(a, arn, ok))
		}
		for _, a := range ix.of("aws_iam_policy_attachment") {
			members, ok := a.attrs.strs("users")
			if !ok {
				arnsOK = false
				admin.add(false, false)
				continue
			}
			if nameOK && slices.Contains(members, name) {
				arn, ok := a.attrs.str("policy_arn")
				arnsOK = arnsOK && ok
				arns = append(arns, arn)
				admin.add(m.managedPolicyAdmin(a, arn, ok))
			}
		}
		if !known {
			admin.add(false, false)
		}
		setIf(attrs, "attached_policies", uniq(arns), arnsOK)

		// Inline policies.
		names, namesOK := []string{}, true
		kids, known = inline.of(u)
		namesOK = namesOK && known
		if !known {
			admin.add(false, false)
		}
		for _, p := range kids {
			n, ok := p.attrs.str("name")
			namesOK = namesOK && ok
			names = append(names, n)
			doc, ok := p.attrs.str("policy")
			if !ok {
				admin.add(false, false)
				continue
			}
			pol, ok := policyOf(doc)
			admin.add(ok && pol.AllowsFullAdmin(), ok)
		}
		setIf(attrs, "inline_policies", uniq(names), namesOK)
		setIf(attrs, "admin_access", admin.admin, admin.known())

		groups, gok := userGroups(ix, u, name, nameOK, memberships)
		setIf(attrs, "groups", groups, gok)

		arn := arnOr(u, "arn", func() (string, bool) {
			return "arn:" + u.partition + ":iam::" + u.account + ":user/" + name, false // the path is part of the ARN; do not guess it
		})
		if !nameOK {
			name = u.name
		}
		m.emit(u, "aws.iam.user", arn, name, attrs, true)
	}
}

// adminVerdict folds "does this policy allow full admin" over a user's
// policies: true as soon as one known policy does, false only when every
// policy is known not to.
type adminVerdict struct {
	admin   bool
	unknown bool
}

func (v *adminVerdict) add(admin, known bool) {
	if !known {
		v.unknown = true
		return
	}
	v.admin = v.admin || admin
}

func (v *adminVerdict) known() bool { return v.admin || !v.unknown }

// managedPolicyAdmin decides whether the managed policy an attachment names
// allows full admin: AWS managed policies with well-known documents, or a
// customer-managed aws_iam_policy in the file (by ARN, or in a plan by the
// configuration reference).
func (m *mapper) managedPolicyAdmin(att *instance, arn string, arnOK bool) (admin, known bool) {
	if arnOK {
		if a, ok := awsManagedAdmin(arn); ok {
			return a, true
		}
	}
	p, ok := m.ix.parentOf(att, join{attr: "policy_arn", parents: []string{"aws_iam_policy"}, keys: []string{"arn", "id"}})
	if !ok || p == nil {
		return false, false
	}
	doc, ok := p.attrs.str("policy")
	if !ok {
		return false, false
	}
	pol, ok := policyOf(doc)
	return ok && pol.AllowsFullAdmin(), ok
}

func mfaAssigned(ix *index, user string) bool {
	for _, d := range ix.of("aws_iam_virtual_mfa_device") {
		if n, ok := d.attrs.str("user_name"); ok && n == user {
			return true
		}
	}
	return false
}

// userGroups: from aws_iam_user_group_membership (user -> groups) and
// aws_iam_group_membership (group -> users).
func userGroups(ix *index, u *instance, name string, nameOK bool, memberships joined) ([]string, bool) {
	groups, ok := []string{}, true
	kids, known := memberships.of(u)
	ok = ok && known
	for _, g := range kids {
		gs, gok := g.attrs.strs("groups")
		ok = ok && gok
		groups = append(groups, gs...)
	}
	for _, gm := range ix.of("aws_iam_group_membership") {
		users, uok := gm.attrs.strs("users")
		if !uok || !nameOK {
			ok = false
			continue
		}
		if slices.Contains(users, name) {
			g, gok := gm.attrs.str("group")
			ok = ok && gok
			groups = append(groups, g)
		}
	}
	return uniq(groups), ok
}

func mapIAMPolicies(m *mapper) {
	for _, p := range m.ix.of("aws_iam_policy") {
		attrs := map[string]any{}
		name, ok := p.attrs.str("name")
		setIf(attrs, "policy_name", name, ok)
		if !ok {
			name = p.name
		}
		n, ok := p.attrs.integer("attachment_count") // provider 5.x and later
		setIf(attrs, "attachment_count", n, ok)
		if doc, ok := p.attrs.str("policy"); ok {
			if pol, ok := policyOf(doc); ok {
				attrs["allows_full_admin"] = pol.AllowsFullAdmin()
			} else {
				m.warnf("%s: the policy is not a valid policy document; allows_full_admin is unknown", p.addr)
			}
		}
		m.emit(p, "aws.iam.policy", arnOr(p, "arn", nil), name, attrs, true)
	}
}

func mapPasswordPolicy(m *mapper) {
	for _, p := range m.ix.of("aws_iam_account_password_policy") {
		attrs := map[string]any{"exists": true}
		for _, f := range []struct{ from, to string }{
			{"minimum_password_length", "minimum_length"},
			{"password_reuse_prevention", "reuse_prevention"},
			{"max_password_age", "max_age_days"},
		} {
			v, ok := p.attrs.integer(f.from)
			setIf(attrs, f.to, v, ok)
		}
		for _, f := range []struct{ from, to string }{
			{"require_uppercase_characters", "require_uppercase"},
			{"require_lowercase_characters", "require_lowercase"},
			{"require_numbers", "require_numbers"},
			{"require_symbols", "require_symbols"},
		} {
			v, ok := p.attrs.boolean(f.from)
			setIf(attrs, f.to, v, ok)
		}
		id := arnOr(p, "", func() (string, bool) {
			return "arn:" + p.partition + ":iam::" + p.account + ":account-password-policy", p.account != ""
		})
		m.emit(p, "aws.iam.password_policy", id, "account-password-policy", attrs, true)
	}
}
