package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// ScheduledScan is one run of a config schedule: a scan whose scope is
// multi-valued (empty lists: no limit).
type ScheduledScan struct {
	Name string
	// Sources names config sources (empty: every source).
	Sources []string
	// Regions narrows live AWS sources and the resources kept (["all"]:
	// every enabled region, no narrowing).
	Regions []string
	// Services keeps the rules and resources of aws.<service>.* types.
	Services []string
	// Frameworks keeps the rules mapped to any of them.
	Frameworks []string
	// Summary posts the scan summary in the channel.
	Summary bool
}

// SourceCollectorsFunc makes the collectors of the named sources (empty:
// every source), live AWS sources narrowed to regions (empty: theirs).
type SourceCollectorsFunc func(ctx context.Context, sources, regions []string) ([]Collector, error)

// AuditMonitoringFailure records a monitoring failure.
const AuditMonitoringFailure = "monitoring.failure"

// ScheduleActor is the audit actor of a schedule's scans.
func ScheduleActor(name string) string { return "schedule:" + name }

// RunScheduled runs one scheduled scan: collect from the schedule's sources,
// evaluate its rules, reconcile within its scope and deliver the changes as
// /comply scan does, then post the summary if the schedule asks for one.
// An incomplete scan returns an error wrapping schedule.ErrIncomplete (a
// monitoring failure) after all that: what it saw was still recorded.
func (b *Bot) RunScheduled(ctx context.Context, s ScheduledScan) error {
	scope := newScheduleScope(s)
	actor := ScheduleActor(s.Name)
	rules := scope.rules(b.opts.Rules)
	if len(rules) == 0 {
		return fmt.Errorf("no loaded rule covers %s", scope)
	}
	if b.opts.SourceCollectors == nil {
		return errors.New("scheduled scans are not wired (no source collectors)")
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.ScanTimeout)
	defer cancel()
	b.audit(ctx, checks.AuditEntry{Actor: actor, Action: AuditScanStarted, Details: map[string]string{"scope": scope.String(), "via": "schedule"}})
	summary, err := b.runScan(ctx, scope, rules, func(string) {})
	if err != nil {
		b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: actor, Action: AuditScanFailed,
			Details: map[string]string{"scope": scope.String(), "error": oneLine(err.Error())}})
		return fmt.Errorf("scan: %w", err)
	}
	// The scan is done and delivered: record it even when its time ran out
	// or shutdown cancelled ctx meanwhile.
	b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: actor, Action: AuditScanFinished, Details: summary.details(scope)})
	if s.Summary {
		if _, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, summary.message); err != nil {
			b.log.Error("scheduled scan summary not posted", "schedule", s.Name, "channel", b.opts.Channel, "error", err)
		}
	}
	if scan := summary.report.Scan; !scan.Complete {
		return fmt.Errorf("%w: %s", schedule.ErrIncomplete, describeErrors(scan.Errors))
	}
	return nil
}

// PostMonitoringFailure tells the channel that a schedule did not do its
// job, and audits it.
func (b *Bot) PostMonitoringFailure(ctx context.Context, schedule, outcome, reason string) {
	now := b.now()
	b.audit(ctx, checks.AuditEntry{Actor: ScheduleActor(schedule), Action: AuditMonitoringFailure,
		Details: map[string]string{"outcome": outcome, "reason": oneLine(reason)}})
	if _, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, checks.MonitoringFailureMessage(schedule, outcome, reason, now)); err != nil {
		b.log.Error("monitoring failure not posted", "schedule", schedule, "channel", b.opts.Channel, "error", err)
	}
}

// describeErrors sums up a scan's errors in one line.
func describeErrors(errs []checks.ScanError) string {
	if len(errs) == 0 {
		return "some rules or sources failed"
	}
	e := errs[0]
	where := strings.Join(slices.DeleteFunc([]string{e.Source, e.Service, e.Region, e.Account, e.RuleID}, func(s string) bool { return s == "" }), " ")
	msg := fmt.Sprintf("%d errors, the first: %s: %s", len(errs), where, oneLine(e.Message))
	if len(errs) == 1 {
		msg = fmt.Sprintf("1 error: %s: %s", where, oneLine(e.Message))
	}
	return msg
}

// scheduleScope is a ScheduledScan as runScan's bounds. A scan of named
// sources speaks only for the (account, region) places where those sources
// showed resources in scope: it records them while collecting, so another
// source's findings are never resolved, even in an account they share.
type scheduleScope struct {
	ScheduledScan
	regions []string // nil for "all"

	mu     sync.Mutex
	places map[store.Place]bool
}

func newScheduleScope(s ScheduledScan) *scheduleScope {
	sc := &scheduleScope{ScheduledScan: s, places: map[store.Place]bool{}}
	if !slices.Contains(s.Regions, "all") {
		sc.regions = s.Regions
	}
	return sc
}

func (s *scheduleScope) collectors(ctx context.Context, opts *Options) ([]Collector, error) {
	return opts.SourceCollectors(ctx, s.Sources, s.Regions)
}

func (s *scheduleScope) keep(r *checks.Resource) bool {
	ok := (len(s.Services) == 0 || slices.ContainsFunc(s.Services, func(svc string) bool { return strings.HasPrefix(r.Type, "aws."+svc+".") })) &&
		(len(s.regions) == 0 || slices.Contains(s.regions, r.Region))
	if ok && len(s.Sources) > 0 {
		s.mu.Lock()
		s.places[store.Place{Account: r.Account, Region: r.Region}] = true
		s.mu.Unlock()
	}
	return ok
}

// keepError keeps the errors of the scan's regions. An error proves no
// coverage: it adds no place.
func (s *scheduleScope) keepError(e checks.ScanError) bool {
	return len(s.regions) == 0 || e.Region == "" || slices.Contains(s.regions, e.Region)
}

// nowhere matches no finding: a scan of named sources that saw nothing
// must resolve nothing (an empty list would mean everywhere).
var nowhere = store.Place{Account: "\x00none"}

func (s *scheduleScope) storeScope() store.Scope {
	sc := store.Scope{Regions: s.regions}
	if len(s.Sources) > 0 {
		s.mu.Lock()
		sc.Places = slices.SortedFunc(maps.Keys(s.places), func(a, b store.Place) int {
			return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
		})
		s.mu.Unlock()
		if len(sc.Places) == 0 {
			sc.Places = []store.Place{nowhere}
		}
	}
	return sc
}

func (s *scheduleScope) everything() bool { return false }

// String describes the schedule and its scope for people.
func (s *scheduleScope) String() string {
	parts := []string{"schedule " + s.Name}
	for _, kv := range []struct {
		label string
		vals  []string
	}{{"sources", s.Sources}, {"regions", s.Regions}, {"services", s.Services}, {"frameworks", s.Frameworks}} {
		if len(kv.vals) > 0 {
			parts = append(parts, kv.label+" "+strings.Join(kv.vals, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// rules narrows rules to the schedule's frameworks and services (any of
// each).
func (s *scheduleScope) rules(all []*checks.Rule) []*checks.Rule {
	var out []*checks.Rule
	for _, r := range all {
		if (len(s.Frameworks) == 0 || slices.ContainsFunc(s.Frameworks, r.InFramework)) &&
			(len(s.Services) == 0 || slices.ContainsFunc(s.Services, func(svc string) bool { return strings.HasPrefix(r.Resource, "aws."+svc+".") })) {
			out = append(out, r)
		}
	}
	return out
}
