package checks

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Engine evaluates a fixed set of compiled rules. It is safe for concurrent use.
type Engine struct {
	rules  []*Rule
	byType map[string][]int // resource type -> indexes into rules
}

// NewEngine prepares rules for evaluation.
func NewEngine(rules []*Rule) *Engine {
	e := &Engine{rules: rules, byType: map[string][]int{}}
	for i, r := range rules {
		e.byType[r.Resource] = append(e.byType[r.Resource], i)
	}
	return e
}

// Rules returns the engine's rules.
func (e *Engine) Rules() []*Rule { return e.rules }

// EvalOptions tune one evaluation.
type EvalOptions struct {
	// ScanTime is what rules see as scan_time (ages of keys, last use). Zero
	// means now.
	ScanTime time.Time
	// SkipTypes are resource types whose collection was incomplete: rules over
	// them yield no findings and no passes.
	SkipTypes map[string]bool
	// Workers bounds parallelism; zero means GOMAXPROCS.
	Workers int
}

// chunkSize trades scheduling overhead against load balance.
const chunkSize = 256

type chunkOut struct {
	findings []Finding
	errors   []Inconclusive
	unknown  []Inconclusive
}

// Evaluate runs every applicable rule on every resource, in parallel. The
// output order does not depend on scheduling.
func (e *Engine) Evaluate(ctx context.Context, resources []Resource, opts EvalOptions) (*Result, error) {
	scanTime := opts.ScanTime
	if scanTime.IsZero() {
		scanTime = time.Now()
	}
	scanTime = scanTime.UTC()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var boxedTime any = scanTime // boxed once, not per resource
	nChunks := (len(resources) + chunkSize - 1) / chunkSize
	workers = max(1, min(workers, nChunks))
	outs := make([]chunkOut, nChunks)
	counts := make([][]RuleStats, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = make([]RuleStats, len(e.rules))
		wg.Go(func() {
			var machine vm.VM
			// One env map per worker, refilled per resource: allocating a map
			// per resource dominated the cost of large scans.
			env := make(map[string]any, 64)
			for ctx.Err() == nil {
				c := int(next.Add(1) - 1)
				if c >= nChunks {
					return
				}
				lo, hi := c*chunkSize, min((c+1)*chunkSize, len(resources))
				for i := lo; i < hi; i++ {
					e.evalResource(&machine, env, &resources[i], boxedTime, opts.SkipTypes, &outs[c], counts[w])
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate rules: %w", err)
	}
	res := &Result{Resources: len(resources), Rules: make([]RuleStats, len(e.rules))}
	for i, r := range e.rules {
		s := &res.Rules[i]
		*s = RuleStats{RuleID: r.ID, Title: r.Title, Severity: r.Severity, ResourceType: r.Resource,
			Frameworks: r.Frameworks, Skipped: opts.SkipTypes[r.Resource]}
		for w := range counts {
			c := counts[w][i]
			s.Pass += c.Pass
			s.Fail += c.Fail
			s.Error += c.Error
			s.Unknown += c.Unknown
			s.NotApplicable += c.NotApplicable
		}
	}
	for _, o := range outs {
		res.Findings = append(res.Findings, o.findings...)
		res.Errors = append(res.Errors, o.errors...)
		res.Unknown = append(res.Unknown, o.unknown...)
	}
	SortFindings(res.Findings)
	sortInconclusive(res.Errors)
	sortInconclusive(res.Unknown)
	return res, nil
}

func (e *Engine) evalResource(m *vm.VM, env map[string]any, res *Resource, scanTime any, skip map[string]bool, out *chunkOut, counts []RuleStats) {
	idx := e.byType[res.Type]
	if len(idx) == 0 || skip[res.Type] {
		return
	}
	fillEnv(env, res, scanTime)
	for _, i := range idx {
		r := e.rules[i]
		status, err := r.Eval(m, res, env)
		c := &counts[i]
		switch status {
		case StatusPass:
			c.Pass++
		case StatusNotApplicable:
			c.NotApplicable++
		case StatusFail:
			c.Fail++
			out.findings = append(out.findings, r.finding(m, res, env))
		case StatusError:
			c.Error++
			out.errors = append(out.errors, r.inconclusive(res, err.Error()))
		case StatusUnknown:
			c.Unknown++
			out.unknown = append(out.unknown, r.inconclusive(res, err.Error()))
		}
	}
}

// NewEnv builds the environment rules see for a resource: its attributes at
// the top level, plus id, type, account, region, name (the id when the
// resource has no name), tags, attributes (the raw map) and scan_time.
func NewEnv(res *Resource, scanTime time.Time) map[string]any {
	env := make(map[string]any, len(res.Attributes)+8)
	fillEnv(env, res, scanTime)
	return env
}

// fillEnv clears env and fills it for res.
func fillEnv(env map[string]any, res *Resource, scanTime any) {
	clear(env)
	for k, v := range res.Attributes {
		env[k] = v
	}
	env["id"] = res.ID
	env["type"] = res.Type
	env["account"] = res.Account
	env["region"] = res.Region
	// A nameless resource is called by its id, so messages never read "bucket  has".
	name := res.Name
	if name == "" {
		name = res.ID
	}
	env["name"] = name
	tags := res.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	env["tags"] = tags
	env["attributes"] = res.Attributes
	env["scan_time"] = scanTime
}

// unknownError names the attributes a rule needed but the resource lacks.
type unknownError struct{ missing []string }

func (e *unknownError) Error() string {
	return "not evaluated: unknown attribute " + strings.Join(e.missing, ", ")
}

// Eval runs the rule on one resource with a reused VM and the resource's env
// (NewEnv). It never panics on input; a run-time failure is StatusError.
func (r *Rule) Eval(m *vm.VM, res *Resource, env map[string]any) (status Status, err error) {
	if res.Type != r.Resource {
		return StatusNotApplicable, nil
	}
	// An unknown attribute makes the rule unknown only where it matters: a
	// when: that is known and false makes the rule not applicable whatever
	// the assert would read.
	if !hasAll(res, r.whenRefs) {
		return StatusUnknown, r.missing(res)
	}
	defer func() {
		if p := recover(); p != nil {
			status, err = StatusError, fmt.Errorf("rule panicked: %v", p)
		}
	}()
	if r.when != nil {
		ok, err := runBool(m, r.when, env)
		if err != nil {
			return StatusError, fmt.Errorf("when: %w", err)
		}
		if !ok {
			return StatusNotApplicable, nil
		}
	}
	if !hasAll(res, r.assertRefs) {
		return StatusUnknown, r.missing(res)
	}
	ok, err := runBool(m, r.assert, env)
	if err != nil {
		return StatusError, fmt.Errorf("assert: %w", err)
	}
	if ok {
		return StatusPass, nil
	}
	return StatusFail, nil
}

func hasAll(res *Resource, names []string) bool {
	for _, name := range names {
		if _, ok := res.Attributes[name]; !ok {
			return false
		}
	}
	return true
}

func (r *Rule) missing(res *Resource) error {
	var miss []string
	for _, name := range r.refs {
		if _, ok := res.Attributes[name]; !ok {
			miss = append(miss, name)
		}
	}
	return &unknownError{miss}
}

func runBool(m *vm.VM, p *vm.Program, env map[string]any) (bool, error) {
	out, err := m.Run(p, env)
	if err != nil {
		return false, fmt.Errorf("%s", firstLine(err.Error()))
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %T, not bool", out)
	}
	return b, nil
}

func (r *Rule) finding(m *vm.VM, res *Resource, env map[string]any) Finding {
	evidence := make(map[string]any, len(r.refs))
	for _, name := range r.refs {
		evidence[name] = res.Attributes[name]
	}
	name := res.Name
	if name == "" {
		name = res.ID
	}
	return Finding{
		Fingerprint:       Fingerprint(r.ID, res.Account, res.Region, res.ID),
		RuleID:            r.ID,
		Title:             r.Title,
		Severity:          r.Severity,
		ResourceID:        res.ID,
		ResourceType:      res.Type,
		ResourceName:      name,
		Account:           res.Account,
		Region:            res.Region,
		Message:           r.renderMessage(m, env),
		Remediation:       r.Remediation.Text,
		RemediationAction: r.Remediation.Action,
		Frameworks:        r.Frameworks,
		Evidence:          evidence,
		Tags:              res.Tags,
		Source:            RulePosition{r.Source.File, r.Source.Line},
	}
}

// renderMessage fills the message template; a placeholder that fails renders
// as "?" rather than losing the finding.
func (r *Rule) renderMessage(m *vm.VM, env map[string]any) string {
	var b strings.Builder
	for _, p := range r.message {
		if p.prog == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := m.Run(p.prog, env)
		if err != nil {
			b.WriteString("?")
			continue
		}
		b.WriteString(formatValue(v))
	}
	return b.String()
}

func (r *Rule) inconclusive(res *Resource, msg string) Inconclusive {
	return Inconclusive{
		Fingerprint:  Fingerprint(r.ID, res.Account, res.Region, res.ID),
		RuleID:       r.ID,
		ResourceID:   res.ID,
		ResourceType: res.Type,
		Account:      res.Account,
		Region:       res.Region,
		Message:      msg,
	}
}
