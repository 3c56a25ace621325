package aws

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/comply-bot/comply/checks"
)

var (
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
)

// Options configure a collector.
type Options struct {
	// Regions to scan. Empty: the configured default region; ["all"]: every
	// region enabled for each account (ec2:DescribeRegions).
	Regions []string
	// Accounts are extra accounts reached with sts:AssumeRole from the
	// default credentials. The default-chain account is scanned too unless
	// SkipDefault.
	Accounts    []AccountRole
	SkipDefault bool
	// Endpoint overrides every service's endpoint (an emulator, GovCloud or
	// private endpoints); S3 is then addressed path-style. AWS_ENDPOINT_URL
	// in the environment does the same.
	Endpoint string
	// Concurrency bounds the calls in flight per service, region and account
	// (default 8).
	Concurrency int
	// MaxInFlight, if positive, also bounds the calls in flight across all
	// services, regions and accounts (1 makes the scan serial).
	MaxInFlight int
	// MaxAttempts is the adaptive retry mode's attempt limit (default 5).
	MaxAttempts int
	// Progress, if set, is told each time a (service, region, account) unit
	// of work ends. Calls are serialized.
	Progress func(done, total int, what string)
	// Attributes, if set, names per resource type the attributes to collect
	// (AttributesFor gives those the rules read). Calls that answer none of
	// them are skipped and what they would answer is left unknown; S3
	// buckets, with a dozen calls each, make use of it. A type missing from
	// a non-nil map needs none of its attributes (its resources and tags are
	// still listed). Nil collects everything, as an exported inventory needs.
	Attributes map[string][]string
}

// AttributesFor is Options.Attributes for a rule set: per resource type, the
// attributes some rule's when or assert reads.
func AttributesFor(rules []*checks.Rule) map[string][]string {
	out := map[string][]string{}
	for _, r := range rules {
		for _, a := range r.Refs() {
			if !slices.Contains(out[r.Resource], a) {
				out[r.Resource] = append(out[r.Resource], a)
			}
		}
		if _, ok := out[r.Resource]; !ok {
			out[r.Resource] = []string{}
		}
	}
	return out
}

// attrFilter says which attributes to collect; nil means all.
type attrFilter map[string]map[string]bool

func newAttrFilter(m map[string][]string) attrFilter {
	if m == nil {
		return nil
	}
	f := attrFilter{}
	for t, names := range m {
		f[t] = map[string]bool{}
		for _, n := range names {
			f[t][n] = true
		}
	}
	return f
}

// any reports whether any of names is to be collected for typ.
func (f attrFilter) any(typ string, names ...string) bool {
	if f == nil {
		return true
	}
	for _, n := range names {
		if f[typ][n] {
			return true
		}
	}
	return false
}

// AccountRole is an account reached through sts:AssumeRole.
type AccountRole struct {
	RoleARN     string
	ExternalID  string
	SessionName string
}

// Defaults for Options.
const (
	DefaultConcurrency = 8
	DefaultMaxAttempts = 5
)

func validate(opts Options) error {
	for _, r := range opts.Regions {
		if r == "all" {
			if len(opts.Regions) > 1 {
				return fmt.Errorf(`region "all" cannot be combined with other regions`)
			}
			continue
		}
		if !regionRe.MatchString(r) {
			return fmt.Errorf("invalid region %q", r)
		}
	}
	for _, a := range opts.Accounts {
		if !roleARNRe.MatchString(a.RoleARN) {
			return fmt.Errorf("invalid role ARN %q (want arn:aws:iam::ACCOUNT:role/NAME)", a.RoleARN)
		}
	}
	if opts.SkipDefault && len(opts.Accounts) == 0 {
		return fmt.Errorf("no account to scan: the default account is skipped and no role is listed")
	}
	return nil
}
