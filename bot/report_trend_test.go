package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

// /comply report's file carries the score trend of the scan history, the
// report's own fresh scan last.
func TestReportShowsTheScoreTrend(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(volume("vol-a", "us-east-1", true), volume("vol-b", "us-east-1", true))
	h.command(alice, "scan")
	h.clock.advance(24 * time.Hour)
	h.col.set(volume("vol-a", "us-east-1", false), volume("vol-b", "us-east-1", true))
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "report hipaa html", UserID: bob})
	h.do(req)
	ups := h.uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	mustContain(t, "report", ups[0].content, "Score trend, last 30 days", "100.0% → 50.0% (-50.0 pts over 2 scans", "<polyline points=")
	if n := strings.Count(ups[0].content, `r="3.5"`); n != 2 {
		t.Errorf("%d points in the trend chart, want 2", n)
	}
}
