package config

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("sources:\n  - type: aws\n    regions: [all]\n"))
	f.Add([]byte("rules: {paths: [a], builtin: false}\n"))
	f.Add([]byte("sources: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte(serveConfig))
	f.Add([]byte("slack:\n  roles: {viewer: [\"*\"]}\nstore: {reminders: {info: never}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.yaml", data, func(string) string { return "v" })
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			for _, p := range ps {
				if strings.Contains(p.String(), "\n") || !strings.HasPrefix(p.String(), "f.yaml") {
					t.Fatalf("bad problem %q", p.String())
				}
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
