package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// executor makes one planned call. A plan's params are the API's own input
// fields (AWS names), so the plan shown to approvers is exactly what runs,
// even after the plan went through JSON.
type executor func(ctx context.Context, cl *clients, region string, params map[string]any) error

// op makes an executor of an SDK method: the params are decoded into its
// input struct, refusing any field it does not have.
func op[C, In, Out, O any](client func(*clients, string) C, method func(C, context.Context, *In, ...func(*O)) (*Out, error)) executor {
	return func(ctx context.Context, cl *clients, region string, params map[string]any) error {
		in := new(In)
		if err := decodeParams(params, in); err != nil {
			return err
		}
		_, err := method(client(cl, region), ctx, in)
		return err
	}
}

// tolerate makes codes that mean "already done" a success.
func tolerate(e executor, codes ...string) executor {
	return func(ctx context.Context, cl *clients, region string, params map[string]any) error {
		if err := e(ctx, cl, region, params); err != nil && !hasCode(err, codes...) {
			return err
		}
		return nil
	}
}

func decodeParams(params map[string]any, in any) error {
	js, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%w: encode call params: %v", checks.ErrInvalidInput, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return fmt.Errorf("%w: call params do not fit the API: %v", checks.ErrInvalidInput, err)
	}
	return nil
}

// checkParams refuses rule params the action does not read.
func checkParams(params map[string]any, known []string) error {
	for k := range params {
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return fmt.Errorf("%w: unknown remediation param %q (the action takes none)", checks.ErrInvalidInput, k)
			}
			return fmt.Errorf("%w: unknown remediation param %q (known: %s)", checks.ErrInvalidInput, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// paramInt reads an integer param, as YAML (int64, uint64) or JSON (float64)
// decoded it; def when absent.
func paramInt(params map[string]any, name string, def int) (int, bool, error) {
	v, ok := params[name]
	if !ok || v == nil {
		return def, false, nil
	}
	n, ok := toInt(v)
	if !ok {
		return 0, false, fmt.Errorf("%w: remediation param %s: want an integer, got %v", checks.ErrInvalidInput, name, v)
	}
	return n, true, nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int32:
		return int(x), true
	case int64:
		return int(x), true
	case uint64:
		if x <= math.MaxInt32 {
			return int(x), true
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32 {
			return int(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// paramList reads a list param whose items conv accepts.
func paramList[T any](params map[string]any, name string, conv func(any) (T, bool)) ([]T, bool, error) {
	v, ok := params[name]
	if !ok || v == nil {
		return nil, false, nil
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case []T:
		// Typed lists are checked like decoded ones: an empty ports list
		// would otherwise mean every port.
		items = make([]any, len(x))
		for i, it := range x {
			items[i] = it
		}
	default:
		items = []any{x} // a single value stands for a list of one
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		t, ok := conv(it)
		if !ok {
			return nil, false, fmt.Errorf("%w: remediation param %s: unexpected item %v", checks.ErrInvalidInput, name, it)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("%w: remediation param %s is empty", checks.ErrInvalidInput, name)
	}
	return out, true, nil
}
