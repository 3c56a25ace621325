package bot

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// ScanScope is what one scan covers: a service (the resource types
// aws.<service>.*), a region, an account and a framework; empty means all.
type ScanScope struct {
	Service, Region, Account, Framework string
}

func scopeOf(c command.Command) ScanScope {
	return ScanScope{Service: c.Service, Region: c.Region, Account: c.Account, Framework: c.Framework}
}

// String describes the scope for people.
func (s ScanScope) String() string {
	var parts []string
	for _, kv := range [][2]string{{"service", s.Service}, {"region", s.Region}, {"account", s.Account}, {"framework", s.Framework}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 {
		return "everything"
	}
	return strings.Join(parts, ", ")
}

// lockName is the lock that keeps one scan per scope at a time.
func (s ScanScope) lockName() string {
	return "scan:" + s.Service + "/" + s.Region + "/" + s.Account + "/" + s.Framework
}

// storeScope bounds which stored findings the scan may resolve.
func (s ScanScope) storeScope() store.Scope {
	var sc store.Scope
	if s.Account != "" {
		sc.Accounts = []string{s.Account}
	}
	if s.Region != "" {
		sc.Regions = []string{s.Region}
	}
	return sc
}

// keep reports whether a resource is in scope. A region or account scope
// leaves out global resources (no region): the scan cannot resolve their
// findings, so it does not report them either.
func (s ScanScope) keep(r *checks.Resource) bool {
	return (s.Service == "" || strings.HasPrefix(r.Type, "aws."+s.Service+".")) &&
		(s.Region == "" || r.Region == s.Region) &&
		(s.Account == "" || r.Account == s.Account)
}

// rules narrows rules to the scope's framework and service.
func (s ScanScope) rules(all []*checks.Rule) []*checks.Rule {
	var out []*checks.Rule
	for _, r := range checks.FilterRules(all, s.Framework, 0) {
		if s.Service == "" || strings.HasPrefix(r.Resource, "aws."+s.Service+".") {
			out = append(out, r)
		}
	}
	return out
}

// services lists the services the rules cover, for a helpful refusal.
func services(rules []*checks.Rule) []string {
	set := map[string]bool{}
	for _, r := range rules {
		if parts := strings.SplitN(r.Resource, ".", 3); len(parts) == 3 {
			set[parts[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// scanBounds is what runScan needs of a scope: a ScanScope (/comply scan)
// or a schedule's multi-valued scope (scheduled.go).
type scanBounds interface {
	// collectors makes the scan's collectors, before keep narrows them.
	collectors(ctx context.Context, opts *Options) ([]Collector, error)
	keep(r *checks.Resource) bool
	keepError(e checks.ScanError) bool
	// storeScope bounds which stored findings the scan may resolve.
	storeScope() store.Scope
	// everything is true for a scan of everything (no Scope field shown).
	everything() bool
	String() string
}

func (s ScanScope) collectors(ctx context.Context, opts *Options) ([]Collector, error) {
	return opts.Collectors(ctx, s)
}

func (s ScanScope) everything() bool { return s == ScanScope{} }

// keepError keeps the errors that concern the scope's region and account.
func (s ScanScope) keepError(e checks.ScanError) bool {
	return (s.Region == "" || e.Region == "" || e.Region == s.Region) &&
		(s.Account == "" || e.Account == "" || e.Account == s.Account)
}

// scopedCollector drops what a source gathered outside the scope, and the
// errors that concern only other regions or accounts.
type scopedCollector struct {
	Collector
	scope scanBounds
}

func (c scopedCollector) Collect(ctx context.Context) (*checks.Collection, error) {
	col, err := c.Collector.Collect(ctx)
	if col == nil {
		return col, err
	}
	out := *col
	out.Resources = nil
	for i := range col.Resources {
		if c.scope.keep(&col.Resources[i]) {
			out.Resources = append(out.Resources, col.Resources[i])
		}
	}
	out.Errors = nil
	for _, e := range col.Errors {
		if c.scope.keepError(e) {
			out.Errors = append(out.Errors, e)
		}
	}
	return &out, err
}
