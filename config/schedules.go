package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	// Time zones must validate on hosts and images without a zoneinfo
	// database.
	_ "time/tzdata"

	"github.com/comply-bot/comply/checks"
)

// The schedules: section runs scans on cron specs.

type rawSchedule struct {
	Name       string   `yaml:"name"`
	Cron       string   `yaml:"cron"`
	Timezone   string   `yaml:"timezone"`
	Sources    []string `yaml:"sources"`
	Regions    []string `yaml:"regions"`
	Services   []string `yaml:"services"`
	Frameworks []string `yaml:"frameworks"`
	Summary    *bool    `yaml:"summary"`
}

// Schedule is a scan run on a cron spec.
type Schedule struct {
	Name string
	// Cron is a standard five-field spec (minute hour day month weekday) or
	// a descriptor such as @daily; Spec is it parsed, in Location.
	Cron     string
	Spec     cron.Schedule
	Location *time.Location
	// Sources names config sources (empty: all of them, or the default aws
	// source when none are configured).
	Sources []string
	// Regions, Services and Frameworks narrow the scan (empty: no limit).
	Regions    []string
	Services   []string
	Frameworks []string // framework ids, like HIPAA
	// Summary posts a summary message after the scan (default true).
	Summary bool
}

// Next returns the schedule's first run after t.
func (s Schedule) Next(t time.Time) time.Time { return s.Spec.Next(t.In(s.Location)) }

// knownServices are the AWS services rules look at, from the resource type
// catalog (aws.SERVICE.KIND).
func knownServices() []string {
	var out []string
	for _, n := range checks.DefaultCatalog().Names() {
		parts := strings.Split(n, ".")
		if len(parts) >= 2 && !slices.Contains(out, parts[1]) {
			out = append(out, parts[1])
		}
	}
	slices.Sort(out)
	return out
}

func (raw *rawConfig) schedules(add addFunc, sources []Source) []Schedule {
	var out []Schedule
	seen := map[string]bool{}
	services := knownServices()
	for i, r := range raw.Schedules {
		at := fmt.Sprintf("$.schedules[%d]", i)
		checkName(add, at, "schedule", i, r.Name, seen)
		s := Schedule{Name: r.Name, Cron: strings.TrimSpace(r.Cron), Sources: r.Sources,
			Regions: r.Regions, Services: r.Services, Summary: r.Summary == nil || *r.Summary}
		s.Spec, s.Location = cronSpec(add, at, "schedule", r.Name, s.Cron, r.Timezone)
		for j, name := range r.Sources {
			found := slices.ContainsFunc(sources, func(src Source) bool { return src.Name == name })
			if !found && (len(sources) > 0 || name != SourceAWS) {
				add(fmt.Sprintf("%s.sources[%d]", at, j), "schedule %q: source %q is not defined in sources", r.Name, name)
			}
			if slices.Contains(r.Sources[:j], name) {
				add(fmt.Sprintf("%s.sources[%d]", at, j), "schedule %q: source %q listed twice", r.Name, name)
			}
		}
		for j, reg := range r.Regions {
			if reg == "all" && len(r.Regions) > 1 {
				add(fmt.Sprintf("%s.regions[%d]", at, j), "schedule %q: \"all\" cannot be combined with other regions", r.Name)
			} else if reg != "all" && !regionPattern.MatchString(reg) {
				add(fmt.Sprintf("%s.regions[%d]", at, j), "schedule %q: %q is not an AWS region name", r.Name, reg)
			}
		}
		for j, svc := range r.Services {
			if !slices.Contains(services, svc) {
				add(fmt.Sprintf("%s.services[%d]", at, j), "schedule %q: unknown service %q (want one of %s)", r.Name, svc, strings.Join(services, ", "))
			}
		}
		for j, fw := range r.Frameworks {
			id, err := checks.ParseFramework(fw)
			if err != nil {
				add(fmt.Sprintf("%s.frameworks[%d]", at, j), "schedule %q: %v", r.Name, err)
				continue
			}
			s.Frameworks = append(s.Frameworks, id)
		}
		out = append(out, s)
	}
	return out
}

// checkName checks the name of the i-th entry of a list (at): present, of
// the allowed characters, not seen before; it adds name to seen.
func checkName(add addFunc, at, what string, i int, name string, seen map[string]bool) {
	switch {
	case name == "":
		add(at, "%s %d: missing name", what, i+1)
	case !namePattern.MatchString(name):
		add(at+".name", "%s name %q: use lower-case letters, digits, - and _", what, name)
	case seen[name]:
		add(at+".name", "%s name %q used twice", what, name)
	}
	seen[name] = true
}

// cronSpec parses a cron spec and an optional time zone (default UTC) of
// the entry at path at; what and name say whose they are in messages.
func cronSpec(add addFunc, at, what, name, spec, tz string) (cron.Schedule, *time.Location) {
	var sched cron.Schedule
	switch {
	case spec == "":
		add(at, "%s %q: missing cron spec (like \"0 6 * * *\")", what, name)
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		add(at+".cron", "%s %q: set the time zone with timezone:, not in the cron spec", what, name)
	case strings.HasPrefix(spec, "@every ") && !everyMinuteOrMore(spec):
		add(at+".cron", "%s %q: %q: @every needs a duration of at least 1m, in whole minutes (like @every 6h)", what, name, spec)
	default:
		var err error
		if sched, err = cron.ParseStandard(spec); err != nil {
			add(at+".cron", "%s %q: cron %q: %v (want minute hour day month weekday, like \"0 6 * * 1-5\")", what, name, spec, err)
		}
		if d, ok := sched.(cron.ConstantDelaySchedule); ok {
			sched = everySchedule{d.Delay}
		}
	}
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			add(at+".timezone", "%s %q: unknown time zone %q (want an IANA name like Europe/Berlin)", what, name, tz)
		} else {
			loc = l
		}
	}
	return sched, loc
}

// everyMinuteOrMore keeps "@every 10s" and "@every 90s" out: schedules are
// seconds-free, and ticks (lock keys, calendar occurrences) are named to
// the minute.
func everyMinuteOrMore(spec string) bool {
	d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every ")))
	return err != nil || (d >= time.Minute && d%time.Minute == 0) // a parse error is reported by the cron parser
}

// everySchedule is @every D counted from the Unix epoch, not (as cron's
// ConstantDelaySchedule) from whenever the process started: replicas
// started at different times must fire the same ticks, or each runs its
// own, and a calendar occurrence must be a time Next can name again.
type everySchedule struct{ every time.Duration }

// Next implements cron.Schedule: the first multiple of every after t.
func (e everySchedule) Next(t time.Time) time.Time {
	n := t.UnixNano()/int64(e.every) + 1
	return time.Unix(0, n*int64(e.every)).In(t.Location())
}
