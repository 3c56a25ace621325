package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
)

// scanned is a harness after one scan of three failing resources; it
// returns the fingerprint of the versioning finding and its message ts.
func scanned(t *testing.T, o harnessOptions) (*harness, string, string) {
	t.Helper()
	h := newHarness(t, o)
	h.col.set(bucket("logs", "us-east-1", false, true), bucket("data", "us-east-1", true, false), volume("vol-1", "us-east-1", false))
	h.command(alice, "scan")
	fp := checks.Fingerprint("t-versioning", "111122223333", "us-east-1", "arn:aws:s3:::logs")
	m, ok := h.findingMessages()[fp]
	if !ok {
		t.Fatalf("no message for %s", fp)
	}
	return h, fp, m.TS
}

func (h *harness) current(ts string) string {
	m, ok := h.fake.Message(channel, ts)
	if !ok {
		h.t.Fatalf("no message %s", ts)
	}
	return text(m)
}

func TestTriageUpdatesTheMessageInPlace(t *testing.T) {
	h, fp, ts := scanned(t, harnessOptions{})
	ctx := context.Background()

	told := h.click(ts, alice, "comply_cmd/ack")
	if len(told) != 1 || !strings.Contains(told[0], "Acknowledged: Buckets keep versions") {
		t.Errorf("ack told %q", told)
	}
	mustContain(t, "acked message", h.current(ts), "Acknowledged by <@U0ALICE01>")
	if st, _ := h.st.Finding(ctx, fp); st.Ack == nil || st.Ack.By != alice {
		t.Errorf("ack state %+v", st.Ack)
	}
	if told := h.command(alice, "ack "+fp[:8]); len(told) != 1 || !strings.Contains(told[0], "Already acknowledged") {
		t.Errorf("second ack told %q", told)
	}

	// A typed snooze with a prefix of the id, on another finding.
	vol := checks.Fingerprint("t-volume", "111122223333", "us-east-1", "vol-1")
	volTS := h.findingMessages()[vol].TS
	told = h.command(alice, "snooze "+vol[:8]+` 12h "waiting for <!here> vendor"`)
	until := h.clock.now().Add(12 * time.Hour).UTC().Format(checks.TimeLayout)
	if len(told) != 1 || !strings.Contains(told[0], "Snoozed until "+until) {
		t.Errorf("snooze told %q", told)
	}
	cur := h.current(volTS)
	mustContain(t, "snoozed message", cur, "Snoozed until", "waiting for &lt;!here&gt; vendor", "Unsnooze")
	if st, _ := h.st.Finding(ctx, vol); st.Snooze == nil || !st.Snooze.Until.Equal(h.clock.now().Add(12*time.Hour)) || st.Snooze.Reason != "waiting for <!here> vendor" {
		t.Errorf("snooze state %+v", st.Snooze)
	}
	told = h.click(volTS, alice, "comply_cmd/unsnooze")
	if len(told) != 1 || !strings.Contains(told[0], "Snooze lifted") {
		t.Errorf("unsnooze told %q", told)
	}
	if cur := h.current(volTS); strings.Contains(cur, "Snoozed until") || !strings.Contains(cur, "Snooze 7d") {
		t.Errorf("unsnoozed message still snoozed:\n%s", cur)
	}
	if told := h.command(alice, "unsnooze "+vol); len(told) != 1 || !strings.Contains(told[0], "not snoozed") {
		t.Errorf("second unsnooze told %q", told)
	}
	for _, action := range []string{checks.AuditFindingAcknowledged, checks.AuditFindingSnoozed, checks.AuditFindingUnsnoozed} {
		if got := h.audit(action); len(got) != 1 || got[0].Actor != alice {
			t.Errorf("%s audit %+v", action, got)
		}
	}
}

func TestRefusalsAreToldAndAudited(t *testing.T) {
	h, fp, ts := scanned(t, harnessOptions{})
	revs := func() int { m, _ := h.fake.Message(channel, ts); return len(m.Revisions) }
	before := revs()

	told := h.click(ts, bob, "comply_cmd/snooze-7d")
	if len(told) != 1 || !strings.Contains(told[0], "You need the operator role to run snooze") {
		t.Errorf("bob's snooze told %q", told)
	}
	if revs() != before {
		t.Error("a refused snooze updated the message")
	}
	if st, _ := h.st.Finding(context.Background(), fp); st.Snooze != nil {
		t.Error("a refused snooze changed the state")
	}
	got := h.audit(AuditCommandRefused)
	if len(got) != 1 || got[0].Actor != bob || got[0].Fingerprint != fp || got[0].Details["via"] != "button" ||
		!strings.HasPrefix(got[0].Details["command"], "snooze "+fp+" 7d") {
		t.Errorf("refusal audit %+v", got)
	}
	h.command(bob, "scan")
	h.command(bob, "ack "+fp[:8])
	if got := h.audit(AuditCommandRefused); len(got) != 3 {
		t.Errorf("%d refusals audited, want 3", len(got))
	}
	// Looking is allowed.
	if told := h.command(bob, "status"); len(told) != 1 || !strings.Contains(told[0], "Compliance status") {
		t.Errorf("bob's status told %q", told)
	}
	// fix is refused for everyone while remediation is disabled.
	if told := h.command(alice, "fix "+fp); len(told) != 1 || !strings.Contains(told[0], "remediation is disabled") {
		t.Errorf("fix told %q", told)
	}
	if got := h.audit(AuditCommandRefused); len(got) != 4 || got[3].Details["reason"] != "remediation disabled" {
		t.Errorf("fix refusal audit %+v", got)
	}
}

func TestNoRolesMeansViewOnly(t *testing.T) {
	h := newHarness(t, harnessOptions{noRoles: true})
	if !h.bot.opts.Authz.Open() {
		t.Fatal("authorizer not open")
	}
	if told := h.command(alice, "scan"); len(told) != 1 || !strings.Contains(told[0], "operator role") {
		t.Errorf("scan without roles told %q", told)
	}
	if told := h.command(alice, "findings"); len(told) != 1 || !strings.Contains(told[0], "No open findings match") {
		t.Errorf("findings without roles told %q", told)
	}
}

func TestViewCommands(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	var res []checks.Resource
	for i := range 12 {
		res = append(res, bucket(fmt.Sprintf("b%02d", i), "us-east-1", false, i%4 != 0)) // 12 medium, 3 critical
	}
	h.col.set(res...)
	h.command(alice, "scan")

	page1 := h.command(bob, "findings")
	if len(page1) != 1 {
		t.Fatalf("findings told %q", page1)
	}
	mustContain(t, "page 1", page1[0], "15 matching, page 1.", "Next page", "CRITICAL")
	if n := strings.Count(page1[0], "· id "); n != 10 {
		t.Errorf("page 1 lists %d findings", n)
	}
	page2 := h.command(bob, "findings page 2")
	mustContain(t, "page 2", page2[0], "page 2", "Previous page")
	if n := strings.Count(page2[0], "· id "); n != 5 {
		t.Errorf("page 2 lists %d findings", n)
	}
	crit := h.command(bob, "findings critical pci")
	mustContain(t, "critical", crit[0], "3 matching", "Filter")
	if strings.Contains(crit[0], "MEDIUM") {
		t.Error("severity filter let a medium finding through")
	}
	if told := h.command(bob, "findings hipaa"); !strings.Contains(told[0], "No open findings match") {
		t.Errorf("hipaa told %q", told)
	}

	fp := checks.Fingerprint("t-encryption", "111122223333", "us-east-1", "arn:aws:s3:::b04")
	show := h.command(bob, "show "+fp[:7])
	mustContain(t, "show", show[0], "Buckets encrypt", "fingerprint", fp, "arn:aws:s3:::b04", "rules.yaml:10")
	if told := h.command(bob, "show ffffff"); !strings.Contains(told[0], "No open finding has an id starting with ffffff") {
		t.Errorf("unknown id told %q", told)
	}
	if told := h.command(bob, "show "+strings.Repeat("0", 32)); !strings.Contains(told[0], "No finding has the id") {
		t.Errorf("unknown fingerprint told %q", told)
	}

	// An ambiguous prefix lists the candidates. Ids are hashes: find two
	// findings whose ids share a first character.
	open, _ := h.st.OpenFindings(context.Background())
	byFirst := map[byte][]string{}
	for _, st := range open {
		byFirst[st.Fingerprint[0]] = append(byFirst[st.Fingerprint[0]], st.Fingerprint)
	}
	for c, fps := range byFirst {
		if len(fps) < 2 {
			continue
		}
		req := request{User: bob, Channel: channel, ResponseURL: h.fake.NewResponseURL(channel, "", bob)}
		before := len(h.ephemeral(bob))
		h.bot.show(context.Background(), req, command.Command{Name: command.Show, ID: string(c)})
		told := h.ephemeral(bob)[before:]
		mustContain(t, "ambiguous", told[0], "Which finding?", fmt.Sprintf("%d open findings have ids starting with %c", len(fps), c), fps[0][:8], fps[1][:8])
		break
	}

	// Status: last scan, scores, counts and snoozes ending soon.
	h.command(alice, "snooze "+fp+" 2d test")
	status := h.command(bob, "status")
	mustContain(t, "status", status[0], "Compliance status", "Last scan", "Score", "PCI", "SOC2",
		"15: 3 critical, 12 medium", "0 acknowledged, 1 snoozed", "snooze ends", fp[:8], "1 snoozes end within 7 days")
}

func TestRulesHelpAndMistakes(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	tests := []struct {
		text  string
		wants []string
		not   string
	}{
		{"rules", []string{"3 rules over 2 resource types", "aws.s3.bucket", "t-versioning (medium)", "t-volume (high)"}, ""},
		{"rules hipaa", []string{"Rules mapped to HIPAA", "t-volume"}, "t-versioning"},
		{"help", []string{"/comply scan", "/comply snooze &lt;id&gt;"}, ""},
		{"", []string{"/comply findings"}, ""},
		{"help snooze", []string{"Usage: /comply snooze"}, "/comply scan"},
		{"frobnicate", []string{`unknown command "frobnicate"`, "/comply status"}, ""},
		{"snooze abcdef", []string{"snooze needs an id, a duration and a reason", "Usage: /comply snooze"}, ""},
		{"report", []string{"report needs a framework", "Usage: /comply report"}, ""}, // handlers_report_test.go covers reports
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			told := h.command(bob, tt.text)
			if len(told) != 1 {
				t.Fatalf("told %q", told)
			}
			mustContain(t, "reply", told[0], tt.wants...)
			if tt.not != "" && strings.Contains(told[0], tt.not) {
				t.Errorf("reply contains %q", tt.not)
			}
		})
	}
}

func TestSnoozeForm(t *testing.T) {
	h, fp, ts := scanned(t, harnessOptions{})
	const button = "comply_modal/snooze/snooze-custom"

	// bob may not snooze: no form, a refusal.
	if told := h.click(ts, bob, button); len(told) != 1 || !strings.Contains(told[0], "operator role") {
		t.Errorf("bob's form click told %q", told)
	}
	if n := len(h.fake.Views()); n != 0 {
		t.Fatalf("%d forms opened for bob", n)
	}

	h.click(ts, alice, button)
	views := h.fake.Views()
	if len(views) != 1 {
		t.Fatalf("%d forms opened", len(views))
	}
	mustContain(t, "form", string(views[0].JSON), "Buckets keep versions", fp)

	submit := func(duration string) string {
		p, err := h.fake.ViewSubmissionPayload(views[0], alice, map[string]string{"duration": duration, "reason": "vendor fix due"})
		if err != nil {
			t.Fatal(err)
		}
		req, err := h.fake.InteractionRequest(h.srv.URL+"/slack/interactions", p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(h.do(req).Body)
		return string(body)
	}
	body := submit("forever")
	var reply struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &reply); err != nil || reply.Action != "errors" || !strings.Contains(reply.Errors["duration"], "bad duration") {
		t.Errorf("bad duration answered %q", body)
	}
	if st, _ := h.st.Finding(context.Background(), fp); st.Snooze != nil {
		t.Fatal("bad duration snoozed")
	}
	if body := submit("3d"); strings.TrimSpace(body) != "" {
		t.Errorf("good form answered %q", body)
	}
	st, _ := h.st.Finding(context.Background(), fp)
	if st.Snooze == nil || !st.Snooze.Until.Equal(h.clock.now().Add(72*time.Hour)) || st.Snooze.Reason != "vendor fix due" || st.Snooze.By != alice {
		t.Errorf("form snooze %+v", st.Snooze)
	}
	mustContain(t, "message", h.current(ts), "Snoozed until", "vendor fix due")
	if told := h.ephemeral(alice); !strings.Contains(told[len(told)-1], "Snoozed until") {
		t.Errorf("form snooze told %q", told)
	}
}

func TestGroupRoles(t *testing.T) {
	h := newHarness(t, harnessOptions{roles: config.Roles{Viewer: []string{"*"}, Operator: []string{"S0OPS0001"}}})
	h.fake.SetUserGroup("S0OPS0001", bob)
	h.col.set(bucket("a", "us-east-1", false, true))
	if told := h.command(alice, "scan"); len(told) != 1 || !strings.Contains(told[0], "operator role") {
		t.Errorf("alice (not in the group) told %q", told)
	}
	if told := h.command(bob, "scan"); len(told) != 0 || len(h.scanMessages()) != 1 {
		t.Errorf("bob (in the group) told %q; %d scans", told, len(h.scanMessages()))
	}
}
