package deploy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/checks"
)

// targetLabels are attached by Prometheus (or its Kubernetes discovery) to
// every scraped series, whatever the metric.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "container", "endpoint"}

// knownMetrics maps every series name comply exports (histogram and summary
// series expanded) to its label names, plus Prometheus' synthetic "up".
// The names come from a registry built by metrics.New and fed one of each
// observation, so a renamed metric breaks this test, not a dashboard.
func knownMetrics(t *testing.T) map[string][]string {
	t.Helper()
	m := metrics.New()
	overall := 75.0
	frameworks := map[string][]string{"HIPAA": {"164.312(a)(1)"}}
	m.ObserveScan(&checks.ScanReport{
		Scan: checks.ScanInfo{
			FinishedAt: time.Unix(1_700_000_000, 0),
			Errors:     []checks.ScanError{{Source: "prod", Service: "s3", Message: "denied"}},
			APICalls:   map[string]int{"s3": 3},
		},
		Score:    checks.Score{Overall: &overall, Frameworks: map[string]float64{"HIPAA": 75}},
		Rules:    []checks.RuleStats{{RuleID: "aws-s3-x", Severity: checks.SeverityHigh, Frameworks: frameworks, Pass: 3, Fail: 1}},
		Findings: []checks.Finding{{RuleID: "aws-s3-x", Severity: checks.SeverityHigh, Frameworks: frameworks}},
	}, 2*time.Second, false)
	m.EvidenceRecorded(time.Unix(1_700_000_000, 0))
	m.Delivery("secops", fmt.Errorf("boom"))
	sm := metrics.NewSchedules(m.Registry, []string{"nightly"}, []string{"failed"})
	sm.ObserveTick("nightly", "ran", true, time.Unix(1_700_000_000, 0))
	sm.MonitoringFailure("nightly", "failed")
	m.InstrumentSlack(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/slack/commands", nil))

	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	known := map[string][]string{"up": nil}
	for _, f := range fams {
		var labels []string
		if ms := f.GetMetric(); len(ms) > 0 {
			for _, lp := range ms[0].GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		name := f.GetName()
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			known[name+"_bucket"] = append(slices.Clone(labels), "le")
			known[name+"_sum"], known[name+"_count"] = labels, labels
		case dto.MetricType_SUMMARY:
			known[name] = append(slices.Clone(labels), "quantile")
			known[name+"_sum"], known[name+"_count"] = labels, labels
		default:
			known[name] = labels
		}
	}
	return known
}

// promFuncs are the PromQL functions and aggregations the deployment files
// may use; anything else is most likely a typo.
var promFuncs = []string{
	"sum", "max", "min", "avg", "count", "topk", "bottomk",
	"rate", "irate", "increase", "delta", "histogram_quantile", "time", "absent",
	"max_over_time", "min_over_time", "avg_over_time", "last_over_time", "clamp_min", "vector", "scalar",
}

var promKeywords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan"}

var (
	identRE    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	groupingRE = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)`)
	selectorRE = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^{}]*)\}`)
	matcherRE  = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*""\s*$`)
	grafanaVar = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

// selector is one metric reference in an expression: the name and the label
// names its matchers use.
type selector struct {
	name   string
	labels []string
}

// exprRefs finds the metrics an expression reads and every label name it
// groups or matches by. It is no PromQL parser: it checks that brackets and
// quotes balance, then scans identifiers outside strings, ranges and label
// lists; an identifier followed by "(" must be a known function.
func exprRefs(expr string) (sels []selector, grouping []string, err error) {
	s, err := stripStrings(expr)
	if err != nil {
		return nil, nil, err
	}
	if err := balanced(s); err != nil {
		return nil, nil, err
	}
	s = regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(s, "[]") // ranges, subqueries
	s = grafanaVar.ReplaceAllString(s, "0")
	for _, g := range groupingRE.FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(g[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				grouping = append(grouping, l)
			}
		}
	}
	s = groupingRE.ReplaceAllString(s, " ")
	// A bare {…} selector is legal PromQL but never what these files mean.
	var selErr error
	s = selectorRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := selectorRE.FindStringSubmatch(m)
		if sm[1] == "" {
			selErr = fmt.Errorf("selector without a metric name: %s", m)
			return " "
		}
		sel := selector{name: sm[1]}
		for _, part := range strings.Split(sm[2], ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mm := matcherRE.FindStringSubmatch(part)
			if mm == nil {
				selErr = fmt.Errorf("bad label matcher %q in %s", part, m)
				continue
			}
			sel.labels = append(sel.labels, mm[1])
		}
		sels = append(sels, sel)
		return " "
	})
	if selErr != nil {
		return nil, nil, selErr
	}
	for _, loc := range identRE.FindAllStringIndex(s, -1) {
		if loc[0] > 0 && strings.ContainsAny(s[loc[0]-1:loc[0]], "0123456789.") {
			continue // an exponent or a duration unit (1e3, 24h)
		}
		id := s[loc[0]:loc[1]]
		if slices.Contains(promKeywords, strings.ToLower(id)) {
			continue
		}
		if strings.HasPrefix(strings.TrimLeft(s[loc[1]:], " \t\n"), "(") {
			if !slices.Contains(promFuncs, id) {
				return nil, nil, fmt.Errorf("unknown function %q", id)
			}
			continue
		}
		sels = append(sels, selector{name: id})
	}
	return sels, grouping, nil
}

// stripStrings empties every double-quoted string (label values may hold
// any character), failing on an unterminated one.
func stripStrings(s string) (string, error) {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
			b.WriteByte(c)
		case !in:
			b.WriteByte(c)
		}
	}
	if in {
		return "", fmt.Errorf("unterminated string")
	}
	return b.String(), nil
}

func balanced(s string) error {
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	var stack []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Errorf("unbalanced %q at offset %d", c, i)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack[len(stack)-1])
	}
	return nil
}

// checkExpr reports every metric of expr that comply does not export (and is
// not in extra, e.g. recording rules), and label names no metric of expr has.
func checkExpr(known map[string][]string, extra map[string][]string, expr string) []string {
	sels, grouping, err := exprRefs(expr)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if len(sels) == 0 {
		problems = append(problems, "reads no metric")
	}
	labels := slices.Clone(targetLabels)
	for _, sel := range sels {
		ls, ok := known[sel.name]
		if !ok {
			ls, ok = extra[sel.name]
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown metric %q", sel.name))
			continue
		}
		labels = append(labels, ls...)
		for _, l := range sel.labels {
			if !slices.Contains(ls, l) && !slices.Contains(targetLabels, l) {
				problems = append(problems, fmt.Sprintf("metric %q has no label %q", sel.name, l))
			}
		}
	}
	for _, l := range grouping {
		if !slices.Contains(labels, l) {
			problems = append(problems, fmt.Sprintf("grouping label %q is on none of the metrics", l))
		}
	}
	return problems
}

func TestExprRefs(t *testing.T) {
	known := map[string][]string{"a_total": {"service"}, "b": {"framework"}, "h_bucket": {"le"}}
	tests := []struct {
		expr string
		want []string // problems; nil: none
	}{
		{`sum by (job, service) (increase(a_total[1h])) > 0`, nil},
		{`histogram_quantile(0.9, sum by (le) (rate(h_bucket{job="$job"}[$__rate_interval])))`, nil},
		{`b{framework=~"a}b\"(c", job="x"} offset 24h - on (job, framework) b > 1e3`, nil},
		{`time() - max(max_over_time(b[2d])) > 2 * 86400`, nil},
		{`sum(increase(a_totl[1h]))`, []string{`unknown metric "a_totl"`}},
		{`a_total{servce="s3"}`, []string{`metric "a_total" has no label "servce"`}},
		{`sum by (frmework) (b)`, []string{`grouping label "frmework" is on none of the metrics`}},
		{`sum(rat(a_total[5m]))`, []string{`unknown function "rat"`}},
		{`sum(rate(a_total[5m])`, []string{`unclosed '('`}},
		{`a_total{service="s3}`, []string{"unterminated string"}},
		{`{service="s3"}`, []string{`selector without a metric name: {service=""}`}},
		{`time() > 0`, []string{"reads no metric"}},
		{`b and on (framework) (a_total or b)`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := checkExpr(known, nil, tt.expr)
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkExpr(%s) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestKnownMetrics(t *testing.T) {
	known := knownMetrics(t)
	// A sample of what the deployment files rely on, with their labels: if
	// feeding the registry stops producing one, the other tests would
	// report its uses as unknown metrics rather than this cause.
	want := map[string][]string{
		"compliance_score_percentage":             {"framework"},
		"compliance_violations_total":             {"framework", "severity"},
		"compliance_scan_duration_seconds_bucket": {"le"},
		"comply_receiver_deliveries_total":        {"outcome", "receiver"},
		"comply_slack_requests_total":             {"kind", "outcome"},
		"go_goroutines":                           nil,
	}
	for name, labels := range want {
		got, ok := known[name]
		if !ok {
			t.Errorf("metric %s not gathered", name)
			continue
		}
		got = slices.Sorted(slices.Values(got))
		if !slices.Equal(got, labels) {
			t.Errorf("metric %s labels = %v, want %v", name, got, labels)
		}
	}
}
