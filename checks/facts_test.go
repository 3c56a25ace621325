package checks_test

import (
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func TestChangeReminderNote(t *testing.T) {
	last := time.Date(2026, 11, 20, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		reason checks.AnnounceReason
		want   string
	}{
		{checks.ReasonReminder, "Still failing. Seen 4 times, last on 2026-11-20 08:30 UTC."},
		{checks.ReasonSnoozeEnding, "Still failing; the snooze ends soon. Seen 4 times, last on 2026-11-20 08:30 UTC."},
		{checks.ReasonSnoozeExpired, "Still failing; the snooze has ended. Seen 4 times, last on 2026-11-20 08:30 UTC."},
	}
	for _, tt := range tests {
		c := checks.Change{Kind: checks.ChangeStillOpen, Reason: tt.reason, State: checks.FindingState{TimesSeen: 4, LastSeen: last}}
		if got := c.ReminderNote(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.reason, got, tt.want)
		}
	}
}
