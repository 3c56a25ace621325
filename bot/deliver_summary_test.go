package bot

import (
	"testing"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

// A change held back by a receiver's retry backoff is reported as waiting,
// in the scan summary and in the scan's audit entry.
func TestScanSummaryCountsWaitingChanges(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("a", "us-east-1", false, true))
	// Two scans whose finding message fails: the second failure starts a
	// backoff. The gate lets each scan's own message through first.
	for range 2 {
		gate := h.col.hold()
		before := len(h.scanMessages())
		req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
		h.send(req)
		waitFor(t, "the scan to start", func() bool { return len(h.scanMessages()) == before+1 })
		h.fake.Fail("chat.postMessage", "internal_error", 200, 1)
		close(gate)
		h.wait()
		h.col.mu.Lock()
		h.col.gate = nil
		h.col.mu.Unlock()
	}
	mustContain(t, "second summary", text(h.scanMessages()[1]), "1 announcements could not be delivered")

	h.command(alice, "scan") // within the backoff
	msgs := h.scanMessages()
	mustContain(t, "third summary", text(msgs[len(msgs)-1]), "Delivery: 1 waiting (retry or digest later).")
	if n := len(h.findingMessages()); n != 0 {
		t.Errorf("%d finding messages posted within the backoff", n)
	}
	finished := h.audit(AuditScanFinished)
	if d := finished[len(finished)-1].Details; d["waiting"] != "1" || d["undelivered"] != "0" {
		t.Errorf("scan audit details %v, want waiting 1, undelivered 0", d)
	}
}
