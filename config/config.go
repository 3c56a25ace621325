// Package config loads the comply config file: strictly (unknown keys are
// errors with file:line), with ${VAR} expansion in string values, defaults,
// validation and cross-reference checks. The raw file and the validated
// config are different types.
package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/comply-bot/comply/internal/yamlx"
)

// ErrInvalid marks configuration errors (exit code 2).
var ErrInvalid = errors.New("invalid config")

// Problem is one thing wrong in a config file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is every problem found in a config file.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return fmt.Sprintf("%s (and %d more problems)", ps[0].String(), len(ps)-1)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

// topLevelKeys are the sections CONTRACT.md names, in order, and the ones
// comply added since (evidence, calendar).
var topLevelKeys = []string{"sources", "rules", "schedules", "routes", "receivers", "remediation", "slack", "jira", "trello", "store", "evidence", "calendar"}

// Load reads and validates a config file.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read config %s: %w: %w", path, ErrInvalid, err)
	}
	return Parse(path, data, getenv)
}

// Parse validates config file content; name is used in messages.
func Parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var probs Problems
	add := func(line int, format string, args ...any) {
		probs = append(probs, Problem{name, line, fmt.Sprintf(format, args...)})
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		line, msg := yamlx.ErrorPos(err)
		add(line, "invalid YAML: %s", msg)
		return nil, probs
	}
	var raw rawConfig
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return defaults(&raw).finish(name, probs)
	}
	if len(f.Docs) > 1 {
		add(0, "want one YAML document")
		return nil, probs
	}
	body := f.Docs[0].Body
	kvs, ok := yamlx.MappingValues(body)
	if !ok {
		add(yamlx.NodeLine(body), "want a mapping of sections (%s)", strings.Join(topLevelKeys, ", "))
		return nil, probs
	}
	for _, kv := range kvs {
		k := kv.Key.String()
		if !slices.Contains(topLevelKeys, k) {
			add(yamlx.NodeLine(kv.Key), "unknown key %q (want one of %s)", k, strings.Join(topLevelKeys, ", "))
		}
	}
	ex := &expander{getenv: getenv}
	ast.Walk(ex, body)
	for _, p := range ex.problems {
		add(p.Line, "%s", p.Msg)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if err := yamlx.Decode(body, &raw); err != nil {
		line, msg := yamlx.ErrorPos(err)
		add(line, "%s", msg)
		return nil, probs
	}
	raw.file = f
	return defaults(&raw).finish(name, nil)
}

// varPattern matches ${NAME} and ${NAME:-default}; $${ is a literal ${.
var varPattern = regexp.MustCompile(`\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expander replaces ${VAR} in string values (never in keys, and after
// parsing, so a variable cannot inject YAML structure).
type expander struct {
	getenv   func(string) string
	problems []Problem
}

func (e *expander) Visit(n ast.Node) ast.Visitor {
	s, ok := n.(*ast.StringNode)
	if !ok || !strings.Contains(s.Value, "${") {
		return e
	}
	s.Value = varPattern.ReplaceAllStringFunc(s.Value, func(m string) string {
		if m == "$${" {
			return "${"
		}
		sub := varPattern.FindStringSubmatch(m)
		if v := e.getenv(sub[1]); v != "" {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		e.problems = append(e.problems, Problem{Line: yamlx.NodeLine(s), Msg: fmt.Sprintf("environment variable %s is not set (use ${%s:-default} for a default)", sub[1], sub[1])})
		return ""
	})
	return e
}
