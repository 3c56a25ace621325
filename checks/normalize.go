package checks

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Normalize checks a resource against its type's schema and converts every
// known attribute to the Go type of its kind, in place. A top-level attribute
// that is absent or null is "unknown": rules that read it are not evaluated on
// this resource. Attributes the schema does not know are kept and returned as
// warnings (usually a typo in a hand-written inventory).
func (c *Catalog) Normalize(r *Resource) (warnings []string, err error) {
	if strings.TrimSpace(r.ID) == "" {
		return nil, fmt.Errorf("resource has no id")
	}
	if r.Type == "" {
		return nil, fmt.Errorf("resource %s has no type", r.ID)
	}
	t, ok := c.types[r.Type]
	if !ok {
		return nil, fmt.Errorf("resource %s: unknown resource type %q", r.ID, r.Type)
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	if r.Attributes == nil {
		r.Attributes = map[string]any{}
	}
	for _, a := range t.Attrs {
		v, present := r.Attributes[a.Name]
		if !present {
			continue
		}
		if v == nil {
			delete(r.Attributes, a.Name)
			continue
		}
		nv, err := normalizeValue(a, v, a.Name)
		if err != nil {
			return nil, fmt.Errorf("resource %s: attributes.%w", r.ID, err)
		}
		r.Attributes[a.Name] = nv
	}
	for name := range r.Attributes {
		if _, known := t.Attr(name); !known {
			warnings = append(warnings, fmt.Sprintf("resource %s: attribute %q is not defined for %s", r.ID, name, r.Type))
		}
	}
	sort.Strings(warnings)
	return warnings, nil
}

func normalizeValue(a Attr, v any, path string) (any, error) {
	bad := func() error {
		return fmt.Errorf("%s: want %s, got %s", path, a.Kind, describe(v))
	}
	switch a.Kind {
	case KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, bad()
	case KindInt:
		f, ok := toFloat(v)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, bad()
		}
		return int(f), nil
	case KindFloat:
		f, ok := toFloat(v)
		if !ok {
			return nil, bad()
		}
		return f, nil
	case KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, bad()
	case KindTime:
		var tm time.Time
		switch x := v.(type) {
		case time.Time:
			tm = x.UTC()
		case string:
			if x == "" {
				return time.Time{}, nil
			}
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, fmt.Errorf("%s: want an RFC 3339 time, got %q", path, x)
			}
			tm = t.UTC()
		default:
			return nil, bad()
		}
		// An offset can push year 0000 or 9999 out of the range RFC 3339 (and
		// time.MarshalJSON) can write, which would break inventory export.
		if y := tm.Year(); y < 0 || y > 9999 {
			return nil, fmt.Errorf("%s: time %s is outside years 0000-9999", path, tm.Format(time.RFC3339Nano))
		}
		return tm, nil
	case KindStringList:
		switch x := v.(type) {
		case []string:
			return x, nil
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s[%d]: want string, got %s", path, i, describe(e))
				}
				out[i] = s
			}
			return out, nil
		}
		return nil, bad()
	case KindStringMap:
		switch x := v.(type) {
		case map[string]string:
			return x, nil
		case map[string]any:
			out := make(map[string]string, len(x))
			for k, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s[%q]: want string, got %s", path, k, describe(e))
				}
				out[k] = s
			}
			return out, nil
		}
		return nil, bad()
	case KindObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, bad()
		}
		return normalizeObject(a.Fields, m, path)
	case KindObjectList:
		var items []map[string]any
		switch x := v.(type) {
		case []map[string]any:
			items = x
		case []any:
			items = make([]map[string]any, len(x))
			for i, e := range x {
				m, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s[%d]: want object, got %s", path, i, describe(e))
				}
				items[i] = m
			}
		default:
			return nil, bad()
		}
		for i, m := range items {
			nm, err := normalizeObject(a.Fields, m, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			items[i] = nm
		}
		return items, nil
	}
	return nil, fmt.Errorf("%s: attribute has no kind", path)
}

// normalizeObject requires every field of an object: a partial nested object
// is far more likely a broken export than an intended unknown.
func normalizeObject(fields []Attr, m map[string]any, path string) (map[string]any, error) {
	for _, f := range fields {
		v, ok := m[f.Name]
		if !ok || v == nil {
			return nil, fmt.Errorf("%s.%s: missing (want %s)", path, f.Name, f.Kind)
		}
		nv, err := normalizeValue(f, v, path+"."+f.Name)
		if err != nil {
			return nil, err
		}
		m[f.Name] = nv
	}
	return m, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint:
		return float64(x), true
	}
	return 0, false
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number, float64, float32, int, int32, int64, uint, uint32, uint64:
		return "number"
	case []any, []string, []map[string]any:
		return "list"
	case map[string]any, map[string]string:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
