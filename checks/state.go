package checks

import "time"

// Lifecycle is where a finding stands for the people who handle it.
type Lifecycle string

// Lifecycle states. The store keeps open or resolved; acknowledged and
// snoozed are open findings someone has triaged, and remediation-pending is an
// open finding with an active remediation request (known to the caller, who
// holds the request).
const (
	LifecycleOpen               Lifecycle = "open"
	LifecycleAcknowledged       Lifecycle = "acknowledged"
	LifecycleSnoozed            Lifecycle = "snoozed"
	LifecycleRemediationPending Lifecycle = "remediation-pending"
	LifecycleResolved           Lifecycle = "resolved"
)

// ChangeKind is what a scan did to a finding.
type ChangeKind string

// Change kinds, in the order they are announced.
const (
	ChangeNew       ChangeKind = "new"        // failing for the first time
	ChangeReopened  ChangeKind = "reopened"   // was resolved, fails again
	ChangeStillOpen ChangeKind = "still-open" // failing, already announced
	ChangeResolved  ChangeKind = "resolved"   // was open, now passes (or its resource is gone)
)

// AnnounceReason says why a change is due for announcement now.
type AnnounceReason string

// Reasons. A new, reopened or resolved finding is announced for the change
// itself; a still-open one only for one of the reminder reasons.
const (
	ReasonChange        AnnounceReason = "change"
	ReasonReminder      AnnounceReason = "reminder"       // its severity's reminder interval passed
	ReasonSnoozeEnding  AnnounceReason = "snooze-ending"  // the snooze ends soon
	ReasonSnoozeExpired AnnounceReason = "snooze-expired" // the snooze ended since the last announcement
)

// Acknowledgement records that someone knows about a finding and accepts it
// for now. It holds until the finding resolves and comes back.
type Acknowledgement struct {
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// Snooze silences a finding until a time. An expired snooze is simply not in
// force: nothing has to run at expiry.
type Snooze struct {
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	Until  time.Time `json:"until"`
}

// InForce reports whether the snooze still silences its finding at now.
func (s *Snooze) InForce(now time.Time) bool {
	return s != nil && now.Before(s.Until)
}

// FindingState is what the bot remembers about one fingerprint.
type FindingState struct {
	Fingerprint string `json:"fingerprint"`
	// Finding is the finding as last seen failing, without its evidence;
	// nil where the state travels with its finding (Change.State).
	Finding *Finding `json:"finding,omitempty"`
	// Status is LifecycleOpen or LifecycleResolved; see Lifecycle for the
	// triaged view.
	Status    Lifecycle `json:"status"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	TimesSeen int       `json:"times_seen"`
	// OpenedAt is when it last became open (first seen, or reopened).
	OpenedAt   time.Time `json:"opened_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	Reopens    int       `json:"reopens"`
	// LastChange is the last lifecycle change: new, reopened or resolved.
	LastChange ChangeKind `json:"last_change"`
	// AnnouncedAt is when an announcement was last delivered; zero if never.
	AnnouncedAt time.Time `json:"announced_at,omitzero"`
	// AnnouncementRef identifies the delivered announcement (Slack message
	// ts, ticket key) so later ones can update or thread onto it.
	AnnouncementRef string           `json:"announcement_ref,omitempty"`
	Ack             *Acknowledgement `json:"ack,omitempty"`
	Snooze          *Snooze          `json:"snooze,omitempty"`
}

// Lifecycle is the finding's triaged status at now. Remediation-pending is
// not known here (the request lives apart); the caller overlays it.
func (s FindingState) Lifecycle(now time.Time) Lifecycle {
	switch {
	case s.Status == LifecycleResolved:
		return LifecycleResolved
	case s.Ack != nil:
		return LifecycleAcknowledged
	case s.Snooze.InForce(now):
		return LifecycleSnoozed
	default:
		return LifecycleOpen
	}
}

// Change is one finding that needs announcing after a reconcile.
type Change struct {
	Kind   ChangeKind     `json:"kind"`
	Reason AnnounceReason `json:"reason"`
	// Finding is the finding from the scan (with evidence) for new, reopened
	// and still-open changes, and the last seen one for resolved changes.
	Finding Finding `json:"finding"`
	// State is the finding's state after the scan; its Finding is nil (it
	// would repeat Finding above).
	State FindingState `json:"state"`
}
