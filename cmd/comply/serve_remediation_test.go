package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/aws"
)

// The remediation section is checked against the loaded rules: auto may
// only name rules whose action is enabled.
func TestServeCheckConfigRemediation(t *testing.T) {
	base := "sources:\n  - {name: estate, type: file, path: inv.json}\nslack:\n  channel: C0COMPLY1\n"
	tests := []struct{ name, remediation, want string }{
		{"unknown rule", "remediation:\n  enabled: true\n  actions: [aws.s3.enable-versioning]\n  auto: [no-such-rule]\n",
			`remediation.auto: no loaded rule has the id "no-such-rule"`},
		{"action not enabled", "remediation:\n  enabled: true\n  actions: [aws.s3.enable-versioning]\n  auto: [aws-s3-bucket-acl-public-read]\n",
			`rule "aws-s3-bucket-acl-public-read" uses aws.s3.block-public-access, which is not in remediation.actions`},
		{"rule without action", "remediation:\n  enabled: true\n  actions: [aws.s3.enable-versioning]\n  auto: [aws-s3-bucket-mfa-delete]\n",
			`rule "aws-s3-bucket-mfa-delete" has no remediation action`},
		{"unknown action", "remediation:\n  actions: [aws.s3.delete-bucket]\n", `c.yaml:6: remediation.actions: unknown action "aws.s3.delete-bucket"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"c.yaml": base + tt.remediation, "inv.json": testInventory})
			code, _, stderr := runServeCmd(t, nil, "serve", "--check-config", filepath.Join(dir, "c.yaml"))
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, tt.want)
			}
		})
	}
	dir := writeFiles(t, map[string]string{"inv.json": testInventory, "c.yaml": base +
		"remediation:\n  enabled: true\n  actions: [aws.s3.block-public-access]\n  auto: [aws-s3-bucket-acl-public-read]\n"})
	if code, _, stderr := runServeCmd(t, nil, "serve", "--check-config", filepath.Join(dir, "c.yaml")); code != exitOK {
		t.Errorf("valid remediation: exit %d, %q", code, stderr)
	}
}

// Every action the config accepts is one the AWS remediator implements.
func TestRemediationActionsAreImplemented(t *testing.T) {
	r, err := aws.NewRemediator(context.Background(), aws.RemediatorOptions{Endpoint: "http://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range checks.RemediationActions() {
		if !r.Supports(a) {
			t.Errorf("config accepts %s, which the remediator does not implement", a)
		}
	}
}
