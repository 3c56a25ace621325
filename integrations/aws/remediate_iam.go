package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/comply-bot/comply/checks"
)

// Access-key limits of the built-in rules (CIS AWS 1.12 and 1.14).
const (
	defaultKeyMaxAgeDays = 90
	defaultKeyUnusedDays = 45
)

// keyLimits says which active keys to deactivate: older than maxAge days,
// or unused for unused days or more. A rule that sets one param checks
// only that limit; with neither, both defaults apply.
type keyLimits struct {
	maxAge, unused int // 0: not checked
}

func newKeyLimits(params map[string]any) (keyLimits, error) {
	age, hasAge, err := paramInt(params, "max_age_days", defaultKeyMaxAgeDays)
	if err != nil {
		return keyLimits{}, err
	}
	unused, hasUnused, err := paramInt(params, "unused_days", defaultKeyUnusedDays)
	if err != nil {
		return keyLimits{}, err
	}
	if (hasAge && age < 1) || (hasUnused && unused < 1) {
		return keyLimits{}, fmt.Errorf("%w: remediation params max_age_days and unused_days must be at least 1", checks.ErrInvalidInput)
	}
	switch {
	case hasAge && !hasUnused:
		unused = 0
	case hasUnused && !hasAge:
		age = 0
	}
	return keyLimits{maxAge: age, unused: unused}, nil
}

func (l keyLimits) String() string {
	var parts []string
	if l.maxAge > 0 {
		parts = append(parts, fmt.Sprintf("older than %d days", l.maxAge))
	}
	if l.unused > 0 {
		parts = append(parts, fmt.Sprintf("unused for %d days or more", l.unused))
	}
	return strings.Join(parts, " or ")
}

// stale: the rules' own arithmetic (age > limit; idle >= limit, counting
// from creation for a key never used).
func (l keyLimits) stale(now, created, lastUsed time.Time) bool {
	days := func(t time.Time) float64 { return now.Sub(t).Hours() / 24 }
	if l.maxAge > 0 && days(created) > float64(l.maxAge) {
		return true
	}
	idleSince := lastUsed
	if idleSince.IsZero() {
		idleSince = created
	}
	return l.unused > 0 && days(idleSince) >= float64(l.unused)
}

func actDeactivateAccessKey() remediationAction {
	return remediationAction{
		types:  []string{typeIAMUser},
		params: []string{"max_age_days", "unused_days"},
		global: true,
		apis:   map[string]executor{"iam:UpdateAccessKey": op((*clients).iam, (*iam.Client).UpdateAccessKey)},
		plan:   planDeactivateKeys,
	}
}

func planDeactivateKeys(ctx context.Context, p *planner) error {
	limits, err := newKeyLimits(p.t.Params)
	if err != nil {
		return err
	}
	path, err := p.arnResource("user/")
	if err != nil {
		return err
	}
	user := path[strings.LastIndex(path, "/")+1:] // user names hold no "/", paths do
	cl := p.cl.iam(p.region)
	var keys []iamtypes.AccessKeyMetadata
	pg := iam.NewListAccessKeysPaginator(cl, &iam.ListAccessKeysInput{UserName: awssdk.String(user)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return callError("iam ListAccessKeys "+user, err)
		}
		keys = append(keys, out.AccessKeyMetadata...)
	}
	for _, k := range keys {
		if k.Status != iamtypes.StatusTypeActive {
			continue
		}
		id := awssdk.ToString(k.AccessKeyId)
		lu, err := cl.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
		if err != nil {
			return callError("iam GetAccessKeyLastUsed "+id, err)
		}
		var lastUsed time.Time
		if lu.AccessKeyLastUsed != nil {
			lastUsed = awssdk.ToTime(lu.AccessKeyLastUsed.LastUsedDate)
		}
		if !limits.stale(p.now, awssdk.ToTime(k.CreateDate), lastUsed) {
			continue
		}
		p.change("access_keys["+id+"].status", string(iamtypes.StatusTypeActive), string(iamtypes.StatusTypeInactive))
		p.call("iam:UpdateAccessKey", map[string]any{"UserName": user, "AccessKeyId": id, "Status": string(iamtypes.StatusTypeInactive)})
	}
	if len(p.plan.Calls) == 0 {
		p.noop("user %s has no active access key %s", user, limits)
	}
	return nil
}
