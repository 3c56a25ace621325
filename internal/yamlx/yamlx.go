// Package yamlx holds the go-yaml helpers the rule loader and the config
// loader share: positions for file:line messages, strict decoding that never
// panics, and one-key mappings.
package yamlx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// ErrorPos extracts the line and a one-line message from a go-yaml error.
func ErrorPos(err error) (int, string) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		return line, FirstLine(ye.GetMessage())
	}
	return 0, FirstLine(err.Error())
}

// FirstLine keeps the first line of s, trimmed.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// NodeLine is the line a node starts on, or 0.
func NodeLine(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// MappingValues returns a mapping's key/value pairs; go-yaml represents a
// one-key mapping as a bare MappingValueNode.
func MappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// Decode decodes strictly (unknown keys are errors) and turns a panic inside
// go-yaml (seen with malformed tags under fuzzing) into an error, so no input
// crashes comply.
func Decode(n ast.Node, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot decode this YAML (at line %d)", NodeLine(n))
		}
	}()
	return yaml.NodeToValue(n, v, yaml.Strict())
}
