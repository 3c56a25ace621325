package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/comply-bot/comply/checks"
)

// scope names where a call or a failure happened.
type scope struct{ account, service, region string }

// account is one AWS account being scanned: its credentials, identity,
// regions and clients.
type account struct {
	id        string // 12 digits, from sts:GetCallerIdentity
	partition string // aws, aws-us-gov, aws-cn
	label     string // how to name it before its id is known
	home      string // region for global services
	regions   []string
	all       bool // every enabled region is in scope
	need      attrFilter
	cl        *clients
}

func (a *account) scope(service, region string) scope {
	return scope{account: a.id, service: service, region: region}
}

// arn builds an ARN in the account's partition.
func (a *account) arn(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.partition, service, region, a.id, resource)
}

// newAccount prepares an account: the default chain, or a role assumed from
// it. Nothing is called yet.
func (c *Collector) newAccount(role *AccountRole, calls *callCounter, global limiter) *account {
	cfg := c.base.Copy()
	label := "default credentials"
	if role != nil {
		label = role.RoleARN
		// The STS client that assumes the role is counted like any other.
		stsCfg := c.base.Copy()
		stsCfg.Region = c.home
		stsCfg.APIOptions = append(slices.Clone(stsCfg.APIOptions), calls.middleware("sts"))
		if global != nil {
			stsCfg.APIOptions = append(stsCfg.APIOptions, global.middleware("comply.LimitGlobal", middleware.After))
		}
		cfg.Credentials = assumeRoleCredentials(sts.NewFromConfig(stsCfg), *role, "comply-scan")
	}
	return &account{label: label, home: c.home, need: c.need, cl: newClients(cfg, c.opts.Concurrency, calls, global)}
}

// assumeRoleCredentials are cached credentials of role, assumed through
// stsClient; session names the session when the role does not.
func assumeRoleCredentials(stsClient *sts.Client, role AccountRole, session string) awssdk.CredentialsProvider {
	prov := stscreds.NewAssumeRoleProvider(stsClient, role.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		if role.ExternalID != "" {
			o.ExternalID = awssdk.String(role.ExternalID)
		}
		o.RoleSessionName = role.SessionName
		if o.RoleSessionName == "" {
			o.RoleSessionName = session
		}
	})
	return awssdk.NewCredentialsCache(prov)
}

// identify learns the account id and partition.
func (a *account) identify(ctx context.Context) error {
	out, err := a.cl.sts(a.home).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("get caller identity for %s: %w", a.label, err)
	}
	a.id = awssdk.ToString(out.Account)
	a.partition = "aws"
	if parts := strings.SplitN(awssdk.ToString(out.Arn), ":", 3); len(parts) == 3 && parts[1] != "" {
		a.partition = parts[1]
	}
	return nil
}

// resolveRegions fills the account's regions: the configured list, or every
// region enabled for the account when the list is ["all"].
func (a *account) resolveRegions(ctx context.Context, want []string) error {
	if len(want) == 0 {
		a.regions = []string{a.home}
		return nil
	}
	if !(len(want) == 1 && want[0] == "all") {
		a.regions = slices.Clone(want)
		return nil
	}
	a.all = true
	// Without AllRegions, DescribeRegions lists only the regions enabled for
	// the account (opted in, or needing no opt-in).
	out, err := a.cl.ec2(a.home).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return fmt.Errorf("describe regions: %w", err)
	}
	for _, r := range out.Regions {
		if name := awssdk.ToString(r.RegionName); name != "" {
			a.regions = append(a.regions, name)
		}
	}
	slices.Sort(a.regions)
	return nil
}

// inScope reports whether resources of a region are to be reported (buckets
// are listed globally but belong to a region).
func (a *account) inScope(region string) bool {
	return a.all || slices.Contains(a.regions, region)
}

// roleAccount is the account id in a role ARN, to name an account whose
// identity could not be learned.
func roleAccount(roleARN string) string {
	parts := strings.Split(roleARN, ":")
	if len(parts) >= 6 {
		return parts[4]
	}
	return ""
}

// forEach runs fn on every item with at most n running at once. Errors are
// the callback's business (it records them); forEach only stops early when
// ctx ends.
func forEach[T any](ctx context.Context, n int, items []T, fn func(ctx context.Context, item T)) {
	if len(items) == 0 {
		return
	}
	n = max(1, min(n, len(items)))
	work := make(chan T)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for it := range work {
				fn(ctx, it)
			}
		})
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
}

// newResource builds a resource with non-nil tags.
func newResource(typ, id string, a *account, region, name string, tags map[string]string, attrs map[string]any) checks.Resource {
	if tags == nil {
		tags = map[string]string{}
	}
	return checks.Resource{ID: id, Type: typ, Account: a.id, Region: region, Name: name, Tags: tags, Attributes: attrs}
}
