package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Input errors: one line, FILE:LINE:, wrapping checks.ErrInvalidInput.

// inputErr is an error in the file at a line, wrapping checks.ErrInvalidInput.
func inputErr(name string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: %s", checks.EscapeBreaks(name), line, checks.ErrInvalidInput, checks.EscapeBreaks(fmt.Sprintf(format, args...)))
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case []any:
		return "a JSON array"
	}
	return "an object"
}

// syntaxErr turns a JSON decoding error into an input error at its line.
func syntaxErr(name string, data []byte, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return inputErr(name, lineAt(data, int64(len(data))), "invalid JSON: unexpected end of input")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return inputErr(name, lineAt(data, se.Offset-1), "invalid JSON: %s", stripJSONPrefix(err))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "top level"
		}
		return inputErr(name, lineAt(data, te.Offset-1), "%s: want %s, got %s", field, goTypeName(te.Type.String()), te.Value)
	}
	return inputErr(name, 1, "invalid JSON: %s", stripJSONPrefix(err))
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map[") || strings.Contains(t, "terraform."):
		return "an object"
	case t == "string" || t == "*string":
		return "a string"
	case strings.Contains(t, "Number"):
		return "a number"
	}
	return t
}

func stripJSONPrefix(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// keyLine is the line of the first occurrence of a top-level key, for
// messages about it (best effort: 1 when not found).
func keyLine(data []byte, key string) int {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 1
	}
	return lineAt(data, int64(i))
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// clip shortens a value quoted from the input for a message.
func clip(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}
