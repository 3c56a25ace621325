package store

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func TestOptionsResolve(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr bool
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Prefix != "comply:" || c.BatchSize != 1000 || c.HistoryMaxScans != 10000 ||
				c.SnoozeReminderLead != 24*time.Hour || c.ResolvedRetention != 90*24*time.Hour || c.Now == nil {
				t.Fatalf("defaults = %+v", c)
			}
			want := map[checks.Severity]time.Duration{
				checks.SeverityCritical: 24 * time.Hour, checks.SeverityHigh: 72 * time.Hour,
				checks.SeverityMedium: 7 * 24 * time.Hour, checks.SeverityLow: 7 * 24 * time.Hour, checks.SeverityInfo: 0,
			}
			for sev, d := range want {
				if c.Reminder(sev) != d {
					t.Fatalf("reminder %s = %v, want %v", sev, c.Reminder(sev), d)
				}
			}
		}},
		{name: "overrides and never", opts: Options{
			Prefix:    "team-a:",
			Reminders: map[checks.Severity]time.Duration{checks.SeverityCritical: 0, checks.SeverityInfo: 1500 * time.Microsecond},
		}, check: func(t *testing.T, c Config) {
			if c.Prefix != "team-a:" || c.Reminder(checks.SeverityCritical) != 0 ||
				c.Reminder(checks.SeverityInfo) != time.Millisecond || c.Reminder(checks.SeverityHigh) != 72*time.Hour {
				t.Fatalf("config = %+v", c)
			}
		}},
		{name: "negative means none", opts: Options{SnoozeReminderLead: -1, HistoryMaxScans: -1, ResolvedRetention: -1},
			check: func(t *testing.T, c Config) {
				if c.SnoozeReminderLead != 0 || c.HistoryMaxScans != 0 || c.ResolvedRetention != 0 {
					t.Fatalf("config = %+v", c)
				}
			}},
		{name: "negative reminder", opts: Options{Reminders: map[checks.Severity]time.Duration{checks.SeverityHigh: -time.Hour}}, wantErr: true},
		{name: "invalid severity", opts: Options{Reminders: map[checks.Severity]time.Duration{0: time.Hour}}, wantErr: true},
		{name: "negative audit retention", opts: Options{AuditMaxLen: -1}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.opts.Resolve()
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestScopeContains(t *testing.T) {
	s := Scope{Accounts: []string{"1", "2"}, Regions: []string{"us-east-1"}}
	for _, tc := range []struct {
		scope           Scope
		account, region string
		want            bool
	}{
		{Scope{}, "9", "any", true},
		{s, "1", "us-east-1", true},
		{s, "3", "us-east-1", false},
		{s, "2", "eu-west-1", false},
		{Scope{Regions: []string{"eu-west-1"}}, "9", "eu-west-1", true},
	} {
		if got := tc.scope.Contains(tc.account, tc.region); got != tc.want {
			t.Errorf("%+v.Contains(%s, %s) = %v", tc.scope, tc.account, tc.region, got)
		}
	}
}

func TestNewScanRecordCapsErrors(t *testing.T) {
	r := &checks.ScanReport{Scan: checks.ScanInfo{ID: "s"}}
	for range MaxRecordedErrors + 5 {
		r.Scan.Errors = append(r.Scan.Errors, checks.ScanError{Source: "aws", Message: "boom"})
	}
	rec := NewScanRecord(r, &ReconcileResult{New: 2, Resolved: 1})
	if len(rec.Scan.Errors) != MaxRecordedErrors || rec.ErrorCount != MaxRecordedErrors+5 ||
		rec.Changes[checks.ChangeNew] != 2 || rec.Changes[checks.ChangeResolved] != 1 {
		t.Fatalf("record = %+v", rec)
	}
	if len(r.Scan.Errors) != MaxRecordedErrors+5 {
		t.Fatal("NewScanRecord changed the report")
	}
}

func TestSnoozeReminderAt(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		snooze, lead time.Duration
		want         time.Duration // after at; -1: none
	}{
		{7 * 24 * time.Hour, 24 * time.Hour, 6 * 24 * time.Hour},
		{4 * time.Hour, 24 * time.Hour, 3 * time.Hour}, // capped to a quarter
		{7 * 24 * time.Hour, 0, -1},
		{3 * time.Millisecond, time.Hour, -1}, // a quarter rounds to nothing
	} {
		got, ok := snoozeReminderAt(&checks.Snooze{At: at, Until: at.Add(tc.snooze)}, tc.lead)
		if tc.want < 0 {
			if ok {
				t.Errorf("snooze %v lead %v: reminder at %v, want none", tc.snooze, tc.lead, got)
			}
			continue
		}
		if !ok || !got.Equal(at.Add(tc.want)) {
			t.Errorf("snooze %v lead %v: reminder at %v, want %v", tc.snooze, tc.lead, got, at.Add(tc.want))
		}
	}
}

func TestOpenInMemoryWarns(t *testing.T) {
	var logged []string
	log := slogRecorder(&logged)
	s, err := Open(t.Context(), "", Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*Memory); !ok || len(logged) != 1 ||
		logged[0] != "state store is in-memory: state is neither shared between replicas nor durable" {
		t.Fatalf("store %T, logged %q", s, logged)
	}
	if _, err := Open(t.Context(), "http://not-redis", Options{}, log); err == nil {
		t.Fatal("a non-redis URL was accepted")
	}
	_, err = Open(t.Context(), "redis://user:s3cret@host:notaport/0", Options{}, log)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error = %v: want an error that does not show the password", err)
	}
}

// recorder is a slog.Handler that keeps the messages.
type recorder struct{ msgs *[]string }

func (r recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	*r.msgs = append(*r.msgs, rec.Message)
	return nil
}
func (r recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r recorder) WithGroup(string) slog.Handler      { return r }

func slogRecorder(msgs *[]string) *slog.Logger { return slog.New(recorder{msgs}) }
