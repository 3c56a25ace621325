package bot

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

func TestScanAnnouncesUpdatesAndResolves(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("logs", "us-east-1", false, true), bucket("<!channel>", "us-east-1", true, false), volume("vol-1", "us-east-1", false))

	if told := h.command(alice, "scan"); len(told) != 0 {
		t.Errorf("asked in the findings channel, told %q", told)
	}
	scans := h.scanMessages()
	if len(scans) != 1 {
		t.Fatalf("%d scan messages", len(scans))
	}
	revs := scans[0].Revisions
	if revs[0].Via != "chat.postMessage" || revs[len(revs)-1].Via != "chat.update" {
		t.Errorf("scan message revisions %+v", revs)
	}
	mustContain(t, "summary", text(scans[0]), "Scan complete", "3 failing findings: 1 critical, 1 high, 1 medium", "3 new, 0 reopened, 0 resolved")
	if strings.Contains(text(scans[0]), "<!channel>") {
		t.Error("resource name reached Slack unescaped")
	}

	msgs := h.findingMessages()
	if len(msgs) != 3 {
		t.Fatalf("%d finding messages, want 3", len(msgs))
	}
	for fp, m := range msgs {
		st, err := h.st.Finding(context.Background(), fp)
		if err != nil {
			t.Fatal(err)
		}
		if want := (slack.MessageRef{Channel: m.Channel, TS: m.TS}).String(); st.AnnouncementRef != want || st.AnnouncedAt.IsZero() {
			t.Errorf("%s: ref %q announced %v, want %q", fp, st.AnnouncementRef, st.AnnouncedAt, want)
		}
	}
	if got := h.audit(AuditScanStarted); len(got) != 1 || got[0].Actor != alice {
		t.Errorf("scan.started audit %+v", got)
	}
	if got := h.audit(AuditScanFinished); len(got) != 1 || got[0].Details["new"] != "3" || got[0].Details["posted"] != "3" {
		t.Errorf("scan.finished audit %+v", got)
	}

	// A rescan of the same estate announces nothing.
	h.clock.advance(time.Hour)
	posts := len(h.fake.Calls("chat.postMessage"))
	h.command(alice, "scan")
	if got := len(h.fake.Calls("chat.postMessage")); got != posts+1 {
		t.Errorf("rescan posted %d messages, want only the scan message", got-posts)
	}

	// Fixing a bucket resolves its finding: its message is updated in place.
	h.col.set(bucket("logs", "us-east-1", false, true), bucket("<!channel>", "us-east-1", true, true), volume("vol-1", "us-east-1", false))
	h.clock.advance(time.Hour)
	h.command(alice, "scan")
	var resolvedFP string
	for fp, m := range h.findingMessages() {
		cur, _ := h.fake.Message(m.Channel, m.TS)
		if strings.Contains(text(cur), "RESOLVED") {
			resolvedFP = fp
			if last := cur.Revisions[len(cur.Revisions)-1]; last.Via != "chat.update" {
				t.Errorf("resolved via %s", last.Via)
			}
		}
	}
	want := checks.Fingerprint("t-encryption", "111122223333", "us-east-1", "arn:aws:s3:::<!channel>")
	if resolvedFP != want {
		t.Errorf("resolved message of %q, want %q", resolvedFP, want)
	}
	if got := len(h.fake.Calls("chat.postMessage")); got != posts+2 {
		t.Errorf("resolving posted %d new messages", got-posts-2)
	}

	// Breaking it again reopens it: a new message.
	h.col.set(bucket("logs", "us-east-1", false, true), bucket("<!channel>", "us-east-1", true, false), volume("vol-1", "us-east-1", false))
	h.clock.advance(time.Hour)
	h.command(alice, "scan")
	if got := len(h.fake.Calls("chat.postMessage")); got != posts+4 {
		t.Errorf("reopening posted %d messages, want the scan message and one finding", got-posts-2)
	}
	st, err := h.st.Finding(context.Background(), want)
	if err != nil || st.LastChange != checks.ChangeReopened || st.AnnouncedAt.Before(st.OpenedAt) {
		t.Errorf("reopened state %+v %v", st, err)
	}
}

func TestScanScope(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("east", "us-east-1", false, true), bucket("west", "eu-west-1", false, true), volume("vol-1", "eu-west-1", false))

	h.command(alice, "scan --region eu-west-1 --service s3")
	fps := h.findingMessages()
	west := checks.Fingerprint("t-versioning", "111122223333", "eu-west-1", "arn:aws:s3:::west")
	if len(fps) != 1 || fps[west].TS == "" {
		t.Fatalf("scoped scan announced %v, want only %s", keys(fps), west)
	}
	mustContain(t, "scan message", text(h.scanMessages()[0]), "service s3, region eu-west-1")

	h.command(alice, "scan")
	if got := len(h.findingMessages()); got != 3 {
		t.Fatalf("full scan: %d finding messages, want 3", got)
	}

	// A scan of us-east-1 does not speak for eu-west-1: the west bucket
	// stays open although the source no longer lists it.
	h.col.set(bucket("east", "us-east-1", false, true))
	h.command(alice, "scan --region us-east-1")
	if st, err := h.st.Finding(context.Background(), west); err != nil || st.Status != checks.LifecycleOpen {
		t.Errorf("out-of-scope finding %+v %v", st.Status, err)
	}
	h.command(alice, "scan")
	if st, _ := h.st.Finding(context.Background(), west); st.Status != checks.LifecycleResolved {
		t.Errorf("full scan did not resolve the west bucket: %s", st.Status)
	}

	told := h.command(alice, "scan --service lambda")
	if len(told) != 1 || !strings.Contains(told[0], "No rule covers service lambda") || !strings.Contains(told[0], "ec2, s3") {
		t.Errorf("unknown service told %q", told)
	}
}

func TestOneScanPerScope(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("a", "us-east-1", false, true))
	gate := h.col.hold()
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	h.send(req)
	waitFor(t, "the first scan to start", func() bool { return len(h.scanMessages()) == 1 })

	before := len(h.ephemeral(alice))
	req, _ = h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	h.send(req)
	waitFor(t, "the reply", func() bool { return len(h.ephemeral(alice)) > before })
	told := h.ephemeral(alice)[before:]
	if len(told) != 1 || !strings.Contains(told[0], "already running") {
		t.Errorf("second scan told %q", told)
	}
	close(gate)
	h.wait()
	if n := len(h.scanMessages()); n != 1 {
		t.Errorf("%d scans ran", n)
	}
	if told := h.command(alice, "scan"); len(told) != 0 || len(h.scanMessages()) != 2 {
		t.Errorf("after the first ended, a new scan: told %q, %d scans", told, len(h.scanMessages()))
	}
}

func TestFailedPostIsRetriedByNextScan(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("a", "us-east-1", false, true))
	gate := h.col.hold()
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	h.send(req)
	waitFor(t, "the scan to start", func() bool { return len(h.scanMessages()) == 1 })
	h.fake.Fail("chat.postMessage", "internal_error", 200, 1)
	close(gate)
	h.wait()
	if n := len(h.findingMessages()); n != 0 {
		t.Fatalf("%d finding messages despite the failure", n)
	}
	mustContain(t, "summary", text(h.scanMessages()[0]), "1 announcements could not be delivered")
	fp := checks.Fingerprint("t-versioning", "111122223333", "us-east-1", "arn:aws:s3:::a")
	if st, _ := h.st.Finding(context.Background(), fp); !st.AnnouncedAt.IsZero() {
		t.Error("undelivered finding marked announced")
	}
	h.col.mu.Lock()
	h.col.gate = nil
	h.col.mu.Unlock()
	h.command(alice, "scan")
	if _, ok := h.findingMessages()[fp]; !ok {
		t.Error("next scan did not deliver the finding")
	}
}

func TestDigestBeyondMessageLimit(t *testing.T) {
	h := newHarness(t, harnessOptions{maxMessages: 2})
	h.col.set(bucket("a", "us-east-1", false, false), bucket("b", "us-east-1", false, true), volume("vol-1", "us-east-1", false))
	h.command(alice, "scan")
	if n := len(h.findingMessages()); n != 2 {
		t.Errorf("%d finding messages, want 2", n)
	}
	var digest string
	for _, m := range h.fake.Messages(channel) {
		if strings.Contains(m.Text, "compliance changes") {
			digest = text(m)
		}
	}
	mustContain(t, "digest", digest, "2 compliance changes", "2 new")
	open, _ := h.st.OpenFindings(context.Background())
	for _, st := range open {
		if st.AnnouncedAt.IsZero() {
			t.Errorf("%s not marked announced", st.Fingerprint)
		}
	}
	posts := len(h.fake.Calls("chat.postMessage"))
	h.command(alice, "scan")
	if got := len(h.fake.Calls("chat.postMessage")) - posts; got != 1 {
		t.Errorf("rescan posted %d messages", got)
	}
}

func TestBusyQueueIsToldAtOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{workers: 1, queue: 1})
	h.col.set(bucket("a", "us-east-1", false, true))
	gate := h.col.hold()
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	h.send(req)
	waitFor(t, "the scan to start", func() bool { return len(h.scanMessages()) == 1 })
	req, _ = h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "help", UserID: alice})
	h.send(req) // queued
	req, _ = h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "help", UserID: alice})
	resp := h.send(req)
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), slack.BusyText) {
		t.Errorf("full queue answered %q", body)
	}
	close(gate)
	h.wait()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
