package aws

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/comply-bot/comply/checks"
)

// results gathers what the concurrent collectors produce. Safe for concurrent
// use.
type results struct {
	mu         sync.Mutex
	resources  []checks.Resource
	errors     []checks.ScanError
	incomplete map[string]bool
	details    map[detailKey]*detailErr
	warnings   []string
	// emulator: an endpoint override is in use, so an operation the endpoint
	// does not implement is a gap of the emulator, not a failed scan.
	emulator bool
	gaps     map[string]bool
}

// detailKey groups failures of one per-resource call, so that a policy
// denying GetBucketPolicy on 500 buckets is one error, not 500.
type detailKey struct {
	account, service, region, op, msg string
}

type detailErr struct {
	count   int
	example string
}

func newResults(emulator bool) *results {
	return &results{incomplete: map[string]bool{}, details: map[detailKey]*detailErr{}, emulator: emulator, gaps: map[string]bool{}}
}

// gap records an operation the endpoint does not implement: a warning, once
// per operation, and what it would have answered stays unknown.
func (r *results) gap(s scope, op string, err error) bool {
	if !r.emulator || !unsupportedOperation(err) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.service + ":" + op
	if !r.gaps[key] {
		r.gaps[key] = true
		r.warnings = append(r.warnings, fmt.Sprintf("aws: the endpoint does not implement %s %s; what it answers is left unknown", s.service, op))
	}
	return true
}

func (r *results) add(res ...checks.Resource) {
	r.mu.Lock()
	r.resources = append(r.resources, res...)
	r.mu.Unlock()
}

func (r *results) warn(format string, args ...any) {
	r.mu.Lock()
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// fail records a failure that left resource types unknown: the listing of a
// type, or a whole service in a region. Rules over those types are skipped.
func (r *results) fail(s scope, types []string, what string, err error) {
	if r.gap(s, what, err) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, checks.ScanError{
		Source: sourceName, Service: s.service, Region: s.region, Account: s.account,
		Message: what + ": " + describe(err),
	})
	for _, t := range types {
		r.incomplete[t] = true
	}
}

// markIncomplete marks types incomplete without an error of their own (one
// was recorded where the cause was).
func (r *results) markIncomplete(types ...string) {
	r.mu.Lock()
	for _, t := range types {
		r.incomplete[t] = true
	}
	r.mu.Unlock()
}

// detail records a failed per-resource call. The resource is still reported,
// with the attributes that call would have given left out (unknown), so rules
// reading them are not evaluated on it while every other rule is.
func (r *results) detail(s scope, op, resource string, err error) {
	if r.gap(s, op, err) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := detailKey{s.account, s.service, s.region, op, describe(err)}
	d := r.details[k]
	if d == nil {
		d = &detailErr{example: resource}
		r.details[k] = d
	}
	d.count++
}

// collection assembles the final result in a deterministic order.
func (r *results) collection(calls map[string]int) *checks.Collection {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := append([]checks.ScanError(nil), r.errors...)
	for k, d := range r.details {
		msg := fmt.Sprintf("%s: %s (%s)", k.op, k.msg, d.example)
		if d.count > 1 {
			msg = fmt.Sprintf("%s: %s (%d resources, e.g. %s)", k.op, k.msg, d.count, d.example)
		}
		errs = append(errs, checks.ScanError{Source: sourceName, Service: k.service, Region: k.region, Account: k.account, Message: msg})
	}
	sort.Slice(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Message < b.Message
	})
	res := append([]checks.Resource(nil), r.resources...)
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.ID < b.ID
	})
	col := &checks.Collection{
		Resources:       res,
		Errors:          errs,
		IncompleteTypes: slices.Sorted(maps.Keys(r.incomplete)),
		APICalls:        calls,
		Warnings:        slices.Sorted(slices.Values(r.warnings)),
	}
	return col
}
