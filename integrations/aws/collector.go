// Package aws collects resources from live AWS accounts with aws-sdk-go-v2:
// S3, EC2 (security groups, network ACLs, EBS, instances, VPC flow logs), RDS,
// IAM, CloudTrail, KMS, Config and ELBv2, across regions and assumed-role
// accounts, in the normalized shape of checks/types_*.go.
package aws

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/comply-bot/comply/checks"
)

const sourceName = "aws"

// Collector scans live AWS accounts. It is safe to call Collect more than once
// (each call starts afresh) but not concurrently with itself.
type Collector struct {
	opts Options
	log  *slog.Logger
	base awssdk.Config
	home string // region for global services and region discovery
	cat  *checks.Catalog
	need attrFilter
}

// New validates the options and loads the default credential chain (no call
// is made yet). Invalid options wrap checks.ErrInvalidInput.
func New(ctx context.Context, opts Options, log *slog.Logger) (*Collector, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if err := validate(opts); err != nil {
		return nil, fmt.Errorf("aws source: %w: %s", checks.ErrInvalidInput, err)
	}
	cfg, err := loadConfig(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("aws source: %w: load AWS configuration: %v", checks.ErrInvalidInput, err)
	}
	home := cfg.Region
	if home == "" && len(opts.Regions) > 0 && opts.Regions[0] != "all" {
		home = opts.Regions[0]
	}
	if home == "" {
		return nil, fmt.Errorf("aws source: %w: no AWS region configured (set AWS_REGION or list regions)", checks.ErrInvalidInput)
	}
	return &Collector{opts: opts, log: log, base: cfg, home: home, cat: checks.DefaultCatalog(), need: newAttrFilter(opts.Attributes)}, nil
}

// Name identifies the source in scan output.
func (c *Collector) Name() string { return sourceName }

// service is one collector: global ones run once per account (with the
// account's home region), the others once per region.
type service struct {
	name   string
	global bool
	// needsRegions: the service reads the account's regions, so its types
	// are unknown when the regions are.
	needsRegions bool
	types        []string
	collect      func(ctx context.Context, a *account, region string, res *results)
}

func services() []service {
	return []service{
		{name: "iam", global: true, types: iamResourceTypes, collect: collectIAM},
		{name: "s3", global: true, types: s3ResourceTypes, collect: collectS3},
		// CloudTrail runs once per account over all its regions: a
		// multi-region trail is listed in every region and must appear once.
		{name: "cloudtrail", global: true, needsRegions: true, types: cloudtrailResourceTypes, collect: collectCloudTrail},
		{name: "ec2", types: ec2ResourceTypes, collect: collectEC2},
		{name: "rds", types: rdsResourceTypes, collect: collectRDS},
		{name: "kms", types: kmsResourceTypes, collect: collectKMS},
		{name: "config", types: configResourceTypes, collect: collectConfig},
		{name: "elbv2", types: elbv2ResourceTypes, collect: collectELBv2},
	}
}

// ResourceTypes lists every resource type the collector produces.
func ResourceTypes() []string {
	var out []string
	for _, s := range services() {
		out = append(out, s.types...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func regionalTypes() []string {
	var out []string
	for _, s := range services() {
		if !s.global || s.needsRegions {
			out = append(out, s.types...)
		}
	}
	return out
}

// Collect scans every account and region. Failures of a service, region or
// account are recorded in the collection (Errors, IncompleteTypes) and the
// rest is still collected; only a cancelled context is an error.
func (c *Collector) Collect(ctx context.Context) (*checks.Collection, error) {
	calls := newCallCounter()
	var global limiter
	if c.opts.MaxInFlight > 0 {
		global = make(limiter, c.opts.MaxInFlight)
	}
	res := newResults(c.base.BaseEndpoint != nil)

	accounts := c.prepareAccounts(ctx, calls, global, res)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aws scan: %w", err)
	}
	tasks := buildTasks(accounts)
	var (
		wg   sync.WaitGroup
		pmu  sync.Mutex
		done int
	)
	for _, t := range tasks {
		wg.Go(func() {
			c.log.Debug("collecting", "service", t.svc.name, "region", t.region, "account", t.a.id)
			t.svc.collect(ctx, t.a, t.region, res)
			if c.opts.Progress != nil {
				pmu.Lock()
				done++
				what := t.svc.name + " " + t.a.id
				if !t.svc.global {
					what = t.svc.name + " " + t.region + " " + t.a.id
				}
				c.opts.Progress(done, len(tasks), what)
				pmu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aws scan: %w", err)
	}
	col := res.collection(calls.snapshot())
	c.normalize(col)
	c.log.Debug("aws api calls", "services", col.APICalls, "operations", calls.operations())
	return col, nil
}

// prepareAccounts identifies every account and resolves its regions, in
// parallel, and returns those that can be scanned.
func (c *Collector) prepareAccounts(ctx context.Context, calls *callCounter, global limiter, res *results) []*account {
	var accounts []*account
	if !c.opts.SkipDefault {
		accounts = append(accounts, c.newAccount(nil, calls, global))
	}
	for i := range c.opts.Accounts {
		accounts = append(accounts, c.newAccount(&c.opts.Accounts[i], calls, global))
	}
	ready := make([]bool, len(accounts))
	var wg sync.WaitGroup
	for i, a := range accounts {
		wg.Go(func() { ready[i] = c.prepare(ctx, a, res) })
	}
	wg.Wait()
	// The same account reached twice (a role in the default account) is
	// scanned once: its resources would otherwise appear twice.
	var out []*account
	seen := map[string]bool{}
	for i, a := range accounts {
		switch {
		case !ready[i]:
		case seen[a.id]:
			res.warn("aws: %s reaches account %s, which is already scanned", a.label, a.id)
		default:
			seen[a.id] = true
			out = append(out, a)
		}
	}
	return out
}

// task is one unit of work: a service in a region of an account.
type task struct {
	a      *account
	svc    service
	region string
}

func buildTasks(accounts []*account) []task {
	var tasks []task
	for _, a := range accounts {
		for _, s := range services() {
			if s.global {
				tasks = append(tasks, task{a, s, a.home})
				continue
			}
			for _, r := range a.regions {
				tasks = append(tasks, task{a, s, r})
			}
		}
	}
	return tasks
}

// prepare identifies an account and resolves its regions. An account whose
// identity is unknown cannot be scanned: every type becomes incomplete.
func (c *Collector) prepare(ctx context.Context, a *account, res *results) bool {
	if err := a.identify(ctx); err != nil {
		acct := ""
		if a.label != "default credentials" {
			acct = roleAccount(a.label)
		}
		res.fail(scope{account: acct, service: "sts", region: a.home}, ResourceTypes(), "identify "+a.label, err)
		return false
	}
	if err := a.resolveRegions(ctx, c.opts.Regions); err != nil {
		// Global services are still worth scanning.
		res.fail(a.scope("ec2", a.home), regionalTypes(), "list enabled regions", err)
	}
	return true
}

// normalize checks every resource against its schema, a guard against a
// collector bug reaching the rules as a type error.
func (c *Collector) normalize(col *checks.Collection) {
	kept := col.Resources[:0]
	for _, r := range col.Resources {
		if _, err := c.cat.Normalize(&r); err != nil {
			col.Errors = append(col.Errors, checks.ScanError{Source: sourceName, Account: r.Account, Region: r.Region,
				Service: strings.SplitN(strings.TrimPrefix(r.Type, "aws."), ".", 2)[0], Message: "internal: " + err.Error()})
			if !slices.Contains(col.IncompleteTypes, r.Type) {
				col.IncompleteTypes = append(col.IncompleteTypes, r.Type)
				slices.Sort(col.IncompleteTypes)
			}
			continue
		}
		kept = append(kept, r)
	}
	col.Resources = kept
}
