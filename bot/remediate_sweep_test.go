package bot

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store"
)

func (h *remHarness) sweep() {
	h.t.Helper()
	if err := h.bot.SweepRemediations(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *remHarness) buttons(ts string) map[string]string {
	h.t.Helper()
	m, ok := h.fake.Message(channel, ts)
	if !ok {
		h.t.Fatalf("no message %s", ts)
	}
	return m.Buttons()
}

func TestRemediationSweepExpires(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Expiry: time.Hour}, config.Roles{})
	r, ts := h.requestFor(versioningFP, true)
	other, otherTS := h.requestFor(encryptionFP)
	told(t, "carol", h.click(otherTS, carol, "comply_cmd/approve"), "Approved (1 of 2)")

	h.clock.advance(time.Hour - time.Second)
	h.sweep() // within the window: nothing to do
	if got := h.request(r.ID); got.Status != checks.RemediationRequested {
		t.Fatalf("swept early: %+v", got)
	}
	if _, ok := h.buttons(ts)["comply_cmd/approve"]; !ok {
		t.Fatal("the sweep removed the buttons of a waiting request")
	}

	h.clock.advance(time.Second)
	updates := len(h.fake.Calls("chat.update"))
	h.sweep()
	for _, id := range []string{r.ID, other.ID} {
		if got := h.request(id); got.Status != checks.RemediationExpired {
			t.Errorf("%s after the sweep: %+v", id, got)
		}
	}
	for _, ts := range []string{ts, otherTS} {
		mustContain(t, "swept message", h.current(ts), "Expired before enough approvals; nothing was changed")
		if b := h.buttons(ts); len(b) != 0 {
			t.Errorf("expired request still has buttons %v", b)
		}
	}
	mustContain(t, "partly approved expired message", h.current(otherTS), "Approved by <@"+carol+">", "Expired ")
	e := h.audit(checks.AuditRemediationExpired)
	if len(e) != 2 || e[0].Actor != store.SystemActor || e[1].Actor != store.SystemActor {
		t.Fatalf("expiry audit %+v", e)
	}
	// The finding's message offers the fix again.
	if _, ok := h.findingMessages()[versioningFP].Buttons()["comply_cmd/fix"]; !ok {
		t.Error("no Fix… button on the finding after its request expired")
	}
	after := len(h.fake.Calls("chat.update"))
	if after <= updates {
		t.Fatal("the sweep updated no message")
	}

	// A second sweep finds nothing: the expiry is reported once.
	h.sweep()
	if n := len(h.audit(checks.AuditRemediationExpired)); n != 2 {
		t.Errorf("%d expiry entries after a second sweep", n)
	}
	if n := len(h.fake.Calls("chat.update")); n != after {
		t.Errorf("a second sweep updated %d messages", n-after)
	}
	// A stale click does nothing but say so.
	told(t, "approval after the sweep", h.forgedClick(h.findingMessages()[versioningFP].TS, carol, "approve "+r.ID), "expired")
	if h.rem.applies() != 0 {
		t.Error("an expired request was applied")
	}
	h.requestFor(versioningFP)
}

func TestRemediationSweepAfterAClick(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Expiry: time.Hour}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	h.clock.advance(2 * time.Hour)
	told(t, "late approval", h.command(carol, "approve "+r.ID), "expired")
	mustContain(t, "expired message", h.current(ts), "Expired before enough approvals")
	updates := len(h.fake.Calls("chat.update"))
	h.sweep()
	if n := len(h.audit(checks.AuditRemediationExpired)); n != 1 {
		t.Errorf("%d expiry entries", n)
	}
	if n := len(h.fake.Calls("chat.update")); n != updates {
		t.Errorf("the sweep updated %d messages of a request a click expired", n-updates)
	}
}

func TestRemediationCancelledAfterApproval(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	// Plans: 1 for the request, 2 for the check before the approval
	// counts, 3 for the re-check just before the change. The resource is
	// fixed by hand in between.
	h.rem.onPlan = func(n int) {
		if n == 3 {
			h.col.setAttr("arn:aws:s3:::logs", "versioning_enabled", true)
		}
	}
	told(t, "approval", h.click(ts, carol, "comply_cmd/approve"), "Approved (1 of 1)")
	got := h.request(r.ID)
	if got.Status != checks.RemediationCancelled || !strings.Contains(got.Note, "already complies") || len(got.Approvals) != 1 {
		t.Fatalf("request %+v", got)
	}
	if h.rem.applies() != 0 {
		t.Fatal("applied a stale plan")
	}
	mustContain(t, "cancelled message", h.current(ts), "Cancelled; nothing was changed: the resource already complies", "Approved by <@"+carol+">")
	if b := h.buttons(ts); len(b) != 0 {
		t.Errorf("cancelled request still has buttons %v", b)
	}
	e := h.audit(checks.AuditRemediationCancelled)
	if len(e) != 1 || !strings.Contains(e[0].Details["reason"], "already complies") {
		t.Errorf("cancel audit %+v", e)
	}
	if n := len(h.audit(checks.AuditRemediationFailed)) + len(h.audit(checks.AuditRemediationApplied)); n != 0 {
		t.Errorf("%d failed or applied entries for a cancelled request", n)
	}
	told(t, "a second approval", h.command(dave, "approve "+r.ID), "already cancelled")
}

func TestRemediationPendingOnTheFinding(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	fm := h.findingMessages()[versioningFP]
	r, _ := h.requestFor(versioningFP, true)
	cur := h.findingMessages()[versioningFP]
	if cur.TS != fm.TS {
		t.Fatalf("finding message moved: %s -> %s", fm.TS, cur.TS)
	}
	mustContain(t, "finding message", text(cur), "remediation-pending: fix", r.ID, "waiting for approval, 0 of 1")
	if _, ok := cur.Buttons()["comply_cmd/fix"]; ok {
		t.Error("Fix… still offered while a fix is pending")
	}
	if _, ok := cur.Buttons()["comply_cmd/ack"]; !ok {
		t.Error("a pending fix took away triage")
	}
	shown := h.command(bob, "show "+versioningFP)
	if len(shown) != 1 {
		t.Fatalf("show told %q", shown)
	}
	mustContain(t, "show", shown[0], "remediation-pending: fix", r.ID)
	if strings.Contains(shown[0], "Fix…") {
		t.Error("show offers Fix… while a fix is pending")
	}
	// Triage keeps the note.
	h.click(cur.TS, alice, "comply_cmd/ack")
	mustContain(t, "acknowledged finding", text(h.findingMessages()[versioningFP]), "Acknowledged by", "remediation-pending: fix", r.ID)

	told(t, "rejection", h.command(carol, "reject "+r.ID+" later"), "Rejected")
	cur = h.findingMessages()[versioningFP]
	if strings.Contains(text(cur), "remediation-pending") {
		t.Errorf("finding still pending after the rejection:\n%s", text(cur))
	}
	if _, ok := cur.Buttons()["comply_cmd/fix"]; !ok {
		t.Error("no Fix… after the rejection")
	}
	if shown := h.command(bob, "show "+versioningFP); len(shown) != 1 || strings.Contains(shown[0], "remediation-pending") {
		t.Errorf("show after the rejection: %q", shown)
	}
}

func TestRemediationRejectForm(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	const button = "comply_modal/reject/reject"
	if h.buttons(ts)[button] != r.ID {
		t.Fatalf("no Reject… button: %v", h.buttons(ts))
	}

	// bob is no approver: refused before any form opens.
	told(t, "bob's click", h.click(ts, bob, button), "Only approvers")
	if n := len(h.fake.Views()); n != 0 {
		t.Fatalf("%d forms opened for bob", n)
	}

	h.click(ts, carol, button)
	views := h.fake.Views()
	if len(views) != 1 {
		t.Fatalf("%d forms opened", len(views))
	}
	mustContain(t, "form", string(views[0].JSON), "Reject fix "+r.ID, "Buckets keep versions", `"callback_id":"comply_reject"`)

	submit := func(user, reason string) string {
		p, err := h.fake.ViewSubmissionPayload(views[0], user, map[string]string{"reason": reason})
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
	// A blank reason keeps the form open, saying why.
	body := submit(carol, "   ")
	var reply struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &reply); err != nil || reply.Action != "errors" || reply.Errors["reason"] == "" {
		t.Errorf("long reason answered %q", body)
	}
	// The form reached by a non-approver (forged, or a role lost since) is
	// refused on submit too.
	submit(bob, "not mine to decide")
	if got := h.request(r.ID); got.Status != checks.RemediationRequested {
		t.Fatalf("bob's form rejected the request: %+v", got)
	}
	if e := h.ephemeral(bob); len(e) == 0 || !strings.Contains(e[len(e)-1], "Only approvers") {
		t.Errorf("bob's submission told %q", e)
	}

	if body := submit(carol, "not during the <!channel> freeze"); strings.TrimSpace(body) != "" {
		t.Errorf("good form answered %q", body)
	}
	got := h.request(r.ID)
	if got.Status != checks.RemediationRejected || got.ClosedBy != carol || got.Note != "not during the <!channel> freeze" {
		t.Fatalf("request %+v", got)
	}
	mustContain(t, "rejected message", h.current(ts), "Rejected by <@"+carol+">", "not during the &lt;!channel&gt; freeze")
	if b := h.buttons(ts); len(b) != 0 {
		t.Errorf("rejected request still has buttons %v", b)
	}
	if e := h.audit(checks.AuditRemediationRejected); len(e) != 1 || e[0].Actor != carol || e[0].Details["reason"] != got.Note {
		t.Errorf("rejection audit %+v", e)
	}
	// A click on a finished request opens no form.
	told(t, "click after the end", h.forgedModalClick(h.findingMessages()[versioningFP].TS, dave, r.ID), "already rejected")
	if n := len(h.fake.Views()); n != 1 {
		t.Errorf("%d forms opened", n)
	}
	if h.rem.applies() != 0 {
		t.Error("a rejected request was applied")
	}
}

// forgedModalClick clicks a Reject… button for request id, forged on the
// finding message at ts (whether or not any message still shows one).
func (h *harness) forgedModalClick(ts, user, id string) []string {
	h.t.Helper()
	return h.forged(ts, user, "comply_modal/reject/reject", id)
}
