package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
)

// scanExample scans examples/inventory.json with the built-in rule pack.
func scanExample(t *testing.T) *checks.ScanReport {
	t.Helper()
	cat := checks.DefaultCatalog()
	ruleSrc, _ := checks.BuiltinSources()
	rules, err := cat.LoadRules(ruleSrc...)
	if err != nil {
		t.Fatalf("load rules: %v", err)
	}
	s := &bot.Scanner{Engine: checks.NewEngine(rules), Catalog: cat}
	src := &inventory.Source{Path: filepath.Join("..", "..", "examples", "inventory.json"), Catalog: cat}
	rep, err := s.Run(context.Background(), []bot.Collector{src}, bot.ScanOptions{})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("the example inventory has no findings: the test would prove nothing")
	}
	return rep
}

// scrape serves the registry over promhttp and parses the text it returns
// into "name{l1=v1,l2=v2}" -> value (labels sorted by name).
func scrape(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, rec.Body.String())
	}
	out := map[string]float64{}
	for name, fam := range fams {
		for _, mt := range fam.GetMetric() {
			var labels []string
			for _, l := range mt.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case mt.Gauge != nil:
				out[key] = mt.GetGauge().GetValue()
			case mt.Counter != nil:
				out[key] = mt.GetCounter().GetValue()
			case mt.Histogram != nil:
				out[name+"_count{"+strings.Join(labels, ",")+"}"] = float64(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// only keeps the series of one metric.
func only(all map[string]float64, name string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range all {
		if strings.HasPrefix(k, name+"{") {
			out[k] = v
		}
	}
	return out
}

func TestScrapeAfterScan(t *testing.T) {
	rep := scanExample(t)
	m := metrics.New()
	m.ObserveScan(rep, 3*time.Second, false)
	got := scrape(t, m)

	// Expected values, computed here from the report by plain counting.
	wantScore := map[string]float64{"compliance_score_percentage{framework=all}": *rep.Score.Overall}
	for fw, v := range rep.Score.Frameworks {
		wantScore[fmt.Sprintf("compliance_score_percentage{framework=%s}", fw)] = v
	}
	wantViol := map[string]float64{}
	fws := []string{"all"}
	for _, r := range rep.Rules {
		for fw := range r.Frameworks {
			fws = append(fws, fw)
		}
	}
	for _, fw := range fws {
		for _, sev := range []string{"info", "low", "medium", "high", "critical"} {
			wantViol[fmt.Sprintf("compliance_violations_total{framework=%s,severity=%s}", fw, sev)] = 0
		}
	}
	for _, f := range rep.Findings {
		wantViol[fmt.Sprintf("compliance_violations_total{framework=all,severity=%s}", f.Severity)]++
		for fw := range f.Frameworks {
			wantViol[fmt.Sprintf("compliance_violations_total{framework=%s,severity=%s}", fw, f.Severity)]++
		}
	}
	wantFailed := map[string]float64{}
	failing := map[string]bool{}
	for _, f := range rep.Findings {
		failing[f.RuleID] = true
	}
	for _, r := range rep.Rules {
		if r.Skipped {
			continue
		}
		v := 0.0
		if failing[r.RuleID] {
			v = 1
		}
		wantFailed[fmt.Sprintf("compliance_check_failed{rule=%s,severity=%s}", r.RuleID, r.Severity)] = v
	}

	for _, c := range []struct {
		metric string
		want   map[string]float64
	}{
		{"compliance_score_percentage", wantScore},
		{"compliance_violations_total", wantViol},
		{"compliance_check_failed", wantFailed},
		{"compliance_scan_duration_seconds_count", map[string]float64{"compliance_scan_duration_seconds_count{}": 1}},
		{"compliance_scans_total", map[string]float64{"compliance_scans_total{outcome=complete}": 1}},
		{"compliance_last_scan_timestamp", map[string]float64{"compliance_last_scan_timestamp{}": float64(rep.Scan.FinishedAt.Unix())}},
	} {
		if g := only(got, c.metric); !mapsEqual(g, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.metric, g, c.want)
		}
	}
	if got["compliance_violations_total{framework=all,severity=critical}"]+got["compliance_violations_total{framework=all,severity=high}"] == 0 {
		t.Error("no high or critical violation scraped: the example inventory has some")
	}
	if _, ok := got["go_goroutines{}"]; !ok {
		t.Error("go runtime metrics missing")
	}
}

// A second scan replaces the state gauges: a rule that no longer fails reads
// 0 and a framework that is gone disappears.
func TestObserveScanReplaces(t *testing.T) {
	sc := 50.0
	first := &checks.ScanReport{
		Scan:  checks.ScanInfo{Complete: true},
		Score: checks.Score{Overall: &sc, Frameworks: map[string]float64{"hipaa": 50, "cis": 50}},
		Findings: []checks.Finding{{RuleID: "r1", Severity: checks.SeverityHigh,
			Frameworks: map[string][]string{"hipaa": {"x"}}}},
		Rules: []checks.RuleStats{{RuleID: "r1", Severity: checks.SeverityHigh, Fail: 1, Pass: 1,
			Frameworks: map[string][]string{"hipaa": {"x"}, "cis": {"1"}}}},
	}
	full := 100.0
	second := &checks.ScanReport{
		Scan:  checks.ScanInfo{Complete: false, Errors: []checks.ScanError{{Source: "aws", Service: "s3", Message: "denied"}}, APICalls: map[string]int{"s3": 4}},
		Score: checks.Score{Overall: &full, Frameworks: map[string]float64{"hipaa": 100}},
		Rules: []checks.RuleStats{{RuleID: "r1", Severity: checks.SeverityHigh, Pass: 2,
			Frameworks: map[string][]string{"hipaa": {"x"}}}},
	}
	m := metrics.New()
	m.ObserveScan(first, time.Second, false)
	if got := scrape(t, m)["compliance_violations_total{framework=hipaa,severity=high}"]; got != 1 {
		t.Fatalf("first scan: hipaa high = %v, want 1", got)
	}
	m.ObserveScan(second, time.Second, false)
	m.ObserveScan(nil, time.Second, true)
	m.Delivery("slack", nil)
	m.Delivery("jira", errors.New("boom"))
	m.EvidenceRecorded(time.Unix(1700000000, 0))
	got := scrape(t, m)
	tests := []struct {
		key  string
		want float64
		ok   bool
	}{
		{"compliance_violations_total{framework=hipaa,severity=high}", 0, true},
		{"compliance_check_failed{rule=r1,severity=high}", 0, true},
		{"compliance_score_percentage{framework=hipaa}", 100, true},
		{"compliance_score_percentage{framework=cis}", 0, false},
		{"compliance_scan_errors_total{service=s3}", 1, true},
		{"compliance_scan_errors_total{service=scan}", 1, true},
		{"compliance_aws_api_calls_total{service=s3}", 4, true},
		{"compliance_scans_total{outcome=incomplete}", 1, true},
		{"compliance_scans_total{outcome=failed}", 1, true},
		{"compliance_scan_duration_seconds_count{}", 3, true},
		{"comply_receiver_deliveries_total{outcome=success,receiver=slack}", 1, true},
		{"comply_receiver_deliveries_total{outcome=failure,receiver=jira}", 1, true},
		{"compliance_last_evidence_timestamp{}", 1700000000, true},
	}
	for _, tt := range tests {
		v, ok := got[tt.key]
		if ok != tt.ok || v != tt.want {
			t.Errorf("%s = %v (present %v), want %v (present %v)", tt.key, v, ok, tt.want, tt.ok)
		}
	}
}

func TestInstrumentSlack(t *testing.T) {
	m := metrics.New()
	h := m.InstrumentSlack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Bad") != "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	for _, c := range []struct{ path, bad string }{
		{"/slack/commands", ""}, {"/slack/commands", "1"}, {"/slack/events", ""}, {"/slack/x", ""},
	} {
		r := httptest.NewRequest(http.MethodPost, c.path, nil)
		if c.bad != "" {
			r.Header.Set("X-Bad", c.bad)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	want := map[string]float64{
		"comply_slack_requests_total{kind=commands,outcome=ok}":       1,
		"comply_slack_requests_total{kind=commands,outcome=rejected}": 1,
		"comply_slack_requests_total{kind=events,outcome=ok}":         1,
		"comply_slack_requests_total{kind=other,outcome=ok}":          1,
	}
	if got := only(scrape(t, m), "comply_slack_requests_total"); !mapsEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
