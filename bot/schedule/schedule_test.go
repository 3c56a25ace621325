package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/comply-bot/comply/store"
)

func TestTickLockName(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"daily", time.Date(2025, 3, 30, 4, 0, 0, 0, time.UTC), "schedule:daily:2025-03-30T04:00:00Z"},
		{"daily", time.Date(2025, 3, 30, 4, 0, 59, 999e6, time.UTC), "schedule:daily:2025-03-30T04:00:00Z"},
		{"daily", time.Date(2025, 3, 30, 6, 0, 3, 0, berlin), "schedule:daily:2025-03-30T04:00:00Z"},
		{"half-hour-zone", time.Date(2025, 1, 2, 6, 30, 12, 0, kolkata), "schedule:half-hour-zone:2025-01-02T01:00:00Z"},
		{"x_1", time.Date(2025, 12, 31, 23, 59, 30, 0, time.UTC), "schedule:x_1:2025-12-31T23:59:00Z"},
	}
	for _, tt := range tests {
		if got := TickLockName(tt.name, tt.at); got != tt.want {
			t.Errorf("TickLockName(%q, %v) = %q, want %q", tt.name, tt.at, got, tt.want)
		}
	}
	if RunLockName("daily") == TickLockName("daily", time.Now()) {
		t.Error("run lease and tick lock share a key")
	}
}

// The tick lock is taken under its key with a TTL and kept after the run.
func TestTickKeepsTickLock(t *testing.T) {
	mem := newMemory(t)
	sp := spec(t, "hourly", "0 * * * *", "")
	s, err := New([]Spec{sp}, func(context.Context, Spec) error { return nil }, mem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 1, 10, 0, 2, 0, time.UTC)
	if o, err := s.Tick(t.Context(), "hourly", at); err != nil || o != OutcomeRan {
		t.Fatalf("Tick = %v, %v; want ran", o, err)
	}
	if _, err := mem.AcquireLock(t.Context(), "schedule:hourly:2025-06-01T10:00:00Z", time.Second); !errors.Is(err, store.ErrLocked) {
		t.Errorf("tick lock after the run: %v, want ErrLocked (kept)", err)
	}
	// The run lease is released: the next tick is not overdue.
	if _, err := mem.AcquireLock(t.Context(), RunLockName("hourly"), time.Second); err != nil {
		t.Errorf("run lease after the run: %v, want free", err)
	}
	if _, err := s.Tick(t.Context(), "nope", at); err == nil {
		t.Error("Tick of an unknown schedule: no error")
	}
}

func TestTickTTL(t *testing.T) {
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		cron    string
		lockTTL time.Duration
		want    time.Duration
	}{
		{"*/5 * * * *", 0, 5 * time.Minute},
		{"* * * * *", 0, time.Minute},
		{"0 6 * * *", 0, MaxTickLockTTL},
		{"0 6 * * *", 3 * time.Hour, 3 * time.Hour},
	}
	for _, tt := range tests {
		s, err := New([]Spec{spec(t, "s", tt.cron, "")}, func(context.Context, Spec) error { return nil },
			newMemory(t), Options{LockTTL: tt.lockTTL})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.tickTTL(s.specs[0], at); got != tt.want {
			t.Errorf("%q lockTTL %v: ttl %v, want %v", tt.cron, tt.lockTTL, got, tt.want)
		}
	}
}

// Two replicas fire the same ticks at the same time (one with its clock 20s
// ahead): each tick runs exactly once.
func TestTwoReplicasRunEachTickOnce(t *testing.T) {
	type pair struct{ a, b Locker }
	backends := map[string]func(t *testing.T) pair{
		"memory": func(t *testing.T) pair { m := newMemory(t); return pair{m, m} },
		"redis":  func(t *testing.T) pair { a, b := openRedisPair(t); return pair{a, b} },
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			p := open(t)
			var mu sync.Mutex
			runs := map[time.Time]int{}
			job := func(ctx context.Context, _ Spec) error {
				tick, ok := TickFrom(ctx)
				if !ok {
					return errors.New("no tick in context")
				}
				mu.Lock()
				runs[tick]++
				mu.Unlock()
				return nil
			}
			sp := spec(t, "every-minute", "* * * * *", "Europe/Berlin")
			var fails failures
			a, err := New([]Spec{sp}, job, p.a, Options{OnMonitoringFailure: fails.add})
			if err != nil {
				t.Fatal(err)
			}
			b, err := New([]Spec{sp}, job, p.b, Options{OnMonitoringFailure: fails.add})
			if err != nil {
				t.Fatal(err)
			}
			base := time.Date(2025, 3, 30, 0, 58, 0, 0, time.UTC) // across Berlin's DST change
			const ticks = 20
			for i := range ticks {
				at := base.Add(time.Duration(i) * time.Minute)
				var wg sync.WaitGroup
				outcomes := make([]Outcome, 2)
				for r, s := range []*Scheduler{a, b} {
					wg.Go(func() {
						skew := time.Duration(r) * 20 * time.Second // replica b's clock is ahead
						o, err := s.Tick(t.Context(), "every-minute", at.Add(skew))
						if err != nil {
							t.Error(err)
						}
						outcomes[r] = o
					})
				}
				wg.Wait()
				ran, taken := 0, 0
				for _, o := range outcomes {
					switch o {
					case OutcomeRan:
						ran++
					case OutcomeTaken:
						taken++
					}
				}
				if ran != 1 || taken != 1 {
					t.Errorf("tick %v: outcomes %v, want one ran and one taken", at, outcomes)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(runs) != ticks {
				t.Errorf("%d ticks ran, want %d", len(runs), ticks)
			}
			for i := range ticks {
				at := base.Add(time.Duration(i) * time.Minute)
				if runs[at] != 1 {
					t.Errorf("tick %v ran %d times, want 1", at, runs[at])
				}
			}
			if f := fails.list(); len(f) > 0 {
				t.Errorf("monitoring failures: %q", f)
			}
		})
	}
}

// A run still going on one replica makes the next tick overdue on the
// other: the run lease is shared through the store.
func TestOverdueAcrossReplicas(t *testing.T) {
	a1, b1 := openRedisPair(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var calls atomic.Int32
	job := func(ctx context.Context, _ Spec) error {
		if calls.Add(1) == 1 {
			started <- struct{}{}
			<-release
		}
		return nil
	}
	sp := spec(t, "hourly", "0 * * * *", "")
	var fails failures
	// The lease outlives its TTL only by renewal: wait for enough renewals
	// to span more than one TTL (not a fixed sleep, which a loaded machine
	// can make too short for a renewal to land in time).
	const ttl = 1500 * time.Millisecond
	extended := &countingLocker{Locker: a1, want: 4, reached: make(chan struct{})}
	a, _ := New([]Spec{sp}, job, extended, Options{OnMonitoringFailure: fails.add, RunLeaseTTL: ttl})
	b, _ := New([]Spec{sp}, job, b1, Options{OnMonitoringFailure: fails.add, RunLeaseTTL: ttl})
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	first := make(chan Outcome, 1)
	go func() { o, _ := a.Tick(t.Context(), "hourly", t0); first <- o }()
	<-started
	<-extended.reached // more than a TTL later: renewal must keep it
	if o, _ := b.Tick(t.Context(), "hourly", t0.Add(time.Hour)); o != OutcomeOverdue {
		t.Errorf("next tick on replica b while a runs: %v, want overdue", o)
	}
	close(release)
	if o := <-first; o != OutcomeRan {
		t.Errorf("first run: %v, want ran", o)
	}
	if o, _ := b.Tick(t.Context(), "hourly", t0.Add(2*time.Hour)); o != OutcomeRan {
		t.Errorf("tick after the run ended: %v, want ran", o)
	}
	f := fails.list()
	if len(f) != 1 || !strings.Contains(f[0], "overdue") {
		t.Errorf("monitoring failures %q, want one overdue", f)
	}
}

func TestNextRunsAcrossDST(t *testing.T) {
	berlin := spec(t, "berlin", "0 6 * * *", "Europe/Berlin")
	tests := []struct {
		from time.Time
		want []string
	}{
		// Spring forward on 2025-03-30: 06:00 CET is 05:00Z, 06:00 CEST is 04:00Z.
		{time.Date(2025, 3, 29, 0, 0, 0, 0, time.UTC), []string{"2025-03-29T05:00:00Z", "2025-03-30T04:00:00Z", "2025-03-31T04:00:00Z"}},
		// Fall back on 2025-10-26.
		{time.Date(2025, 10, 25, 0, 0, 0, 0, time.UTC), []string{"2025-10-25T04:00:00Z", "2025-10-26T05:00:00Z", "2025-10-27T05:00:00Z"}},
		// Exactly at a run: the next one is the day after.
		{time.Date(2025, 3, 30, 4, 0, 0, 0, time.UTC), []string{"2025-03-31T04:00:00Z"}},
	}
	for _, tt := range tests {
		got := NextRuns(berlin, tt.from, len(tt.want))
		var gotS []string
		for _, g := range got {
			if g.Location().String() != "Europe/Berlin" || g.Hour() != 6 {
				t.Errorf("run %v not at 06:00 Berlin time", g)
			}
			gotS = append(gotS, g.UTC().Format(time.RFC3339))
		}
		if fmt.Sprint(gotS) != fmt.Sprint(tt.want) {
			t.Errorf("from %v: %v, want %v", tt.from, gotS, tt.want)
		}
	}

	// The scheduler's NextRuns uses its clock, per schedule in config order.
	now := time.Date(2025, 10, 26, 4, 30, 0, 0, time.UTC)
	s, err := New([]Spec{berlin, spec(t, "utc", "*/15 * * * *", "")}, func(context.Context, Spec) error { return nil },
		newMemory(t), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	up := s.NextRuns(2)
	if len(up) != 2 || up[0].Spec.Name != "berlin" || up[1].Spec.Name != "utc" {
		t.Fatalf("NextRuns: %+v", up)
	}
	if got := up[0].At[0].UTC().Format(time.RFC3339); got != "2025-10-26T05:00:00Z" {
		t.Errorf("berlin next run %s, want 2025-10-26T05:00:00Z", got)
	}
	if got := up[1].At[1].UTC().Format(time.RFC3339); got != "2025-10-26T05:00:00Z" {
		t.Errorf("utc second run %s, want 2025-10-26T05:00:00Z", got)
	}
}

func TestNewRejects(t *testing.T) {
	ok := spec(t, "a", "0 6 * * *", "")
	job := func(context.Context, Spec) error { return nil }
	mem := newMemory(t)
	tests := []struct {
		name  string
		specs []Spec
		job   Job
		locks Locker
		opts  Options
	}{
		{"no job", []Spec{ok}, nil, mem, Options{}},
		{"no locker", []Spec{ok}, job, nil, Options{}},
		{"duplicate", []Spec{ok, ok}, job, mem, Options{}},
		{"unparsed", []Spec{{Name: "x", Cron: "0 6 * * *"}}, job, mem, Options{}},
		{"no name", []Spec{{Spec: ok.Spec}}, job, mem, Options{}},
		{"negative ttl", []Spec{ok}, job, mem, Options{LockTTL: -time.Second}},
	}
	for _, tt := range tests {
		if _, err := New(tt.specs, tt.job, tt.locks, tt.opts); err == nil {
			t.Errorf("%s: New accepted it", tt.name)
		}
	}
}

// countingLocker closes reached after want successful lease extensions.
type countingLocker struct {
	Locker
	want    int32
	n       atomic.Int32
	reached chan struct{}
}

func (c *countingLocker) ExtendLock(ctx context.Context, l store.Lease, ttl time.Duration) error {
	err := c.Locker.ExtendLock(ctx, l, ttl)
	if err == nil && c.n.Add(1) == c.want {
		close(c.reached)
	}
	return err
}
