package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/evidence"
)

// comply report takes the score trend from the state store's scan history
// (REDIS_URL), an evidence directory or the config's evidence store.
func TestReportTrendSources(t *testing.T) {
	inv, err := filepath.Abs("../../examples/inventory.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scanJSON := filepath.Join(dir, "s.json")
	if code, _, stderr := runCmd(t, "scan", "--source", "file:"+inv, "--format", "json", "--output", scanJSON); code != 1 {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	rep, err := readScanResult(scanJSON)
	if err != nil {
		t.Fatal(err)
	}
	end := rep.Scan.FinishedAt
	// Three earlier scans in the window, one before it.
	past := []struct {
		id    string
		ago   time.Duration
		hipaa float64
	}{{"old", 45 * 24 * time.Hour, 10}, {"w1", 20 * 24 * time.Hour, 40.5}, {"w2", 9 * 24 * time.Hour, 55.25}, {"w3", 2 * 24 * time.Hour, 61}}
	reports := make([]*checks.ScanReport, 0, len(past))
	for _, p := range past {
		at := end.Add(-p.ago)
		reports = append(reports, &checks.ScanReport{Scan: checks.ScanInfo{ID: p.id, StartedAt: at.Add(-time.Minute), FinishedAt: at, Complete: true},
			Score: checks.Score{Frameworks: map[string]float64{"HIPAA": p.hipaa}}})
	}

	// The evidence directory, stamped as comply serve does: at scan end.
	evDir := filepath.Join(dir, "evidence")
	i := 0
	ev, err := evidence.OpenDir(evDir, func() time.Time { return reports[min(i, len(reports)-1)].Scan.FinishedAt.Add(time.Second) })
	if err != nil {
		t.Fatal(err)
	}
	for ; i < len(reports); i++ {
		if _, err := ev.RecordScan(context.Background(), reports[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The Redis history under a config's store prefix.
	redisURL, prefix := e2eRedis(t)
	st, err := store.Open(context.Background(), redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, r := range reports {
		if err := st.RecordScan(context.Background(), store.NewScanRecord(r, nil)); err != nil {
			t.Fatal(err)
		}
	}
	cfgDir := writeFiles(t, map[string]string{
		"redis.yaml":    "store:\n  prefix: \"" + prefix + "\"\n",
		"evidence.yaml": "evidence:\n  dir: " + evDir + "\n",
	})

	type point struct {
		ID    string  `json:"scan_id"`
		Score float64 `json:"score"`
	}
	want := []point{{"w1", 40.5}, {"w2", 55.25}, {"w3", 61}, {rep.Scan.ID, rep.Score.Frameworks["HIPAA"]}}
	tests := []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"dir", nil, []string{"--history", "dir:" + evDir}},
		{"evidence from config", nil, []string{"--history", "evidence", "--config", filepath.Join(cfgDir, "evidence.yaml")}},
		{"auto: evidence of COMPLY_CONFIG", map[string]string{"COMPLY_CONFIG": filepath.Join(cfgDir, "evidence.yaml")}, nil},
		{"auto: REDIS_URL", map[string]string{"REDIS_URL": redisURL}, []string{"--config", filepath.Join(cfgDir, "redis.yaml")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "--framework", "hipaa", "--input", scanJSON, "--format", "json"}, tt.args...)
			code, stdout, stderr := runServeCmd(t, tt.vars, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc struct{ Trend *struct{ Points []point } }
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Trend == nil {
				t.Fatalf("no trend (%v) in\n%.400s", err, stdout)
			}
			if fmt.Sprint(doc.Trend.Points) != fmt.Sprint(want) {
				t.Errorf("points %v\nwant   %v", doc.Trend.Points, want)
			}
		})
	}

	t.Run("none and errors", func(t *testing.T) {
		code, stdout, _ := runServeCmd(t, map[string]string{"REDIS_URL": redisURL}, "report", "--framework", "hipaa", "--input", scanJSON, "--format", "json", "--history", "none")
		if code != 0 || strings.Contains(stdout, `"trend"`) {
			t.Errorf("--history none: exit %d, trend present %v", code, strings.Contains(stdout, `"trend"`))
		}
		for _, args := range [][]string{{"--history", "redis"}, {"--history", "evidence"}, {"--history", "dir:" + filepath.Join(dir, "nope")}, {"--history", "sql"}} {
			code, _, stderr := runCmd(t, append([]string{"report", "--framework", "hipaa", "--input", scanJSON}, args...)...)
			if code != 2 || !strings.Contains(stderr, "--history") && !strings.Contains(stderr, "nope") {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
		}
		// auto with an unreachable Redis: a warning, the report without trend.
		code, stdout, stderr := runServeCmd(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "report", "--framework", "hipaa", "--input", scanJSON, "--format", "json")
		if code != 0 || strings.Contains(stdout, `"trend"`) || !strings.Contains(stderr, "warning: no score trend") {
			t.Errorf("unreachable Redis: exit %d, stderr %q", code, stderr)
		}
	})
}
