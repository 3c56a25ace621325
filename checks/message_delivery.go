package checks

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// MessageReminder is a short reminder about a finding, posted in the thread
// of the finding's message.
const MessageReminder MessageKind = "reminder"

// ReminderMessage reminds that a finding still fails: one line (how long,
// and why now), the finding's buttons, and its rule and id as small print.
// It goes in the thread of the finding's message, which is updated to the
// state separately.
func ReminderMessage(f Finding, st *FindingState, reason AnnounceReason, now time.Time, v FindingView) Message {
	since := st.OpenedAt
	if since.IsZero() {
		since = st.FirstSeen
	}
	text := "Still failing"
	if !since.IsZero() {
		text += " after " + ageText(now.Sub(since))
	}
	switch reason {
	case ReasonSnoozeEnding:
		text += " · snooze ending"
	case ReasonSnoozeExpired:
		text += " · snooze ended"
	default:
		text += " · reminder"
	}
	m := Message{
		Kind: MessageReminder, Key: f.Fingerprint, Severity: f.Severity, Text: text,
		Context: []Line{{StrongSpan(strings.ToUpper(f.Severity.String())), TextSpan(" · "), ValueSpan(f.Title),
			TextSpan(" · "), ValueSpan(cmp.Or(f.ResourceName, f.ResourceID)), TextSpan(" · id "), ValueSpan(shortID(f.Fingerprint))}},
	}
	if st.Snooze != nil && reason == ReasonSnoozeEnding {
		m.State = Line{TextSpan("Snoozed until "), TimeSpan(st.Snooze.Until), TextSpan(" by "), UserSpan(st.Snooze.By)}
	}
	m.Actions = findingActions(f, st.Lifecycle(now), v)
	return m
}

// ageText is a duration in whole days (hours below two days).
func ageText(d time.Duration) string {
	if d < 48*time.Hour {
		return plural(int(max(d, 0)/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ScanChanges is what a scan's reconcile changed and what its delivery did,
// for the scan summary.
type ScanChanges struct {
	New, Reopened, Resolved, StillOpen int
	// Posted, Updated, Digested and Reminded count changes delivered as a
	// new message, an update in place, part of a digest, or a reminder in
	// a message's thread.
	Posted, Updated, Digested, Reminded int
	// Failed changes could not be delivered this time; Waiting ones were
	// held back (a receiver's retry backoff, a digest group's interval).
	// Both are offered again by later scans.
	Failed, Waiting int
}

// ScanChangesLines are a scan summary's small print about its changes and
// their delivery.
func ScanChangesLines(c ScanChanges) []Line {
	out := []Line{{TextSpan(fmt.Sprintf("Changes: %d new, %d reopened, %d resolved, %d still open.", c.New, c.Reopened, c.Resolved, c.StillOpen))}}
	var parts []string
	for _, p := range []struct {
		n    int
		text string
	}{{c.Posted, "posted"}, {c.Updated, "updated"}, {c.Digested, "in digests"}, {c.Reminded, "reminded in threads"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.text))
		}
	}
	if c.Waiting > 0 {
		parts = append(parts, fmt.Sprintf("%d waiting (retry or digest later)", c.Waiting))
	}
	if len(parts) > 0 {
		out = append(out, Line{TextSpan("Delivery: " + strings.Join(parts, ", ") + ".")})
	}
	if c.Failed > 0 {
		out = append(out, Line{TextSpan(fmt.Sprintf("%d announcements could not be delivered; the next scan retries them.", c.Failed))})
	}
	return out
}
