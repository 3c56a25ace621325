package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/store/evidence"
)

// remediationSweep names the sweep's entry in its scheduler (and so its
// tick locks). Schedule names cannot hold ":", so it never meets one.
const (
	remediationSweep     = "remediation:sweep"
	remediationSweepCron = "* * * * *" // every minute, on the minute: replicas meet on the same tick lock
)

// sweeper runs every minute on one replica at a time (the store's tick
// locks decide which): bot.SweepRemediations, so requests past their
// approval window are marked expired even if nobody clicks;
// bot.CatchUpCalendar, so a calendar task missed at its due time (Slack
// down, no replica up) is posted late rather than never; and, with an
// evidence store, the audit export, so an approval or a snooze reaches the
// evidence chain within a minute rather than at the next scan. nil-safe.
type sweeper struct{ s *schedule.Scheduler }

// startSweep arms the sweep; with an error it logs and returns a nil
// sweeper (expiry is then written on the next click instead, audit
// entries exported after the next scan). hook, if set, receives the
// scheduler so tests can fire ticks.
func startSweep(ctx context.Context, b *bot.Bot, st auditSource, ev *evidence.Store, hook func(*schedule.Scheduler), log *slog.Logger) *sweeper {
	s, err := newSweepScheduler(b, st, ev, log)
	if err == nil {
		err = s.Start(ctx)
	}
	if err != nil {
		log.Error("remediation sweep not started: expired requests are marked on their next click only", "error", err)
		return nil
	}
	if hook != nil {
		hook(s)
	}
	return &sweeper{s}
}

func newSweepScheduler(b *bot.Bot, st auditSource, ev *evidence.Store, log *slog.Logger) (*schedule.Scheduler, error) {
	spec, err := cron.ParseStandard(remediationSweepCron)
	if err != nil {
		return nil, fmt.Errorf("remediation sweep spec: %w", err)
	}
	return schedule.New([]schedule.Spec{{Name: remediationSweep, Cron: remediationSweepCron, Spec: spec, Location: time.UTC}},
		func(ctx context.Context, _ schedule.Spec) error {
			err := errors.Join(b.SweepRemediations(ctx), b.CatchUpCalendar(ctx))
			if ev != nil {
				if _, aerr := exportAudit(ctx, st, ev); aerr != nil {
					err = errors.Join(err, fmt.Errorf("audit evidence: %w", aerr))
				}
			}
			return err
		},
		st, schedule.Options{
			Log: log,
			OnMonitoringFailure: func(_ schedule.Spec, o schedule.Outcome, reason string) {
				log.Warn("minute sweep (remediation expiry, calendar catch-up, audit evidence) failed", "outcome", o, "reason", reason)
			},
		})
}

// stop stops ticking and waits for a running sweep until ctx ends.
func (s *sweeper) stop(ctx context.Context, log *slog.Logger) {
	if s == nil {
		return
	}
	if err := s.s.Stop(ctx); err != nil {
		log.Warn("remediation sweep left unfinished at shutdown", "error", err)
	}
}
