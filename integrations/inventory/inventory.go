// Package inventory reads and writes inventory files: JSON lists of resources in
// the normalized shape every source produces (CONTRACT.md, "Inventory file").
package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/comply-bot/comply/checks"
)

// Source is an inventory file used as a scan source (`--source file:PATH`).
type Source struct {
	Path    string
	Catalog *checks.Catalog
}

// Name identifies the source in scan output.
func (s *Source) Name() string { return "file:" + s.Path }

// Collect reads and validates the file. A broken file is an input error
// (checks.ErrInvalidInput), not an incomplete scan.
func (s *Source) Collect(ctx context.Context) (*checks.Collection, error) {
	data, err := os.ReadFile(s.Path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read inventory %s: %w: %w", s.Path, checks.ErrInvalidInput, err)
	}
	res, warnings, err := Parse(s.Path, data, s.Catalog)
	if err != nil {
		return nil, err
	}
	return &checks.Collection{Resources: res, Warnings: warnings}, nil
}

type fileResource struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Account    string            `json:"account"`
	Region     string            `json:"region"`
	Name       string            `json:"name"`
	Tags       map[string]string `json:"tags"`
	Attributes map[string]any    `json:"attributes"`
}

// Parse decodes an inventory: a JSON array of resources or an object
// {"resources": [...]} (an optional "metadata" object is ignored). Every
// resource is checked against its type's schema and normalized. Errors name
// the file, line and resource.
func Parse(name string, data []byte, cat *checks.Catalog) ([]checks.Resource, []string, error) {
	fail := func(off int64, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %w: %s", name, lineAt(data, off), checks.ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, syntaxErr(name, data, dec, err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		found := false
		for dec.More() {
			keyOff := dec.InputOffset()
			kt, err := dec.Token()
			if err != nil {
				return nil, nil, syntaxErr(name, data, dec, err)
			}
			switch kt {
			case "resources":
				if found {
					return nil, nil, fail(keyOff, `"resources" given twice`)
				}
				found = true
				t, err := dec.Token()
				if err != nil {
					return nil, nil, syntaxErr(name, data, dec, err)
				}
				if t != json.Delim('[') {
					return nil, nil, fail(keyOff, `"resources" must be a list`)
				}
				res, warnings, err := parseList(name, data, dec, cat)
				if err != nil {
					return nil, nil, err
				}
				if err := skipRest(name, data, dec, &found); err != nil {
					return nil, nil, err
				}
				return res, warnings, nil
			case "metadata":
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, nil, syntaxErr(name, data, dec, err)
				}
			default:
				return nil, nil, fail(keyOff, "unknown top-level key %v (want resources)", kt)
			}
		}
		return nil, nil, fail(0, `no "resources" list`)
	default:
		return nil, nil, fail(0, "want a JSON list of resources or {\"resources\": [...]}")
	}
	res, warnings, err := parseList(name, data, dec, cat)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fail(dec.InputOffset(), "unexpected data after the resource list")
	}
	return res, warnings, nil
}

// skipRest reads the remaining keys of the top-level object after the
// resource list, rejecting unknown ones and trailing data.
func skipRest(name string, data []byte, dec *json.Decoder, found *bool) error {
	for dec.More() {
		off := dec.InputOffset()
		kt, err := dec.Token()
		if err != nil {
			return syntaxErr(name, data, dec, err)
		}
		switch kt {
		case "metadata":
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntaxErr(name, data, dec, err)
			}
		case "resources":
			return fmt.Errorf("%s:%d: %w: \"resources\" given twice", name, lineAt(data, off), checks.ErrInvalidInput)
		default:
			return fmt.Errorf("%s:%d: %w: unknown top-level key %v (want resources)", name, lineAt(data, off), checks.ErrInvalidInput, kt)
		}
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return syntaxErr(name, data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s:%d: %w: unexpected data after the inventory", name, lineAt(data, dec.InputOffset()), checks.ErrInvalidInput)
	}
	return nil
}

func parseList(name string, data []byte, dec *json.Decoder, cat *checks.Catalog) ([]checks.Resource, []string, error) {
	var (
		out      []checks.Resource
		warnings []string
		seen     = map[[4]string]int{}
	)
	for i := 0; dec.More(); i++ {
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, syntaxErr(name, data, dec, err)
		}
		line := lineAt(data, off+int64(len(leadingSpace(data[off:]))))
		r, err := decodeResource(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w: resources[%d]: %v", name, line, checks.ErrInvalidInput, i, err)
		}
		w, err := cat.Normalize(&r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w: resources[%d]: %v", name, line, checks.ErrInvalidInput, i, err)
		}
		key := [4]string{r.Type, r.Account, r.Region, r.ID}
		if prev, dup := seen[key]; dup {
			return nil, nil, fmt.Errorf("%s:%d: %w: resources[%d]: duplicate of resources[%d] (same type, account, region and id)", name, line, checks.ErrInvalidInput, i, prev)
		}
		seen[key] = i
		for _, x := range w {
			warnings = append(warnings, fmt.Sprintf("%s:%d: %s", name, line, x))
		}
		out = append(out, r)
	}
	if _, err := dec.Token(); err != nil { // closing bracket
		return nil, nil, syntaxErr(name, data, dec, err)
	}
	return out, warnings, nil
}

func decodeResource(raw json.RawMessage) (checks.Resource, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || len(bytes.TrimSpace(raw)) == 0 || bytes.TrimSpace(raw)[0] != '{' {
		return checks.Resource{}, fmt.Errorf("want a resource object")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.DisallowUnknownFields()
	var fr fileResource
	if err := d.Decode(&fr); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return checks.Resource{}, fmt.Errorf("field %s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return checks.Resource{}, fmt.Errorf("%v", stripJSONPrefix(err))
	}
	return checks.Resource(fr), nil
}

func stripJSONPrefix(err error) string {
	s := err.Error()
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func syntaxErr(name string, data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	off := dec.InputOffset()
	if errors.As(err, &se) {
		off = se.Offset
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s:%d: %w: unexpected end of JSON", name, lineAt(data, int64(len(data))), checks.ErrInvalidInput)
	}
	return fmt.Errorf("%s:%d: %w: invalid JSON: %s", name, lineAt(data, off), checks.ErrInvalidInput, stripJSONPrefix(err))
}

func leadingSpace(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r' || b[i] == ',') {
		i++
	}
	return b[:i]
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Write writes resources as an inventory file that Parse reads back to the
// same resources (--export-inventory).
func Write(w io.Writer, resources []checks.Resource) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	doc := struct {
		Resources []checks.Resource `json:"resources"`
	}{resources}
	if doc.Resources == nil {
		doc.Resources = []checks.Resource{}
	}
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	return nil
}
