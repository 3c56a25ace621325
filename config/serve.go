package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// The slack: and store: sections configure `comply serve`.

type rawSlack struct {
	Channel            string   `yaml:"channel"`
	Roles              rawRoles `yaml:"roles"`
	Workers            int      `yaml:"workers"`
	Queue              int      `yaml:"queue"`
	MaxFindingMessages *int     `yaml:"max_finding_messages"`
}

type rawRoles struct {
	Viewer   []string `yaml:"viewer"`
	Operator []string `yaml:"operator"`
	Approver []string `yaml:"approver"`
	Admin    []string `yaml:"admin"`
}

type rawStore struct {
	Prefix            string            `yaml:"prefix"`
	Reminders         map[string]string `yaml:"reminders"`
	HistoryRetention  string            `yaml:"history_retention"`
	ResolvedRetention string            `yaml:"resolved_retention"`
	AuditRetention    string            `yaml:"audit_retention"`
}

// Slack configures the bot's Slack side.
type Slack struct {
	// Channel is where findings and scan summaries go: a channel id
	// (C0123ABCD, preferred: it survives renames) or #name. Required by
	// `comply serve`.
	Channel string
	Roles   Roles
	// Workers run commands and scans; Queue bounds the requests waiting for
	// them (a full queue answers "busy").
	Workers int
	Queue   int
	// MaxFindingMessages bounds the finding messages one scan posts; the
	// rest are summed up in one digest message. 0 means no limit.
	MaxFindingMessages int
}

// Roles binds Slack user ids (U…, W…) and user-group ids (S…) to roles.
// Each role includes the ones below it: admin ⊇ approver ⊇ operator ⊇
// viewer. Viewer may be ["*"]: everyone in the workspace.
type Roles struct {
	Viewer, Operator, Approver, Admin []string
}

// Empty reports whether no role is bound to anyone.
func (r Roles) Empty() bool {
	return len(r.Viewer)+len(r.Operator)+len(r.Approver)+len(r.Admin) == 0
}

// Store configures the state store (Redis or in-memory).
type Store struct {
	// Prefix starts every Redis key.
	Prefix string
	// Reminders is the reminder interval of still-open findings by severity
	// (0: never). Severities not named keep the store's defaults.
	Reminders map[checks.Severity]time.Duration
	// HistoryRetention drops scan records older than this (0: keep all).
	HistoryRetention time.Duration
	// ResolvedRetention is how long resolved findings are remembered
	// (0: the store's default of 90 days; negative: forever).
	ResolvedRetention time.Duration
	// AuditRetention drops audit entries older than this (0: keep all).
	AuditRetention time.Duration
}

// Defaults of the slack: section.
const (
	DefaultWorkers            = 4
	DefaultQueue              = 64
	DefaultMaxFindingMessages = 20
	DefaultStorePrefix        = "comply:"
)

var (
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,30}$`)
	groupIDPattern   = regexp.MustCompile(`^S[A-Z0-9]{2,30}$`)
	channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,30}$`)
	channelName      = regexp.MustCompile(`^#[a-z0-9][a-z0-9._-]{0,79}$`)
	prefixPattern    = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,64}$`)
)

type addFunc func(path string, format string, args ...any)

func (raw *rawConfig) slack(add addFunc) Slack {
	s := Slack{Workers: DefaultWorkers, Queue: DefaultQueue, MaxFindingMessages: DefaultMaxFindingMessages}
	r := raw.Slack
	if r == nil {
		return s
	}
	s.Channel = strings.TrimSpace(r.Channel)
	if s.Channel != "" && !channelIDPattern.MatchString(s.Channel) && !channelName.MatchString(s.Channel) {
		add("$.slack.channel", "slack.channel %q: want a channel id (C0123ABCD) or #name", r.Channel)
	}
	if r.Workers != 0 {
		s.Workers = r.Workers
	}
	if s.Workers < 1 || s.Workers > 64 {
		add("$.slack.workers", "slack.workers must be 1-64")
	}
	if r.Queue != 0 {
		s.Queue = r.Queue
	}
	if s.Queue < 1 || s.Queue > 10000 {
		add("$.slack.queue", "slack.queue must be 1-10000")
	}
	if r.MaxFindingMessages != nil {
		s.MaxFindingMessages = *r.MaxFindingMessages
		if s.MaxFindingMessages < 0 || s.MaxFindingMessages > 1000 {
			add("$.slack.max_finding_messages", "slack.max_finding_messages must be 0 (no limit) to 1000")
		}
	}
	roles := []struct {
		name string
		ids  []string
		dst  *[]string
	}{
		{"viewer", r.Roles.Viewer, &s.Roles.Viewer},
		{"operator", r.Roles.Operator, &s.Roles.Operator},
		{"approver", r.Roles.Approver, &s.Roles.Approver},
		{"admin", r.Roles.Admin, &s.Roles.Admin},
	}
	for _, role := range roles {
		seen := map[string]bool{}
		for i, id := range role.ids {
			at := fmt.Sprintf("$.slack.roles.%s[%d]", role.name, i)
			id = strings.TrimSpace(id)
			switch {
			case id == "*" && role.name == "viewer":
			case id == "*":
				add(at, "slack.roles.%s: \"*\" (everyone) is allowed for viewer only", role.name)
			case !userIDPattern.MatchString(id) && !groupIDPattern.MatchString(id):
				add(at, "slack.roles.%s: %q is not a Slack user id (U…, W…) or user-group id (S…); names and @handles change, ids do not", role.name, id)
			case seen[id]:
				add(at, "slack.roles.%s: %q listed twice", role.name, id)
			}
			seen[id] = true
			*role.dst = append(*role.dst, id)
		}
	}
	return s
}

func (raw *rawConfig) store(add addFunc) Store {
	s := Store{Prefix: DefaultStorePrefix}
	r := raw.Store
	if r == nil {
		return s
	}
	if r.Prefix != "" {
		s.Prefix = r.Prefix
		if !prefixPattern.MatchString(r.Prefix) {
			add("$.store.prefix", "store.prefix %q: use at most 64 letters, digits and : _ . -", r.Prefix)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.Reminders)) {
		v := r.Reminders[name]
		at := "$.store.reminders." + name
		sev, err := checks.ParseSeverity(name)
		if err != nil {
			add(at, "store.reminders: %v", err)
			continue
		}
		d, err := parseDuration(v, "never")
		if err != nil {
			add(at, "store.reminders.%s: %v", name, err)
			continue
		}
		if s.Reminders == nil {
			s.Reminders = map[checks.Severity]time.Duration{}
		}
		s.Reminders[sev] = d
	}
	retention := func(key, v string, forever time.Duration) time.Duration {
		if v == "" {
			return 0
		}
		d, err := parseDuration(v, "forever")
		if err != nil {
			add("$.store."+key, "store.%s: %v", key, err)
			return 0
		}
		if d == 0 {
			return forever
		}
		return d
	}
	s.HistoryRetention = retention("history_retention", r.HistoryRetention, 0)
	s.ResolvedRetention = retention("resolved_retention", r.ResolvedRetention, -1)
	s.AuditRetention = retention("audit_retention", r.AuditRetention, 0)
	return s
}

var durationPattern = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$`)

// parseDuration reads 90s, 30m, 24h, 7d, 2w or combinations (1d12h); zero,
// or the word none (never, forever), is 0.
func parseDuration(s, none string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == none || s == "0" {
		return 0, nil
	}
	m := durationPattern.FindStringSubmatch(s)
	if m == nil || s == "" {
		return 0, fmt.Errorf("%q is not a duration (like 12h, 7d, 2w, or %s)", s, none)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		d += time.Duration(n) * u
	}
	if d > 100*365*24*time.Hour {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return d, nil
}
