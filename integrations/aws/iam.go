package aws

import (
	"context"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/comply-bot/comply/checks"
)

const (
	typeIAMRoot           = "aws.iam.root_account"
	typeIAMUser           = "aws.iam.user"
	typeIAMPasswordPolicy = "aws.iam.password_policy"
	typeIAMPolicy         = "aws.iam.policy"
)

var iamResourceTypes = []string{typeIAMRoot, typeIAMUser, typeIAMPasswordPolicy, typeIAMPolicy}

// iamScan collects one account's IAM resources. The credential report
// answers console access, password and key last use, and MFA for every user
// in one call; GetAccountAuthorizationDetails answers users, their groups and
// policies and every customer-managed policy document in one paginated
// listing. Per-user calls fill only what those two cannot: access key ids,
// and whatever a missing report row leaves open.
type iamScan struct {
	a      *account
	cl     *iam.Client
	sc     scope
	res    *results
	report map[string]*reportRow // nil: the report is unavailable

	localPolicies map[string]*iamtypes.ManagedPolicyDetail

	mu        sync.Mutex
	awsPolicy map[string]*policyLookup // AWS-managed policies, looked up once
}

type policyLookup struct {
	once  sync.Once
	admin bool
	err   error
}

func collectIAM(ctx context.Context, a *account, home string, res *results) {
	s := &iamScan{a: a, cl: a.cl.iam(home), sc: a.scope("iam", checks.GlobalRegion), res: res,
		awsPolicy: map[string]*policyLookup{}}
	var wg sync.WaitGroup
	wg.Go(func() { s.passwordPolicy(ctx) })
	report, err := credentialReport(ctx, s.cl)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		res.warn("aws account %s: IAM credential report unavailable (%s): using per-user calls", a.id, describe(err))
	} else {
		s.report = report
	}
	wg.Go(func() { s.root(ctx) })
	s.usersAndPolicies(ctx)
	wg.Wait()
}

func (s *iamScan) passwordPolicy(ctx context.Context) {
	attrs := map[string]any{"exists": false, "minimum_length": 8, "require_uppercase": false, "require_lowercase": false,
		"require_numbers": false, "require_symbols": false, "reuse_prevention": 0, "max_age_days": 0}
	out, err := s.cl.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	switch {
	case err == nil && out.PasswordPolicy != nil:
		p := out.PasswordPolicy
		maxAge := 0
		if p.ExpirePasswords {
			maxAge = int(awssdk.ToInt32(p.MaxPasswordAge))
		}
		attrs = map[string]any{"exists": true, "minimum_length": int(awssdk.ToInt32(p.MinimumPasswordLength)),
			"require_uppercase": p.RequireUppercaseCharacters, "require_lowercase": p.RequireLowercaseCharacters,
			"require_numbers": p.RequireNumbers, "require_symbols": p.RequireSymbols,
			"reuse_prevention": int(awssdk.ToInt32(p.PasswordReusePrevention)), "max_age_days": maxAge}
	case err == nil, hasCode(err, "NoSuchEntity"):
		// No custom policy: AWS's defaults apply.
	default:
		s.res.fail(s.sc, []string{typeIAMPasswordPolicy}, "get account password policy", err)
		return
	}
	s.res.add(newResource(typeIAMPasswordPolicy, "arn:"+s.a.partition+":iam::"+s.a.id+":account-password-policy",
		s.a, checks.GlobalRegion, "account-password-policy", nil, attrs))
}

func (s *iamScan) root(ctx context.Context) {
	attrs := map[string]any{}
	mfa := false
	if row := s.report[rootReportUser]; row != nil {
		mfa = row.mfaActive
		active := 0
		var lastUsed time.Time
		for _, k := range row.keys {
			if k.present && k.active {
				active++
			}
			if k.lastUsed.After(lastUsed) {
				lastUsed = k.lastUsed
			}
		}
		attrs["access_keys_active"] = active
		attrs["password_last_used"] = row.passwordLastUsed
		attrs["access_key_last_used"] = lastUsed
	} else {
		// The account summary knows MFA and whether root keys exist, not
		// when root credentials were last used.
		out, err := s.cl.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			s.res.fail(s.sc, []string{typeIAMRoot}, "get account summary", err)
			return
		}
		mfa = out.SummaryMap[string(iamtypes.SummaryKeyTypeAccountMFAEnabled)] > 0
		keys := int(out.SummaryMap[string(iamtypes.SummaryKeyTypeAccountAccessKeysPresent)])
		attrs["access_keys_active"] = keys
		attrs["password_last_used"] = time.Time{} // documented as "never or unknown"
		if keys == 0 {
			attrs["access_key_last_used"] = time.Time{}
		}
	}
	attrs["mfa_enabled"] = mfa
	if !mfa {
		attrs["hardware_mfa_enabled"] = false
	} else if virtual, err := s.rootHasVirtualMFA(ctx); err != nil {
		s.res.detail(s.sc, "ListVirtualMFADevices", "root", err)
	} else {
		attrs["hardware_mfa_enabled"] = !virtual
	}
	s.res.add(newResource(typeIAMRoot, "arn:"+s.a.partition+":iam::"+s.a.id+":root", s.a, checks.GlobalRegion,
		"root", nil, attrs))
}

// rootHasVirtualMFA: the root user's MFA device is a virtual one (a hardware
// device is not listed among virtual devices).
func (s *iamScan) rootHasVirtualMFA(ctx context.Context) (bool, error) {
	p := iam.NewListVirtualMFADevicesPaginator(s.cl, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, d := range out.VirtualMFADevices {
			serial := awssdk.ToString(d.SerialNumber)
			if strings.HasSuffix(serial, ":mfa/root-account-mfa-device") ||
				(d.User != nil && strings.HasSuffix(awssdk.ToString(d.User.Arn), ":root")) {
				return true, nil
			}
		}
	}
	return false, nil
}

func (s *iamScan) usersAndPolicies(ctx context.Context) {
	var users []iamtypes.UserDetail
	s.localPolicies = map[string]*iamtypes.ManagedPolicyDetail{}
	var policies []*iamtypes.ManagedPolicyDetail
	p := iam.NewGetAccountAuthorizationDetailsPaginator(s.cl, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser, iamtypes.EntityTypeLocalManagedPolicy}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			s.res.fail(s.sc, []string{typeIAMUser, typeIAMPolicy}, "get account authorization details", err)
			return
		}
		users = append(users, out.UserDetailList...)
		for i := range out.Policies {
			pd := &out.Policies[i]
			s.localPolicies[awssdk.ToString(pd.Arn)] = pd
			policies = append(policies, pd)
		}
	}

	// Users the report does not cover need PasswordLastUsed, which only
	// ListUsers and GetUser return.
	var lastUsed map[string]time.Time
	for _, u := range users {
		if s.report[awssdk.ToString(u.UserName)] == nil {
			lastUsed = s.passwordLastUsed(ctx)
			break
		}
	}
	conc := s.a.cl.concurrency
	forEach(ctx, conc, users, func(ctx context.Context, u iamtypes.UserDetail) {
		s.user(ctx, u, lastUsed)
	})
	forEach(ctx, conc, policies, func(ctx context.Context, pd *iamtypes.ManagedPolicyDetail) {
		s.policy(ctx, pd)
	})
}

// passwordLastUsed lists every user's last console sign-in; nil if unknown.
func (s *iamScan) passwordLastUsed(ctx context.Context) map[string]time.Time {
	m := map[string]time.Time{}
	p := iam.NewListUsersPaginator(s.cl, &iam.ListUsersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			s.res.detail(s.sc, "ListUsers", "password_last_used of users missing from the credential report", err)
			return nil
		}
		for _, u := range out.Users {
			m[awssdk.ToString(u.UserName)] = awssdk.ToTime(u.PasswordLastUsed).UTC()
		}
	}
	return m
}

func iamTags(tags []iamtypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return m
}

func (s *iamScan) user(ctx context.Context, u iamtypes.UserDetail, lastUsed map[string]time.Time) {
	name := awssdk.ToString(u.UserName)
	row := s.report[name]
	attrs := map[string]any{
		"user_name":  name,
		"created_at": awssdk.ToTime(u.CreateDate).UTC(),
	}
	attached := []string{}
	for _, p := range u.AttachedManagedPolicies {
		attached = appendUnique(attached, awssdk.ToString(p.PolicyArn))
	}
	inline := []string{}
	for _, p := range u.UserPolicyList {
		inline = appendUnique(inline, awssdk.ToString(p.PolicyName))
	}
	attrs["attached_policies"] = attached
	attrs["inline_policies"] = inline
	attrs["groups"] = append([]string{}, u.GroupList...)

	if row != nil {
		attrs["console_access"] = row.passwordEnabled
		attrs["password_last_used"] = row.passwordLastUsed
		attrs["mfa_enabled"] = row.mfaActive
	} else {
		s.userWithoutReport(ctx, name, attrs, lastUsed)
	}
	if keys, ok := s.accessKeys(ctx, name, row); ok {
		attrs["access_keys"] = keys
	}
	if admin, err := s.userIsAdmin(ctx, u); err != nil {
		s.res.detail(s.sc, "policy documents", name, err)
	} else {
		attrs["admin_access"] = admin
	}
	s.res.add(newResource(typeIAMUser, awssdk.ToString(u.Arn), s.a, checks.GlobalRegion, name, iamTags(u.Tags), attrs))
}

// userWithoutReport fills what the credential report would have with
// per-user calls.
func (s *iamScan) userWithoutReport(ctx context.Context, name string, attrs map[string]any, lastUsed map[string]time.Time) {
	if t, ok := lastUsed[name]; ok {
		attrs["password_last_used"] = t
	}
	_, err := s.cl.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: awssdk.String(name)})
	switch {
	case err == nil:
		attrs["console_access"] = true
	case hasCode(err, "NoSuchEntity"):
		attrs["console_access"] = false
	default:
		s.res.detail(s.sc, "GetLoginProfile", name, err)
	}
	mfa := false
	p := iam.NewListMFADevicesPaginator(s.cl, &iam.ListMFADevicesInput{UserName: awssdk.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			s.res.detail(s.sc, "ListMFADevices", name, err)
			return
		}
		mfa = mfa || len(out.MFADevices) > 0
	}
	attrs["mfa_enabled"] = mfa
}

// accessKeys lists a user's keys (the report has no key ids). Last use comes
// from the report row whose rotation time is the key's creation time, else
// from GetAccessKeyLastUsed.
func (s *iamScan) accessKeys(ctx context.Context, name string, row *reportRow) ([]map[string]any, bool) {
	keys := []map[string]any{}
	if row != nil && !row.keys[0].present && !row.keys[1].present {
		return keys, true
	}
	p := iam.NewListAccessKeysPaginator(s.cl, &iam.ListAccessKeysInput{UserName: awssdk.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			s.res.detail(s.sc, "ListAccessKeys", name, err)
			return nil, false
		}
		for _, k := range out.AccessKeyMetadata {
			created := awssdk.ToTime(k.CreateDate).UTC()
			used, found := time.Time{}, false
			if row != nil {
				for _, rk := range row.keys {
					if rk.present && rk.lastRotated.Equal(created.Truncate(time.Second)) {
						used, found = rk.lastUsed, true
						break
					}
				}
			}
			if !found {
				out, err := s.cl.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
				if err != nil {
					s.res.detail(s.sc, "GetAccessKeyLastUsed", name, err)
					return nil, false
				}
				if out.AccessKeyLastUsed != nil {
					used = awssdk.ToTime(out.AccessKeyLastUsed.LastUsedDate).UTC()
				}
			}
			keys = append(keys, map[string]any{
				"id":           awssdk.ToString(k.AccessKeyId),
				"status":       string(k.Status),
				"created_at":   created,
				"last_used_at": used,
			})
		}
	}
	return keys, true
}

// userIsAdmin: a policy attached directly to the user, inline or managed,
// allows Action "*" on Resource "*".
func (s *iamScan) userIsAdmin(ctx context.Context, u iamtypes.UserDetail) (bool, error) {
	for _, p := range u.UserPolicyList {
		doc, err := checks.ParsePolicy(awssdk.ToString(p.PolicyDocument))
		if err != nil {
			return false, err
		}
		if doc.AllowsFullAdmin() {
			return true, nil
		}
	}
	for _, ap := range u.AttachedManagedPolicies {
		arn := awssdk.ToString(ap.PolicyArn)
		var admin bool
		var err error
		if pd := s.localPolicies[arn]; pd != nil {
			admin, err = defaultVersionAdmin(pd.PolicyVersionList)
		} else {
			admin, err = s.managedPolicyAdmin(ctx, arn)
		}
		if err != nil {
			return false, err
		}
		if admin {
			return true, nil
		}
	}
	return false, nil
}

func defaultVersionAdmin(versions []iamtypes.PolicyVersion) (bool, error) {
	for _, v := range versions {
		if !v.IsDefaultVersion {
			continue
		}
		doc, err := checks.ParsePolicy(awssdk.ToString(v.Document))
		if err != nil {
			return false, err
		}
		return doc.AllowsFullAdmin(), nil
	}
	return false, nil
}

// managedPolicyAdmin reads an AWS-managed policy's default version, once
// per scan however many users it is attached to.
func (s *iamScan) managedPolicyAdmin(ctx context.Context, arn string) (bool, error) {
	s.mu.Lock()
	l := s.awsPolicy[arn]
	if l == nil {
		l = &policyLookup{}
		s.awsPolicy[arn] = l
	}
	s.mu.Unlock()
	l.once.Do(func() {
		pol, err := s.cl.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: awssdk.String(arn)})
		if err != nil {
			l.err = err
			return
		}
		ver, err := s.cl.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: awssdk.String(arn), VersionId: pol.Policy.DefaultVersionId})
		if err != nil {
			l.err = err
			return
		}
		doc, err := checks.ParsePolicy(awssdk.ToString(ver.PolicyVersion.Document))
		if err != nil {
			l.err = err
			return
		}
		l.admin = doc.AllowsFullAdmin()
	})
	return l.admin, l.err
}

// policy emits a customer-managed policy. Its tags are not in the
// authorization details: one call each.
func (s *iamScan) policy(ctx context.Context, pd *iamtypes.ManagedPolicyDetail) {
	arn := awssdk.ToString(pd.Arn)
	name := awssdk.ToString(pd.PolicyName)
	if name == "" {
		// The name is the ARN's last path element (moto leaves PolicyName
		// out of the authorization details).
		name = arn[strings.LastIndex(arn, "/")+1:]
	}
	attrs := map[string]any{"policy_name": name, "attachment_count": int(awssdk.ToInt32(pd.AttachmentCount))}
	if admin, err := defaultVersionAdmin(pd.PolicyVersionList); err != nil {
		s.res.detail(s.sc, "policy documents", arn, err)
	} else {
		attrs["allows_full_admin"] = admin
	}
	tags := map[string]string{}
	p := iam.NewListPolicyTagsPaginator(s.cl, &iam.ListPolicyTagsInput{PolicyArn: pd.Arn})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			if hasCode(err, "NoSuchEntity") {
				return // deleted since it was listed
			}
			s.res.detail(s.sc, "ListPolicyTags", arn, err)
			s.res.markIncomplete(typeIAMPolicy)
			break
		}
		for k, v := range iamTags(out.Tags) {
			tags[k] = v
		}
	}
	s.res.add(newResource(typeIAMPolicy, arn, s.a, checks.GlobalRegion, name, tags, attrs))
}
