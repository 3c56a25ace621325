package checks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// compileError carries the rule field that failed to compile so the loader can
// point at its line.
type compileError struct {
	field string
	msg   string
}

func (e *compileError) Error() string { return e.field + ": " + e.msg }

// maxExprNodes bounds rule size so a hostile rule file cannot make the
// compiler or the VM do unbounded work.
const maxExprNodes = 2000

func (r *Rule) compile(t *ResourceType) error {
	env := t.compileEnv()
	opts := append([]expr.Option{expr.Env(env), expr.MaxNodes(maxExprNodes)}, ruleFunctions()...)
	boolOpts := append(opts[:len(opts):len(opts)], expr.AsBool())
	refs := newRefCollector(t)
	if r.When != "" {
		p, err := expr.Compile(r.When, boolOpts...)
		if err != nil {
			return &compileError{"when", exprErrorMessage(err)}
		}
		r.when = p
		wr := newRefCollector(t)
		wr.collect(p.Node())
		r.whenRefs = wr.names
		refs.collect(p.Node())
	}
	p, err := expr.Compile(r.Assert, boolOpts...)
	if err != nil {
		return &compileError{"assert", exprErrorMessage(err)}
	}
	r.assert = p
	ar := newRefCollector(t)
	ar.collect(p.Node())
	r.assertRefs = ar.names
	refs.collect(p.Node())
	msg := r.Message
	if msg == "" {
		msg = r.Title
	}
	parts, err := compileMessage(msg, opts)
	if err != nil {
		return &compileError{"message", err.Error()}
	}
	r.message = parts
	// Attributes a message shows are evidence too, and collectors that fetch
	// only what rules read (Refs) must fetch them.
	for _, p := range parts {
		if p.prog != nil {
			refs.collect(p.prog.Node())
		}
	}
	r.refs = refs.names
	return nil
}

// exprErrorMessage turns expr's multi-line error (with a source snippet) into
// one line that still says where.
func exprErrorMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s (column %d)", fe.Message, fe.Column+1)
	}
	return firstLine(err.Error())
}

// refCollector gathers the schema attributes an expression reads.
type refCollector struct {
	t     *ResourceType
	seen  map[string]bool
	names []string
}

func newRefCollector(t *ResourceType) *refCollector {
	return &refCollector{t: t, seen: map[string]bool{}}
}

func (c *refCollector) collect(n ast.Node) {
	ast.Walk(&n, c)
}

// Visit implements ast.Visitor.
func (c *refCollector) Visit(node *ast.Node) {
	id, ok := (*node).(*ast.IdentifierNode)
	if !ok || c.seen[id.Value] {
		return
	}
	if _, isAttr := c.t.Attr(id.Value); isAttr {
		c.seen[id.Value] = true
		c.names = append(c.names, id.Value)
	}
}

// messagePart is literal text or a compiled {{ expr }} placeholder.
type messagePart struct {
	text string
	prog *vm.Program
}

// compileMessage splits "bucket {{ name }} is public" into parts; every
// placeholder is an expr expression compiled against the rule's environment.
func compileMessage(msg string, opts []expr.Option) ([]messagePart, error) {
	var parts []messagePart
	rest := msg
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				parts = append(parts, messagePart{text: rest})
			}
			return parts, nil
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unclosed {{ in message")
		}
		if i > 0 {
			parts = append(parts, messagePart{text: rest[:i]})
		}
		src := strings.TrimSpace(rest[i+2 : i+2+j])
		if strings.Contains(src, "{{") {
			return nil, fmt.Errorf("unclosed {{ in message")
		}
		if src == "" {
			return nil, fmt.Errorf("empty {{ }} in message")
		}
		p, err := expr.Compile(src, opts...)
		if err != nil {
			return nil, fmt.Errorf("placeholder {{ %s }}: %s", src, exprErrorMessage(err))
		}
		parts = append(parts, messagePart{prog: p})
		rest = rest[i+2+j+2:]
	}
}
