// Package metrics is comply's own Prometheus instrumentation: the compliance
// state of the last scan (scores, open violations, failing rules), scan
// duration and errors, AWS API calls, Slack requests and receiver deliveries.
//
// Every metric lives in the Registry of one Metrics value (never the global
// default registry), so tests and several servers in one process do not
// share state. Label values are bounded: frameworks, severities, rule ids
// (bounded by the rule pack), AWS service names, receiver names from the
// config. Resource ids are never labels.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/comply-bot/comply/checks"
)

// FrameworkAll is the framework label of the overall score and of the
// violation counts over every framework.
const FrameworkAll = "all"

// Delivery outcomes (label "outcome" of comply_receiver_deliveries_total).
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Metrics holds comply's collectors and the registry that exposes them.
type Metrics struct {
	Registry *prometheus.Registry

	score        *prometheus.GaugeVec
	violations   *prometheus.GaugeVec
	checkFailed  *prometheus.GaugeVec
	lastEvidence prometheus.Gauge
	lastScan     prometheus.Gauge
	scanDuration prometheus.Histogram
	scans        *prometheus.CounterVec
	scanErrors   *prometheus.CounterVec
	apiCalls     *prometheus.CounterVec
	slack        *prometheus.CounterVec
	deliveries   *prometheus.CounterVec

	// mu makes one scan's gauges replace the previous scan's as a whole:
	// a scrape never sees half of each.
	mu sync.Mutex
}

// New registers every metric, and the Go runtime and process collectors, in
// a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "compliance_score_percentage",
			Help: "Share of passing evaluations (pass / (pass + fail), percent) in the last scan, per framework; framework=\"all\" is overall.",
		}, []string{"framework"}),
		violations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "compliance_violations_total",
			Help: "Open findings in the last scan, per severity and per framework the finding's rule maps to; framework=\"all\" counts every finding once.",
		}, []string{"severity", "framework"}),
		checkFailed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "compliance_check_failed",
			Help: "1 if the rule failed on at least one resource in the last scan, else 0 (rules not evaluated are absent).",
		}, []string{"rule", "severity"}),
		lastEvidence: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "compliance_last_evidence_timestamp",
			Help: "Unix time (seconds) at which the last scan's evidence was recorded.",
		}),
		lastScan: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "compliance_last_scan_timestamp",
			Help: "Unix time (seconds) at which the last scan finished.",
		}),
		scanDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "compliance_scan_duration_seconds",
			Help:    "Duration of scans, collection to report.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800},
		}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compliance_scans_total",
			Help: "Scans run, by outcome: complete, incomplete (some collection or rule errors) or failed (no report).",
		}, []string{"outcome"}),
		scanErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compliance_scan_errors_total",
			Help: "Errors that made scans incomplete, per AWS service (or source: rules, inventory, terraform, scan).",
		}, []string{"service"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "compliance_aws_api_calls_total",
			Help: "AWS API calls made by scans, per service.",
		}, []string{"service"}),
		slack: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "comply_slack_requests_total",
			Help: "Requests from Slack over HTTP, per kind (commands, interactions, events, other) and outcome (ok, rejected, error).",
		}, []string{"kind", "outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "comply_receiver_deliveries_total",
			Help: "Notifications delivered to receivers, per receiver and outcome (success, failure).",
		}, []string{"receiver", "outcome"}),
	}
	m.Registry.MustRegister(m.score, m.violations, m.checkFailed, m.lastEvidence, m.lastScan,
		m.scanDuration, m.scans, m.scanErrors, m.apiCalls, m.slack, m.deliveries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveScan records one scan: rep is its report (nil when the scan failed
// before producing one), d how long it took. The state gauges are replaced by
// this scan's values: a rule or framework absent from it disappears.
func (m *Metrics) ObserveScan(rep *checks.ScanReport, d time.Duration, failed bool) {
	m.scanDuration.Observe(d.Seconds())
	if failed || rep == nil {
		m.scans.WithLabelValues("failed").Inc()
		m.scanErrors.WithLabelValues("scan").Inc()
		return
	}
	if rep.Scan.Complete {
		m.scans.WithLabelValues("complete").Inc()
	} else {
		m.scans.WithLabelValues("incomplete").Inc()
	}
	for _, e := range rep.Scan.Errors {
		m.scanErrors.WithLabelValues(errorService(e)).Inc()
	}
	for svc, n := range rep.Scan.APICalls {
		m.apiCalls.WithLabelValues(svc).Add(float64(n))
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.score.Reset()
	if rep.Score.Overall != nil {
		m.score.WithLabelValues(FrameworkAll).Set(*rep.Score.Overall)
	}
	for fw, v := range rep.Score.Frameworks {
		m.score.WithLabelValues(fw).Set(v)
	}

	m.violations.Reset()
	// Zero for every framework the scan evaluated, so "no violations" is a
	// value, not an absent series.
	frameworks := map[string]bool{FrameworkAll: true}
	for _, r := range rep.Rules {
		for fw := range r.Frameworks {
			frameworks[fw] = true
		}
	}
	for fw := range frameworks {
		for _, sev := range checks.Severities() {
			m.violations.WithLabelValues(sev.String(), fw).Set(0)
		}
	}
	for _, f := range rep.Findings {
		sev := f.Severity.String()
		m.violations.WithLabelValues(sev, FrameworkAll).Inc()
		for fw := range f.Frameworks {
			m.violations.WithLabelValues(sev, fw).Inc()
		}
	}

	m.checkFailed.Reset()
	for _, r := range rep.Rules {
		if r.Skipped {
			continue
		}
		v := 0.0
		if r.Fail > 0 {
			v = 1
		}
		m.checkFailed.WithLabelValues(r.RuleID, r.Severity.String()).Set(v)
	}
	if !rep.Scan.FinishedAt.IsZero() {
		m.lastScan.Set(float64(rep.Scan.FinishedAt.Unix()))
	}
}

// EvidenceRecorded sets compliance_last_evidence_timestamp.
func (m *Metrics) EvidenceRecorded(t time.Time) {
	m.lastEvidence.Set(float64(t.Unix()))
}

// Delivery counts one delivery to a receiver (a configured name).
func (m *Metrics) Delivery(receiver string, err error) {
	outcome := OutcomeSuccess
	if err != nil {
		outcome = OutcomeFailure
	}
	m.deliveries.WithLabelValues(receiver, outcome).Inc()
}

// errorService is the bounded label of a scan error: the AWS service, else
// the source kind (never a resource id or free text).
func errorService(e checks.ScanError) string {
	switch {
	case e.Service != "":
		return e.Service
	case e.Source == "rules":
		return "rules"
	case e.Source != "":
		return sourceKind(e.Source)
	}
	return "unknown"
}

// sourceKind cuts a source name like "file:examples/inventory.json" to its
// kind, so paths do not become label values.
func sourceKind(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i]
		}
	}
	if len(s) > 32 {
		return "other"
	}
	return s
}

// InstrumentSlack counts the requests h serves by kind (the last element of
// the path under /slack/: commands, interactions, events) and outcome from
// the status code: ok (2xx), rejected (4xx: bad signature, replay, bad
// payload) or error (5xx).
func (m *Metrics) InstrumentSlack(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.slack.WithLabelValues(slackKind(r.URL.Path), outcomeOf(rec.status)).Inc()
	})
}

func slackKind(path string) string {
	for _, k := range []string{"commands", "interactions", "events"} {
		if len(path) >= len(k) && path[len(path)-len(k):] == k {
			return k
		}
	}
	return "other"
}

func outcomeOf(status int) string {
	switch {
	case status >= 500:
		return "error"
	case status >= 400:
		return "rejected"
	}
	return "ok"
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
