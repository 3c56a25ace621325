package checks

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/comply-bot/comply/internal/yamlx"
)

// ErrInvalidInput marks errors caused by the user's input (rule files,
// inventories, state files) as opposed to a failing service; the CLI maps it
// to exit code 2.
var ErrInvalidInput = errors.New("invalid input")

// RuleSource is one rule file's name and content.
type RuleSource struct {
	Name string
	Data []byte
}

// RuleError is one problem in a rule file, printed as file:line: id: message.
type RuleError struct {
	File   string
	Line   int
	RuleID string
	Msg    string
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.RuleID != "" {
		b.WriteString(e.RuleID + ": ")
	}
	b.WriteString(e.Msg)
	return EscapeBreaks(b.String())
}

// EscapeBreaks escapes line breaks and other control characters (as \n, \u2028):
// `rules lint` prints one error per line, and an id, expression or message
// taken from the file must not spill onto more. Inventory and Terraform
// errors use it for the same reason.
func EscapeBreaks(s string) string {
	isBreak := func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }
	if !strings.ContainsFunc(s, isBreak) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isBreak(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RuleErrors is every problem found while loading rules.
type RuleErrors []*RuleError

func (es RuleErrors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	return fmt.Sprintf("%s (and %d more rule errors)", es[0].Error(), len(es)-1)
}

// Is makes errors.Is(err, ErrInvalidInput) true for rule errors.
func (es RuleErrors) Is(target error) bool { return target == ErrInvalidInput }

type rawRule struct {
	ID          string              `yaml:"id"`
	Title       string              `yaml:"title"`
	Resource    string              `yaml:"resource"`
	Severity    string              `yaml:"severity"`
	When        string              `yaml:"when"`
	Assert      string              `yaml:"assert"`
	Message     string              `yaml:"message"`
	Remediation *Remediation        `yaml:"remediation"`
	Frameworks  map[string][]string `yaml:"frameworks"`
}

// LoadRules parses and compiles rule files. It reports every problem it finds
// (not just the first) as RuleErrors; on error no rule is returned.
func (c *Catalog) LoadRules(sources ...RuleSource) ([]*Rule, error) {
	var (
		rules []*Rule
		errs  RuleErrors
		seen  = map[string]*Rule{}
	)
	for _, src := range sources {
		fileRules, fileErrs := c.loadFile(src)
		errs = append(errs, fileErrs...)
		for _, r := range fileRules {
			if prev, dup := seen[r.ID]; dup {
				errs = append(errs, &RuleError{src.Name, r.Source.Line, r.ID,
					fmt.Sprintf("duplicate rule id (first defined at %s:%d)", prev.Source.File, prev.Source.Line)})
				continue
			}
			seen[r.ID] = r
			rules = append(rules, r)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return rules, nil
}

func (c *Catalog) loadFile(src RuleSource) ([]*Rule, RuleErrors) {
	fail := func(line int, format string, args ...any) ([]*Rule, RuleErrors) {
		return nil, RuleErrors{{File: src.Name, Line: line, Msg: fmt.Sprintf(format, args...)}}
	}
	f, err := parser.ParseBytes(src.Data, 0)
	if err != nil {
		line, msg := yamlx.ErrorPos(err)
		return fail(line, "invalid YAML: %s", msg)
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return fail(0, "want one YAML document with a top-level rules: list")
	}
	top, ok := yamlx.MappingValues(f.Docs[0].Body)
	if !ok {
		return fail(yamlx.NodeLine(f.Docs[0].Body), "want a mapping with a top-level rules: list")
	}
	var seq *ast.SequenceNode
	for _, kv := range top {
		key := kv.Key.String()
		if key != "rules" {
			return fail(yamlx.NodeLine(kv.Key), "unknown top-level key %q (want rules)", key)
		}
		s, ok := kv.Value.(*ast.SequenceNode)
		if !ok {
			if _, isNull := kv.Value.(*ast.NullNode); isNull {
				return nil, nil
			}
			return fail(yamlx.NodeLine(kv.Value), "rules: want a list of rules")
		}
		seq = s
	}
	if seq == nil {
		return fail(yamlx.NodeLine(f.Docs[0].Body), "no rules: key")
	}
	var (
		rules []*Rule
		errs  RuleErrors
	)
	for _, n := range seq.Values {
		r, err := c.loadRule(src.Name, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errs
}

func (c *Catalog) loadRule(file string, n ast.Node) (*Rule, *RuleError) {
	line := yamlx.NodeLine(n)
	var raw rawRule
	if err := yamlx.Decode(n, &raw); err != nil {
		l, msg := yamlx.ErrorPos(err)
		if l == 0 {
			l = line
		}
		return nil, &RuleError{file, l, ruleIDOf(n), msg}
	}
	bad := func(field, format string, args ...any) *RuleError {
		l := fieldLine(n, field)
		if l == 0 {
			l = line
		}
		return &RuleError{file, l, raw.ID, fmt.Sprintf(format, args...)}
	}
	r := &Rule{
		ID: raw.ID, Title: strings.TrimSpace(raw.Title), Resource: raw.Resource,
		When: strings.TrimSpace(raw.When), Assert: strings.TrimSpace(raw.Assert),
		Message: strings.TrimSpace(raw.Message), Source: Position{file, line},
	}
	switch {
	case raw.ID == "":
		return nil, bad("id", "missing id")
	case !ruleIDPattern.MatchString(raw.ID):
		return nil, bad("id", "id must be kebab-case (lower-case letters, digits and single hyphens)")
	case r.Title == "":
		return nil, bad("title", "missing title")
	case raw.Resource == "":
		return nil, bad("resource", "missing resource type")
	case r.Assert == "":
		return nil, bad("assert", "missing assert expression")
	}
	t, ok := c.Type(raw.Resource)
	if !ok {
		return nil, bad("resource", "unknown resource type %q (see `comply rules types` or docs/resources.md)", raw.Resource)
	}
	sev, err := ParseSeverity(raw.Severity)
	if err != nil {
		return nil, bad("severity", "%v", err)
	}
	r.Severity = sev
	if raw.Remediation != nil {
		r.Remediation = *raw.Remediation
		r.Remediation.Text = strings.TrimSpace(r.Remediation.Text)
	}
	r.Frameworks = map[string][]string{}
	keys := make([]string, 0, len(raw.Frameworks))
	for k := range raw.Frameworks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		id, err := ParseFramework(k)
		if err != nil {
			return nil, bad("frameworks", "%v", err)
		}
		if _, dup := r.Frameworks[id]; dup {
			return nil, bad("frameworks", "framework %s listed twice", id)
		}
		controls := raw.Frameworks[k]
		if len(controls) == 0 {
			return nil, bad("frameworks", "framework %s lists no controls", id)
		}
		for _, ctl := range controls {
			if strings.TrimSpace(ctl) == "" {
				return nil, bad("frameworks", "framework %s has an empty control id", id)
			}
		}
		r.Frameworks[id] = controls
	}
	if err := r.compile(t); err != nil {
		var ce *compileError
		if errors.As(err, &ce) {
			return nil, bad(ce.field, "%s", ce.msg)
		}
		return nil, bad("", "%v", err)
	}
	return r, nil
}

// fieldLine is the line of key in a rule's mapping, so errors point at the
// offending field rather than the rule's start.
func fieldLine(n ast.Node, key string) int {
	kvs, _ := yamlx.MappingValues(n)
	for _, kv := range kvs {
		if kv.Key.String() == key {
			return yamlx.NodeLine(kv.Key)
		}
	}
	return 0
}

func ruleIDOf(n ast.Node) string {
	kvs, _ := yamlx.MappingValues(n)
	for _, kv := range kvs {
		if kv.Key.String() == "id" {
			if s, ok := kv.Value.(*ast.StringNode); ok {
				return s.Value
			}
		}
	}
	return ""
}

// firstLine keeps the first line of a (library) message.
func firstLine(s string) string { return yamlx.FirstLine(s) }
