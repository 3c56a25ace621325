package bot

import (
	"reflect"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

func scanAt(at time.Time, scores map[string]float64) store.ScanRecord {
	return store.ScanRecord{Scan: checks.ScanInfo{ID: at.Format(time.RFC3339), FinishedAt: at},
		Score: checks.Score{Frameworks: scores}}
}

func TestTrend(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		recs []store.ScanRecord
		want []FrameworkTrend
	}{
		{name: "no scans", want: []FrameworkTrend{}},
		{
			name: "up, down and flat, records out of order",
			recs: []store.ScanRecord{
				scanAt(now.Add(-1*day), map[string]float64{"HIPAA": 80, "SOC2": 50, "PCI": 66.66}),
				scanAt(now.Add(-20*day), map[string]float64{"HIPAA": 70, "SOC2": 62.5, "PCI": 66.64}),
				scanAt(now.Add(-10*day), map[string]float64{"HIPAA": 10, "SOC2": 99}),
			},
			want: []FrameworkTrend{
				{Framework: "HIPAA", First: 70, Latest: 80, FirstAt: now.Add(-20 * day), LatestAt: now.Add(-1 * day), Scans: 3, Change: 10, Direction: TrendUp},
				{Framework: "PCI", First: 66.64, Latest: 66.66, FirstAt: now.Add(-20 * day), LatestAt: now.Add(-1 * day), Scans: 2, Change: 0, Direction: TrendFlat},
				{Framework: "SOC2", First: 62.5, Latest: 50, FirstAt: now.Add(-20 * day), LatestAt: now.Add(-1 * day), Scans: 3, Change: -12.5, Direction: TrendDown},
			},
		},
		{
			name: "scans outside the window are ignored",
			recs: []store.ScanRecord{
				scanAt(now.Add(-31*day), map[string]float64{"HIPAA": 0}),
				scanAt(now.Add(-29*day), map[string]float64{"HIPAA": 40}),
				scanAt(now.Add(time.Hour), map[string]float64{"HIPAA": 100}),
				scanAt(now, map[string]float64{"HIPAA": 45.25}),
			},
			want: []FrameworkTrend{
				{Framework: "HIPAA", First: 40, Latest: 45.25, FirstAt: now.Add(-29 * day), LatestAt: now, Scans: 2, Change: 5.3, Direction: TrendUp},
			},
		},
		{
			name: "a framework a scan did not score keeps its last score",
			recs: []store.ScanRecord{
				scanAt(now.Add(-3*day), map[string]float64{"CIS-AWS": 30}),
				scanAt(now.Add(-2*day), map[string]float64{"HIPAA": 50}),
			},
			want: []FrameworkTrend{
				{Framework: "CIS-AWS", First: 30, Latest: 30, FirstAt: now.Add(-3 * day), LatestAt: now.Add(-3 * day), Scans: 1, Direction: TrendFlat},
				{Framework: "HIPAA", First: 50, Latest: 50, FirstAt: now.Add(-2 * day), LatestAt: now.Add(-2 * day), Scans: 1, Direction: TrendFlat},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trend(tt.recs, now)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Trend:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFrameworkTrendString(t *testing.T) {
	tests := []struct {
		in   FrameworkTrend
		want string
	}{
		{FrameworkTrend{Framework: "HIPAA", First: 70, Latest: 74.5, Scans: 3, Change: 4.5, Direction: TrendUp}, "HIPAA ▲ +4.5 pts (70.0% → 74.5%, 3 scans)"},
		{FrameworkTrend{Framework: "SOC2", First: 62.5, Latest: 50, Scans: 2, Change: -12.5, Direction: TrendDown}, "SOC2 ▼ -12.5 pts (62.5% → 50.0%, 2 scans)"},
		{FrameworkTrend{Framework: "PCI", First: 60, Latest: 60, Scans: 2, Direction: TrendFlat}, "PCI ▬ 0.0 pts (60.0% → 60.0%, 2 scans)"},
		{FrameworkTrend{Framework: "PCI", First: 60, Latest: 60, Scans: 1, Direction: TrendFlat}, "PCI ▬ 60.0% (1 scan)"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
