package checks_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func TestNormalize(t *testing.T) {
	cat := checks.DefaultCatalog()
	tests := []struct {
		name    string
		attrs   map[string]any
		want    map[string]any // attributes after normalization (subset)
		wantErr string
		warn    string
	}{
		{name: "json number to int", attrs: map[string]any{"backup_retention_days": json.Number("7")}, want: map[string]any{"backup_retention_days": 7}},
		{name: "float64 integral", attrs: map[string]any{"backup_retention_days": 7.0}, want: map[string]any{"backup_retention_days": 7}},
		{name: "fraction is not int", attrs: map[string]any{"backup_retention_days": 7.5}, wantErr: "attributes.backup_retention_days: want int, got number"},
		{name: "string is not bool", attrs: map[string]any{"multi_az": "true"}, wantErr: "attributes.multi_az: want bool, got string"},
		{name: "string list", attrs: map[string]any{"log_exports": []any{"audit", "error"}}, want: map[string]any{"log_exports": []string{"audit", "error"}}},
		{name: "bad list item", attrs: map[string]any{"log_exports": []any{"audit", 3.0}}, wantErr: "attributes.log_exports[1]: want string, got number"},
		{name: "null is unknown", attrs: map[string]any{"multi_az": nil}, want: map[string]any{}},
		{name: "unknown attribute warns", attrs: map[string]any{"mutli_az": true}, warn: `attribute "mutli_az" is not defined for aws.rds.instance`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checks.Resource{ID: "db", Type: "aws.rds.instance", Attributes: tt.attrs}
			warnings, err := cat.Normalize(&r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(r.Attributes[k], v) {
					t.Errorf("%s = %#v, want %#v", k, r.Attributes[k], v)
				}
			}
			if tt.want != nil && len(tt.want) == 0 && len(r.Attributes) != 0 {
				t.Errorf("attributes %v, want none", r.Attributes)
			}
			if tt.warn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warn)) {
				t.Errorf("warnings %v", warnings)
			}
		})
	}
}

func TestNormalizeNested(t *testing.T) {
	cat := checks.DefaultCatalog()
	r := checks.Resource{ID: "u", Type: "aws.iam.user", Attributes: map[string]any{
		"access_keys": []any{map[string]any{"id": "AKIA", "status": "Active", "created_at": "2025-01-02T03:04:05Z", "last_used_at": ""}},
	}}
	if _, err := cat.Normalize(&r); err != nil {
		t.Fatal(err)
	}
	keys := r.Attributes["access_keys"].([]map[string]any)
	if got := keys[0]["created_at"].(time.Time); !got.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("created_at %v", got)
	}
	if !keys[0]["last_used_at"].(time.Time).IsZero() {
		t.Error("empty time should be the zero time")
	}
	r = checks.Resource{ID: "u", Type: "aws.iam.user", Attributes: map[string]any{
		"access_keys": []any{map[string]any{"id": "AKIA", "status": "Active", "created_at": "2025-01-02T03:04:05Z"}},
	}}
	if _, err := cat.Normalize(&r); err == nil || !strings.Contains(err.Error(), "access_keys[0].last_used_at: missing") {
		t.Errorf("missing nested field: %v", err)
	}
	r = checks.Resource{ID: "u", Type: "aws.iam.user", Attributes: map[string]any{"created_at": "yesterday"}}
	if _, err := cat.Normalize(&r); err == nil || !strings.Contains(err.Error(), `want an RFC 3339 time, got "yesterday"`) {
		t.Errorf("bad time: %v", err)
	}
	for _, bad := range []checks.Resource{{Type: "aws.iam.user"}, {ID: "x"}, {ID: "x", Type: "aws.nope"}} {
		if _, err := cat.Normalize(&bad); err == nil {
			t.Errorf("%+v normalized without error", bad)
		}
	}
}
