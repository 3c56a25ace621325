package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// The receivers: section names the places findings are delivered to; routes
// refer to them by name.

type rawReceiver struct {
	Name    string            `yaml:"name"`
	Type    string            `yaml:"type"`
	Slack   *rawSlackReceiver `yaml:"slack"`
	Jira    *rawJira          `yaml:"jira"`
	Trello  *rawTrello        `yaml:"trello"`
	Webhook *rawWebhook       `yaml:"webhook"`
}

type rawSlackReceiver struct {
	Channel string `yaml:"channel"`
	Mode    string `yaml:"mode"`
}

type rawJira struct {
	URL          string            `yaml:"url"`
	User         string            `yaml:"user"`
	APIToken     string            `yaml:"api_token"`
	PAT          string            `yaml:"pat"`
	Project      string            `yaml:"project"`
	IssueType    string            `yaml:"issue_type"`
	PriorityMap  map[string]string `yaml:"priority_map"`
	Labels       []string          `yaml:"labels"`
	Components   []string          `yaml:"components"`
	DoneCategory string            `yaml:"done_category"`
}

type rawTrello struct {
	APIURL   string `yaml:"api_url"`
	APIKey   string `yaml:"api_key"`
	Token    string `yaml:"token"`
	Board    string `yaml:"board"`
	List     string `yaml:"list"`
	DoneList string `yaml:"done_list"`
}

type rawWebhook struct {
	URL         string `yaml:"url"`
	Secret      string `yaml:"secret"`
	Format      string `yaml:"format"`
	Token       string `yaml:"token"`
	MaxAttempts int    `yaml:"max_attempts"`
}

// Receiver types.
const (
	ReceiverSlack   = "slack"
	ReceiverJira    = "jira"
	ReceiverTrello  = "trello"
	ReceiverWebhook = "webhook"
)

// Receiver is a named delivery target; exactly the settings of its type are
// set.
type Receiver struct {
	Name    string
	Type    string
	Slack   *SlackReceiver
	Jira    *JiraReceiver
	Trello  *TrelloReceiver
	Webhook *WebhookReceiver
}

// Slack receiver modes.
const (
	SlackModeMessage = "message" // one message per finding, updated in place
	SlackModeDigest  = "digest"  // one message per group per interval
)

// SlackReceiver posts to a channel.
type SlackReceiver struct {
	Channel string // id or #name; defaults to slack.channel
	Mode    string // message or digest
}

// JiraReceiver files one issue per finding. Credentials left empty here
// come from JIRA_URL, JIRA_USER, JIRA_API_TOKEN (Cloud) or JIRA_PAT (Data
// Center).
type JiraReceiver struct {
	URL       string
	User      string
	APIToken  Secret
	PAT       Secret
	Project   string
	IssueType string
	// PriorityMap gives the Jira priority name per severity; severities not
	// named leave the project's default priority.
	PriorityMap map[checks.Severity]string
	Labels      []string
	Components  []string
	// DoneCategory is the status category key (new, indeterminate, done)
	// a resolved finding's issue is moved to; names of statuses differ per
	// workflow, categories do not.
	DoneCategory string
}

// TrelloReceiver keeps one card per finding. Credentials left empty come
// from TRELLO_API_KEY, TRELLO_TOKEN and TRELLO_API_URL.
type TrelloReceiver struct {
	APIURL   string
	APIKey   Secret
	Token    Secret
	Board    string // board id
	List     string // list id new cards go to
	DoneList string // list id resolved cards move to
}

// Webhook formats.
const (
	WebhookJSON      = "json"
	WebhookSplunkHEC = "splunk-hec"
)

// WebhookReceiver POSTs changes as JSON.
type WebhookReceiver struct {
	URL string
	// Secret signs each body (HMAC-SHA256 header); empty: unsigned.
	Secret Secret
	Format string // json or splunk-hec
	// Token is the Splunk HEC token (Authorization: Splunk TOKEN).
	Token       Secret
	MaxAttempts int
}

// Defaults of receivers.
const (
	DefaultJiraIssueType      = "Task"
	DefaultJiraDoneCategory   = "done"
	DefaultWebhookMaxAttempts = 5
)

var (
	jiraProjectPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)
	trelloIDPattern    = regexp.MustCompile(`^[0-9a-fA-F]{24}$|^[A-Za-z0-9]{8}$`)
)

func httpURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// receivers validates the receivers: section; the top-level slack channel
// is the default of slack receivers.
func (raw *rawConfig) receivers(add addFunc, defaultChannel string) []Receiver {
	var out []Receiver
	seen := map[string]bool{}
	for i, r := range raw.Receivers {
		at := fmt.Sprintf("$.receivers[%d]", i)
		switch {
		case r.Name == "":
			add(at, "receiver %d: missing name", i+1)
		case !namePattern.MatchString(r.Name):
			add(at+".name", "receiver name %q: use lower-case letters, digits, - and _", r.Name)
		case seen[r.Name]:
			add(at+".name", "receiver name %q used twice", r.Name)
		}
		seen[r.Name] = true
		rc := Receiver{Name: r.Name, Type: r.Type}
		blocks := map[string]bool{ReceiverSlack: r.Slack != nil, ReceiverJira: r.Jira != nil, ReceiverTrello: r.Trello != nil, ReceiverWebhook: r.Webhook != nil}
		for _, k := range slices.Sorted(maps.Keys(blocks)) {
			if blocks[k] && k != r.Type {
				add(at+"."+k, "receiver %q: %s settings on a receiver of type %q", r.Name, k, r.Type)
			}
		}
		switch r.Type {
		case ReceiverSlack:
			rc.Slack = slackReceiver(add, at, r, defaultChannel)
		case ReceiverJira:
			if r.Jira == nil {
				add(at, "receiver %q: type jira needs jira settings (project, issue_type, ...)", r.Name)
				break
			}
			j := raw.jiraDefaults(*r.Jira)
			rc.Jira = jiraReceiver(add, at+".jira", r.Name, &j)
		case ReceiverTrello:
			if r.Trello == nil {
				add(at, "receiver %q: type trello needs trello settings (board, list, done_list)", r.Name)
				break
			}
			t := raw.trelloDefaults(*r.Trello)
			rc.Trello = trelloReceiver(add, at+".trello", r.Name, &t)
		case ReceiverWebhook:
			if r.Webhook == nil {
				add(at, "receiver %q: type webhook needs webhook settings (url, ...)", r.Name)
				break
			}
			rc.Webhook = webhookReceiver(add, at+".webhook", r.Name, r.Webhook)
		case "":
			add(at, "receiver %q: missing type (slack, jira, trello or webhook)", r.Name)
		default:
			add(at+".type", "receiver %q: unknown type %q (want slack, jira, trello or webhook)", r.Name, r.Type)
		}
		out = append(out, rc)
	}
	return out
}

func slackReceiver(add addFunc, at string, r rawReceiver, defaultChannel string) *SlackReceiver {
	s := &SlackReceiver{Channel: defaultChannel, Mode: SlackModeMessage}
	if r.Slack != nil {
		if c := strings.TrimSpace(r.Slack.Channel); c != "" {
			s.Channel = c
			if !channelIDPattern.MatchString(c) && !channelName.MatchString(c) {
				add(at+".slack.channel", "receiver %q: channel %q: want a channel id (C0123ABCD) or #name", r.Name, c)
			}
		}
		switch r.Slack.Mode {
		case "", SlackModeMessage:
		case SlackModeDigest:
			s.Mode = SlackModeDigest
		default:
			add(at+".slack.mode", "receiver %q: mode %q: want message or digest", r.Name, r.Slack.Mode)
		}
	}
	if s.Channel == "" {
		add(at, "receiver %q: no channel: set slack.channel on the receiver or in the top-level slack section", r.Name)
	}
	return s
}

func jiraReceiver(add addFunc, at, name string, r *rawJira) *JiraReceiver {
	j := &JiraReceiver{URL: strings.TrimRight(r.URL, "/"), User: r.User, APIToken: Secret(r.APIToken), PAT: Secret(r.PAT),
		Project: r.Project, IssueType: r.IssueType, Labels: r.Labels, Components: r.Components,
		DoneCategory: strings.ToLower(r.DoneCategory)}
	if j.URL != "" && !httpURL(j.URL) {
		add(at+".url", "receiver %q: jira url %q: want an http(s) URL", name, r.URL)
	}
	if j.APIToken.IsSet() && j.PAT.IsSet() {
		add(at+".pat", "receiver %q: set api_token (Cloud, with user) or pat (Data Center), not both", name)
	}
	if j.APIToken.IsSet() && j.User == "" {
		add(at+".api_token", "receiver %q: api_token needs user (the account's email)", name)
	}
	switch {
	case j.Project == "":
		add(at, "receiver %q: jira needs a project key", name)
	case !jiraProjectPattern.MatchString(j.Project):
		add(at+".project", "receiver %q: %q is not a Jira project key (like SEC)", name, j.Project)
	}
	if j.IssueType == "" {
		j.IssueType = DefaultJiraIssueType
	}
	for _, k := range slices.Sorted(maps.Keys(r.PriorityMap)) {
		sev, err := checks.ParseSeverity(k)
		if err != nil {
			add(at+".priority_map."+k, "receiver %q: priority_map: %v", name, err)
			continue
		}
		if strings.TrimSpace(r.PriorityMap[k]) == "" {
			add(at+".priority_map."+k, "receiver %q: priority_map.%s: empty priority name", name, k)
			continue
		}
		if j.PriorityMap == nil {
			j.PriorityMap = map[checks.Severity]string{}
		}
		j.PriorityMap[sev] = r.PriorityMap[k]
	}
	for i, l := range j.Labels {
		if l == "" || strings.ContainsAny(l, " \t\n") {
			add(fmt.Sprintf("%s.labels[%d]", at, i), "receiver %q: jira label %q: labels cannot be empty or contain spaces", name, l)
		}
	}
	switch j.DoneCategory {
	case "":
		j.DoneCategory = DefaultJiraDoneCategory
	case "new", "indeterminate", "done":
	default:
		add(at+".done_category", "receiver %q: done_category %q: want a status category key: new, indeterminate or done", name, r.DoneCategory)
	}
	return j
}

func trelloReceiver(add addFunc, at, name string, r *rawTrello) *TrelloReceiver {
	t := &TrelloReceiver{APIURL: strings.TrimRight(r.APIURL, "/"), APIKey: Secret(r.APIKey), Token: Secret(r.Token),
		Board: r.Board, List: r.List, DoneList: r.DoneList}
	if t.APIURL != "" && !httpURL(t.APIURL) {
		add(at+".api_url", "receiver %q: trello api_url %q: want an http(s) URL", name, r.APIURL)
	}
	for _, f := range []struct{ key, v string }{{"board", r.Board}, {"list", r.List}, {"done_list", r.DoneList}} {
		switch {
		case f.v == "":
			add(at, "receiver %q: trello needs %s (an id)", name, f.key)
		case !trelloIDPattern.MatchString(f.v):
			add(at+"."+f.key, "receiver %q: trello %s %q: want a Trello id (24 hex digits) or short link", name, f.key, f.v)
		}
	}
	if r.List != "" && r.List == r.DoneList {
		add(at+".done_list", "receiver %q: done_list must differ from list", name)
	}
	return t
}

func webhookReceiver(add addFunc, at, name string, r *rawWebhook) *WebhookReceiver {
	w := &WebhookReceiver{URL: r.URL, Secret: Secret(r.Secret), Format: r.Format, Token: Secret(r.Token), MaxAttempts: r.MaxAttempts}
	switch {
	case w.URL == "":
		add(at, "receiver %q: webhook needs a url", name)
	case !httpURL(w.URL):
		add(at+".url", "receiver %q: webhook url %q: want an http(s) URL", name, r.URL)
	}
	switch w.Format {
	case "":
		w.Format = WebhookJSON
	case WebhookJSON, WebhookSplunkHEC:
	default:
		add(at+".format", "receiver %q: webhook format %q: want json or splunk-hec", name, r.Format)
	}
	if w.Token.IsSet() && w.Format != WebhookSplunkHEC {
		add(at+".token", "receiver %q: token is the Splunk HEC token; it applies to format splunk-hec only", name)
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = DefaultWebhookMaxAttempts
	}
	if w.MaxAttempts < 1 || w.MaxAttempts > 20 {
		add(at+".max_attempts", "receiver %q: max_attempts must be 1-20", name)
	}
	return w
}
