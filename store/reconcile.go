package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// This file holds the lifecycle rules both implementations share. The Redis
// scripts mirror announcement(); the contract suite keeps them in step.

// announcement decides whether an open finding is due for announcement at
// now, and as what:
//
//   - acknowledged: never;
//   - snooze in force: only once, as "snooze ending", from shortly before it ends;
//   - not announced since it (re)opened: its opening change (new or reopened),
//     so a crash between reconcile and delivery loses nothing;
//   - snooze ended since the last announcement: once, as "snooze expired";
//   - otherwise when its severity's reminder interval has passed (0: never).
func announcement(s *checks.FindingState, now time.Time, interval, lead time.Duration) (checks.ChangeKind, checks.AnnounceReason, bool) {
	if s.Status != checks.LifecycleOpen || s.Ack != nil {
		return "", "", false
	}
	ann := s.AnnouncedAt
	if sn := s.Snooze; sn.InForce(now) {
		at, ok := snoozeReminderAt(sn, lead)
		if ok && !now.Before(at) && ann.Before(at) {
			return checks.ChangeStillOpen, checks.ReasonSnoozeEnding, true
		}
		return "", "", false
	}
	if ann.Before(s.OpenedAt) {
		kind := s.LastChange
		if kind != checks.ChangeReopened {
			kind = checks.ChangeNew
		}
		return kind, checks.ReasonChange, true
	}
	if s.Snooze != nil && ann.Before(s.Snooze.Until) {
		return checks.ChangeStillOpen, checks.ReasonSnoozeExpired, true
	}
	if interval > 0 && now.Sub(ann) >= interval {
		return checks.ChangeStillOpen, checks.ReasonReminder, true
	}
	return "", "", false
}

// snoozeReminderAt is when the "snooze ending" reminder becomes due: lead
// before the end, but no earlier than three quarters into the snooze so a
// short snooze is not followed at once by a reminder. Computed in whole
// milliseconds, exactly as the Redis script does.
func snoozeReminderAt(sn *checks.Snooze, lead time.Duration) (time.Time, bool) {
	until := toMS(sn.Until)
	l := min(lead.Milliseconds(), (until-toMS(sn.At))/4)
	if l <= 0 {
		return time.Time{}, false
	}
	return fromMS(until - l), true
}

// newState is the state of a finding first seen at now, without its
// snapshot.
func newState(fp string, now time.Time) checks.FindingState {
	return checks.FindingState{
		Fingerprint: fp, Status: checks.LifecycleOpen,
		FirstSeen: now, LastSeen: now, TimesSeen: 1, OpenedAt: now, LastChange: checks.ChangeNew,
	}
}

// resolvedChange announces a resolution with the finding as last seen.
func resolvedChange(st checks.FindingState) checks.Change {
	var f checks.Finding
	if st.Finding != nil {
		f = *st.Finding
	}
	st.Finding = nil
	return checks.Change{Kind: checks.ChangeResolved, Reason: checks.ReasonChange, Finding: f, State: st}
}

// scanInput is a report prepared for reconciling.
type scanInput struct {
	findings     []checks.Finding // deduplicated by fingerprint, with fingerprints set
	seen         map[string]bool  // fingerprints failing in this scan
	evaluated    map[string]bool  // rule ids evaluated (present and not skipped)
	inconclusive map[string]bool
	actor        string
}

func prepare(report *checks.ScanReport, opts ReconcileOptions) (*scanInput, error) {
	if report == nil {
		return nil, fmt.Errorf("reconcile: nil report: %w", ErrInvalid)
	}
	in := &scanInput{
		findings:     make([]checks.Finding, 0, len(report.Findings)),
		seen:         make(map[string]bool, len(report.Findings)),
		evaluated:    make(map[string]bool, len(report.Rules)),
		inconclusive: make(map[string]bool, len(report.Inconclusive)),
		actor:        opts.Actor,
	}
	if in.actor == "" {
		in.actor = "scan:" + report.Scan.ID
	}
	for _, f := range report.Findings {
		if f.Fingerprint == "" {
			f.Fingerprint = checks.Fingerprint(f.RuleID, f.Account, f.Region, f.ResourceID)
		}
		if strings.ContainsFunc(f.Fingerprint, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("reconcile: fingerprint %q: spaces or control characters: %w", f.Fingerprint, ErrInvalid)
		}
		// The same resource from two sources fails once.
		if in.seen[f.Fingerprint] {
			continue
		}
		in.seen[f.Fingerprint] = true
		in.findings = append(in.findings, f)
	}
	for _, r := range report.Rules {
		if !r.Skipped {
			in.evaluated[r.RuleID] = true
		}
	}
	for _, fp := range report.Inconclusive {
		in.inconclusive[fp] = true
	}
	return in, nil
}

// resolvable reports whether this scan may resolve a stored open finding it
// did not report: the scan speaks for its rule (evaluated, not skipped), for
// its account and region, and did not fail to evaluate it.
func (in *scanInput) resolvable(fp, ruleID, account, region string, scope Scope) bool {
	return !in.seen[fp] && in.evaluated[ruleID] && !in.inconclusive[fp] && scope.Contains(account, region)
}

// snapshot is the finding as stored: the evidence (possibly large, and
// re-collected at every scan) is dropped.
func snapshot(f checks.Finding) checks.Finding {
	f.Evidence = nil
	return f
}

// sortChanges orders resolutions like findings: most severe first. It sorts
// indexes: a Change is large, and moving it is what costs.
func sortChanges(cs []checks.Change) {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		x, y := &cs[i].Finding, &cs[j].Finding
		return cmp.Or(
			cmp.Compare(y.Severity, x.Severity),
			cmp.Compare(x.RuleID, y.RuleID),
			cmp.Compare(x.Account, y.Account),
			cmp.Compare(x.Region, y.Region),
			cmp.Compare(x.ResourceID, y.ResourceID),
			cmp.Compare(cs[i].State.Fingerprint, cs[j].State.Fingerprint),
		)
	})
	sorted := make([]checks.Change, len(cs))
	for k, i := range idx {
		sorted[k] = cs[i]
	}
	copy(cs, sorted)
}

// sortStates orders finding states most severe first.
func sortStates(sts []checks.FindingState) {
	slices.SortFunc(sts, func(a, b checks.FindingState) int {
		var x, y checks.Finding
		if a.Finding != nil {
			x = *a.Finding
		}
		if b.Finding != nil {
			y = *b.Finding
		}
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), cmp.Compare(x.RuleID, y.RuleID), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
}

// ms is the millisecond precision both stores keep times at.
func ms(t time.Time) time.Time { return fromMS(toMS(t)) }

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func toMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
