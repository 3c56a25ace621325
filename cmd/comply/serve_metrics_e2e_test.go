package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store/evidence"
)

// TestServeMetricsEndToEnd: after a `/comply scan` in a running `comply
// serve` (HTTP mode, real Redis, fake Slack, the example inventory, evidence
// in an S3 bucket on moto), GET /metrics shows the score and violation
// gauges of that scan, and the time of its evidence record. The expected
// values are computed here from the inventory with the checks engine.
func TestServeMetricsEndToEnd(t *testing.T) {
	redisURL, prefix := e2eRedis(t)
	ctx := context.Background()
	bucket := "comply-e2e-evidence"
	endpoint, cl := motoBucket(t, bucket)

	inv, err := filepath.Abs("../../examples/inventory.json")
	if err != nil {
		t.Fatal(err)
	}
	const alice = "U0ALICE01"
	ch := slacktest.DefaultChannel
	dir := writeFiles(t, map[string]string{"comply.yaml": `sources:
  - {name: estate, type: file, path: ` + inv + `}
slack:
  channel: ` + ch + `
  roles:
    operator: [` + alice + `]
store:
  prefix: "` + prefix + `"
evidence:
  s3: {bucket: ` + bucket + `, prefix: e2e, region: us-east-1, endpoint: ` + endpoint + `}
`})
	fake := slacktest.NewServer(t, slacktest.Options{})
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_SIGNING_SECRET": fake.SigningSecret(), "SLACK_API_URL": fake.APIURL(),
		"REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "comply.yaml"),
	})
	waitUntil(t, "/readyz", func() bool { code, _ := get(t, s.url+"/readyz"); return code == http.StatusOK })

	// Before any scan: no score, no evidence.
	before := scrapeURL(t, s.url+"/metrics")
	for k := range before {
		if strings.HasPrefix(k, "compliance_score_percentage{") {
			t.Errorf("score before any scan: %s", k)
		}
	}

	req, _ := fake.SlashCommandRequest(s.url+"/slack/commands", slacktest.SlashCommand{Text: "scan", UserID: alice})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/comply scan: status %d", resp.StatusCode)
	}
	waitUntil(t, "the scan summary", func() bool {
		for _, m := range fake.Messages(ch) {
			rev := m.Revisions[len(m.Revisions)-1]
			if strings.Contains(m.Revisions[0].Text, "Scan running") && rev.Via == "chat.update" && strings.Contains(rev.Text, "Scan complete") {
				return true
			}
		}
		return false
	})
	// The evidence record is written right after the gauges are set.
	var got map[string]float64
	waitUntil(t, "the evidence timestamp on /metrics", func() bool {
		got = scrapeURL(t, s.url+"/metrics")
		return got["compliance_last_evidence_timestamp{}"] > 0
	})

	wantScore, wantViolations := expectedMetrics(t, inv)
	if len(wantScore) < 3 || wantViolations["severity=high,framework=all"] == 0 {
		t.Fatalf("the example inventory gives too little to test: score %v, violations %v", wantScore, wantViolations)
	}
	for fw, v := range wantScore {
		if g, ok := got["compliance_score_percentage{framework="+fw+"}"]; !ok || g != v {
			t.Errorf("compliance_score_percentage{framework=%q} = %v (present %v), want %v", fw, g, ok, v)
		}
	}
	for k := range got {
		if fw, ok := strings.CutPrefix(k, "compliance_score_percentage{framework="); ok {
			if _, want := wantScore[strings.TrimSuffix(fw, "}")]; !want {
				t.Errorf("unexpected series %s", k)
			}
		}
	}
	for k, v := range wantViolations {
		// Scraped labels are sorted by name: framework before severity.
		sev, fw, _ := strings.Cut(strings.TrimPrefix(k, "severity="), ",framework=")
		key := "compliance_violations_total{framework=" + fw + ",severity=" + sev + "}"
		if g, ok := got[key]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", key, g, ok, v)
		}
	}

	// The evidence timestamp is that of the scan record in the bucket, and
	// the recorded scan has the scores the gauges show.
	ev, err := evidence.OpenS3Client(ctx, cl, evidence.S3Options{Bucket: bucket, Prefix: "e2e"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last evidence.Stored
	sum, err := ev.Walk(ctx, func(r evidence.Stored) error {
		if r.Kind == evidence.KindScan {
			last = r
		}
		return nil
	})
	if err != nil || sum.Scans != 1 {
		t.Fatalf("evidence chain: %+v, %v; want 1 intact scan record", sum, err)
	}
	if g := got["compliance_last_evidence_timestamp{}"]; g != float64(last.Time.Unix()) {
		t.Errorf("compliance_last_evidence_timestamp = %v, want %d (the scan record's time)", g, last.Time.Unix())
	}
	var rep checks.ScanReport
	if err := json.Unmarshal(last.Payload, &rep); err != nil {
		t.Fatal(err)
	}
	for fw, v := range rep.Score.Frameworks {
		if wantScore[fw] != v {
			t.Errorf("evidence score %s = %v, want %v", fw, v, wantScore[fw])
		}
	}
}

// expectedMetrics evaluates the inventory with the built-in rules: the
// score per framework (and "all") as pass / (pass + fail) in percent with
// one decimal, and the failing evaluations per severity and framework.
func expectedMetrics(t *testing.T, inv string) (score map[string]float64, violations map[string]float64) {
	t.Helper()
	cat := checks.DefaultCatalog()
	data, err := os.ReadFile(inv)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := inventory.Parse(inv, data, cat)
	if err != nil {
		t.Fatal(err)
	}
	srcs, _ := checks.BuiltinSources()
	rules, err := cat.LoadRules(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	result, err := checks.NewEngine(rules).Evaluate(context.Background(), res, checks.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pass, total := map[string]int{}, map[string]int{}
	frameworks := []string{"all"}
	for _, r := range result.Rules {
		for _, fw := range append([]string{"all"}, slices.Collect(maps.Keys(r.Frameworks))...) {
			pass[fw] += r.Pass
			total[fw] += r.Pass + r.Fail
			if !slices.Contains(frameworks, fw) {
				frameworks = append(frameworks, fw)
			}
		}
	}
	score = map[string]float64{}
	for fw, n := range total {
		if n > 0 {
			score[fw] = float64(int(float64(pass[fw])*1000/float64(n)+0.5)) / 10
		}
	}
	violations = map[string]float64{}
	for _, fw := range frameworks {
		for _, sev := range checks.Severities() {
			violations[fmt.Sprintf("severity=%s,framework=%s", sev, fw)] = 0
		}
	}
	for _, f := range result.Findings {
		violations[fmt.Sprintf("severity=%s,framework=all", f.Severity)]++
		for fw := range f.Frameworks {
			violations[fmt.Sprintf("severity=%s,framework=%s", f.Severity, fw)]++
		}
	}
	return score, violations
}

// scrapeURL GETs a Prometheus endpoint and returns "name{l1=v1,...}" ->
// value, labels sorted by name, for gauges and counters.
func scrapeURL(t *testing.T, url string) map[string]float64 {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	out := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
