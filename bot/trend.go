package bot

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// TrendWindow is how far back /comply status looks for the score trend:
// the same 30 days as the reports' trend.
const TrendWindow = report.TrendWindow

// Direction is which way a score moved.
type Direction string

// Directions; a change under half a tenth of a point is flat, since scores
// are shown to one decimal.
const (
	TrendUp   Direction = "up"
	TrendDown Direction = "down"
	TrendFlat Direction = "flat"
)

// Arrow is the direction as a symbol.
func (d Direction) Arrow() string {
	switch d {
	case TrendUp:
		return "▲"
	case TrendDown:
		return "▼"
	}
	return "▬"
}

// FrameworkTrend is one framework's score over the trend window: the first
// and latest scan that scored it, and the change in points.
type FrameworkTrend struct {
	Framework         string
	First, Latest     float64
	FirstAt, LatestAt time.Time
	Scans             int
	// Change is Latest-First in points, rounded to one decimal.
	Change    float64
	Direction Direction
}

// Trend derives the per-framework score trend of the scans that finished in
// the TrendWindow before now, sorted by framework. A framework a scan did
// not score (no rule of it evaluated) is not counted for that scan: no data
// is not 0%.
func Trend(records []store.ScanRecord, now time.Time) []FrameworkTrend {
	from := now.Add(-TrendWindow)
	recs := make([]store.ScanRecord, 0, len(records))
	for _, r := range records {
		at := r.Scan.FinishedAt
		if !at.Before(from) && !at.After(now) {
			recs = append(recs, r)
		}
	}
	slices.SortStableFunc(recs, func(a, b store.ScanRecord) int { return a.Scan.FinishedAt.Compare(b.Scan.FinishedAt) })

	byFW := map[string]*FrameworkTrend{}
	for _, r := range recs {
		for fw, v := range r.Score.Frameworks {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			t := byFW[fw]
			if t == nil {
				t = &FrameworkTrend{Framework: fw, First: v, FirstAt: r.Scan.FinishedAt}
				byFW[fw] = t
			}
			t.Latest, t.LatestAt = v, r.Scan.FinishedAt
			t.Scans++
		}
	}
	out := make([]FrameworkTrend, 0, len(byFW))
	for _, fw := range slices.Sorted(maps.Keys(byFW)) {
		t := byFW[fw]
		t.Change = math.Round((t.Latest-t.First)*10) / 10
		switch {
		case t.Change > 0:
			t.Direction = TrendUp
		case t.Change < 0:
			t.Direction = TrendDown
		default:
			t.Change = 0 // no "-0.0"
			t.Direction = TrendFlat
		}
		out = append(out, *t)
	}
	return out
}

// String is the trend as /comply status shows it:
// "HIPAA ▲ +4.5 pts (70.0% → 74.5%, 3 scans)".
func (t FrameworkTrend) String() string {
	if t.Scans < 2 {
		return fmt.Sprintf("%s %s %.1f%% (1 scan)", t.Framework, t.Direction.Arrow(), t.Latest)
	}
	change := fmt.Sprintf("%+.1f", t.Change)
	if t.Direction == TrendFlat {
		change = "0.0"
	}
	return fmt.Sprintf("%s %s %s pts (%.1f%% → %.1f%%, %d scans)",
		t.Framework, t.Direction.Arrow(), change, t.First, t.Latest, t.Scans)
}

// scoreTrend is the trend section of /comply status. The trend is extra:
// if the history cannot be read the status is shown without it.
func (b *Bot) scoreTrend(ctx context.Context) (checks.Note, bool) {
	now := b.now()
	recs, err := b.opts.Store.ScansBetween(ctx, now.Add(-TrendWindow), now)
	if err != nil {
		b.log.Warn("score trend: read the scan history", "error", err)
		return checks.Note{}, false
	}
	return trendNote(Trend(recs, now))
}

// trendNote is the status message's trend section; ok is false when no scan
// in the window scored a framework.
func trendNote(trends []FrameworkTrend) (checks.Note, bool) {
	if len(trends) == 0 {
		return checks.Note{}, false
	}
	lines := make([]string, 0, len(trends))
	for _, t := range trends {
		lines = append(lines, t.String())
	}
	return checks.Note{Label: "Score trend, last 30 days", Text: strings.Join(lines, "\n")}, true
}

// reportHistory is the scan history behind a report's score trend (the
// TrendWindow up to the report's scan). The trend is extra: a history that
// cannot be read gives none.
func (b *Bot) reportHistory(ctx context.Context, r *report.Report) []report.TrendScan {
	to := r.Scan.FinishedAt
	if to.IsZero() {
		to = b.now()
	}
	recs, err := b.opts.Store.ScansBetween(ctx, to.Add(-report.TrendWindow), to)
	if err != nil {
		b.log.Warn("report trend: read the scan history", "error", err)
		return nil
	}
	out := make([]report.TrendScan, 0, len(recs))
	for _, rec := range recs {
		out = append(out, report.TrendScan{ID: rec.Scan.ID, FinishedAt: rec.Scan.FinishedAt, Frameworks: rec.Score.Frameworks})
	}
	return out
}
