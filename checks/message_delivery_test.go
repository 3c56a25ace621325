package checks

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReminderMessage(t *testing.T) {
	f := sampleFinding()
	opened := msgNow.Add(-3*24*time.Hour - time.Hour)
	snooze := &Snooze{By: "U0ALICE01", At: opened, Until: msgNow.Add(time.Hour)}
	for name, tc := range map[string]struct {
		st     FindingState
		reason AnnounceReason
		text   string
		state  bool
	}{
		"reminder":      {FindingState{Status: LifecycleOpen, OpenedAt: opened}, ReasonReminder, "Still failing after 3 days · reminder", false},
		"hours":         {FindingState{Status: LifecycleOpen, OpenedAt: msgNow.Add(-25 * time.Hour)}, ReasonReminder, "Still failing after 25 hours · reminder", false},
		"first seen":    {FindingState{Status: LifecycleOpen, FirstSeen: msgNow.Add(-time.Hour)}, ReasonReminder, "Still failing after 1 hour · reminder", false},
		"snooze ending": {FindingState{Status: LifecycleOpen, OpenedAt: opened, Snooze: snooze}, ReasonSnoozeEnding, "Still failing after 3 days · snooze ending", true},
		"snooze ended":  {FindingState{Status: LifecycleOpen, OpenedAt: opened}, ReasonSnoozeExpired, "Still failing after 3 days · snooze ended", false},
	} {
		t.Run(name, func(t *testing.T) {
			st := tc.st
			m := ReminderMessage(f, &st, tc.reason, msgNow, FindingView{CanFix: true})
			if m.Kind != MessageReminder || m.Key != f.Fingerprint || m.Title != "" || m.Text != tc.text {
				t.Errorf("reminder %q %q %q %q, want text %q", m.Kind, m.Key, m.Title, m.Text, tc.text)
			}
			if (len(m.State) > 0) != tc.state {
				t.Errorf("state line %v, want one: %v", m.State, tc.state)
			}
			// The same buttons as the finding's message.
			want := actionIDs(FindingMessage(f, &st, msgNow, FindingView{CanFix: true}).Actions)
			if got := actionIDs(m.Actions); !slices.Equal(got, want) {
				t.Errorf("buttons %v, want %v", got, want)
			}
			if ctx := m.Context[0].String(); !strings.Contains(ctx, f.Title) || !strings.Contains(ctx, f.Fingerprint[:8]) {
				t.Errorf("context %q lacks the finding", ctx)
			}
		})
	}
}

func TestScanChangesLines(t *testing.T) {
	text := func(ls []Line) string {
		var out []string
		for _, l := range ls {
			out = append(out, l.String())
		}
		return strings.Join(out, "\n")
	}
	for name, tc := range map[string]struct {
		c    ScanChanges
		want string
	}{
		"nothing": {ScanChanges{StillOpen: 4}, "Changes: 0 new, 0 reopened, 0 resolved, 4 still open."},
		"delivered and waiting": {ScanChanges{New: 2, Resolved: 1, Posted: 1, Updated: 1, Digested: 1, Reminded: 2, Waiting: 3},
			"Changes: 2 new, 0 reopened, 1 resolved, 0 still open.\n" +
				"Delivery: 1 posted, 1 updated, 1 in digests, 2 reminded in threads, 3 waiting (retry or digest later)."},
		"failed": {ScanChanges{New: 1, Failed: 1},
			"Changes: 1 new, 0 reopened, 0 resolved, 0 still open.\n1 announcements could not be delivered; the next scan retries them."},
	} {
		t.Run(name, func(t *testing.T) {
			if got := text(ScanChangesLines(tc.c)); got != tc.want {
				t.Errorf("lines\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
