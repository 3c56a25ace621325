package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/comply-bot/comply/internal/yamlx"

	"github.com/comply-bot/comply/bot/route"
)

// rawConfig is the file as written.
type rawConfig struct {
	Sources []rawSource `yaml:"sources"`
	Rules   rawRules    `yaml:"rules"`
	Slack   *rawSlack   `yaml:"slack"`
	Store   *rawStore   `yaml:"store"`
	// routes, receivers and schedules: see routes.go, receivers.go,
	// schedules.go.
	Routes    *rawRoute     `yaml:"routes"`
	Receivers []rawReceiver `yaml:"receivers"`
	Schedules []rawSchedule `yaml:"schedules"`
	Evidence  *rawEvidence  `yaml:"evidence"`
	// remediation: see remediation.go.
	Remediation *rawRemediation `yaml:"remediation"`
	// calendar: see calendar.go.
	Calendar []rawCalendarTask `yaml:"calendar"`
	// jira and trello: the connection shared by receivers; see
	// connections.go.
	Jira   *rawJiraConn   `yaml:"jira"`
	Trello *rawTrelloConn `yaml:"trello"`

	file *ast.File
}

type rawSource struct {
	Name               string       `yaml:"name"`
	Type               string       `yaml:"type"`
	Path               string       `yaml:"path"`
	Regions            []string     `yaml:"regions"`
	Endpoint           string       `yaml:"endpoint"`
	Concurrency        int          `yaml:"concurrency"`
	MaxAttempts        int          `yaml:"max_attempts"`
	Accounts           []rawAccount `yaml:"accounts"`
	SkipDefaultAccount bool         `yaml:"skip_default_account"`
}

type rawAccount struct {
	RoleARN     string `yaml:"role_arn"`
	ExternalID  string `yaml:"external_id"`
	SessionName string `yaml:"session_name"`
}

type rawRules struct {
	Paths   []string `yaml:"paths"`
	Builtin *bool    `yaml:"builtin"`
	Disable []string `yaml:"disable"`
}

// Config is a validated config file.
type Config struct {
	File    string
	Sources []Source
	Rules   Rules
	// Slack and Store hold defaults when their sections are absent.
	Slack Slack
	Store Store
	// Receivers, Routes and Schedules configure delivery and scheduled
	// scans; Routes is nil when the routes section is absent.
	Receivers []Receiver
	Routes    *route.Tree
	Schedules []Schedule
	// Evidence is empty (no Dir) when its section is absent.
	Evidence Evidence
	// Remediation is disabled when its section is absent.
	Remediation Remediation
	// Calendar holds the recurring compliance tasks (calendar.go).
	Calendar []CalendarTask
}

// Source types.
const (
	SourceAWS       = "aws"
	SourceFile      = "file"
	SourceTerraform = "terraform"
)

// Source is a named place to collect resources from.
type Source struct {
	Name string
	Type string // aws, file or terraform
	Path string // file and terraform: resolved against the config file's folder
	AWS  AWSSource
}

// AWSSource configures a live AWS source.
type AWSSource struct {
	Regions            []string // empty: the SDK's configured region; ["all"]: every enabled region
	Endpoint           string   // endpoint override (emulators, private endpoints)
	Concurrency        int      // API calls in flight per service and region
	MaxAttempts        int      // adaptive retry attempts
	Accounts           []AccountRole
	SkipDefaultAccount bool
}

// AccountRole is an extra account reached with sts:AssumeRole.
type AccountRole struct {
	RoleARN     string
	ExternalID  Secret
	SessionName string
}

// Rules configures the rule set.
type Rules struct {
	Paths     []string // extra rule files or folders, resolved against the config file's folder
	NoBuiltin bool
	Disable   []string // rule ids to leave out
}

// Defaults for AWS sources.
const (
	DefaultConcurrency = 8
	DefaultMaxAttempts = 5
)

// Source returns the named source.
func (c *Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

func defaults(raw *rawConfig) *rawConfig {
	for i := range raw.Sources {
		s := &raw.Sources[i]
		if s.Type == SourceAWS {
			if s.Concurrency == 0 {
				s.Concurrency = DefaultConcurrency
			}
			if s.MaxAttempts == 0 {
				s.MaxAttempts = DefaultMaxAttempts
			}
			for j := range s.Accounts {
				if s.Accounts[j].SessionName == "" {
					s.Accounts[j].SessionName = "comply"
				}
			}
		}
	}
	return raw
}

var (
	namePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// finish validates the raw config and resolves paths; probs holds problems
// found earlier.
func (raw *rawConfig) finish(name string, probs Problems) (*Config, error) {
	add := func(path string, format string, args ...any) {
		probs = append(probs, Problem{name, raw.line(path), fmt.Sprintf(format, args...)})
	}
	dir := filepath.Dir(name)
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	cfg := &Config{File: name}
	seen := map[string]bool{}
	for i, s := range raw.Sources {
		at := fmt.Sprintf("$.sources[%d]", i)
		if s.Name == "" {
			s.Name = s.Type
		}
		switch {
		case !namePattern.MatchString(s.Name):
			add(at, "source name %q: use lower-case letters, digits, - and _", s.Name)
		case seen[s.Name]:
			add(at+".name", "source name %q used twice", s.Name)
		}
		seen[s.Name] = true
		src := Source{Name: s.Name, Type: s.Type}
		switch s.Type {
		case SourceFile, SourceTerraform:
			if s.Path == "" {
				add(at, "source %q: %s sources need a path", s.Name, s.Type)
			}
			if len(s.Regions) > 0 || s.Endpoint != "" || len(s.Accounts) > 0 || s.Concurrency != 0 || s.MaxAttempts != 0 || s.SkipDefaultAccount {
				add(at, "source %q: regions, endpoint, accounts, concurrency, max_attempts and skip_default_account apply to aws sources only", s.Name)
			}
			src.Path = resolve(s.Path)
		case SourceAWS:
			if s.Path != "" {
				add(at+".path", "source %q: aws sources take no path", s.Name)
			}
			for j, r := range s.Regions {
				if r == "all" && len(s.Regions) > 1 {
					add(fmt.Sprintf("%s.regions[%d]", at, j), "source %q: \"all\" cannot be combined with other regions", s.Name)
				} else if r != "all" && !regionPattern.MatchString(r) {
					add(fmt.Sprintf("%s.regions[%d]", at, j), "source %q: %q is not an AWS region name", s.Name, r)
				}
			}
			if s.Concurrency < 1 || s.Concurrency > 64 {
				add(at+".concurrency", "source %q: concurrency must be 1-64", s.Name)
			}
			if s.MaxAttempts < 1 || s.MaxAttempts > 20 {
				add(at+".max_attempts", "source %q: max_attempts must be 1-20", s.Name)
			}
			if s.Endpoint != "" && !strings.HasPrefix(s.Endpoint, "http://") && !strings.HasPrefix(s.Endpoint, "https://") {
				add(at+".endpoint", "source %q: endpoint must be an http(s) URL", s.Name)
			}
			if s.SkipDefaultAccount && len(s.Accounts) == 0 {
				add(at+".skip_default_account", "source %q: skip_default_account needs accounts to scan", s.Name)
			}
			src.AWS = AWSSource{Regions: s.Regions, Endpoint: s.Endpoint, Concurrency: s.Concurrency,
				MaxAttempts: s.MaxAttempts, SkipDefaultAccount: s.SkipDefaultAccount}
			for j, a := range s.Accounts {
				if !roleARNPattern.MatchString(a.RoleARN) {
					add(fmt.Sprintf("%s.accounts[%d].role_arn", at, j), "source %q: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", s.Name, a.RoleARN)
				}
				src.AWS.Accounts = append(src.AWS.Accounts, AccountRole{RoleARN: a.RoleARN, ExternalID: Secret(a.ExternalID), SessionName: a.SessionName})
			}
		case "":
			add(at, "source %q: missing type (aws, file or terraform)", s.Name)
		default:
			add(at+".type", "source %q: unknown type %q (want aws, file or terraform)", s.Name, s.Type)
		}
		cfg.Sources = append(cfg.Sources, src)
	}
	for _, p := range raw.Rules.Paths {
		cfg.Rules.Paths = append(cfg.Rules.Paths, resolve(p))
	}
	cfg.Rules.NoBuiltin = raw.Rules.Builtin != nil && !*raw.Rules.Builtin
	cfg.Rules.Disable = raw.Rules.Disable
	cfg.Slack = raw.slack(add)
	cfg.Store = raw.store(add)
	raw.connections(add)
	raw.routing(add, cfg)
	cfg.Evidence = raw.evidence(add, resolve)
	cfg.Remediation = raw.remediation(add)
	cfg.Calendar = raw.calendar(add, cfg.Slack.Channel)
	if len(probs) > 0 {
		return nil, probs
	}
	return cfg, nil
}

// line finds the line of a YAML path in the parsed file, for messages.
func (raw *rawConfig) line(path string) int {
	if raw.file == nil {
		return 0
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(raw.file)
	if err != nil {
		return 0
	}
	return yamlx.NodeLine(n)
}
