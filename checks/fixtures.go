package checks

import (
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/comply-bot/comply/internal/yamlx"
)

// A fixture file (NAME_test.yaml) holds rule test cases:
//
//	scan_time: 2026-01-01T00:00:00Z     # what rules see as scan_time
//	templates:                          # optional named base resources
//	  bucket: {type: aws.s3.bucket, account: "111122223333", region: us-east-1, attributes: {...}}
//	cases:
//	  - name: unencrypted bucket
//	    template: bucket                # start from a template (optional)
//	    resource:                       # merged over it: fields replace, attributes merge by key
//	      id: arn:aws:s3:::plain
//	      attributes: {encryption_enabled: false}
//	    expect:
//	      aws-s3-bucket-encryption: fail  # pass | fail | error | unknown | not_applicable
type rawFixtureFile struct {
	ScanTime  string                  `yaml:"scan_time"`
	Templates map[string]fixtureResrc `yaml:"templates"`
	Cases     []ast.Node              `yaml:"cases"`
}

type fixtureResrc struct {
	ID         *string           `yaml:"id"`
	Type       *string           `yaml:"type"`
	Account    *string           `yaml:"account"`
	Region     *string           `yaml:"region"`
	Name       *string           `yaml:"name"`
	Tags       map[string]string `yaml:"tags"`
	Attributes map[string]any    `yaml:"attributes"`
}

type rawCase struct {
	Name     string            `yaml:"name"`
	Template string            `yaml:"template"`
	Resource fixtureResrc      `yaml:"resource"`
	Expect   map[string]string `yaml:"expect"`
}

// FixtureCase is one resource and the outcome expected of each named rule.
type FixtureCase struct {
	File     string
	Line     int
	Name     string
	Resource Resource
	Expect   map[string]Status
}

// FixtureFile is a parsed fixture file.
type FixtureFile struct {
	Name     string
	ScanTime time.Time
	Cases    []FixtureCase
}

// LoadFixtures parses and normalizes a fixture file.
func (c *Catalog) LoadFixtures(src RuleSource) (*FixtureFile, error) {
	fail := func(line int, format string, args ...any) error {
		return RuleErrors{{File: src.Name, Line: line, Msg: fmt.Sprintf(format, args...)}}
	}
	f, err := parser.ParseBytes(src.Data, 0)
	if err != nil {
		line, msg := yamlx.ErrorPos(err)
		return nil, fail(line, "invalid YAML: %s", msg)
	}
	var raw rawFixtureFile
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil, fail(0, "want one YAML document with a cases: list")
	}
	if err := yamlx.Decode(f.Docs[0].Body, &raw); err != nil {
		line, msg := yamlx.ErrorPos(err)
		return nil, fail(line, "%s", msg)
	}
	out := &FixtureFile{Name: src.Name}
	if raw.ScanTime != "" {
		t, err := time.Parse(time.RFC3339, raw.ScanTime)
		if err != nil {
			return nil, fail(1, "scan_time: want an RFC 3339 time, got %q", raw.ScanTime)
		}
		out.ScanTime = t
	}
	if len(raw.Cases) == 0 {
		return nil, fail(0, "no cases")
	}
	for i, n := range raw.Cases {
		line := yamlx.NodeLine(n)
		var rc rawCase
		if err := yamlx.Decode(n, &rc); err != nil {
			l, msg := yamlx.ErrorPos(err)
			return nil, fail(max(l, line), "%s", msg)
		}
		if rc.Name == "" {
			rc.Name = fmt.Sprintf("case %d", i+1)
		}
		var res Resource
		if rc.Template != "" {
			t, ok := raw.Templates[rc.Template]
			if !ok {
				return nil, fail(line, "case %q: unknown template %q", rc.Name, rc.Template)
			}
			res = t.overlay(res)
		}
		res = rc.Resource.overlay(res)
		if _, err := c.Normalize(&res); err != nil {
			return nil, fail(line, "case %q: %v", rc.Name, err)
		}
		if len(rc.Expect) == 0 {
			return nil, fail(line, "case %q: no expect: entries", rc.Name)
		}
		fc := FixtureCase{File: src.Name, Line: line, Name: rc.Name, Resource: res, Expect: map[string]Status{}}
		for id, want := range rc.Expect {
			st := Status(want)
			switch st {
			case StatusPass, StatusFail, StatusError, StatusUnknown, StatusNotApplicable:
			default:
				return nil, fail(line, "case %q: rule %s: unknown outcome %q (want pass, fail, error, unknown or not_applicable)", rc.Name, id, want)
			}
			fc.Expect[id] = st
		}
		out.Cases = append(out.Cases, fc)
	}
	return out, nil
}

// overlay applies r over base: set fields replace, attributes merge by key
// (a null attribute removes it, making it unknown).
func (r fixtureResrc) overlay(base Resource) Resource {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&base.ID, r.ID)
	set(&base.Type, r.Type)
	set(&base.Account, r.Account)
	set(&base.Region, r.Region)
	set(&base.Name, r.Name)
	if r.Tags != nil {
		base.Tags = maps.Clone(r.Tags)
	}
	attrs := map[string]any{}
	for k, v := range base.Attributes {
		attrs[k] = deepCopy(v)
	}
	for k, v := range r.Attributes {
		if v == nil {
			delete(attrs, k)
			continue
		}
		attrs[k] = deepCopy(v)
	}
	base.Attributes = attrs
	return base
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// CaseResult is one (case, rule) expectation and what happened.
type CaseResult struct {
	File   string
	Line   int
	Case   string
	RuleID string
	Want   Status
	Got    Status
	Detail string // error or unknown message
}

// OK reports whether the expectation held.
func (r CaseResult) OK() bool { return r.Want == r.Got }

// FixtureReport is the outcome of running fixtures.
type FixtureReport struct {
	Results []CaseResult
	// Coverage says, per rule, whether some case expected pass and some fail.
	Coverage map[string][2]bool
}

// Failed counts expectations that did not hold.
func (r *FixtureReport) Failed() int {
	n := 0
	for _, c := range r.Results {
		if !c.OK() {
			n++
		}
	}
	return n
}

// Uncovered lists rules lacking a passing or a failing case.
func (r *FixtureReport) Uncovered() []string {
	var out []string
	for id, cov := range r.Coverage {
		if !cov[0] || !cov[1] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// RunFixtures checks every expectation of every case. An expectation naming a
// rule that is not loaded is reported as a failure ("no such rule").
func RunFixtures(rules []*Rule, files []*FixtureFile) *FixtureReport {
	byID := map[string]*Rule{}
	rep := &FixtureReport{Coverage: map[string][2]bool{}}
	for _, r := range rules {
		byID[r.ID] = r
		rep.Coverage[r.ID] = [2]bool{}
	}
	var m vm.VM
	for _, f := range files {
		scanTime := f.ScanTime
		if scanTime.IsZero() {
			scanTime = time.Now()
		}
		for _, c := range f.Cases {
			env := NewEnv(&c.Resource, scanTime.UTC())
			ids := make([]string, 0, len(c.Expect))
			for id := range c.Expect {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				want := c.Expect[id]
				cr := CaseResult{File: c.File, Line: c.Line, Case: c.Name, RuleID: id, Want: want}
				r, ok := byID[id]
				switch {
				case !ok:
					cr.Got, cr.Detail = "", "no such rule"
				case r.Resource != c.Resource.Type:
					cr.Got, cr.Detail = StatusNotApplicable, fmt.Sprintf("rule is for %s, resource is %s", r.Resource, c.Resource.Type)
				default:
					st, err := r.Eval(&m, &c.Resource, env)
					cr.Got = st
					if err != nil {
						cr.Detail = err.Error()
					}
					cov := rep.Coverage[id]
					if st == want && want == StatusPass {
						cov[0] = true
					}
					if st == want && want == StatusFail {
						cov[1] = true
					}
					rep.Coverage[id] = cov
				}
				rep.Results = append(rep.Results, cr)
			}
		}
	}
	return rep
}
