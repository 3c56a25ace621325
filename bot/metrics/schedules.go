package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Schedules counts scheduled scans and monitoring failures. Label values
// are bounded: schedule names come from the config, outcomes and reasons
// from the scheduler's fixed set.
type Schedules struct {
	runs        *prometheus.CounterVec
	failures    *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
}

// NewSchedules registers the schedule metrics in reg, with every schedule's
// series present from the start (a failure counter that is absent until
// its first failure cannot be alerted on with increase()).
func NewSchedules(reg prometheus.Registerer, schedules []string, reasons []string) *Schedules {
	s := &Schedules{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "comply_schedule_runs_total",
			Help: "Ticks of scheduled scans handled by this replica, per schedule and outcome (ran, failed, panicked, overdue, taken, lock_error, stopped).",
		}, []string{"schedule", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "comply_monitoring_failures_total",
			Help: "Monitoring failures: scheduled scans that failed, were incomplete, panicked, were overdue or could not be locked, per schedule and reason.",
		}, []string{"schedule", "reason"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "comply_schedule_last_success_timestamp",
			Help: "Unix time (seconds) at which the schedule's last complete scan ended on this replica.",
		}, []string{"schedule"}),
	}
	reg.MustRegister(s.runs, s.failures, s.lastSuccess)
	for _, name := range schedules {
		for _, r := range reasons {
			s.failures.WithLabelValues(name, r)
		}
	}
	return s
}

// ObserveTick counts one tick's outcome; a run that succeeded also sets
// the schedule's last success time.
func (s *Schedules) ObserveTick(schedule, outcome string, success bool, at time.Time) {
	s.runs.WithLabelValues(schedule, outcome).Inc()
	if success {
		s.lastSuccess.WithLabelValues(schedule).Set(float64(at.Unix()))
	}
}

// MonitoringFailure counts one monitoring failure.
func (s *Schedules) MonitoringFailure(schedule, reason string) {
	s.failures.WithLabelValues(schedule, reason).Inc()
}
