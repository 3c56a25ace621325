package bot

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

// upload is one completed upload as the fake Slack saw it.
type upload struct {
	channel, filename, comment, content string
}

func (h *harness) uploads() []upload {
	h.t.Helper()
	var out []upload
	for _, c := range h.fake.Calls("files.completeUploadExternal") {
		var files []struct{ ID, Title string }
		if err := json.Unmarshal([]byte(c.Params.Get("files")), &files); err != nil {
			h.t.Fatalf("completeUploadExternal files %q: %v", c.Params.Get("files"), err)
		}
		for _, f := range files {
			data, ok := h.fake.UploadedFile(f.ID)
			if !ok {
				continue // the complete call failed
			}
			u := upload{channel: c.Params.Get("channel_id"), comment: c.Params.Get("initial_comment"), content: string(data)}
			// The complete call has the id, the upload URL call the name:
			// match them by length (the tests upload different files).
			for _, g := range h.fake.Calls("files.getUploadURLExternal") {
				if g.Params.Get("length") == strconv.Itoa(len(data)) {
					u.filename = g.Params.Get("filename")
				}
			}
			out = append(out, u)
		}
	}
	return out
}

func TestReportUploadsToTheAskingChannel(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	const other = "C0OTHER01"
	h.fake.AddChannel(other)
	h.col.set(volume("vol-bad", "us-east-1", false), volume("vol-good", "us-east-1", true), bucket("b", "us-east-1", true, true))
	before := len(h.ephemeral(bob))
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "report hipaa", UserID: bob, ChannelID: other})
	h.do(req)
	told := strings.Join(h.ephemeral(bob)[before:], "\n")

	ups := h.uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads; told %q", len(ups), told)
	}
	u := ups[0]
	if u.channel != other {
		t.Errorf("uploaded to %q, want %q", u.channel, other)
	}
	wantName := "comply-hipaa-" + h.clock.now().UTC().Format("2006-01-02") + ".html"
	if u.filename != wantName {
		t.Errorf("filename %q, want %q", u.filename, wantName)
	}
	mustContain(t, "report", u.content, "<html", "HIPAA", "164.312(a)(2)(iv)", "vol-bad", "t-volume")
	mustContain(t, "comment", u.comment, "HIPAA score 50.0%", "1 of 1 controls failing")
	mustContain(t, "reply", told, "Scanning for the HIPAA report", "Uploaded "+wantName+" to this channel", "HIPAA score 50.0%")
	if got := h.audit(AuditReportUploaded); len(got) != 1 || got[0].Actor != bob || got[0].Details["channel"] != other {
		t.Errorf("report audit %+v", got)
	}
	// The scan behind the report is a real scan: its findings are recorded.
	if got := h.audit(AuditScanFinished); len(got) != 1 {
		t.Errorf("%d scan.finished entries", len(got))
	}
}

func TestReportFromDirectMessageGoesToTheComplianceChannel(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(bucket("open", "us-east-1", false, true))
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "report soc2 csv", UserID: bob, ChannelID: "D0BOBDM01"})
	h.do(req)
	ups := h.uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	if ups[0].channel != channel || !strings.HasSuffix(ups[0].filename, ".csv") {
		t.Errorf("upload to %q named %q", ups[0].channel, ups[0].filename)
	}
	mustContain(t, "csv report", ups[0].content, "framework,control", "SOC2,A1.2,fail,t-versioning")
}

func TestReportWhileAScanRunsIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(volume("vol-bad", "us-east-1", false))
	gate := h.col.hold()
	req, _ := h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	h.send(req)
	waitFor(t, "the scan to start", func() bool { return len(h.scanMessages()) == 1 })

	before := len(h.ephemeral(bob))
	req, _ = h.fake.SlashCommandRequest(h.srv.URL+"/slack/commands", slacktest.SlashCommand{Text: "report hipaa", UserID: bob})
	h.send(req)
	waitFor(t, "the reply", func() bool { return len(h.ephemeral(bob)) > before })
	told := h.ephemeral(bob)[before:]
	if len(told) != 1 || !strings.Contains(told[0], "A scan is already running") {
		t.Errorf("report during a scan told %q", told)
	}
	close(gate)
	h.wait()
	if n := len(h.fake.Calls("files.getUploadURLExternal")); n != 0 {
		t.Errorf("%d uploads started during a scan", n)
	}
	if n := h.col.calls; n != 1 {
		t.Errorf("the sources were collected %d times", n)
	}
	// Once the scan is over the report runs.
	h.command(bob, "report hipaa")
	if n := len(h.uploads()); n != 1 {
		t.Errorf("%d uploads after the scan ended", n)
	}
}

func TestReportUploadFailure(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(volume("vol-bad", "us-east-1", false))
	h.fake.Fail("files.completeUploadExternal", "not_in_channel", 200, 1)
	told := strings.Join(h.command(bob, "report hipaa markdown"), "\n")
	mustContain(t, "reply", told, "could not be uploaded", "not_in_channel")
	got := h.audit(AuditReportFailed)
	if len(got) != 1 || got[0].Details["stage"] != "upload" || got[0].Details["format"] != "markdown" {
		t.Errorf("failure audit %+v", got)
	}
	if n := len(h.audit(AuditReportUploaded)); n != 0 {
		t.Errorf("%d report.uploaded entries after a failed upload", n)
	}
}

func TestStatusShowsTheScoreTrend(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.col.set(volume("vol-a", "us-east-1", false), volume("vol-b", "us-east-1", true))
	h.command(alice, "scan")
	h.clock.advance(24 * time.Hour)
	h.col.set(volume("vol-a", "us-east-1", true), volume("vol-b", "us-east-1", true))
	h.command(alice, "scan")

	told := strings.Join(h.command(bob, "status"), "\n")
	mustContain(t, "status", told, "Score trend, last 30 days", "HIPAA ▲ +50.0 pts (50.0% → 100.0%, 2 scans)")

	// Beyond the window only the latest scan counts.
	h.clock.advance(TrendWindow - time.Hour)
	told = strings.Join(h.command(bob, "status"), "\n")
	mustContain(t, "status a month later", told, "HIPAA ▬ 100.0% (1 scan)")
}
