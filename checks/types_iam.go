package checks

func iamTypes() []ResourceType {
	return []ResourceType{
		{
			Name: "aws.iam.root_account", Regions: "global",
			IDDoc: "arn:aws:iam::ACCOUNT:root", Doc: "The account's root user, from the credential report and account summary.",
			Attrs: []Attr{
				{Name: "mfa_enabled", Kind: KindBool, Doc: "The root user has an MFA device"},
				{Name: "hardware_mfa_enabled", Kind: KindBool, Doc: "The root user's MFA is a hardware device (not a virtual one)"},
				{Name: "access_keys_active", Kind: KindInt, Doc: "Number of active root access keys"},
				{Name: "password_last_used", Kind: KindTime, Doc: "Last console sign-in (zero: never or unknown)"},
				{Name: "access_key_last_used", Kind: KindTime, Doc: "Latest use of any root access key (zero: never)"},
			},
		},
		{
			Name: "aws.iam.user", Regions: "global",
			IDDoc: "user ARN", Doc: "An IAM user with credentials, MFA and directly attached policies.",
			Attrs: []Attr{
				{Name: "user_name", Kind: KindString, Doc: "User name"},
				{Name: "created_at", Kind: KindTime, Doc: "Creation time"},
				{Name: "console_access", Kind: KindBool, Doc: "The user has a console password (login profile)"},
				{Name: "password_last_used", Kind: KindTime, Doc: "Last console sign-in (zero: never)"},
				{Name: "mfa_enabled", Kind: KindBool, Doc: "At least one MFA device is assigned"},
				{Name: "access_keys", Kind: KindObjectList, Doc: "Access keys", Fields: []Attr{
					{Name: "id", Kind: KindString, Doc: "Access key id"},
					{Name: "status", Kind: KindString, Doc: "Active or Inactive"},
					{Name: "created_at", Kind: KindTime, Doc: "Creation time"},
					{Name: "last_used_at", Kind: KindTime, Doc: "Last use (zero: never)"},
				}},
				{Name: "attached_policies", Kind: KindStringList, Doc: "ARNs of managed policies attached directly to the user"},
				{Name: "inline_policies", Kind: KindStringList, Doc: "Names of inline policies on the user"},
				{Name: "groups", Kind: KindStringList, Doc: "Group names"},
				{Name: "admin_access", Kind: KindBool, Doc: "A policy attached directly to the user (managed or inline) allows Action \"*\" on Resource \"*\""},
			},
		},
		{
			Name: "aws.iam.password_policy", Regions: "global (one per account)",
			IDDoc: "arn:aws:iam::ACCOUNT:account-password-policy", Doc: "The account password policy (exists=false when none is set; then the other attributes are AWS's defaults).",
			Attrs: []Attr{
				{Name: "exists", Kind: KindBool, Doc: "A custom password policy is set"},
				{Name: "minimum_length", Kind: KindInt, Doc: "Minimum password length"},
				{Name: "require_uppercase", Kind: KindBool, Doc: "Requires an upper-case letter"},
				{Name: "require_lowercase", Kind: KindBool, Doc: "Requires a lower-case letter"},
				{Name: "require_numbers", Kind: KindBool, Doc: "Requires a digit"},
				{Name: "require_symbols", Kind: KindBool, Doc: "Requires a symbol"},
				{Name: "reuse_prevention", Kind: KindInt, Doc: "Previous passwords that cannot be reused (0 = no restriction)"},
				{Name: "max_age_days", Kind: KindInt, Doc: "Password expiry in days (0 = never expires)"},
			},
		},
		{
			Name: "aws.iam.policy", Regions: "global",
			IDDoc: "policy ARN", Doc: "A customer-managed IAM policy (default version).",
			Attrs: []Attr{
				{Name: "policy_name", Kind: KindString, Doc: "Policy name"},
				{Name: "attachment_count", Kind: KindInt, Doc: "Users, groups and roles it is attached to"},
				{Name: "allows_full_admin", Kind: KindBool, Doc: "A statement allows Action \"*\" on Resource \"*\""},
			},
		},
	}
}
