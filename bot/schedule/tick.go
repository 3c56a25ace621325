package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/comply-bot/comply/store"
)

type tickKey struct{}

// TickFrom returns the tick a scheduled run belongs to (UTC, whole minute).
func TickFrom(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(tickKey{}).(time.Time)
	return t, ok
}

// TickTime is the tick a firing at now belongs to: now truncated to the
// minute, in UTC. Specs are minute-granular, so replicas whose clocks differ
// by seconds agree on it.
func TickTime(now time.Time) time.Time { return now.UTC().Truncate(time.Minute) }

// TickLockName is the store lock that decides which replica runs a tick:
// schedule:<name>:<tick, RFC 3339 UTC>.
func TickLockName(name string, tick time.Time) string {
	return "schedule:" + name + ":" + TickTime(tick).Format(time.RFC3339)
}

// RunLockName is the lease held while a schedule's job runs, on whichever
// replica; a tick that finds it taken is overdue.
func RunLockName(name string) string { return "schedule:" + name + ":running" }

// Tick handles the firing of schedule name at now, as cron does: take the
// tick's lock (another replica may have it), check the previous run is
// over, run the job with panic recovery, report failures. It returns when
// the job has returned. The error is only for an unknown schedule.
func (s *Scheduler) Tick(ctx context.Context, name string, now time.Time) (Outcome, error) {
	i, ok := s.byKey[name]
	if !ok {
		return "", fmt.Errorf("tick: unknown schedule %q", name)
	}
	spec := s.specs[i]
	tick := TickTime(now)
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return s.done(spec, tick, OutcomeStopped, 0), nil
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	log := s.log.With("schedule", name, "tick", tick)

	// The tick lock is never released: while its key lives, a replica
	// firing late (clock behind, slow to wake) finds the tick taken.
	_, err := s.locks.AcquireLock(ctx, TickLockName(name, tick), s.tickTTL(spec, tick))
	switch {
	case errors.Is(err, store.ErrLocked):
		log.Debug("tick taken by another replica")
		return s.done(spec, tick, OutcomeTaken, 0), nil
	case err != nil:
		s.fail(spec, OutcomeLockError, fmt.Sprintf("schedule %s: the %s tick was skipped: the lock store failed: %v", name, s.when(spec, tick), err))
		return s.done(spec, tick, OutcomeLockError, 0), nil
	}

	lease, err := s.locks.AcquireLock(ctx, RunLockName(name), s.opts.RunLeaseTTL)
	switch {
	case errors.Is(err, store.ErrLocked):
		reason := fmt.Sprintf("schedule %s is overdue: the previous run is still going at the %s tick, which was skipped", name, s.when(spec, tick))
		s.mu.Lock()
		prev, here := s.running[name]
		s.mu.Unlock()
		if here {
			reason = fmt.Sprintf("schedule %s is overdue: the run of the %s tick is still going at the %s tick, which was skipped",
				name, s.when(spec, prev), s.when(spec, tick))
		}
		s.fail(spec, OutcomeOverdue, reason)
		return s.done(spec, tick, OutcomeOverdue, 0), nil
	case err != nil:
		s.fail(spec, OutcomeLockError, fmt.Sprintf("schedule %s: the %s tick was skipped: the lock store failed: %v", name, s.when(spec, tick), err))
		return s.done(spec, tick, OutcomeLockError, 0), nil
	}

	s.mu.Lock()
	s.running[name] = tick
	s.mu.Unlock()
	stopRenew := s.renew(ctx, lease, log)
	log.Info("scheduled run starting")
	start := time.Now()
	runErr, panicked := s.runJob(context.WithValue(ctx, tickKey{}, tick), spec)
	took := time.Since(start)
	stopRenew()
	s.mu.Lock()
	delete(s.running, name)
	s.mu.Unlock()
	// Release even when ctx is cancelled: the next tick must not see a
	// finished run as still going.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	if err := s.locks.ReleaseLock(rctx, lease); err != nil {
		log.Warn("release run lease", "err", err)
	}
	cancel()

	switch {
	case panicked:
		log.Error("scheduled run panicked", "err", runErr, "took", took)
		s.fail(spec, OutcomePanicked, fmt.Sprintf("schedule %s: the %s run crashed: %v", name, s.when(spec, tick), runErr))
		return s.done(spec, tick, OutcomePanicked, took), nil
	case runErr != nil && ctx.Err() != nil && errors.Is(runErr, context.Canceled):
		// Shutdown cut it short: not a monitoring failure.
		log.Warn("scheduled run cancelled", "err", runErr, "took", took)
		return s.done(spec, tick, OutcomeFailed, took), nil
	case runErr != nil && errors.Is(runErr, ErrIncomplete):
		log.Warn("scheduled run incomplete", "err", runErr, "took", took)
		s.fail(spec, OutcomeIncomplete, fmt.Sprintf("schedule %s: the %s run was %v", name, s.when(spec, tick), runErr))
		return s.done(spec, tick, OutcomeIncomplete, took), nil
	case runErr != nil:
		log.Error("scheduled run failed", "err", runErr, "took", took)
		s.fail(spec, OutcomeFailed, fmt.Sprintf("schedule %s: the %s run failed: %v", name, s.when(spec, tick), runErr))
		return s.done(spec, tick, OutcomeFailed, took), nil
	}
	log.Info("scheduled run done", "took", took)
	return s.done(spec, tick, OutcomeRan, took), nil
}

// runJob runs the job, turning a panic into an error.
func (s *Scheduler) runJob(ctx context.Context, spec Spec) (err error, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("scheduled job panic", "schedule", spec.Name, "panic", v, "stack", string(debug.Stack()))
			err, panicked = fmt.Errorf("panic: %v", v), true
		}
	}()
	return s.run(ctx, spec), false
}

// renew keeps the run lease alive while the job runs; the returned func
// stops it and waits.
func (s *Scheduler) renew(ctx context.Context, lease store.Lease, log *slog.Logger) func() {
	ttl := s.opts.RunLeaseTTL
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := s.locks.ExtendLock(context.WithoutCancel(ctx), lease, ttl); err != nil {
					// Lost (store wiped or partitioned): the next tick may
					// start an overlapping run instead of reporting overdue.
					log.Warn("renew run lease", "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// tickTTL is how long a tick's lock key lives.
func (s *Scheduler) tickTTL(spec Spec, tick time.Time) time.Duration {
	if s.opts.LockTTL > 0 {
		return s.opts.LockTTL
	}
	next := spec.Next(tick)
	if next.IsZero() {
		return MaxTickLockTTL
	}
	return min(max(next.Sub(tick), time.Minute), MaxTickLockTTL)
}

func (s *Scheduler) fail(spec Spec, o Outcome, reason string) {
	s.log.Warn("monitoring failure", "schedule", spec.Name, "outcome", o, "reason", reason)
	if s.opts.OnMonitoringFailure != nil {
		s.opts.OnMonitoringFailure(spec, o, reason)
	}
}

func (s *Scheduler) done(spec Spec, tick time.Time, o Outcome, took time.Duration) Outcome {
	if s.opts.OnTick != nil {
		s.opts.OnTick(spec, tick, o, took)
	}
	return o
}

// when formats a tick in the schedule's time zone, for messages.
func (s *Scheduler) when(spec Spec, t time.Time) string {
	return t.In(spec.Location).Format("2006-01-02 15:04 MST")
}
