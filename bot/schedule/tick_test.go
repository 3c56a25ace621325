package schedule

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/store"
)

// A failing or panicking job is reported and the scheduler goes on.
func TestTickReportsFailures(t *testing.T) {
	tests := []struct {
		name    string
		job     Job
		want    Outcome
		reasons []string // substrings of the one monitoring failure; none when nil
	}{
		{"ok", func(context.Context, Spec) error { return nil }, OutcomeRan, nil},
		{"error", func(context.Context, Spec) error { return errors.New("assume role: access denied") },
			OutcomeFailed, []string{"failed", "assume role: access denied", "2025-06-01 12:00 CEST"}},
		{"panic", func(context.Context, Spec) error { panic("nil map write") },
			OutcomePanicked, []string{"crashed", "panic: nil map write"}},
		{"panic error", func(context.Context, Spec) error { var m map[string]int; m["x"] = 1; return nil },
			OutcomePanicked, []string{"crashed", "assignment to entry in nil map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fails failures
			var mu sync.Mutex
			var ticks []Outcome
			sp := spec(t, "daily", "0 12 * * *", "Europe/Berlin")
			s, err := New([]Spec{sp}, tt.job, newMemory(t), Options{
				OnMonitoringFailure: fails.add,
				OnTick: func(_ Spec, _ time.Time, o Outcome, _ time.Duration) {
					mu.Lock()
					ticks = append(ticks, o)
					mu.Unlock()
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
			// Twice: a panic or failure must not stop the next tick.
			for i := range 2 {
				o, err := s.Tick(t.Context(), "daily", at.AddDate(0, 0, i))
				if err != nil || o != tt.want {
					t.Fatalf("tick %d: %v, %v; want %v", i, o, err, tt.want)
				}
			}
			f := fails.list()
			if tt.reasons == nil {
				if len(f) != 0 {
					t.Errorf("monitoring failures %q, want none", f)
				}
			} else {
				if len(f) != 2 {
					t.Fatalf("monitoring failures %q, want one per tick", f)
				}
				for _, want := range tt.reasons {
					if !strings.Contains(f[0], want) {
						t.Errorf("reason %q does not mention %q", f[0], want)
					}
				}
			}
			if len(ticks) != 2 || ticks[0] != tt.want || ticks[1] != tt.want {
				t.Errorf("OnTick outcomes %v, want %v twice", ticks, tt.want)
			}
		})
	}
}

// The next tick while a run is still going is skipped and reported overdue.
func TestTickOverdue(t *testing.T) {
	release := make(chan struct{})
	started := make(chan time.Time, 3)
	job := func(ctx context.Context, _ Spec) error {
		tick, _ := TickFrom(ctx)
		started <- tick
		if tick.Hour() == 10 {
			<-release
		}
		return nil
	}
	var fails failures
	s, err := New([]Spec{spec(t, "hourly", "0 * * * *", "")}, job, newMemory(t), Options{OnMonitoringFailure: fails.add})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	first := make(chan Outcome, 1)
	go func() { o, _ := s.Tick(t.Context(), "hourly", t0); first <- o }()
	if got := <-started; !got.Equal(t0) {
		t.Fatalf("job tick %v, want %v", got, t0)
	}
	if o, _ := s.Tick(t.Context(), "hourly", t0.Add(time.Hour)); o != OutcomeOverdue {
		t.Fatalf("tick while running: %v, want overdue", o)
	}
	close(release)
	if o := <-first; o != OutcomeRan {
		t.Errorf("first tick: %v, want ran", o)
	}
	if o, _ := s.Tick(t.Context(), "hourly", t0.Add(2*time.Hour)); o != OutcomeRan {
		t.Errorf("tick after the run ended: %v, want ran", o)
	}
	if got := <-started; !got.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("second run's tick %v, want 12:00 (11:00 was skipped)", got)
	}
	f := fails.list()
	want := "the run of the 2025-06-01 10:00 UTC tick is still going at the 2025-06-01 11:00 UTC tick"
	if len(f) != 1 || !strings.Contains(f[0], want) {
		t.Errorf("monitoring failures %q, want one containing %q", f, want)
	}
}

// brokenLocks fails like a Redis that is down.
type brokenLocks struct{}

func (brokenLocks) AcquireLock(context.Context, string, time.Duration) (store.Lease, error) {
	return store.Lease{}, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}
func (brokenLocks) ExtendLock(context.Context, store.Lease, time.Duration) error { return nil }
func (brokenLocks) ReleaseLock(context.Context, store.Lease) error               { return nil }

func TestTickLockError(t *testing.T) {
	ran := false
	var fails failures
	s, err := New([]Spec{spec(t, "d", "0 6 * * *", "")}, func(context.Context, Spec) error { ran = true; return nil },
		brokenLocks{}, Options{OnMonitoringFailure: fails.add})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Tick(t.Context(), "d", time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC)); o != OutcomeLockError {
		t.Errorf("outcome %v, want lock_error", o)
	}
	if ran {
		t.Error("the job ran without the tick lock")
	}
	if f := fails.list(); len(f) != 1 || !strings.Contains(f[0], "connection refused") {
		t.Errorf("monitoring failures %q", f)
	}
}

// Stop waits for a running job; out of time, it cancels it. Ticks after
// Stop are refused.
func TestStop(t *testing.T) {
	for _, deadline := range []bool{false, true} {
		release := make(chan struct{})
		started := make(chan struct{})
		cancelled := make(chan struct{})
		job := func(ctx context.Context, _ Spec) error {
			close(started)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				close(cancelled)
				return ctx.Err()
			}
		}
		var fails failures
		s, err := New([]Spec{spec(t, "h", "0 * * * *", "")}, job, newMemory(t), Options{OnMonitoringFailure: fails.add})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(t.Context()); err == nil {
			t.Error("second Start: no error")
		}
		if n := len(s.cron.Entries()); n != 1 {
			t.Errorf("%d cron entries, want 1", n)
		}
		first := make(chan Outcome, 1)
		go func() {
			o, _ := s.Tick(s.jobCtx, "h", time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC))
			first <- o
		}()
		<-started
		stopped := make(chan error, 1)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { stopped <- s.Stop(ctx) }()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned %v while a job runs", err)
		case <-time.After(50 * time.Millisecond):
		}
		if deadline {
			cancel()
			if err := <-stopped; !errors.Is(err, context.Canceled) {
				t.Errorf("Stop out of time: %v, want context.Canceled", err)
			}
			<-cancelled
		} else {
			close(release)
			if err := <-stopped; err != nil {
				t.Errorf("Stop: %v", err)
			}
		}
		cancel()
		<-first
		if o, _ := s.Tick(t.Context(), "h", time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC)); o != OutcomeStopped {
			t.Errorf("tick after Stop: %v, want stopped", o)
		}
		if f := fails.list(); len(f) != 0 {
			t.Errorf("deadline %v: monitoring failures %q, want none (shutdown is not a failure)", deadline, f)
		}
	}
}
