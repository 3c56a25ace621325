package jira_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/jira"
	"github.com/comply-bot/comply/integrations/jira/jiratest"
)

const (
	email    = "bot@example.com"
	apiToken = "ATATT-cloud-secret-123"
	pat      = "dc-pat-secret-456"
)

type env struct {
	srv   *jiratest.Server
	fresh func() *jira.Receiver // a receiver with no memory: "Redis wiped"
	logs  *bytes.Buffer
}

func setup(t *testing.T, dep jira.Deployment, field string) env {
	t.Helper()
	var srv *jiratest.Server
	cfg := jira.Config{
		Deployment: dep, Project: "SEC", IssueType: "Bug",
		Priorities:       map[checks.Severity]string{checks.SeverityCritical: "Highest", checks.SeverityHigh: "High"},
		Labels:           []string{"compliance"},
		Components:       []string{"cloud"},
		FingerprintField: field,
	}
	if dep == jira.DataCenter {
		srv = jiratest.NewDataCenter(pat)
		cfg.PAT = pat
	} else {
		srv = jiratest.NewCloud(email, apiToken)
		cfg.Email, cfg.APIToken = email, apiToken
	}
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	var logs bytes.Buffer
	return env{srv: srv, logs: &logs, fresh: func() *jira.Receiver {
		r, err := jira.New(cfg, srv.Client(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}}
}

func change(fp string, kind checks.ChangeKind) checks.Change {
	return checks.Change{
		Kind: kind, Reason: checks.ReasonChange,
		Finding: checks.Finding{
			Fingerprint: fp, RuleID: "s3-public", Title: "Bucket is public", Severity: checks.SeverityCritical,
			ResourceID: "arn:aws:s3:::data", ResourceName: "data", Account: "111", Region: "eu-west-1",
			Message: "public ACL", Frameworks: map[string][]string{"cis": {"2.1.5"}},
		},
		State: checks.FindingState{Fingerprint: fp, TimesSeen: 4, LastSeen: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)},
	}
}

func countCalls(calls []jiratest.Call, method, suffix string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method && strings.HasSuffix(c.Path, suffix) {
			n++
		}
	}
	return n
}

func TestLifecycle(t *testing.T) {
	tests := []struct {
		name       string
		dep        jira.Deployment
		field      string
		searchPath string
	}{
		{"cloud label", jira.Cloud, "", "/rest/api/2/search/jql"},
		{"cloud custom field", jira.Cloud, "customfield_10050", "/rest/api/2/search/jql"},
		{"data center", jira.DataCenter, "", "/rest/api/2/search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.dep, tt.field)
			ctx := context.Background()

			key, err := e.fresh().Sync(ctx, change("fp1", checks.ChangeNew))
			if err != nil {
				t.Fatal(err)
			}
			issues := e.srv.Issues()
			if len(issues) != 1 || key != issues[0].Key || key != "SEC-1" {
				t.Fatalf("after new: key %q, issues %+v", key, issues)
			}
			f := issues[0].Fields
			if f["summary"] != "[CRITICAL] Bucket is public: data" {
				t.Errorf("summary %q", f["summary"])
			}
			if p, _ := f["priority"].(map[string]any); p["name"] != "Highest" {
				t.Errorf("priority %v", f["priority"])
			}
			if it, _ := f["issuetype"].(map[string]any); it["name"] != "Bug" {
				t.Errorf("issuetype %v", f["issuetype"])
			}
			if labels, _ := f["labels"].([]any); len(labels) != 2 || labels[0] != "compliance" || labels[1] != "comply-fp1" {
				t.Errorf("labels %v", f["labels"])
			}
			if comps, _ := f["components"].([]any); len(comps) != 1 || comps[0].(map[string]any)["name"] != "cloud" {
				t.Errorf("components %v", f["components"])
			}
			if tt.field != "" && f[tt.field] != "fp1" {
				t.Errorf("custom field %v", f[tt.field])
			}

			// Redis wiped: a fresh receiver gets "new" again and finds the issue.
			key2, err := e.fresh().Sync(ctx, change("fp1", checks.ChangeNew))
			if err != nil {
				t.Fatal(err)
			}
			if key2 != key || len(e.srv.Issues()) != 1 {
				t.Fatalf("duplicate after wipe: %d issues, key %q", len(e.srv.Issues()), key2)
			}
			if n := countCalls(e.srv.Calls(), "GET", tt.searchPath); n != 2 {
				t.Fatalf("want 2 searches on %s, got %d", tt.searchPath, n)
			}

			// Reminder: a comment when asked.
			if _, err := e.fresh().Sync(ctx, change("fp1", checks.ChangeStillOpen)); err != nil {
				t.Fatal(err)
			}
			if c := e.srv.Issues()[0].Comments; len(c) != 1 || !strings.Contains(c[0], "Still failing") || !strings.Contains(c[0], "4 times") {
				t.Fatalf("reminder comments %q", c)
			}

			// Resolve: to the status in the done category, whatever its
			// name, with a comment; a replay does nothing more.
			for range 2 {
				if _, err := e.fresh().Sync(ctx, change("fp1", checks.ChangeResolved)); err != nil {
					t.Fatal(err)
				}
			}
			st := e.srv.StatusOf(key)
			if st.Category != "done" || st.Name != "Closed" {
				t.Fatalf("after resolve: status %+v", st)
			}
			if is := e.srv.Issues()[0]; len(is.Comments) != 2 || !strings.Contains(is.Comments[1], "passes again") || is.Resolution != "Done" {
				t.Fatalf("after resolve: %+v", is)
			}
			if n := countCalls(e.srv.Calls(), "POST", "/transitions"); n != 1 {
				t.Fatalf("want 1 transition, got %d", n)
			}

			// Regression: back to a "new" status, same issue.
			if k, err := e.fresh().Sync(ctx, change("fp1", checks.ChangeReopened)); err != nil || k != key {
				t.Fatalf("reopen: key %q err %v", k, err)
			}
			if st := e.srv.StatusOf(key); st.Category != "new" {
				t.Fatalf("after reopen: status %+v", st)
			}
			if is := e.srv.Issues(); len(is) != 1 || len(is[0].Comments) != 3 || !strings.Contains(is[0].Comments[2], "fails again") {
				t.Fatalf("after reopen: %+v", is)
			}
			if strings.Contains(e.logs.String(), apiToken) || strings.Contains(e.logs.String(), pat) {
				t.Fatal("token in logs")
			}
		})
	}
}

func TestStillOpenOnClosedIssueReopens(t *testing.T) {
	e := setup(t, jira.Cloud, "")
	ctx := context.Background()
	key, _ := e.fresh().Sync(ctx, change("fp", checks.ChangeNew))
	if _, err := e.fresh().Sync(ctx, change("fp", checks.ChangeResolved)); err != nil {
		t.Fatal(err)
	}
	// Someone closed it by hand while it still fails, or state lagged.
	if _, err := e.fresh().Sync(ctx, change("fp", checks.ChangeStillOpen)); err != nil {
		t.Fatal(err)
	}
	if st := e.srv.StatusOf(key); st.Category == "done" {
		t.Fatalf("still-open left the issue done: %+v", st)
	}
}

func TestResolvedWithoutIssueCreatesNothing(t *testing.T) {
	e := setup(t, jira.Cloud, "")
	key, err := e.fresh().Sync(context.Background(), change("gone", checks.ChangeResolved))
	if err != nil || key != "" || len(e.srv.Issues()) != 0 {
		t.Fatalf("key %q err %v issues %d", key, err, len(e.srv.Issues()))
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	for _, dep := range []jira.Deployment{jira.Cloud, jira.DataCenter} {
		t.Run(string(dep), func(t *testing.T) {
			e := setup(t, dep, "")
			// The fake's 502 body echoes the Authorization header (the
			// base64 of email:token on Cloud, the PAT on Data Center).
			e.srv.FailNext = 1
			_, err := e.fresh().Sync(context.Background(), change("fp", checks.ChangeNew))
			if err == nil || !strings.Contains(err.Error(), "502") {
				t.Fatalf("want a 502 error, got %v", err)
			}
			assertClean(t, err.Error())
			if !strings.Contains(err.Error(), "<redacted>") {
				t.Fatalf("the echoed credential should show as redacted: %v", err)
			}
		})
	}
	// Wrong credentials: the fake's 401 echoes them.
	srv := jiratest.NewCloud(email, "the-right-one")
	defer srv.Close()
	r, err := jira.New(jira.Config{URL: srv.URL, Email: email, APIToken: apiToken, Project: "SEC"}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Sync(context.Background(), change("fp", checks.ChangeNew))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want a 401 error, got %v", err)
	}
	assertClean(t, err.Error())
}

func assertClean(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{apiToken, pat, "Ym90QGV4YW1wbGUuY29tOkFUQVRULWNsb3VkLXNlY3JldC0xMjM="} {
		if strings.Contains(msg, s) {
			t.Fatalf("secret %q leaked: %s", s, msg)
		}
	}
}

func TestNoDoneTransitionIsAnError(t *testing.T) {
	e := setup(t, jira.Cloud, "")
	ctx := context.Background()
	key, err := e.fresh().Sync(ctx, change("fp", checks.ChangeNew))
	if err != nil {
		t.Fatal(err)
	}
	// A workflow whose only way out is a transition *named* Done that
	// leads to an in-progress status: it must not count as resolving.
	e.srv.SetWorkflow(
		[]jiratest.Status{{ID: "1", Name: "Backlog", Category: "new"}, {ID: "5", Name: "Done", Category: "indeterminate"}},
		[]jiratest.Transition{{ID: "21", Name: "Done", To: "5"}},
	)
	_, err = e.fresh().Sync(ctx, change("fp", checks.ChangeResolved))
	if err == nil || !strings.Contains(err.Error(), "done status category") {
		t.Fatalf("want a no-done-transition error, got %v", err)
	}
	if st := e.srv.StatusOf(key); st.ID != "1" {
		t.Fatalf("issue moved anyway: %+v", st)
	}
	if c := e.srv.Issues()[0].Comments; len(c) != 0 {
		t.Fatalf("commented without resolving: %q", c)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []jira.Config{
		{URL: "http://j", Email: email, APIToken: apiToken},               // no project
		{URL: "http://j", Project: "SEC", Email: email},                   // no token
		{URL: "http://j", Project: "SEC", Deployment: jira.DataCenter},    // no PAT
		{URL: "http://j", Project: "SEC", Deployment: "server", PAT: pat}, // unknown deployment
		{URL: "nope", Project: "SEC", Email: email, APIToken: apiToken},   // bad URL
		{URL: "http://j", Project: "SEC", PAT: pat, Deployment: jira.DataCenter, FingerprintField: "fp"},
		{URL: "http://j", Project: "SEC", PAT: pat, Deployment: jira.DataCenter, Labels: []string{"two words"}},
	} {
		if _, err := jira.New(cfg, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestBrowseURL(t *testing.T) {
	r, err := jira.New(jira.Config{URL: "https://acme.atlassian.net/", Project: "SEC", Email: email, APIToken: apiToken}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.BrowseURL("SEC-7"); got != "https://acme.atlassian.net/browse/SEC-7" {
		t.Fatalf("BrowseURL %q", got)
	}
}

func TestDoneCategoryIndeterminateAndInferredDataCenter(t *testing.T) {
	srv := jiratest.NewDataCenter(pat)
	defer srv.Close()
	// No Deployment: a PAT alone means Data Center.
	r, err := jira.New(jira.Config{URL: srv.URL, PAT: pat, Project: "SEC", DoneCategory: "indeterminate"}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, err := r.Sync(ctx, change("fp", checks.ChangeNew))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(ctx, change("fp", checks.ChangeResolved)); err != nil {
		t.Fatal(err)
	}
	if st := srv.StatusOf(key); st.Category != "indeterminate" {
		t.Fatalf("resolved to %+v, want the indeterminate category", st)
	}
	if _, err := r.Sync(ctx, change("fp", checks.ChangeResolved)); err != nil {
		t.Fatal(err)
	}
	if n := countCalls(srv.Calls(), "POST", "/transitions"); n != 1 {
		t.Fatalf("replayed resolve transitioned again: %d", n)
	}
	if _, err := r.Sync(ctx, change("fp", checks.ChangeReopened)); err != nil {
		t.Fatal(err)
	}
	if st := srv.StatusOf(key); st.Category != "new" {
		t.Fatalf("reopened to %+v, want new", st)
	}
	if _, err := jira.New(jira.Config{URL: srv.URL, PAT: pat, Project: "SEC", DoneCategory: "new"}, nil, nil); err == nil {
		t.Fatal("done_category new accepted")
	}
}
