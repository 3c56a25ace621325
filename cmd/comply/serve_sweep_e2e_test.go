package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/evidence"
)

// TestServeSweepExpiresOnOneReplica runs two `comply serve` replicas on one
// Redis: a request past its approval window, which nobody clicks, is
// marked expired by the sweep of exactly one of them, once.
func TestServeSweepExpiresOnOneReplica(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	dir := writeFiles(t, map[string]string{
		"c.yaml":   "sources:\n  - {type: file, path: inv.json}\nslack:\n  channel: C0COMPLY1\n  roles: {operator: [U0ALICE01]}\nstore:\n  prefix: \"" + prefix + "\"\n",
		"inv.json": testInventory,
	})
	fake := slacktest.NewServer(t, slacktest.Options{})
	vars := map[string]string{"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(),
		"SLACK_API_URL": fake.APIURL(), "REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "c.yaml")}
	var sweeps []*schedule.Scheduler
	for range 2 {
		s := startServeWith(t, vars, func(h *serveHooks) { h.sweep = func(s *schedule.Scheduler) { sweeps = append(sweeps, s) } })
		waitUntil(t, "/readyz", func() bool { code, _ := get(t, s.url+"/readyz"); return code == http.StatusOK })
	}
	if len(sweeps) != 2 {
		t.Fatalf("%d sweeps armed, want one per replica", len(sweeps))
	}

	ctx := context.Background()
	st, err := store.Open(ctx, redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fp := checks.Fingerprint("aws-s3-bucket-versioning", "111122223333", "us-east-1", "arn:aws:s3:::e2e")
	r, err := st.CreateRemediation(ctx, checks.RemediationRequest{Fingerprint: fp, RuleID: "aws-s3-bucket-versioning",
		Requester: "U0ALICE01", RequiredApprovals: 1, ExpiresAt: time.Now().Add(50 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the approval window to close", func() bool { return time.Now().After(r.ExpiresAt) })

	tick := time.Now()
	var outcomes []schedule.Outcome
	for _, s := range sweeps {
		o, err := s.Tick(ctx, remediationSweep, tick)
		if err != nil {
			t.Fatal(err)
		}
		outcomes = append(outcomes, o)
	}
	if outcomes[0] != schedule.OutcomeRan || outcomes[1] != schedule.OutcomeTaken {
		t.Errorf("tick outcomes %v, want one ran and one taken", outcomes)
	}
	got, err := st.Remediation(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	open, err := st.OpenRemediations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != checks.RemediationExpired || len(open) != 0 {
		t.Fatalf("after the sweep: %+v, open %v", got, open)
	}
	es, err := st.ReadAudit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == checks.AuditRemediationExpired && e.Details["request"] == r.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d expiry entries, want 1", n)
	}
}

// TestServeSweepExportsAuditEvidence: an audit entry written between scans
// (here an acknowledgement's) reaches the evidence chain on the minute
// tick, not only after the next scan.
func TestServeSweepExportsAuditEvidence(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	evDir := t.TempDir()
	dir := writeFiles(t, map[string]string{
		"c.yaml": "sources:\n  - {type: file, path: inv.json}\nslack:\n  channel: C0COMPLY1\nstore:\n  prefix: \"" + prefix +
			"\"\nevidence:\n  dir: " + evDir + "\n",
		"inv.json": testInventory,
	})
	fake := slacktest.NewServer(t, slacktest.Options{})
	vars := map[string]string{"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(),
		"SLACK_API_URL": fake.APIURL(), "REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "c.yaml")}
	var sweep *schedule.Scheduler
	s := startServeWith(t, vars, func(h *serveHooks) { h.sweep = func(sc *schedule.Scheduler) { sweep = sc } })
	waitUntil(t, "/readyz", func() bool { code, _ := get(t, s.url+"/readyz"); return code == http.StatusOK })

	ctx := context.Background()
	st, err := store.Open(ctx, redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := st.AppendAudit(ctx, checks.AuditEntry{Actor: "U0ALICE01", Action: checks.AuditFindingAcknowledged, Fingerprint: "f00d", Details: map[string]string{"reason": "accepted risk"}})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := sweep.Tick(ctx, remediationSweep, time.Now()); err != nil || o != schedule.OutcomeRan {
		t.Fatalf("tick: %v %v", o, err)
	}
	ev, err := evidence.OpenDirReadOnly(evDir)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	sum, err := ev.Walk(ctx, func(r evidence.Stored) error {
		if r.Kind == evidence.KindAudit && strings.Contains(string(r.Payload), `"`+e.ID+`"`) {
			found++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("evidence chain: %v", err)
	}
	if found != 1 {
		t.Errorf("the acknowledgement is in the evidence %d times, want once (chain: %+v)", found, sum)
	}
}
