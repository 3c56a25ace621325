package report

import (
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

// The HTML report is one file: inline CSS and SVG, no scripts, no external
// assets, so it can be mailed, archived as evidence and printed. Every value
// goes through html/template's contextual escaping.
var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":     pct,
	"time":    fmtTime,
	"oneline": oneLine,
	"sev":     sevName,
	"join":    strings.Join,
	"derefT":  func(t *time.Time) time.Time { return *t },
}).Parse(htmlSource))

// Chart geometry (SVG user units).
const (
	barX      = 150.0 // left edge of the bars; family names sit left of it
	barMaxW   = 360.0
	barH      = 18
	barGap    = 10
	donutR    = 52.0
	chartPadY = 8
)

type htmlView struct {
	*Report
	Donut       donut
	Bars        []bar
	ChartHeight int
}

type donut struct {
	Has        bool
	Circ, Pass float64 // dash lengths: circumference and the passing arc
}

type bar struct {
	Name  string
	Y     int
	TextY int
	Segs  []seg
	Label string
	EndX  float64
}

// familyLabel is the text right of a family's bar: its score and how many of
// its controls fail.
func familyLabel(f Family) string {
	s := pct(f.Score) + " · " + itoa(f.Totals.Controls) + " control"
	if f.Totals.Controls != 1 {
		s += "s"
	}
	if f.Totals.Fail > 0 {
		s += ", " + itoa(f.Totals.Fail) + " failing"
	}
	return s
}

type seg struct {
	X, W  float64
	Y     int
	Class string
	Title string
}

func writeHTML(w io.Writer, r *Report) error {
	return htmlTmpl.Execute(w, newHTMLView(r))
}

func newHTMLView(r *Report) htmlView {
	v := htmlView{Report: r}
	circ := 2 * math.Pi * donutR
	if r.Score.Framework != nil {
		v.Donut = donut{Has: true, Circ: round1(circ), Pass: round1(circ * clamp(*r.Score.Framework) / 100)}
	}
	y := chartPadY
	for _, f := range r.Families {
		b := bar{Name: f.Name, Y: y, TextY: y + barH - 5, Label: familyLabel(f)}
		if f.Score == nil {
			b.Segs = []seg{{X: barX, W: barMaxW, Y: y, Class: "ne", Title: f.Name + ": not evaluated"}}
		} else {
			pw := round1(barMaxW * clamp(*f.Score) / 100)
			if pw > 0 {
				b.Segs = append(b.Segs, seg{X: barX, W: pw, Y: y, Class: "pass", Title: f.Name + ": " + itoa(f.Pass) + " passing evaluations"})
			}
			if pw < barMaxW {
				b.Segs = append(b.Segs, seg{X: round1(barX + pw), W: round1(barMaxW - pw), Y: y, Class: "fail", Title: f.Name + ": " + itoa(f.Fail) + " failing evaluations"})
			}
		}
		b.EndX = barX + barMaxW + 8
		v.Bars = append(v.Bars, b)
		y += barH + barGap
	}
	v.ChartHeight = y + chartPadY
	return v
}

func clamp(p float64) float64 { return math.Max(0, math.Min(100, p)) }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
