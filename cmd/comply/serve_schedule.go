package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store"
)

// calendarPrefix names a calendar task's entry in its scheduler. Schedule
// names cannot hold ":", so its tick locks never meet a schedule's.
const calendarPrefix = "calendar:"

// serveSchedules are the two schedulers of comply serve: scheduled scans and
// compliance calendar tasks.
type serveSchedules struct {
	scans, calendar *schedule.Scheduler
}

// sourceCollectors builds a scheduled scan's collectors: the named config
// sources (all when none are named), live AWS ones narrowed to the
// schedule's regions. The same code as comply scan --source NAME.
func sourceCollectors(e *env, cfg *config.Config, cat *checks.Catalog, log *slog.Logger) bot.SourceCollectorsFunc {
	return func(ctx context.Context, sources, regions []string) ([]bot.Collector, error) {
		f := scanFlags{sources: sources}
		if len(regions) > 0 && selectsAWS(cfg, sources) {
			f.regions = strings.Join(regions, ",")
		}
		cols, _, err := f.collectors(ctx, e, cfg, cat, log)
		return cols, err
	}
}

// selectsAWS reports whether the named sources (empty: all, or the default
// aws source without any) include a live AWS one.
func selectsAWS(cfg *config.Config, names []string) bool {
	if len(cfg.Sources) == 0 {
		return true
	}
	return slices.ContainsFunc(cfg.Sources, func(s config.Source) bool {
		return s.Type == config.SourceAWS && (len(names) == 0 || slices.Contains(names, s.Name))
	})
}

// startSchedules arms the config's schedules and calendar tasks. Every
// replica arms them all; the store's tick locks make one run each tick.
func startSchedules(ctx context.Context, cfg *config.Config, b *bot.Bot, st store.Locks, reg prometheus.Registerer, log *slog.Logger) (*serveSchedules, error) {
	var names []string
	for _, s := range cfg.Schedules {
		names = append(names, s.Name)
	}
	var reasons []string
	for _, o := range schedule.FailureOutcomes() {
		reasons = append(reasons, string(o))
	}
	m := metrics.NewSchedules(reg, names, reasons)
	scans, err := schedule.New(cfg.Schedules, func(ctx context.Context, s schedule.Spec) error {
		return b.RunScheduled(ctx, bot.ScheduledScan{Name: s.Name, Sources: s.Sources, Regions: s.Regions,
			Services: s.Services, Frameworks: s.Frameworks, Summary: s.Summary})
	}, st, schedule.Options{
		Log: log,
		OnMonitoringFailure: func(s schedule.Spec, o schedule.Outcome, reason string) {
			m.MonitoringFailure(s.Name, string(o))
			b.PostMonitoringFailure(context.WithoutCancel(ctx), s.Name, string(o), reason)
		},
		OnTick: func(s schedule.Spec, _ time.Time, o schedule.Outcome, _ time.Duration) {
			m.ObserveTick(s.Name, string(o), o == schedule.OutcomeRan, time.Now())
		},
	})
	if err != nil {
		return nil, err
	}
	var tasks []schedule.Spec
	for _, t := range cfg.Calendar {
		tasks = append(tasks, schedule.Spec{Name: calendarPrefix + t.Name, Cron: t.Cron, Spec: t.Spec, Location: t.Location})
	}
	calendar, err := schedule.New(tasks, func(ctx context.Context, s schedule.Spec) error {
		due, ok := schedule.TickFrom(ctx)
		if !ok {
			return errors.New("calendar task run outside a tick")
		}
		return b.PostCalendarTask(ctx, strings.TrimPrefix(s.Name, calendarPrefix), due)
	}, st, schedule.Options{
		Log: log,
		OnMonitoringFailure: func(s schedule.Spec, o schedule.Outcome, reason string) {
			log.Error("calendar task not posted", "task", strings.TrimPrefix(s.Name, calendarPrefix), "outcome", o, "reason", reason)
		},
	})
	if err != nil {
		return nil, err
	}
	if err := scans.Start(ctx); err != nil {
		return nil, err
	}
	if err := calendar.Start(ctx); err != nil {
		_ = scans.Stop(ctx)
		return nil, err
	}
	return &serveSchedules{scans: scans, calendar: calendar}, nil
}

// Stop stops firing ticks and waits for running scans until ctx ends.
func (s *serveSchedules) Stop(ctx context.Context) error {
	return errors.Join(s.scans.Stop(ctx), s.calendar.Stop(ctx))
}
