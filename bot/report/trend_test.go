package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

// sampleHistory is the scan history of the golden reports: HIPAA scores
// over the month before sampleScan, one scan that did not score HIPAA, one
// older than the window and one after the report's scan.
func sampleHistory() []TrendScan {
	end := time.Date(2026, 11, 23, 12, 0, 2, 0, time.UTC) // sampleScan's FinishedAt
	day := func(d int, hipaa float64, id string) TrendScan {
		return TrendScan{ID: id, FinishedAt: end.AddDate(0, 0, -d), Frameworks: map[string]float64{"HIPAA": hipaa, "SOC2": 80}}
	}
	return []TrendScan{
		day(3, 52.5, "scan-3"), day(27, 61.2, "scan-27"), day(20, 58.0, "scan-20"),
		{ID: "soc2-only", FinishedAt: end.AddDate(0, 0, -15), Frameworks: map[string]float64{"SOC2": 90}},
		day(12, 55.0, "scan-12"), day(12, 54.1, "scan-12b"), day(40, 99, "too-old"), day(-1, 10, "after"),
		day(7, 48.3, "scan-<b>7</b>"),
	}
}

func TestAddTrend(t *testing.T) {
	r := sampleReport(t)
	tr := r.Trend
	if tr == nil {
		t.Fatal("no trend")
	}
	var ids []string
	for _, p := range tr.Points {
		ids = append(ids, p.ScanID)
	}
	// Oldest first, in the window, HIPAA-scored only, the report's own
	// scan last.
	want := "scan-27 scan-20 scan-12 scan-12b scan-<b>7</b> scan-3 scan-<b>1</b>"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("points %s\nwant   %s", got, want)
	}
	if tr.Change != -11.2 || tr.Direction != "down" || !tr.To.Equal(r.Scan.FinishedAt) || !tr.From.Equal(r.Scan.FinishedAt.Add(-TrendWindow)) {
		t.Errorf("trend %+v", tr)
	}
	if s := tr.Summary(); s != "61.2% → 50.0% (-11.2 pts over 7 scans, 2026-10-27 to 2026-11-23)" {
		t.Errorf("summary %q", s)
	}

	// The report's scan already in the history is not counted twice; a
	// history without the framework leaves only the report's scan.
	r.AddTrend([]TrendScan{{ID: r.Scan.ID, FinishedAt: r.Scan.FinishedAt, Frameworks: map[string]float64{"HIPAA": 50}}})
	if len(r.Trend.Points) != 1 || r.Trend.Direction != "flat" || !strings.Contains(r.Trend.Summary(), "1 scan") {
		t.Errorf("own scan only: %+v", r.Trend)
	}
	// Nothing scored the framework: no trend, no section.
	none, err := Build(&checks.ScanReport{Scan: checks.ScanInfo{ID: "x"}}, checks.FrameworkHIPAA, Options{})
	if err != nil {
		t.Fatal(err)
	}
	none.AddTrend([]TrendScan{{ID: "y", Frameworks: map[string]float64{"SOC2": 1}}})
	var buf bytes.Buffer
	if err := Write(&buf, FormatHTML, none); err != nil {
		t.Fatal(err)
	}
	if none.Trend != nil || strings.Contains(buf.String(), "Score trend") {
		t.Errorf("trend without data: %+v", none.Trend)
	}
}

func TestTrendRendering(t *testing.T) {
	r := sampleReport(t)
	render := func(f Format) string {
		var buf bytes.Buffer
		if err := Write(&buf, f, r); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	md := render(FormatMarkdown)
	for _, want := range []string{
		"## Score trend, last 30 days",
		"HIPAA score: 61.2% → 50.0% (-11.2 pts over 7 scans",
		// Two scans on one day: the day's last one.
		"| 2026-11-11 | 54.1% | `scan-12b` |",
		"| 2026-11-16 | 48.3% | `scan-<b>7</b>` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "scan-12`") {
		t.Error("markdown lists both scans of one day")
	}
	html := render(FormatHTML)
	for _, want := range []string{"Score trend, last 30 days", "<polyline points=", "scan scan-&lt;b&gt;7&lt;/b&gt;", ">50.0%</text>"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if n := strings.Count(html, `r="3.5"`); n != 7 {
		t.Errorf("%d points drawn, want 7", n)
	}
	if !strings.Contains(render(FormatJSON), `"direction": "down"`) {
		t.Error("json lacks the trend")
	}
}

// Every point lies inside the plot area whatever the scores.
func TestTrendChartBounds(t *testing.T) {
	for _, scores := range [][]float64{{0, 100}, {100}, {99.9, 100}, {0}, {42, 42.1, 41.9}} {
		end := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		r := &Report{Framework: "PCI", Scan: ScanInfo{ID: "now", FinishedAt: end}}
		var h []TrendScan
		for i, s := range scores {
			h = append(h, TrendScan{ID: string(rune('a' + i)), FinishedAt: end.AddDate(0, 0, -i), Frameworks: map[string]float64{"PCI": s}})
		}
		r.AddTrend(h)
		v := trendChart(r)
		for _, d := range v.Dots {
			if d.X < trendLeft || d.X > trendRight || d.Y < trendTop || d.Y > trendBottom {
				t.Errorf("scores %v: dot %+v outside the plot", scores, d)
			}
		}
		if len(v.Grid) < 3 {
			t.Errorf("scores %v: %d grid lines", scores, len(v.Grid))
		}
	}
}
