package terraform

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// unknownValue stands for a value Terraform will only know after apply. A
// plan's planned_values omit such values (or turn list elements into null);
// merging the change's after_unknown puts this marker where they were, so an
// unknown is never mistaken for an unset (null) value.
type unknownValue struct{}

func isUnknown(v any) bool {
	_, ok := v.(unknownValue)
	return ok
}

// obj is a resource's attribute values as decoded from JSON (numbers as
// json.Number), with unknownValue markers.
//
// Every accessor answers (value, known). A key that is absent is unknown (an
// older provider without the attribute, or a value omitted from a plan); a
// null is known and reads as the zero value (unset: AWS's default applies).
// A value of an unexpected JSON type is unknown too: better no claim than a
// wrong one.
type obj map[string]any

func (o obj) raw(k string) (any, bool) {
	v, ok := o[k]
	if !ok || isUnknown(v) {
		return nil, false
	}
	return v, true
}

func (o obj) str(k string) (string, bool) {
	v, ok := o.raw(k)
	if !ok {
		return "", false
	}
	return asString(v)
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func (o obj) boolean(k string) (bool, bool) {
	v, ok := o.raw(k)
	if !ok {
		return false, false
	}
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string: // legacy flatmap-style states
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

func (o obj) integer(k string) (int, bool) {
	v, ok := o.raw(k)
	if !ok {
		return 0, false
	}
	return asInt(v)
}

func asInt(v any) (int, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return 0, true
	case json.Number:
		s = x.String()
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= -1<<53 && n <= 1<<53 {
		return int(n), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// strs reads a list (or set) of strings; null is the empty list. Null
// elements are dropped (Terraform cannot hold them in a set of strings).
func (o obj) strs(k string) ([]string, bool) {
	v, ok := o.raw(k)
	if !ok {
		return nil, false
	}
	return asStrings(v)
}

func asStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return []string{}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if e == nil {
				continue
			}
			if isUnknown(e) {
				return nil, false
			}
			s, ok := asString(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// blocks reads a nested block list (or set, or a single nested object) as
// objects; null is no blocks.
func (o obj) blocks(k string) ([]obj, bool) {
	v, ok := o.raw(k)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		return []obj{x}, true
	case []any:
		out := make([]obj, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false // an unknown or malformed element
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// block reads the first of a block list: nil (known) when there is none.
func (o obj) block(k string) (obj, bool) {
	bs, ok := o.blocks(k)
	if !ok {
		return nil, false
	}
	if len(bs) == 0 {
		return nil, true
	}
	return bs[0], true
}

// strMap reads a map of strings (tags); null is the empty map.
func (o obj) strMap(k string) (map[string]string, bool) {
	v, ok := o.raw(k)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case nil:
		return map[string]string{}, true
	case map[string]any:
		out := make(map[string]string, len(x))
		for key, e := range x {
			s, ok := asString(e)
			if !ok || isUnknown(e) {
				return nil, false
			}
			out[key] = s
		}
		return out, true
	}
	return nil, false
}

// timeAt reads an RFC 3339 timestamp; null or "" is the zero time.
func (o obj) timeAt(k string) (time.Time, bool) {
	s, ok := o.str(k)
	if !ok {
		return time.Time{}, false
	}
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// mergeUnknown puts unknownValue markers into v wherever the plan's
// after_unknown (same shape, true at unknown leaves) says so.
func mergeUnknown(v any, unknown any) any {
	switch u := unknown.(type) {
	case bool:
		if u {
			return unknownValue{}
		}
		return v
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			if v != nil || len(u) == 0 {
				return v
			}
			m = map[string]any{}
		}
		for k, uk := range u {
			merged := mergeUnknown(m[k], uk)
			if merged != nil || hasKey(m, k) {
				m[k] = merged
			}
		}
		return m
	case []any:
		l, ok := v.([]any)
		if !ok {
			if v != nil {
				return v
			}
			l = nil
		}
		for len(l) < len(u) {
			l = append(l, nil)
		}
		for i, ui := range u {
			l[i] = mergeUnknown(l[i], ui)
		}
		return l
	}
	return v
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// setIf records attribute name when its value is known: an unknown attribute
// stays absent, which is how the catalog spells "unknown".
func setIf(attrs map[string]any, name string, v any, known bool) {
	if known {
		attrs[name] = v
	}
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
