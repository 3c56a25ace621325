package deploy

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const dashboardPath = "grafana/comply.json"

type dashPanel struct {
	ID         int               `json:"id"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	GridPos    map[string]int    `json:"gridPos"`
	Datasource map[string]string `json:"datasource"`
	Targets    []struct {
		RefID      string            `json:"refId"`
		Expr       string            `json:"expr"`
		Datasource map[string]string `json:"datasource"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"` // collapsed rows hold their panels
}

type dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	SchemaVersion int         `json:"schemaVersion"`
	Panels        []dashPanel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

func allPanels(ps []dashPanel) []dashPanel {
	var out []dashPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// dashboardExprs lists every panel query of the dashboard.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	var exprs []string
	for _, p := range allPanels(readDashboard(t).Panels) {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	return exprs
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$`)

func TestGrafanaDashboard(t *testing.T) {
	d := readDashboard(t)
	known := knownMetrics(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d: want a uid, a title and schemaVersion >= 36", d.UID, d.Title, d.SchemaVersion)
	}

	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		query, _ := q["query"].(string)
		m := labelValuesRE.FindStringSubmatch(query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, query)
			continue
		}
		// The label must exist on the metric: check it as a selector matcher.
		sel := strings.TrimSuffix(m[1], "}")
		if sel == m[1] {
			sel += "{"
		} else {
			sel += ","
		}
		for _, p := range checkExpr(known, nil, sel+m[2]+`=""}`) {
			t.Errorf("variable %s: %s", v.Name, p)
		}
	}
	if vars["DS_PROMETHEUS"] != "datasource" {
		t.Errorf("want a datasource variable DS_PROMETHEUS, have %v", vars)
	}

	ids := map[int]string{}
	var exprs int
	var titles []string
	for _, p := range allPanels(d.Panels) {
		if prev, dup := ids[p.ID]; dup || p.ID == 0 {
			t.Errorf("panel %q: id %d missing or also used by %q", p.Title, p.ID, prev)
		}
		ids[p.ID] = p.Title
		titles = append(titles, p.Title)
		if len(p.GridPos) == 0 || p.GridPos["w"] == 0 || p.GridPos["h"] == 0 {
			t.Errorf("panel %q: no gridPos", p.Title)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource["uid"] != "${DS_PROMETHEUS}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: want datasource ${DS_PROMETHEUS} and targets, have %v", p.Title, p.Datasource)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			exprs++
			if refs[tg.RefID] || tg.RefID == "" {
				t.Errorf("panel %q: refId %q empty or repeated", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource["uid"] != "${DS_PROMETHEUS}" {
				t.Errorf("panel %q target %s: datasource %v", p.Title, tg.RefID, tg.Datasource)
			}
			for _, prob := range checkExpr(known, nil, tg.Expr) {
				t.Errorf("panel %q target %s: %s", p.Title, tg.RefID, prob)
			}
			// Every comply query is scoped to the selected job.
			if !strings.Contains(tg.Expr, `job="$job"`) {
				t.Errorf("panel %q target %s: expr not scoped by job=\"$job\"", p.Title, tg.RefID)
			}
		}
	}
	if exprs == 0 {
		t.Fatal("dashboard has no queries")
	}
	for _, want := range []string{"Score per framework", "Open violations by severity", "Scan duration",
		"Scan errors by service", "AWS API calls by service", "Slack requests", "Receiver deliveries"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no panel %q", want)
		}
	}
}
