// Package schedule runs the config's schedules: scans on cron specs, each in
// its own time zone. With several replicas sharing one store each tick runs
// on exactly one of them: the replica that takes the tick's lock. A run that
// fails, panics or is still going when the next tick comes is reported as a
// monitoring failure. docs/schedules.md describes the behaviour for operators.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store"
)

// Spec is one schedule from the config: name, cron spec and time zone, and
// the scope the job scans (sources, regions, services, frameworks, summary).
type Spec = config.Schedule

// Job runs one tick of a schedule. TickFrom(ctx) gives the tick's time.
type Job func(ctx context.Context, spec Spec) error

// Locker is the part of the store the scheduler needs (store.Locks).
type Locker interface {
	AcquireLock(ctx context.Context, name string, ttl time.Duration) (store.Lease, error)
	ExtendLock(ctx context.Context, l store.Lease, ttl time.Duration) error
	ReleaseLock(ctx context.Context, l store.Lease) error
}

// Outcome is what one tick of a schedule did on this replica.
type Outcome string

// Outcomes. Failed, Incomplete, Panicked, Overdue and LockError are
// monitoring failures.
const (
	OutcomeRan       Outcome = "ran"        // the job ran and returned nil
	OutcomeFailed    Outcome = "failed"     // the job returned an error
	OutcomePanicked  Outcome = "panicked"   // the job panicked; recovered
	OutcomeOverdue   Outcome = "overdue"    // the previous run was still going: skipped
	OutcomeTaken     Outcome = "taken"      // another replica took the tick
	OutcomeLockError Outcome = "lock_error" // the store could not be asked: skipped
	OutcomeStopped   Outcome = "stopped"    // the scheduler is stopping: skipped
	// OutcomeIncomplete: the job returned an error wrapping ErrIncomplete
	// (it ran, but could not see everything, e.g. a source failed).
	OutcomeIncomplete Outcome = "incomplete"
)

// ErrIncomplete is wrapped by a job's error when the job ran but did not
// do all of its work: a monitoring failure of its own kind.
var ErrIncomplete = errors.New("incomplete")

// FailureOutcomes are the outcomes reported as monitoring failures.
func FailureOutcomes() []Outcome {
	return []Outcome{OutcomeFailed, OutcomeIncomplete, OutcomePanicked, OutcomeOverdue, OutcomeLockError}
}

// Defaults.
const (
	// MaxTickLockTTL caps the default tick lock TTL: a replica whose clock
	// is off by more than this is broken anyway.
	MaxTickLockTTL = time.Hour
	// DefaultRunLeaseTTL is the TTL of the "a run is going" lease, renewed
	// every third of it while the job runs, so a crashed replica's run
	// stops counting as going within this time.
	DefaultRunLeaseTTL = 2 * time.Minute
)

// Options tune a Scheduler. The zero value is usable.
type Options struct {
	// Now is the clock (default time.Now). Ticks fired by cron take their
	// time from it.
	Now func() time.Time
	Log *slog.Logger
	// LockTTL is how long a tick's lock is kept (default: the schedule's
	// period, at least 1m and at most MaxTickLockTTL). It is never released:
	// the taken key is what stops a late replica from running the tick again.
	LockTTL time.Duration
	// RunLeaseTTL is the TTL of the per-schedule running lease (default
	// DefaultRunLeaseTTL; at least 3ms).
	RunLeaseTTL time.Duration
	// OnMonitoringFailure is called when a run fails, panics, is overdue or
	// cannot be locked: o says which, reason is a sentence for a chat message.
	OnMonitoringFailure func(spec Spec, o Outcome, reason string)
	// OnTick is called after every tick handled on this replica, e.g. to
	// count outcomes and observe run durations (took is 0 unless the job ran).
	OnTick func(spec Spec, tick time.Time, outcome Outcome, took time.Duration)
}

// Scheduler runs jobs on their schedules.
type Scheduler struct {
	specs []Spec
	byKey map[string]int
	run   Job
	locks Locker
	opts  Options
	log   *slog.Logger

	cron *cron.Cron

	// jobCtx is what runs get: it outlives Start's context so a graceful
	// Stop can wait for them, and is cancelled when Stop runs out of time.
	jobCtx    context.Context
	cancelJob context.CancelFunc

	mu       sync.Mutex
	started  bool
	stopping bool
	wg       sync.WaitGroup
	running  map[string]time.Time // schedule name -> tick being run here
}

// New checks the specs and builds a scheduler; Start starts it.
func New(specs []Spec, run Job, locks Locker, opts Options) (*Scheduler, error) {
	if run == nil || locks == nil {
		return nil, errors.New("new scheduler: a job and a locker are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.LockTTL < 0 {
		return nil, fmt.Errorf("new scheduler: negative lock ttl %v", opts.LockTTL)
	}
	if opts.RunLeaseTTL == 0 {
		opts.RunLeaseTTL = DefaultRunLeaseTTL
	}
	if opts.RunLeaseTTL < 3*time.Millisecond {
		return nil, fmt.Errorf("new scheduler: run lease ttl %v: want at least 3ms", opts.RunLeaseTTL)
	}
	s := &Scheduler{byKey: map[string]int{}, run: run, locks: locks, opts: opts, log: opts.Log,
		running: map[string]time.Time{}}
	for _, sp := range specs {
		switch {
		case sp.Name == "":
			return nil, errors.New("new scheduler: a schedule without a name")
		case sp.Spec == nil:
			return nil, fmt.Errorf("new scheduler: schedule %q has no parsed cron spec", sp.Name)
		}
		if _, dup := s.byKey[sp.Name]; dup {
			return nil, fmt.Errorf("new scheduler: schedule %q defined twice", sp.Name)
		}
		if sp.Location == nil {
			sp.Location = time.UTC
		}
		s.byKey[sp.Name] = len(s.specs)
		s.specs = append(s.specs, sp)
	}
	s.jobCtx, s.cancelJob = context.WithCancel(context.Background())
	return s, nil
}

// Start adds one cron entry per schedule and starts firing ticks. Runs get
// a context with ctx's values that is not cancelled with ctx: cancelling ctx
// stops new ticks, Stop waits for running jobs.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopping {
		return errors.New("start scheduler: already started")
	}
	s.started = true
	s.jobCtx, s.cancelJob = context.WithCancel(context.WithoutCancel(ctx))
	// Each spec computes its next run in its own location (Spec.Next), so
	// one cron in UTC serves every time zone.
	s.cron = cron.New(cron.WithLocation(time.UTC))
	for _, sp := range s.specs {
		name := sp.Name
		s.cron.Schedule(sp, cron.FuncJob(func() {
			_, _ = s.Tick(s.jobCtx, name, s.opts.Now())
		}))
	}
	s.cron.Start()
	for _, u := range s.NextRuns(1) {
		if len(u.At) > 0 {
			s.log.Info("schedule armed", "schedule", u.Spec.Name, "cron", u.Spec.Cron,
				"timezone", u.Spec.Location.String(), "next", u.At[0])
		}
	}
	c := s.cron
	go func() {
		select {
		case <-ctx.Done():
			c.Stop()
		case <-s.jobCtx.Done():
		}
	}()
	return nil
}

// Stop stops firing ticks and waits for running jobs until ctx is done;
// then it cancels their context and returns an error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	c, cancelJob := s.cron, s.cancelJob
	s.mu.Unlock()
	if c != nil {
		c.Stop() // no new ticks; our own wait group covers running ones
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		cancelJob()
		return nil
	case <-ctx.Done():
		cancelJob()
		s.mu.Lock()
		n := len(s.running)
		s.mu.Unlock()
		return fmt.Errorf("stop scheduler: %d scheduled runs still going, cancelled: %w", n, ctx.Err())
	}
}

// Upcoming is a schedule's next run times, in its time zone.
type Upcoming struct {
	Spec Spec
	At   []time.Time
}

// NextRuns returns each schedule's next n run times after now, in config
// order (fewer when a spec can never fire again).
func (s *Scheduler) NextRuns(n int) []Upcoming {
	now := s.opts.Now()
	out := make([]Upcoming, 0, len(s.specs))
	for _, sp := range s.specs {
		out = append(out, Upcoming{Spec: sp, At: NextRuns(sp, now, n)})
	}
	return out
}

// NextRuns returns spec's next n run times after from, in its time zone.
func NextRuns(spec Spec, from time.Time, n int) []time.Time {
	loc := spec.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []time.Time
	t := from
	for range max(n, 0) {
		t = spec.Spec.Next(t.In(loc))
		if t.IsZero() {
			break
		}
		out = append(out, t.In(loc))
	}
	return out
}

// Specs returns the schedules, in config order.
func (s *Scheduler) Specs() []Spec { return slices.Clone(s.specs) }
