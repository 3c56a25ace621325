package aws

import (
	"context"
	"slices"
	"strings"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/comply-bot/comply/checks"
)

const (
	typeTrail        = "aws.cloudtrail.trail"
	typeTrailAccount = "aws.cloudtrail.account"
)

var cloudtrailResourceTypes = []string{typeTrail, typeTrailAccount}

// collectCloudTrail runs once per account over its regions: DescribeTrails
// lists a multi-region trail in every region, so trails are merged by ARN
// and each is read once, in its home region. The account summary is built
// from the trails read, with no call of its own.
func collectCloudTrail(ctx context.Context, a *account, _ string, res *results) {
	var (
		mu     sync.Mutex
		trails = map[string]cttypes.Trail{}
		// No region (their listing failed, already an error) means no
		// trail was looked for: "no trail" cannot be claimed.
		complete = len(a.regions) > 0
	)
	forEach(ctx, len(a.regions), a.regions, func(ctx context.Context, region string) {
		out, err := a.cl.cloudtrail(region).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: awssdk.Bool(true)})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			complete = false
			res.fail(a.scope("cloudtrail", region), cloudtrailResourceTypes, "describe trails", err)
			return
		}
		for _, t := range out.TrailList {
			arn := awssdk.ToString(t.TrailARN)
			if _, seen := trails[arn]; !seen {
				trails[arn] = t
			}
		}
	})
	byHome := map[string][]cttypes.Trail{}
	for _, t := range trails {
		home := awssdk.ToString(t.HomeRegion)
		byHome[home] = append(byHome[home], t)
	}
	var (
		wg   sync.WaitGroup
		read []checks.Resource
	)
	for home, ts := range byHome {
		wg.Go(func() {
			rs := readTrails(ctx, a, home, ts, res)
			mu.Lock()
			read = append(read, rs...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.add(read...)
	// A region whose trails are unknown could hide the account's only trail.
	if complete {
		res.add(newResource(typeTrailAccount, a.arn("cloudtrail", "", "trails"), a, checks.GlobalRegion, a.id, nil, trailCoverage(read)))
	}
}

// trailCoverage summarizes an account's trails. A trail whose status or
// event selectors could not be read leaves unknown what it could decide:
// "no multi-region trail is logging" is only claimed when every
// multi-region trail's status is known.
func trailCoverage(trails []checks.Resource) map[string]any {
	multi, logging := 0, []string{}
	loggingKnown, mgmt, mgmtKnown := true, false, true
	for _, t := range trails {
		if t.Attributes["multi_region"] != true {
			continue
		}
		multi++
		on, ok := t.Attributes["logging"].(bool)
		if !ok {
			loggingKnown, mgmtKnown = false, false
			continue
		}
		if !on {
			continue
		}
		logging = append(logging, t.ID)
		switch m, ok := t.Attributes["management_events"].(bool); {
		case !ok:
			mgmtKnown = false
		case m:
			mgmt = true
		}
	}
	slices.Sort(logging)
	attrs := map[string]any{"trail_count": len(trails), "multi_region_trail_count": multi}
	if loggingKnown || len(logging) > 0 {
		attrs["has_multi_region_logging_trail"] = len(logging) > 0
	}
	if loggingKnown {
		attrs["multi_region_logging_trails"] = logging
	}
	if mgmt || mgmtKnown {
		attrs["has_multi_region_management_trail"] = mgmt
	}
	return attrs
}

// readTrails reads status, event selectors and tags of trails at home.
func readTrails(ctx context.Context, a *account, home string, trails []cttypes.Trail, res *results) []checks.Resource {
	cl := a.cl.cloudtrail(home)
	sc := a.scope("cloudtrail", home)
	tags := map[string]map[string]string{}
	tagsKnown := true
	// An organization trail of the management account is visible to its
	// members, who may not list its tags or read its status; ListTags
	// refuses a whole batch that names it.
	owned := slices.DeleteFunc(slices.Clone(trails), func(t cttypes.Trail) bool { return foreignTrail(a, t) })
	for chunk := range slices.Chunk(owned, 20) { // ListTags takes up to 20 trails
		ids := make([]string, len(chunk))
		for i, t := range chunk {
			ids[i] = awssdk.ToString(t.TrailARN)
		}
		p := cloudtrail.NewListTagsPaginator(cl, &cloudtrail.ListTagsInput{ResourceIdList: ids})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				res.detail(sc, "ListTags", ids[0], err)
				res.markIncomplete(typeTrail)
				tagsKnown = false
				break
			}
			for _, rt := range out.ResourceTagList {
				m := map[string]string{}
				for _, t := range rt.TagsList {
					m[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
				}
				tags[awssdk.ToString(rt.ResourceId)] = m
			}
		}
		if !tagsKnown {
			break
		}
	}
	var (
		mu  sync.Mutex
		out []checks.Resource
	)
	forEach(ctx, a.cl.concurrency, trails, func(ctx context.Context, t cttypes.Trail) {
		arn := awssdk.ToString(t.TrailARN)
		attrs := map[string]any{
			"home_region":           home,
			"multi_region":          awssdk.ToBool(t.IsMultiRegionTrail),
			"log_file_validation":   awssdk.ToBool(t.LogFileValidationEnabled),
			"kms_key_id":            awssdk.ToString(t.KmsKeyId),
			"s3_bucket":             awssdk.ToString(t.S3BucketName),
			"cloudwatch_logs_group": awssdk.ToString(t.CloudWatchLogsLogGroupArn),
			"include_global_events": awssdk.ToBool(t.IncludeGlobalServiceEvents),
			"organization_trail":    awssdk.ToBool(t.IsOrganizationTrail),
		}
		// A foreign trail's status may be unreadable here: then unknown,
		// with no error (its owner's scan reads it).
		foreign := foreignTrail(a, t)
		st, err := cl.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: t.TrailARN})
		if err != nil {
			if !foreign {
				res.detail(sc, "GetTrailStatus", arn, err)
			}
		} else {
			attrs["logging"] = awssdk.ToBool(st.IsLogging)
		}
		sel, err := cl.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: t.TrailARN})
		if err != nil {
			if !foreign {
				res.detail(sc, "GetEventSelectors", arn, err)
			}
		} else {
			attrs["management_events"] = recordsAllManagementEvents(sel.EventSelectors, sel.AdvancedEventSelectors)
		}
		r := newResource(typeTrail, arn, a, home, awssdk.ToString(t.Name), tags[arn], attrs)
		mu.Lock()
		out = append(out, r)
		mu.Unlock()
	})
	return out
}

// foreignTrail: the trail belongs to another account (an organization
// trail seen from a member account).
func foreignTrail(a *account, t cttypes.Trail) bool {
	owner := roleAccount(awssdk.ToString(t.TrailARN))
	return owner != "" && owner != a.id
}

// recordsAllManagementEvents: read and write management events are both
// recorded, by basic or advanced event selectors. A trail without selectors
// records all management events (CloudTrail's default). A selector that
// leaves some management events out (excluded event sources, an eventSource
// or other filter) does not count: all of them are what is claimed.
func recordsAllManagementEvents(basic []cttypes.EventSelector, advanced []cttypes.AdvancedEventSelector) bool {
	if len(basic) == 0 && len(advanced) == 0 {
		return true
	}
	read, write := false, false
	for _, s := range basic {
		if s.IncludeManagementEvents != nil && !*s.IncludeManagementEvents || len(s.ExcludeManagementEventSources) > 0 {
			continue
		}
		switch s.ReadWriteType {
		case cttypes.ReadWriteTypeAll, "":
			read, write = true, true
		case cttypes.ReadWriteTypeReadOnly:
			read = true
		case cttypes.ReadWriteTypeWriteOnly:
			write = true
		}
	}
	for _, s := range advanced {
		management, r, w, narrowed := false, true, true, false
		for _, f := range s.FieldSelectors {
			switch strings.ToLower(awssdk.ToString(f.Field)) {
			case "eventcategory":
				management = slices.Contains(f.Equals, "Management")
			case "readonly":
				if len(f.StartsWith)+len(f.NotStartsWith)+len(f.EndsWith)+len(f.NotEndsWith) > 0 {
					narrowed = true
				}
				r = r && fieldAllows(f.Equals, f.NotEquals, "true")
				w = w && fieldAllows(f.Equals, f.NotEquals, "false")
			default:
				narrowed = true
			}
		}
		if management && !narrowed {
			read, write = read || r, write || w
		}
	}
	return read && write
}

// fieldAllows: a field selector with these Equals and NotEquals lets the
// value v through (case-insensitive, as readOnly is).
func fieldAllows(equals, notEquals []string, v string) bool {
	in := func(list []string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, v) })
	}
	return (len(equals) == 0 || in(equals)) && !in(notEquals)
}
