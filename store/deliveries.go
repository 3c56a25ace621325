package store

import (
	"context"
	"fmt"
	"time"
)

// Deliveries remembers, per finding and receiver, what that receiver got:
// the last change delivered, its reference to the finding (a Slack message,
// a Jira issue key) and, while a change fails to reach it, the attempts and
// when to try again. A change counts as announced (MarkAnnounced) only once
// every receiver it routes to has it; this is how the bot tells which
// receivers still need it.
type Deliveries interface {
	// RecordDeliveries replaces receiver's records of the given findings;
	// an empty Ref keeps the stored one. A record lives as long as its
	// finding's state (a resolved finding's records expire with it).
	RecordDeliveries(ctx context.Context, receiver string, ds ...Delivery) error
	// Deliveries returns the records of fingerprints: fingerprint ->
	// receiver -> record. Fingerprints without records are left out.
	Deliveries(ctx context.Context, fingerprints ...string) (map[string]map[string]Delivery, error)
}

// Delivery is what one receiver got of one finding.
type Delivery struct {
	Fingerprint string `json:"-"`
	// ChangeKey identifies the last change delivered (kind and time of the
	// change, see the bot), so a retried change is not sent twice while the
	// next one is; empty if none was.
	ChangeKey string `json:"key,omitempty"`
	// At is when ChangeKey was delivered.
	At time.Time `json:"at,omitzero"`
	// Ref is the receiver's handle on the finding: "channel/ts" of a Slack
	// message, a Jira issue key, a Trello card URL.
	Ref string `json:"-"`
	// FailedKey is a change that failed to reach the receiver; Attempts
	// counts its failed attempts and NextAttempt is when to try again.
	FailedKey   string    `json:"failed,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next,omitzero"`
	// TTL, when positive, makes the fingerprint's records expire that long
	// after this write, for records that belong to no finding (a digest
	// group's last send). Zero: they live as long as the finding's state.
	TTL time.Duration `json:"-"`
	// expires is when the Memory store forgets the record (TTL).
	expires time.Time
}

// Delivered reports whether the receiver has the change key.
func (d Delivery) Delivered(key string) bool { return key != "" && d.ChangeKey == key }

// Due reports whether a delivery of key may be attempted at now: it was not
// delivered, and no backoff of a failed attempt of it is running.
func (d Delivery) Due(key string, now time.Time) bool {
	return !d.Delivered(key) && (d.FailedKey != key || !now.Before(d.NextAttempt))
}

func checkDeliveries(receiver string, ds []Delivery) error {
	if receiver == "" {
		return fmt.Errorf("record deliveries: empty receiver: %w", ErrInvalid)
	}
	for _, d := range ds {
		if err := checkFingerprint("record deliveries to "+receiver, d.Fingerprint); err != nil {
			return err
		}
	}
	return nil
}

// normDelivery rounds times to what the stores keep (milliseconds).
func normDelivery(d Delivery) Delivery {
	if !d.At.IsZero() {
		d.At = ms(d.At)
	}
	if !d.NextAttempt.IsZero() {
		d.NextAttempt = ms(d.NextAttempt)
	}
	return d
}
