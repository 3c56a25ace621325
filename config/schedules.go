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
		switch {
		case r.Name == "":
			add(at, "schedule %d: missing name", i+1)
		case !namePattern.MatchString(r.Name):
			add(at+".name", "schedule name %q: use lower-case letters, digits, - and _", r.Name)
		case seen[r.Name]:
			add(at+".name", "schedule name %q used twice", r.Name)
		}
		seen[r.Name] = true
		s := Schedule{Name: r.Name, Cron: strings.TrimSpace(r.Cron), Location: time.UTC, Sources: r.Sources,
			Regions: r.Regions, Services: r.Services, Summary: r.Summary == nil || *r.Summary}
		switch {
		case s.Cron == "":
			add(at, "schedule %q: missing cron spec (like \"0 6 * * *\")", r.Name)
		case strings.HasPrefix(s.Cron, "TZ=") || strings.HasPrefix(s.Cron, "CRON_TZ="):
			add(at+".cron", "schedule %q: set the time zone with timezone:, not in the cron spec", r.Name)
		case strings.HasPrefix(s.Cron, "@every ") && !everyMinuteOrMore(s.Cron):
			add(at+".cron", "schedule %q: %q: @every needs a duration of at least 1m (like @every 6h)", r.Name, s.Cron)
		default:
			spec, err := cron.ParseStandard(s.Cron)
			if err != nil {
				add(at+".cron", "schedule %q: cron %q: %v (want minute hour day month weekday, like \"0 6 * * 1-5\")", r.Name, s.Cron, err)
			}
			s.Spec = spec
		}
		if r.Timezone != "" {
			loc, err := time.LoadLocation(r.Timezone)
			if err != nil || strings.EqualFold(r.Timezone, "local") {
				add(at+".timezone", "schedule %q: unknown time zone %q (want an IANA name like Europe/Berlin)", r.Name, r.Timezone)
			} else {
				s.Location = loc
			}
		}
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

// everyMinuteOrMore keeps "@every 10s" out: schedules are seconds-free.
func everyMinuteOrMore(spec string) bool {
	d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every ")))
	return err != nil || d >= time.Minute // a parse error is reported by the cron parser
}
