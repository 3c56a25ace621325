// Package route decides where a finding goes: a tree of routes in the
// spirit of Alertmanager, each with matchers, receivers, grouping, a digest
// mode and reminder intervals. It is pure: no I/O, no clock.
package route

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// GroupByAll as the only group_by entry puts every finding in its own group.
const GroupByAll = "..."

// DefaultGroupInterval is how often a digest group is sent when no route
// says otherwise: daily, as scans of most estates run daily.
const DefaultGroupInterval = 24 * time.Hour

// Route is one node of the tree. Unset fields (nil, empty, zero) inherit
// from the parent; Continue and Matchers never do.
type Route struct {
	// Name labels the route in paths; unnamed routes show as their index.
	Name     string
	Matchers []Matcher // all must match; none matches everything
	// Receivers get the findings this route delivers (empty: the parent's).
	Receivers []string
	// Continue lets the next sibling routes be tried after this one matched.
	Continue bool
	// GroupBy names the fields that split findings into groups (nil: the
	// parent's; empty at the root: one group per route).
	GroupBy []string
	// Digest sends one message per group per GroupInterval instead of one
	// per finding (nil: the parent's).
	Digest        *bool
	GroupInterval time.Duration // 0: the parent's
	// Reminders is the reminder interval of still-open findings by
	// severity, merged over the parent's; 0 means never.
	Reminders map[checks.Severity]time.Duration
	Children  []*Route
}

// Tree is a validated route tree.
type Tree struct {
	root *Route
	// digest marks receivers that always deliver digests (a Slack receiver
	// in digest mode).
	digest map[string]bool
}

// Match is one delivery a finding gets.
type Match struct {
	Receiver string
	// Route is the path of the route that delivered, like
	// "root/critical/0" (names, or indexes for unnamed routes).
	Route string
	// GroupKey identifies the finding's group: the route path and the
	// group_by values.
	GroupKey      string
	GroupBy       []string
	Digest        bool
	GroupInterval time.Duration
	// Reminder is the reminder interval for the finding's severity; set
	// only if HasReminder (otherwise the store's default applies).
	Reminder    time.Duration
	HasReminder bool
}

// New checks a tree: the root has receivers and no matchers, every
// group_by field is known. digestReceivers always deliver digests.
func New(root *Route, digestReceivers ...string) (*Tree, error) {
	if root == nil {
		return nil, errors.New("route tree: no root route")
	}
	if len(root.Receivers) == 0 {
		return nil, errors.New("route tree: the root route needs a receiver (the default for findings no other route takes)")
	}
	if len(root.Matchers) > 0 {
		return nil, errors.New("route tree: the root route matches every finding; it takes no matchers")
	}
	if root.Continue {
		return nil, errors.New("route tree: the root route has no siblings; continue does not apply")
	}
	var walk func(r *Route, path string) error
	walk = func(r *Route, path string) error {
		for _, g := range r.GroupBy {
			if err := CheckGroupBy(g); err != nil {
				return fmt.Errorf("route %s: %w", path, err)
			}
		}
		if slices.Contains(r.GroupBy, GroupByAll) && len(r.GroupBy) > 1 {
			return fmt.Errorf("route %s: group_by %q must stand alone", path, GroupByAll)
		}
		if r.GroupInterval < 0 {
			return fmt.Errorf("route %s: negative group interval", path)
		}
		for i, c := range r.Children {
			if c == nil {
				return fmt.Errorf("route %s: child %d is nil", path, i)
			}
			if err := walk(c, path+"/"+segment(c, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, "root"); err != nil {
		return nil, err
	}
	t := &Tree{root: root, digest: map[string]bool{}}
	for _, r := range digestReceivers {
		t.digest[r] = true
	}
	return t, nil
}

// CheckGroupBy validates one group_by entry.
func CheckGroupBy(g string) error {
	if g == GroupByAll {
		return nil
	}
	if k, ok := strings.CutPrefix(g, FieldTags+"."); ok && k != "" {
		return nil
	}
	if g != FieldTags && slices.Contains(Fields(), g) {
		return nil
	}
	return fmt.Errorf("group_by %q: want one of %s, tags.KEY or %q", g, strings.Join(Fields()[:len(Fields())-1], ", "), GroupByAll)
}

// Root returns the root route (read-only).
func (t *Tree) Root() *Route { return t.root }

func segment(r *Route, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprint(i)
}

// settings are a route's effective, inherited values.
type settings struct {
	receivers     []string
	groupBy       []string
	digest        bool
	groupInterval time.Duration
	reminders     map[checks.Severity]time.Duration
}

func (s settings) inherit(r *Route) settings {
	out := s
	if len(r.Receivers) > 0 {
		out.receivers = r.Receivers
	}
	if r.GroupBy != nil {
		out.groupBy = r.GroupBy
	}
	if r.Digest != nil {
		out.digest = *r.Digest
	}
	if r.GroupInterval > 0 {
		out.groupInterval = r.GroupInterval
	}
	if len(r.Reminders) > 0 {
		out.reminders = make(map[checks.Severity]time.Duration, len(s.reminders)+len(r.Reminders))
		for k, v := range s.reminders {
			out.reminders[k] = v
		}
		for k, v := range r.Reminders {
			out.reminders[k] = v
		}
	}
	return out
}

// Match returns where a finding goes: depth first, the first matching child
// wins unless it has continue; a route none of whose children match
// delivers to its own receivers. A receiver reached by several routes gets
// the finding once, from the first.
func (t *Tree) Match(f checks.Finding) []Match {
	base := settings{groupInterval: DefaultGroupInterval}
	ms, _ := t.match(t.root, f, base.inherit(t.root), "root")
	seen := map[string]bool{}
	out := ms[:0]
	for _, m := range ms {
		if !seen[m.Receiver] {
			seen[m.Receiver] = true
			out = append(out, m)
		}
	}
	return out
}

func (t *Tree) match(r *Route, f checks.Finding, eff settings, path string) ([]Match, bool) {
	for _, m := range r.Matchers {
		if !m.Match(f) {
			return nil, false
		}
	}
	var out []Match
	matched := false
	for i, c := range r.Children {
		ms, ok := t.match(c, f, eff.inherit(c), path+"/"+segment(c, i))
		if !ok {
			continue
		}
		matched = true
		out = append(out, ms...)
		if !c.Continue {
			break
		}
	}
	if matched {
		return out, true
	}
	key := groupKey(f, path, eff.groupBy)
	rem, has := eff.reminders[f.Severity]
	for _, rcv := range eff.receivers {
		out = append(out, Match{
			Receiver: rcv, Route: path, GroupKey: key, GroupBy: eff.groupBy,
			Digest: eff.digest || t.digest[rcv], GroupInterval: eff.groupInterval,
			Reminder: rem, HasReminder: has,
		})
	}
	return out, true
}

// groupKey is the route path and the finding's group_by values, like
// `root/low{account="1111",severity="low"}`.
func groupKey(f checks.Finding, path string, groupBy []string) string {
	if slices.Contains(groupBy, GroupByAll) {
		return path + "{fingerprint=" + fmt.Sprintf("%q", f.Fingerprint) + "}"
	}
	parts := make([]string, 0, len(groupBy))
	for _, g := range groupBy {
		field, tag := g, ""
		if k, ok := strings.CutPrefix(g, FieldTags+"."); ok {
			field, tag = FieldTags, k
		}
		vals, _ := fieldValues(f, field, tag)
		parts = append(parts, fmt.Sprintf("%s=%q", g, strings.Join(vals, ",")))
	}
	slices.Sort(parts)
	return path + "{" + strings.Join(parts, ",") + "}"
}
