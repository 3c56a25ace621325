package config

import "testing"

// The top-level jira and trello sections fill what receivers leave empty;
// a receiver's own settings win.
func TestConnectionDefaults(t *testing.T) {
	src := `
jira:
  url: https://acme.atlassian.net/
  user: bot@acme.example
  api_token: shared-token
trello:
  api_key: k
  token: shared
receivers:
  - name: sec
    type: jira
    jira: {project: SEC}
  - name: dc
    type: jira
    jira: {project: OPS, url: https://jira.internal, pat: own-pat}
  - name: board
    type: trello
    trello: {board: 0123456789abcdef01234567, list: 0123456789abcdef01234568, done_list: 0123456789abcdef01234569, token: own}
routes:
  receivers: [sec]
`
	cfg, err := Parse("c.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Receiver{}
	for _, r := range cfg.Receivers {
		byName[r.Name] = r
	}
	tests := []struct {
		name, got, want string
	}{
		{"sec url", byName["sec"].Jira.URL, "https://acme.atlassian.net"},
		{"sec user", byName["sec"].Jira.User, "bot@acme.example"},
		{"sec token", byName["sec"].Jira.APIToken.Value(), "shared-token"},
		{"dc url", byName["dc"].Jira.URL, "https://jira.internal"},
		{"dc pat", byName["dc"].Jira.PAT.Value(), "own-pat"},
		{"dc keeps its own token type", byName["dc"].Jira.APIToken.Value(), ""},
		{"board key", byName["board"].Trello.APIKey.Value(), "k"},
		{"board token", byName["board"].Trello.Token.Value(), "own"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
