package slack

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The shipped app manifest must grant what the adapter uses and point the
// HTTP-mode URLs at the paths NewHTTPHandler serves.
func TestAppManifest(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
				URL     string `yaml:"url"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	for _, s := range []string{"chat:write", "chat:write.public", "commands", "files:write", "users:read", "usergroups:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("bot scope %s missing", s)
		}
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/comply" ||
		!strings.HasSuffix(m.Features.SlashCommands[0].URL, "/slack/commands") {
		t.Errorf("slash commands = %+v", m.Features.SlashCommands)
	}
	if !m.Settings.Interactivity.Enabled || !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") {
		t.Errorf("interactivity = %+v", m.Settings.Interactivity)
	}
	if !m.Settings.SocketMode {
		t.Error("socket mode is not enabled")
	}
}
