package report

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"time"
)

// TrendWindow is how far back before the report's scan the trend looks.
const TrendWindow = 30 * 24 * time.Hour

// TrendScan is one past scan's scores, as a history keeps them (the state
// store's scan history, or the evidence store's scan records).
type TrendScan struct {
	ID         string
	FinishedAt time.Time
	Frameworks map[string]float64
}

// Trend is the framework's score per scan over the TrendWindow up to the
// report's scan.
type Trend struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Points []TrendPoint `json:"points"`
	// Change is the latest score minus the first, in points (one decimal);
	// Direction is up, down or flat.
	Change    float64 `json:"change"`
	Direction string  `json:"direction"`
}

// TrendPoint is the framework's score after one scan.
type TrendPoint struct {
	At     time.Time `json:"at"`
	ScanID string    `json:"scan_id"`
	Score  float64   `json:"score"`
}

// AddTrend sets r.Trend from history (any order; it may hold the report's
// own scan): the scans that scored the framework and finished in the
// TrendWindow up to the report's scan, oldest first, with the report's scan
// last. A scan that did not score the framework is left out: no data is not
// 0%. No point at all leaves r.Trend nil.
func (r *Report) AddTrend(history []TrendScan) {
	to := r.Scan.FinishedAt
	if to.IsZero() {
		to = r.GeneratedAt
	}
	from := to.Add(-TrendWindow)
	var pts []TrendPoint
	seen := map[string]bool{}
	for _, s := range history {
		v, ok := s.Frameworks[r.Framework]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) || s.FinishedAt.Before(from) || s.FinishedAt.After(to) || seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		pts = append(pts, TrendPoint{At: s.FinishedAt.UTC(), ScanID: s.ID, Score: v})
	}
	if r.Score.Framework != nil && !seen[r.Scan.ID] {
		pts = append(pts, TrendPoint{At: to.UTC(), ScanID: r.Scan.ID, Score: *r.Score.Framework})
	}
	if len(pts) == 0 {
		r.Trend = nil
		return
	}
	slices.SortStableFunc(pts, func(a, b TrendPoint) int { return a.At.Compare(b.At) })
	t := &Trend{From: from.UTC(), To: to.UTC(), Points: pts, Direction: "flat"}
	t.Change = math.Round((pts[len(pts)-1].Score-pts[0].Score)*10) / 10
	switch {
	case t.Change > 0:
		t.Direction = "up"
	case t.Change < 0:
		t.Direction = "down"
	default:
		t.Change = 0 // no "-0.0"
	}
	r.Trend = t
}

// Summary is the trend in one line: "70.0% → 74.5% (+4.5 pts over 3 scans)".
func (t *Trend) Summary() string {
	first, last := t.Points[0], t.Points[len(t.Points)-1]
	if len(t.Points) == 1 {
		return fmt.Sprintf("%.1f%% (1 scan in the last 30 days)", last.Score)
	}
	return fmt.Sprintf("%.1f%% → %.1f%% (%+.1f pts over %d scans, %s to %s)", first.Score, last.Score, t.Change,
		len(t.Points), first.At.Format(time.DateOnly), last.At.Format(time.DateOnly))
}

// daily is the last point of each UTC day, for the Markdown table.
func (t *Trend) daily() []TrendPoint {
	var out []TrendPoint
	for _, p := range t.Points {
		if n := len(out); n > 0 && out[n-1].At.Format(time.DateOnly) == p.At.Format(time.DateOnly) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// trendMarkdown writes the Score trend section (nothing without a trend).
func trendMarkdown(p func(string, ...any), r *Report) {
	if r.Trend == nil {
		return
	}
	p("\n## Score trend, last 30 days\n\n")
	p("%s score: %s\n\n", mdEscape(r.Framework), r.Trend.Summary())
	p("| Day (UTC) | Score | Scan |\n| --- | ---: | --- |\n")
	for _, pt := range r.Trend.daily() {
		p("| %s | %.1f%% | %s |\n", pt.At.Format(time.DateOnly), pt.Score, mdCode(pt.ScanID))
	}
}

// Trend chart geometry (SVG user units): the plot area inside a 720 x 230
// drawing, with room for the score labels left and the dates below.
const (
	trendLeft, trendRight = 56.0, 700.0
	trendTop, trendBottom = 14.0, 190.0
)

type trendView struct {
	Left, Right, Bottom, TickEnd float64
	Grid                         []trendTick
	XTicks                       []trendTick
	Line                         string // polyline points
	Dots                         []trendDot
	Last                         trendDot
}

type trendTick struct {
	Pos   float64 // y for grid lines, x for date ticks
	Label string
}

type trendDot struct {
	X, Y  float64
	Title string
	Label string
}

// trendChart lays out the line chart: the score axis spans the data with a
// margin, in steps of 5, 10 or 25 points; the time axis spans the window.
func trendChart(r *Report) *trendView {
	t := r.Trend
	if t == nil {
		return nil
	}
	lo, hi := 100.0, 0.0
	for _, p := range t.Points {
		lo, hi = math.Min(lo, p.Score), math.Max(hi, p.Score)
	}
	lo, hi = math.Max(0, math.Floor((lo-5)/10)*10), math.Min(100, math.Ceil((hi+5)/10)*10)
	if hi-lo < 20 {
		if hi = lo + 20; hi > 100 {
			lo, hi = 80, 100
		}
	}
	step := 5.0
	if hi-lo > 50 {
		step = 25
	} else if hi-lo > 20 {
		step = 10
	}
	y := func(v float64) float64 { return round1(trendBottom - (v-lo)/(hi-lo)*(trendBottom-trendTop)) }
	span := t.To.Sub(t.From).Seconds()
	x := func(at time.Time) float64 {
		return round1(trendLeft + math.Max(0, math.Min(1, at.Sub(t.From).Seconds()/span))*(trendRight-trendLeft))
	}
	v := &trendView{Left: trendLeft, Right: trendRight, Bottom: trendBottom, TickEnd: trendBottom + 5}
	for g := lo; g <= hi+1e-9; g += step {
		v.Grid = append(v.Grid, trendTick{Pos: y(g), Label: fmt.Sprintf("%.0f%%", g)})
	}
	for i := range 4 {
		at := t.From.Add(time.Duration(i) * (t.To.Sub(t.From) / 3))
		v.XTicks = append(v.XTicks, trendTick{Pos: x(at), Label: at.Format("Jan 2")})
	}
	var line []byte
	for _, p := range t.Points {
		d := trendDot{X: x(p.At), Y: y(p.Score), Title: fmt.Sprintf("%s: %.1f%% (scan %s)", fmtTime(p.At), p.Score, p.ScanID)}
		line = fmt.Appendf(line, "%g,%g ", d.X, d.Y)
		v.Dots = append(v.Dots, d)
	}
	v.Line = string(line)
	v.Last = v.Dots[len(v.Dots)-1]
	v.Last.Label = fmt.Sprintf("%.1f%%", t.Points[len(t.Points)-1].Score)
	return v
}

// trendHTML is the HTML report's Score trend section, a template of
// htmlTmpl's set (called as {{template "trend" .}}).
const trendHTML = `{{with $c := trendChart .Report}}<h2>Score trend, last 30 days</h2>
<p>{{$.Framework}} score: {{$.Trend.Summary}}</p>
<div class="chart trend" style="break-inside: avoid">
<svg width="720" height="230" viewBox="0 0 720 230" role="img" aria-label="{{$.Framework}} score per scan over the last 30 days">
{{range .Grid}}<line x1="{{$c.Left}}" x2="{{$c.Right}}" y1="{{.Pos}}" y2="{{.Pos}}" stroke="#d0d7de"/><text x="{{$c.Left}}" y="{{.Pos}}" dx="-8" dy="4" text-anchor="end">{{.Label}}</text>
{{end}}{{range .XTicks}}<line x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$c.Bottom}}" y2="{{$c.TickEnd}}" stroke="#57606a"/><text x="{{.Pos}}" y="{{$c.Bottom}}" dy="20" text-anchor="middle">{{.Label}}</text>
{{end}}<polyline points="{{.Line}}" fill="none" stroke="#1f6feb" stroke-width="2"/>
{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="3.5" fill="#1f6feb"><title>{{.Title}}</title></circle>
{{end}}<text x="{{.Last.X}}" y="{{.Last.Y}}" dx="-6" dy="-9" text-anchor="end" font-weight="700">{{.Last.Label}}</text>
</svg>
</div>
{{end}}`

var _ = template.Must(htmlTmpl.Funcs(template.FuncMap{"trendChart": trendChart}).New("trend").Parse(trendHTML))
