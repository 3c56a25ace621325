package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/config"
)

// A finding message posted by a scan offers Fix… at once when its action is
// enabled, and not when it is not.
func TestAnnouncedFindingOffersFix(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Actions: []string{"aws.s3.enable-default-encryption"}}, config.Roles{})
	msgs := h.findingMessages()
	for fp, want := range map[string]bool{encryptionFP: true, versioningFP: false} {
		m, ok := msgs[fp]
		if !ok {
			t.Fatalf("no finding message for %s", fp)
		}
		if _, got := m.Buttons()["comply_cmd/fix"]; got != want {
			t.Errorf("%s: Fix… button %v, want %v (buttons %v)", fp, got, want, m.Buttons())
		}
	}
}

// A reminder of a finding whose fix waits for approval shows the pending
// request, not a second Fix… button.
func TestReminderShowsPendingFix(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Expiry: 48 * time.Hour}, config.Roles{})
	r, _ := h.requestFor(encryptionFP)
	h.clock.advance(25 * time.Hour) // past the critical reminder interval, inside the window
	h.command(alice, "scan")
	var replies int
	var top string
	for _, m := range h.fake.Messages(channel) {
		if m.ThreadTS == "" && m.Buttons()["comply_cmd/show"] == "show "+encryptionFP {
			top = m.TS
		}
		if m.ThreadTS == "" || !strings.Contains(text(m), "reminder") {
			continue
		}
		replies++
		if _, ok := m.Buttons()["comply_cmd/fix"]; ok {
			t.Errorf("reminder offers Fix… while %s is pending: %v", r.ID, m.Buttons())
		}
	}
	if replies == 0 {
		t.Fatal("no reminder posted")
	}
	mustContain(t, "finding message", h.current(top), "remediation-pending", r.ID)
}
