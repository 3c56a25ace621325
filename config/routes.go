package config

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
)

// The routes: section is the root of the route tree (bot/route); its
// routes: key holds the child routes, and so on down.

type rawRoute struct {
	Name          string            `yaml:"name"`
	Receiver      string            `yaml:"receiver"`
	Receivers     []string          `yaml:"receivers"`
	Continue      bool              `yaml:"continue"`
	GroupBy       []string          `yaml:"group_by"`
	GroupInterval string            `yaml:"group_interval"`
	Digest        *bool             `yaml:"digest"`
	Reminders     map[string]string `yaml:"reminders"`
	Matchers      []rawMatcher      `yaml:"matchers"`
	Routes        []rawRoute        `yaml:"routes"`
}

// rawMatcher is one item of a matchers list; every key set in it must
// match, as must every item.
type rawMatcher struct {
	Severity     patternList       `yaml:"severity"`
	Framework    patternList       `yaml:"framework"`
	Account      patternList       `yaml:"account"`
	Region       patternList       `yaml:"region"`
	ResourceType patternList       `yaml:"resource_type"`
	ResourceID   patternList       `yaml:"resource_id"`
	RuleID       patternList       `yaml:"rule_id"`
	Tags         map[string]string `yaml:"tags"`
}

// patternList is one pattern or a list of them (any may match). Numbers are
// read as written, so an unquoted account id keeps its digits. A value of
// another shape is kept as a problem and reported with its path's line.
type patternList struct {
	set  bool
	vals []string
	bad  bool
}

// UnmarshalYAML reads a scalar or a sequence of scalars.
func (p *patternList) UnmarshalYAML(n ast.Node) error {
	scalar := func(n ast.Node) (string, bool) {
		switch v := n.(type) {
		case *ast.StringNode:
			return v.Value, true
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
			return n.GetToken().Value, true
		}
		return "", false
	}
	*p = patternList{set: true}
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, v := range seq.Values {
			s, ok := scalar(v)
			if !ok {
				p.bad = true
				return nil
			}
			p.vals = append(p.vals, s)
		}
		return nil
	}
	s, ok := scalar(n)
	p.vals, p.bad = []string{s}, !ok
	return nil
}

// routing validates receivers, routes and schedules together: routes and
// schedules refer to receivers and sources by name.
func (raw *rawConfig) routing(add addFunc, cfg *Config) {
	cfg.Receivers = raw.receivers(add, cfg.Slack.Channel)
	cfg.Schedules = raw.schedules(add, cfg.Sources)
	if raw.Routes == nil {
		return
	}
	byName := map[string]Receiver{}
	for _, r := range cfg.Receivers {
		byName[r.Name] = r
	}
	root, ok := raw.route(add, "$.routes", "routes", raw.Routes, true, byName)
	if !ok {
		return
	}
	var digest []string
	for _, r := range cfg.Receivers {
		if r.Slack != nil && r.Slack.Mode == SlackModeDigest {
			digest = append(digest, r.Name)
		}
	}
	tree, err := route.New(root, digest...)
	if err != nil {
		// Every rule New checks was checked above with a line; this is a
		// safety net.
		add("$.routes", "routes: %v", err)
		return
	}
	cfg.Routes = tree
}

// route converts one raw route and its children; ok is false when a
// problem was reported.
func (raw *rawConfig) route(add addFunc, at, label string, r *rawRoute, isRoot bool, receivers map[string]Receiver) (*route.Route, bool) {
	ok := true
	bad := func(path string, format string, args ...any) {
		ok = false
		add(path, label+": "+format, args...)
	}
	out := &route.Route{Name: r.Name, Continue: r.Continue, Digest: r.Digest}
	if r.Name != "" && !namePattern.MatchString(r.Name) {
		bad(at+".name", "route name %q: use lower-case letters, digits, - and _", r.Name)
	}
	if r.Receiver != "" && len(r.Receivers) > 0 {
		bad(at+".receivers", "set receiver or receivers, not both")
	}
	names := r.Receivers
	if r.Receiver != "" {
		names = []string{r.Receiver}
	}
	for i, n := range names {
		path := at + ".receiver"
		if r.Receiver == "" {
			path = fmt.Sprintf("%s.receivers[%d]", at, i)
		}
		if _, known := receivers[n]; !known {
			bad(path, "receiver %q is not defined in receivers", n)
		} else if slices.Contains(names[:i], n) {
			bad(path, "receiver %q listed twice", n)
		}
	}
	out.Receivers = names
	if isRoot {
		if len(names) == 0 {
			bad(at, "the root route needs a receiver: the default for findings no other route takes")
		}
		if len(r.Matchers) > 0 {
			bad(at+".matchers", "the root route matches every finding; put matchers on child routes")
		}
		if r.Continue {
			bad(at+".continue", "continue applies to child routes only")
		}
	}
	if r.GroupBy != nil {
		out.GroupBy = []string{}
	}
	for i, g := range r.GroupBy {
		if err := route.CheckGroupBy(g); err != nil {
			bad(fmt.Sprintf("%s.group_by[%d]", at, i), "%v", err)
		}
		if g == route.GroupByAll && len(r.GroupBy) > 1 {
			bad(fmt.Sprintf("%s.group_by[%d]", at, i), "group_by %q must stand alone", g)
		}
		out.GroupBy = append(out.GroupBy, g)
	}
	if r.GroupInterval != "" {
		d, err := parseDuration(r.GroupInterval, "")
		switch {
		case err != nil:
			bad(at+".group_interval", "group_interval: %v", err)
		case d < time.Minute:
			bad(at+".group_interval", "group_interval must be at least 1m")
		}
		out.GroupInterval = d
	}
	for _, k := range slices.Sorted(maps.Keys(r.Reminders)) {
		sev, err := checks.ParseSeverity(k)
		if err != nil {
			bad(at+".reminders."+k, "reminders: %v", err)
			continue
		}
		d, err := parseDuration(r.Reminders[k], "never")
		if err != nil {
			bad(at+".reminders."+k, "reminders.%s: %v", k, err)
			continue
		}
		if out.Reminders == nil {
			out.Reminders = map[checks.Severity]time.Duration{}
		}
		out.Reminders[sev] = d
	}
	for i, m := range r.Matchers {
		mat := fmt.Sprintf("%s.matchers[%d]", at, i)
		ms, errs := compileMatchers(m)
		for _, e := range errs {
			bad(mat+"."+e.field, "%v", e.err)
		}
		if len(ms) == 0 && len(errs) == 0 {
			bad(mat, "empty matcher (want severity, framework, account, region, resource_type, resource_id, rule_id or tags)")
		}
		out.Matchers = append(out.Matchers, ms...)
	}
	for i := range r.Routes {
		c, cok := raw.route(add, fmt.Sprintf("%s.routes[%d]", at, i), fmt.Sprintf("%s[%d]", label, i), &r.Routes[i], false, receivers)
		ok = ok && cok
		out.Children = append(out.Children, c)
	}
	return out, ok
}

type matcherErr struct {
	field string
	err   error
}

func compileMatchers(m rawMatcher) ([]route.Matcher, []matcherErr) {
	var out []route.Matcher
	var errs []matcherErr
	for _, f := range []struct {
		field string
		pats  patternList
	}{
		{route.FieldSeverity, m.Severity}, {route.FieldFramework, m.Framework}, {route.FieldAccount, m.Account},
		{route.FieldRegion, m.Region}, {route.FieldResourceType, m.ResourceType}, {route.FieldResourceID, m.ResourceID},
		{route.FieldRuleID, m.RuleID},
	} {
		if !f.pats.set {
			continue
		}
		if f.pats.bad {
			errs = append(errs, matcherErr{f.field, fmt.Errorf("%s: want a pattern or a list of patterns", f.field)})
			continue
		}
		rm, err := route.NewMatcher(f.field, f.pats.vals...)
		if err != nil {
			errs = append(errs, matcherErr{f.field, err})
			continue
		}
		out = append(out, rm)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Tags)) {
		rm, err := route.NewTagMatcher(k, m.Tags[k])
		if err != nil {
			errs = append(errs, matcherErr{"tags", err})
			continue
		}
		out = append(out, rm)
	}
	return out, errs
}

var _ yaml.NodeUnmarshaler = (*patternList)(nil)
