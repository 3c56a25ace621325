package store

import (
	"fmt"
	"time"

	"github.com/comply-bot/comply/checks"
)

// DefaultPrefix starts every Redis key, so several installations can share
// one Redis.
const DefaultPrefix = "comply:"

// defaultReminders are the reminder intervals per severity; 0 means never.
var defaultReminders = map[checks.Severity]time.Duration{
	checks.SeverityCritical: 24 * time.Hour,
	checks.SeverityHigh:     72 * time.Hour,
	checks.SeverityMedium:   7 * 24 * time.Hour,
	checks.SeverityLow:      7 * 24 * time.Hour,
	checks.SeverityInfo:     0,
}

// DefaultReminders returns a copy of the default reminder intervals.
func DefaultReminders() map[checks.Severity]time.Duration {
	out := make(map[checks.Severity]time.Duration, len(defaultReminders))
	for k, v := range defaultReminders {
		out[k] = v
	}
	return out
}

// Defaults.
const (
	DefaultSnoozeReminderLead = 24 * time.Hour
	DefaultHistoryMaxScans    = 10000
	DefaultBatchSize          = 1000
	DefaultResolvedRetention  = 90 * 24 * time.Hour
)

// Options configure a store. The zero value is usable.
type Options struct {
	// Prefix starts every Redis key (default "comply:").
	Prefix string
	// Now is the clock (default time.Now); tests inject one for expiry.
	Now func() time.Time
	// Reminders sets the reminder interval of still-open findings per
	// severity, over DefaultReminders; 0 means never remind.
	Reminders map[checks.Severity]time.Duration
	// SnoozeReminderLead is how long before a snooze ends a reminder is due
	// (default 24h, at most a quarter of the snooze; negative: none).
	SnoozeReminderLead time.Duration
	// AuditMaxLen trims the audit log to about this many entries (0: keep all).
	AuditMaxLen int64
	// AuditMaxAge trims audit entries older than this (0: keep all).
	AuditMaxAge time.Duration
	// HistoryMaxScans keeps this many scan records (default 10000; negative:
	// no count limit).
	HistoryMaxScans int
	// HistoryMaxAge drops scan records older than this (0: keep all).
	HistoryMaxAge time.Duration
	// ResolvedRetention is how long a resolved finding's state is kept
	// (default 90 days; negative: forever). One that fails again later is
	// new again.
	ResolvedRetention time.Duration
	// BatchSize is how many fingerprints one Redis round trip reconciles
	// (default 1000).
	BatchSize int
}

// Config is Options with defaults applied and checked.
type Config struct {
	Prefix             string
	Now                func() time.Time
	Reminders          [checks.SeverityCritical + 1]time.Duration // by severity
	SnoozeReminderLead time.Duration
	AuditMaxLen        int64
	AuditMaxAge        time.Duration
	HistoryMaxScans    int
	HistoryMaxAge      time.Duration
	ResolvedRetention  time.Duration
	BatchSize          int
}

// Resolve applies defaults and validates the options.
func (o Options) Resolve() (Config, error) {
	c := Config{
		Prefix: o.Prefix, Now: o.Now, SnoozeReminderLead: o.SnoozeReminderLead,
		AuditMaxLen: o.AuditMaxLen, AuditMaxAge: o.AuditMaxAge,
		HistoryMaxScans: o.HistoryMaxScans, HistoryMaxAge: o.HistoryMaxAge, BatchSize: o.BatchSize,
		ResolvedRetention: o.ResolvedRetention,
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for sev, d := range defaultReminders {
		c.Reminders[sev] = d
	}
	for sev, d := range o.Reminders {
		if !sev.Valid() {
			return c, fmt.Errorf("store options: reminder for %v: %w", sev, ErrInvalid)
		}
		if d < 0 {
			return c, fmt.Errorf("store options: negative reminder interval %v for %v: %w", d, sev, ErrInvalid)
		}
		c.Reminders[sev] = d.Truncate(time.Millisecond) // the stores keep milliseconds
	}
	switch {
	case c.SnoozeReminderLead == 0:
		c.SnoozeReminderLead = DefaultSnoozeReminderLead
	case c.SnoozeReminderLead < 0:
		c.SnoozeReminderLead = 0
	}
	c.SnoozeReminderLead = c.SnoozeReminderLead.Truncate(time.Millisecond) // the stores keep milliseconds
	if c.AuditMaxLen < 0 || c.AuditMaxAge < 0 || c.HistoryMaxAge < 0 {
		return c, fmt.Errorf("store options: negative retention: %w", ErrInvalid)
	}
	switch {
	case c.HistoryMaxScans == 0:
		c.HistoryMaxScans = DefaultHistoryMaxScans
	case c.HistoryMaxScans < 0:
		c.HistoryMaxScans = 0
	}
	switch {
	case c.ResolvedRetention == 0:
		c.ResolvedRetention = DefaultResolvedRetention
	case c.ResolvedRetention < 0:
		c.ResolvedRetention = 0
	}
	if c.ResolvedRetention > 0 { // whole milliseconds, and never 0 (forever)
		c.ResolvedRetention = max(c.ResolvedRetention.Truncate(time.Millisecond), time.Millisecond)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	return c, nil
}

// Reminder is the reminder interval for a severity (0: never).
func (c *Config) Reminder(s checks.Severity) time.Duration {
	if !s.Valid() {
		return 0
	}
	return c.Reminders[s]
}
