package config

import (
	"strings"
	"testing"
	"time"
)

// Replicas start at different times; an @every schedule must still name
// the same ticks on all of them, or each replica runs its own (the tick
// lock is per tick), and a calendar occurrence must be a time Next names.
func TestEveryScheduleIsAnchored(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte("schedules:\n  - name: s\n    cron: \"@every 1h\"\n    timezone: Europe/Berlin\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Schedules[0]
	want := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	for _, started := range []time.Time{
		time.Date(2026, 3, 2, 10, 3, 7, 5, time.UTC),  // replica A
		time.Date(2026, 3, 2, 10, 17, 0, 0, time.UTC), // replica B
		time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),  // exactly on a tick: the next one
	} {
		if got := s.Next(started); !got.Equal(want) {
			t.Errorf("Next(%v) = %v, want %v", started, got, want)
		}
	}
	// The tick after a tick is one period later.
	if got := s.Next(want); !got.Equal(want.Add(time.Hour)) {
		t.Errorf("Next(%v) = %v", want, got)
	}
}

func TestEveryScheduleWholeMinutes(t *testing.T) {
	for _, spec := range []string{"@every 90s", "@every 30s", "@every 1m30s"} {
		_, err := Parse("c.yaml", []byte("schedules:\n  - name: s\n    cron: \""+spec+"\"\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "in whole minutes") {
			t.Errorf("%s: err %v, want a whole-minutes error", spec, err)
		}
	}
	if _, err := Parse("c.yaml", []byte("schedules:\n  - name: s\n    cron: \"@every 2m\"\n"), env(nil)); err != nil {
		t.Errorf("@every 2m: %v", err)
	}
}
