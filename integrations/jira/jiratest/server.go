// Package jiratest is an in-memory fake of the parts of Jira's REST API v2
// the jira receiver uses (search, create issue, comment, transitions),
// recording every call. It runs as Cloud (basic auth; /rest/api/2/search
// answers 410 as Atlassian's does since its removal) or Data Center (bearer
// PAT; no /search/jql).
package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Status is a workflow status.
type Status struct {
	ID       string
	Name     string
	Category string // new, indeterminate, done
}

// Transition leads to a status; RequiresResolution mimics a Data Center
// "Resolve" screen.
type Transition struct {
	ID                 string
	Name               string
	To                 string // status id
	RequiresResolution bool
}

// DefaultWorkflow is the fake's workflow, where any status can go to any
// other. Names deliberately mislead: a transition named "Done" leads to an
// in-progress status, and the done status is called "Closed", so only a
// client that reads status categories wins.
func DefaultWorkflow() ([]Status, []Transition) {
	return []Status{
			{"1", "Backlog", "new"},
			{"3", "In Review", "indeterminate"},
			{"5", "Done?", "indeterminate"},
			{"6", "Closed", "done"},
		}, []Transition{
			{"11", "Start review", "3", false},
			{"21", "Done", "5", false},
			{"31", "Ship it", "6", true},
			{"41", "Reopen", "1", false},
			{"51", "Review again", "3", false},
		}
}

// Call is one recorded request.
type Call struct {
	Method string
	Path   string
	Query  string
	Body   map[string]any
}

// Issue is an issue as the fake stores it.
type Issue struct {
	ID, Key    string
	StatusID   string
	Fields     map[string]any
	Comments   []string
	Resolution string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Cloud        bool
	Email, Token string // Cloud credentials
	PAT          string // Data Center token
	statuses     []Status
	transitions  []Transition
	mu           sync.Mutex
	issues       []*Issue
	calls        []Call
	// FailNext makes the next n requests answer 502 with a body that echoes
	// the Authorization header.
	FailNext int
}

// NewCloud starts a fake Jira Cloud.
func NewCloud(email, token string) *Server {
	s := &Server{Cloud: true, Email: email, Token: token}
	s.start()
	return s
}

// NewDataCenter starts a fake Jira Data Center.
func NewDataCenter(pat string) *Server {
	s := &Server{PAT: pat}
	s.start()
	return s
}

func (s *Server) start() {
	s.statuses, s.transitions = DefaultWorkflow()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/api/2/search", s.searchOld)
	mux.HandleFunc("GET /rest/api/2/search/jql", s.searchJQL)
	mux.HandleFunc("GET /rest/api/3/search/jql", s.searchJQL)
	mux.HandleFunc("POST /rest/api/2/issue", s.create)
	mux.HandleFunc("POST /rest/api/2/issue/{key}/comment", s.comment)
	mux.HandleFunc("GET /rest/api/2/issue/{key}/transitions", s.getTransitions)
	mux.HandleFunc("POST /rest/api/2/issue/{key}/transitions", s.doTransition)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			// Real Jira answers 401 in plain text; echo the header back to
			// catch clients that print answers unredacted.
			http.Error(w, "Unauthorized: "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if r.Body != nil && r.Method == http.MethodPost {
			_ = json.NewDecoder(r.Body).Decode(&body)
		}
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
		fail := s.FailNext > 0
		if fail {
			s.FailNext--
		}
		s.mu.Unlock()
		if fail {
			http.Error(w, "proxy error, request had Authorization: "+r.Header.Get("Authorization"), http.StatusBadGateway)
			return
		}
		mux.ServeHTTP(w, withBody(r, body))
	}))
}

type bodyKey struct{}

// withBody hands the decoded body to handlers (the original was consumed).
func withBody(r *http.Request, body map[string]any) *http.Request {
	return r.WithContext(contextWith(r, body))
}

func (s *Server) authorized(r *http.Request) bool {
	if s.Cloud {
		u, p, ok := r.BasicAuth()
		return ok && u == s.Email && p == s.Token
	}
	return r.Header.Get("Authorization") == "Bearer "+s.PAT
}

// SetWorkflow replaces the statuses and transitions.
func (s *Server) SetWorkflow(statuses []Status, transitions []Transition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses, s.transitions = statuses, transitions
}

// Calls returns the recorded calls.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Issues returns copies of the stored issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, is := range s.issues {
		c := *is
		c.Comments = slices.Clone(is.Comments)
		out = append(out, c)
	}
	return out
}

// StatusOf returns an issue's status.
func (s *Server) StatusOf(key string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(key); is != nil {
		return s.status(is.StatusID)
	}
	return Status{}
}

func (s *Server) status(id string) Status {
	for _, st := range s.statuses {
		if st.ID == id {
			return st
		}
	}
	return Status{}
}

func (s *Server) find(key string) *Issue {
	for _, is := range s.issues {
		if is.Key == key || is.ID == key {
			return is
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func jiraError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"errorMessages": []string{msg}, "errors": map[string]string{}})
}

func statusJSON(st Status) map[string]any {
	return map[string]any{
		"id": st.ID, "name": st.Name,
		"statusCategory": map[string]any{"key": st.Category, "name": st.Category},
	}
}

var (
	projectRE = regexp.MustCompile(`project = "([^"]*)"`)
	labelRE   = regexp.MustCompile(`labels = "([^"]*)"`)
	cfRE      = regexp.MustCompile(`cf\[(\d+)\] ~ "([^"]*)"`)
)

// search understands the JQL the receiver writes: a project, and a label
// or a custom-field text match.
func (s *Server) search(w http.ResponseWriter, r *http.Request, cloud bool) {
	jql := r.URL.Query().Get("jql")
	pm := projectRE.FindStringSubmatch(jql)
	lm := labelRE.FindStringSubmatch(jql)
	cm := cfRE.FindStringSubmatch(jql)
	if pm == nil || (lm == nil && cm == nil) {
		jiraError(w, http.StatusBadRequest, "fake cannot parse JQL: "+jql)
		return
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	s.mu.Lock()
	var out []map[string]any
	for _, is := range s.issues {
		if p, _ := is.Fields["project"].(map[string]any); p["key"] != pm[1] {
			continue
		}
		switch {
		case lm != nil:
			labels, _ := is.Fields["labels"].([]any)
			if !slices.Contains(labels, any(lm[1])) {
				continue
			}
		case cm != nil:
			v, _ := is.Fields["customfield_"+cm[1]].(string)
			if !strings.Contains(v, cm[2]) {
				continue
			}
		}
		f := map[string]any{}
		for _, name := range fields {
			switch name {
			case "status":
				f["status"] = statusJSON(s.status(is.StatusID))
			case "":
			default:
				if v, ok := is.Fields[name]; ok {
					f[name] = v
				}
			}
		}
		out = append(out, map[string]any{"id": is.ID, "key": is.Key, "fields": f})
	}
	s.mu.Unlock()
	if cloud {
		writeJSON(w, http.StatusOK, map[string]any{"issues": out, "isLast": true})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"startAt": 0, "maxResults": 50, "total": len(out), "issues": out})
}

func (s *Server) searchOld(w http.ResponseWriter, r *http.Request) {
	if s.Cloud {
		jiraError(w, http.StatusGone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.")
		return
	}
	s.search(w, r, false)
}

func (s *Server) searchJQL(w http.ResponseWriter, r *http.Request) {
	if !s.Cloud {
		http.NotFound(w, r) // older Data Center has no enhanced search
		return
	}
	s.search(w, r, true)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	body := bodyOf(r)
	fields, _ := body["fields"].(map[string]any)
	p, _ := fields["project"].(map[string]any)
	if p["key"] == nil || p["key"] == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"project": "project is required"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.issues) + 1
	is := &Issue{ID: fmt.Sprint(10000 + n), Key: fmt.Sprintf("%s-%d", p["key"], n), StatusID: "1", Fields: fields}
	s.issues = append(s.issues, is)
	writeJSON(w, http.StatusCreated, map[string]any{"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/2/issue/" + is.ID})
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) {
	body := bodyOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	if is == nil {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	text, _ := body["body"].(string)
	is.Comments = append(is.Comments, text)
	writeJSON(w, http.StatusCreated, map[string]any{"id": fmt.Sprint(len(is.Comments)), "body": text})
}

// available: every transition not leading to the current status.
func (s *Server) available(is *Issue) []Transition {
	var out []Transition
	for _, t := range s.transitions {
		if t.To != is.StatusID {
			out = append(out, t)
		}
	}
	return out
}

func (s *Server) getTransitions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	if is == nil {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	var out []map[string]any
	for _, t := range s.available(is) {
		fields := map[string]any{}
		if t.RequiresResolution {
			fields["resolution"] = map[string]any{"required": true, "name": "Resolution"}
		}
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "to": statusJSON(s.status(t.To)), "fields": fields})
	}
	writeJSON(w, http.StatusOK, map[string]any{"transitions": out})
}

func (s *Server) doTransition(w http.ResponseWriter, r *http.Request) {
	body := bodyOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	if is == nil {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	tr, _ := body["transition"].(map[string]any)
	id, _ := tr["id"].(string)
	for _, t := range s.available(is) {
		if t.ID != id {
			continue
		}
		res := ""
		if f, ok := body["fields"].(map[string]any); ok {
			if rm, ok := f["resolution"].(map[string]any); ok {
				res, _ = rm["name"].(string)
			}
		}
		if t.RequiresResolution && res == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"resolution": "Resolution is required."}})
			return
		}
		is.StatusID, is.Resolution = t.To, res
		w.WriteHeader(http.StatusNoContent)
		return
	}
	jiraError(w, http.StatusBadRequest, "Transition id '"+id+"' is not valid for this issue.")
}
