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
	"slices"

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
		return nil, fmt.Errorf("read inventory %s: %w: %w", checks.EscapeBreaks(s.Path), checks.ErrInvalidInput, err)
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
// the file, line and resource, wrap checks.ErrInvalidInput and are one line.
// A nil catalog means checks.DefaultCatalog().
func Parse(name string, data []byte, cat *checks.Catalog) ([]checks.Resource, []string, error) {
	if cat == nil {
		cat = checks.DefaultCatalog()
	}
	fail := func(off int64, format string, args ...any) error {
		return inputErr(name, lineAt(data, off), format, args...)
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
			keyOff := nextTokenOffset(data, dec)
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
				return nil, nil, fail(keyOff, "unknown top-level key %q (want resources)", fmt.Sprint(kt))
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
		off := nextTokenOffset(data, dec)
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
			return inputErr(name, lineAt(data, off), `"resources" given twice`)
		default:
			return inputErr(name, lineAt(data, off), "unknown top-level key %q (want resources)", fmt.Sprint(kt))
		}
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return syntaxErr(name, data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return inputErr(name, lineAt(data, dec.InputOffset()), "unexpected data after the inventory")
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
		line := lineAt(data, nextTokenOffset(data, dec))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, syntaxErr(name, data, dec, err)
		}
		r, err := decodeResource(raw)
		if err != nil {
			return nil, nil, inputErr(name, line, "resources[%d]: %v", i, err)
		}
		w, err := cat.Normalize(&r)
		if err != nil {
			return nil, nil, inputErr(name, line, "resources[%d]: %v", i, err)
		}
		key := [4]string{r.Type, r.Account, r.Region, r.ID}
		if prev, dup := seen[key]; dup {
			return nil, nil, inputErr(name, line, "resources[%d]: duplicate of resources[%d] (same type, account, region and id)", i, prev)
		}
		seen[key] = i
		for _, x := range w {
			warnings = append(warnings, checks.EscapeBreaks(fmt.Sprintf("%s:%d: %s", name, line, x)))
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
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return checks.Resource{}, fmt.Errorf("%v", stripJSONPrefix(err))
	}
	// encoding/json matches struct fields case-insensitively; the file format
	// does not, so that "ID" (or a second "Id") is reported, not silently taken.
	var unknown []string
	for k := range keys {
		switch k {
		case "id", "type", "account", "region", "name", "tags", "attributes":
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown) // the same file always gives the same message
		return checks.Resource{}, fmt.Errorf("unknown field %q (want id, type, account, region, name, tags, attributes)", unknown[0])
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
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return inputErr(name, lineAt(data, int64(len(data))), "unexpected end of JSON")
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// A streaming decoder's SyntaxError.Offset is not an offset into the
		// input (it counts from where the value began), so validate the
		// whole input once: its first bad byte is the same error, at an
		// absolute position (Offset counts the bad byte itself).
		var whole json.RawMessage
		var ws *json.SyntaxError
		if errors.As(json.Unmarshal(data, &whole), &ws) {
			off, err = ws.Offset-1, ws
		}
	}
	return inputErr(name, lineAt(data, off), "invalid JSON: %s", stripJSONPrefix(err))
}

// nextTokenOffset is where the decoder's next token starts: InputOffset is
// the end of the previous one, often on an earlier line.
func nextTokenOffset(data []byte, dec *json.Decoder) int64 {
	off := dec.InputOffset()
	if off < 0 || off > int64(len(data)) {
		return off
	}
	return off + int64(len(leadingSpace(data[off:])))
}

// inputErr is an error in the file at a line: one line (input strings such as
// resource ids may hold line breaks, which would forge extra output lines),
// wrapping checks.ErrInvalidInput.
func inputErr(name string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: %s", checks.EscapeBreaks(name), line, checks.ErrInvalidInput, checks.EscapeBreaks(fmt.Sprintf(format, args...)))
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
