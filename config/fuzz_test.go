package config

import (
	"errors"
	"os"
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
	// The example covers every section (routes, receivers, schedules,
	// calendar, remediation, jira, trello, evidence).
	if example, err := os.ReadFile("../examples/comply.yaml"); err == nil {
		f.Add(example)
	}
	f.Add([]byte("remediation:\n  enabled: true\n  actions: [aws.s3.enable-versioning]\n  approvals: {critical: 2}\n  expiry: 1h\n"))
	f.Add([]byte("calendar:\n  - {name: access-review, owner: U0ALICE01, every: quarterly}\n"))
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
