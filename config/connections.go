package config

// The top-level jira: and trello: sections hold the connection shared by
// every receiver of that type (one Jira site, many projects); a receiver's
// own settings win, and what both leave empty comes from the environment
// (JIRA_*, TRELLO_*) when serve builds the receiver.

type rawJiraConn struct {
	URL      string `yaml:"url"`
	User     string `yaml:"user"`
	APIToken string `yaml:"api_token"`
	PAT      string `yaml:"pat"`
}

type rawTrelloConn struct {
	APIURL string `yaml:"api_url"`
	APIKey string `yaml:"api_key"`
	Token  string `yaml:"token"`
}

// connections checks the shared sections on their own (they may be set
// before any receiver uses them).
func (raw *rawConfig) connections(add addFunc) {
	if j := raw.Jira; j != nil {
		if j.URL != "" && !httpURL(j.URL) {
			add("$.jira.url", "jira.url %q: want an http(s) URL", j.URL)
		}
		if j.APIToken != "" && j.PAT != "" {
			add("$.jira.pat", "jira: set api_token (Cloud, with user) or pat (Data Center), not both")
		}
	}
	if t := raw.Trello; t != nil && t.APIURL != "" && !httpURL(t.APIURL) {
		add("$.trello.api_url", "trello.api_url %q: want an http(s) URL", t.APIURL)
	}
}

// jiraDefaults fills what a receiver's jira settings leave empty from the
// top-level jira section. A receiver with its own token type keeps it: a
// Cloud token from one place and a PAT from the other would not mix.
func (raw *rawConfig) jiraDefaults(r rawJira) rawJira {
	d := raw.Jira
	if d == nil {
		return r
	}
	r.URL = or(r.URL, d.URL)
	r.User = or(r.User, d.User)
	if r.APIToken == "" && r.PAT == "" {
		r.APIToken, r.PAT = d.APIToken, d.PAT
	}
	return r
}

// trelloDefaults fills what a receiver's trello settings leave empty from
// the top-level trello section.
func (raw *rawConfig) trelloDefaults(r rawTrello) rawTrello {
	d := raw.Trello
	if d == nil {
		return r
	}
	r.APIURL = or(r.APIURL, d.APIURL)
	r.APIKey = or(r.APIKey, d.APIKey)
	r.Token = or(r.Token, d.Token)
	return r
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
