package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

const good = `# comply config
sources:
  - name: prod
    type: aws
    regions: [us-east-1, eu-west-1]
    endpoint: ${AWS_ENDPOINT_URL:-}
    accounts:
      - role_arn: arn:aws:iam::444455556666:role/comply-readonly
        external_id: ${EXTERNAL_ID}
  - name: plan
    type: terraform
    path: infra/plan.json
rules:
  paths: [policies]
  disable: [aws-ec2-instance-profile-attached]
`

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// wantProblem parses src and checks it is refused as invalid with a
// one-line problem containing want.
func wantProblem(t *testing.T, src, want string) {
	t.Helper()
	_, err := Parse("c.yaml", []byte(src), env(nil))
	var ps Problems
	if !errors.As(err, &ps) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("want Problems, got %T %v", err, err)
	}
	if all := fmt.Sprint(ps); !strings.Contains(all, want) {
		t.Errorf("problems %v\ndo not contain %q", ps, want)
	}
	for _, p := range ps {
		if strings.Contains(p.String(), "\n") {
			t.Errorf("multi-line problem %q", p.String())
		}
	}
}

func TestParseGood(t *testing.T) {
	cfg, err := Parse("conf/comply.yaml", []byte(good), env(map[string]string{"EXTERNAL_ID": "s3cr3t-id"}))
	if err != nil {
		t.Fatal(err)
	}
	prod, ok := cfg.Source("prod")
	if !ok || prod.AWS.Concurrency != DefaultConcurrency || prod.AWS.MaxAttempts != DefaultMaxAttempts || len(prod.AWS.Regions) != 2 {
		t.Fatalf("prod %+v", prod)
	}
	acc := prod.AWS.Accounts[0]
	if acc.ExternalID.Value() != "s3cr3t-id" || acc.SessionName != "comply" {
		t.Errorf("account %+v", acc)
	}
	plan, _ := cfg.Source("plan")
	if plan.Path != filepath.Join("conf", "infra", "plan.json") || cfg.Rules.Paths[0] != filepath.Join("conf", "policies") {
		t.Errorf("paths not resolved against the config folder: %s %v", plan.Path, cfg.Rules.Paths)
	}
	if len(cfg.Rules.Disable) != 1 || cfg.Rules.NoBuiltin {
		t.Errorf("rules %+v", cfg.Rules)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"typo key", "sources:\n  - name: a\n    type: aws\n    regoins: [us-east-1]\n", `c.yaml:4: unknown field "regoins"`},
		{"unknown section", "sourcse: []\n", `c.yaml:1: unknown key "sourcse"`},
		{"jira url", "jira:\n  url: acme.atlassian.net\n", `c.yaml:2: jira.url "acme.atlassian.net": want an http(s) URL`},
		{"jira both tokens", "jira:\n  api_token: a\n  pat: b\n", `c.yaml:3: jira: set api_token (Cloud, with user) or pat`},
		{"jira typo", "jira:\n  token: a\n", `c.yaml:2: unknown field "token"`},
		{"trello url", "trello:\n  api_url: api.trello.com\n", `c.yaml:2: trello.api_url "api.trello.com": want an http(s) URL`},
		{"unset var", "sources:\n  - type: aws\n    endpoint: ${NOPE}\n", `c.yaml:3: environment variable NOPE is not set`},
		{"bad type", "sources:\n  - name: a\n    type: gcp\n", `c.yaml:3: source "a": unknown type "gcp"`},
		{"bad region", "sources:\n  - type: aws\n    regions: [us-east-1, mars-1]\n", `c.yaml:3: source "aws": "mars-1" is not an AWS region name`},
		{"bad role", "sources:\n  - type: aws\n    accounts:\n      - role_arn: arn:aws:iam::1:user/x\n", `c.yaml:4: source "aws": "arn:aws:iam::1:user/x" is not an IAM role ARN`},
		{"dup name", "sources:\n  - {name: a, type: aws}\n  - {name: a, type: file, path: x.json}\n", `source name "a" used twice`},
		{"file without path", "sources:\n  - {name: f, type: file}\n", `file sources need a path`},
		{"yaml syntax", "sources: [\n", `c.yaml:1: invalid YAML`},
		{"wrong shape", "- a\n- b\n", `want a mapping of sections`},
		{"wrong value type", "sources:\n  - type: aws\n    concurrency: many\n", `c.yaml:3:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.src), env(nil))
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("not ErrInvalid: %v", err)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %T %v", err, err)
			}
			all := fmt.Sprint(ps)
			if !strings.Contains(all, tt.want) {
				t.Errorf("problems %v\ndo not contain %q", ps, tt.want)
			}
			for _, p := range ps {
				if strings.Contains(p.String(), "\n") {
					t.Errorf("multi-line problem %q", p.String())
				}
			}
		})
	}
}

func TestExpansionCannotInjectStructure(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("sources:\n  - type: file\n    path: ${P}\n"), env(map[string]string{"P": "x.json\n    type: aws"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sources[0].Type != "file" || !strings.Contains(cfg.Sources[0].Path, "type: aws") {
		t.Errorf("expansion changed the structure: %+v", cfg.Sources[0])
	}
	cfg, err = Parse("c.yaml", []byte("sources:\n  - type: file\n    path: $${literal}.json\n"), env(nil))
	if err != nil || cfg.Sources[0].Path != "${literal}.json" {
		t.Errorf("$${ escape: %v %+v", err, cfg)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("xoxb-very-secret")
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("token", "t", s)
	js, _ := json.Marshal(struct{ T Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), string(js), logBuf.String()} {
		if strings.Contains(out, "very-secret") {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Value() != "xoxb-very-secret" {
		t.Error("Value")
	}
}

func TestEmptyConfig(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("# nothing\n"), env(nil))
	if err != nil || len(cfg.Sources) != 0 {
		t.Errorf("%v %+v", err, cfg)
	}
}
