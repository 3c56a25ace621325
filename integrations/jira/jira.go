// Package jira keeps one Jira issue per finding: created when the finding
// fails, commented on reminders, moved to a done status when it resolves and
// back when it regresses. The issue is found again by a label (or a custom
// field) carrying the fingerprint, so a wiped state store never duplicates
// issues.
package jira

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/comply-bot/comply/checks"
)

// Deployment is the kind of Jira server, which decides auth and search API.
type Deployment string

// Deployments.
const (
	// Cloud: email + API token (basic auth); search through
	// /rest/api/2/search/jql (go-jira's SearchV2JQL), as /rest/api/2/search
	// is gone there.
	Cloud Deployment = "cloud"
	// DataCenter: a personal access token (bearer); search through
	// /rest/api/2/search.
	DataCenter Deployment = "datacenter"
)

// Config configures the Jira receiver.
type Config struct {
	URL        string     // JIRA_URL, e.g. https://acme.atlassian.net
	Deployment Deployment // default Cloud
	Email      string     // JIRA_USER (Cloud)
	APIToken   string     // JIRA_API_TOKEN (Cloud)
	PAT        string     // JIRA_PAT (Data Center)

	Project   string // project key, e.g. SEC
	IssueType string // default "Task"
	// Priorities maps a severity to a priority name; unmapped severities
	// leave the project's default priority.
	Priorities map[checks.Severity]string
	Labels     []string // added to every issue, besides the fingerprint label
	Components []string // component names
	// FingerprintField is a custom field id (customfield_10050) holding the
	// fingerprint; searched instead of the label when set. The label is
	// always added.
	FingerprintField string
	// Resolution is set when a done transition requires a resolution
	// (common on Data Center); default "Done".
	Resolution string
	// DoneCategory is the status category key a resolved finding's issue
	// moves to: "done" (default), or "indeterminate" for a team that
	// verifies fixes before closing.
	DoneCategory string
}

// LabelPrefix starts the label that carries a fingerprint.
const LabelPrefix = "comply-"

// Label is the fingerprint label of an issue.
func Label(fingerprint string) string { return LabelPrefix + fingerprint }

var (
	customFieldRE = regexp.MustCompile(`^customfield_(\d+)$`)
	labelRE       = regexp.MustCompile(`^\S+$`)
)

// Receiver syncs finding changes to Jira issues.
type Receiver struct {
	cfg     Config
	client  *gojira.Client
	log     *slog.Logger
	secrets []string
}

// New checks cfg and returns a receiver. hc supplies the transport and
// timeout (nil: http.DefaultClient's); auth is layered on top. A nil log
// discards.
func New(cfg Config, hc *http.Client, log *slog.Logger) (*Receiver, error) {
	if cfg.Deployment == "" {
		// The config file names no deployment: a PAT alone means Data Center.
		cfg.Deployment = Cloud
		if cfg.PAT != "" && cfg.APIToken == "" {
			cfg.Deployment = DataCenter
		}
	}
	switch cfg.DoneCategory {
	case "":
		cfg.DoneCategory = categoryDone
	case categoryDone, categoryInProgress:
	default:
		return nil, fmt.Errorf("jira: done_category %q: want done or indeterminate", cfg.DoneCategory)
	}
	if cfg.IssueType == "" {
		cfg.IssueType = "Task"
	}
	if cfg.Resolution == "" {
		cfg.Resolution = "Done"
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("jira: url must be an absolute http(s) URL")
	}
	if cfg.Project == "" {
		return nil, errors.New("jira: project is required")
	}
	if cfg.FingerprintField != "" && !customFieldRE.MatchString(cfg.FingerprintField) {
		return nil, fmt.Errorf("jira: fingerprint_field %q is not a customfield_<id>", cfg.FingerprintField)
	}
	for _, l := range cfg.Labels {
		if !labelRE.MatchString(l) {
			return nil, fmt.Errorf("jira: label %q must be one word", l)
		}
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	var rt http.RoundTripper
	var secrets []string
	switch cfg.Deployment {
	case Cloud:
		if cfg.Email == "" || cfg.APIToken == "" {
			return nil, errors.New("jira: cloud needs an email and an API token")
		}
		rt = &gojira.BasicAuthTransport{Username: cfg.Email, Password: cfg.APIToken, Transport: hc.Transport}
		basic := base64.StdEncoding.EncodeToString([]byte(cfg.Email + ":" + cfg.APIToken))
		secrets = []string{cfg.APIToken, basic}
	case DataCenter:
		if cfg.PAT == "" {
			return nil, errors.New("jira: data center needs a personal access token")
		}
		rt = &gojira.PATAuthTransport{Token: cfg.PAT, Transport: hc.Transport}
		secrets = []string{cfg.PAT}
	default:
		return nil, fmt.Errorf("jira: unknown deployment %q (want cloud or datacenter)", cfg.Deployment)
	}
	client, err := gojira.NewClient(&http.Client{Transport: rt, Timeout: hc.Timeout}, cfg.URL)
	if err != nil {
		return nil, errors.New("jira: bad url")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{cfg: cfg, client: client, log: log, secrets: secrets}, nil
}

// BrowseURL is the web address of an issue, for linking from Slack.
func (r *Receiver) BrowseURL(key string) string {
	return strings.TrimSuffix(r.cfg.URL, "/") + "/browse/" + url.PathEscape(key)
}

// wrap describes a failed call without ever carrying a credential: Jira's
// error bodies are quoted by go-jira and a proxy may echo the auth header.
// Context cancellation stays detectable with errors.Is.
func (r *Receiver) wrap(what string, err error) error {
	msg := err.Error()
	var jerr *gojira.Error
	if errors.As(err, &jerr) {
		msg = jerr.LongError()
	}
	msg = strings.Join(strings.Fields(msg), " ")
	for _, s := range r.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "<redacted>")
		}
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("jira: %s: %s: %w", what, msg, c)
		}
	}
	return fmt.Errorf("jira: %s: %s", what, msg)
}
