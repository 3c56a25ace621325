package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// ruleFile is the Prometheus rule file format; decoding is strict, so a
// misspelt key (anotations, for_) fails here rather than in Prometheus.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Record      string            `yaml:"record"`
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	recordName   = regexp.MustCompile(`^[a-zA-Z_]+:[a-zA-Z0-9_:]+$`) // level:metric:operations
	alertName    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
)

const rulesPath = "prometheus/rules.yaml"

func TestPrometheusRules(t *testing.T) {
	data, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	known := knownMetrics(t)
	recorded := map[string][]string{}
	var alerts []string
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: want a name and rules", g.Name)
		}
		if g.Interval != "" && !promDuration.MatchString(g.Interval) {
			t.Errorf("group %s: bad interval %q", g.Name, g.Interval)
		}
		for i, r := range g.Rules {
			id := r.Alert + r.Record
			if (r.Alert == "") == (r.Record == "") {
				t.Errorf("group %s rule %d: want exactly one of alert and record", g.Name, i)
				continue
			}
			if strings.TrimSpace(r.Expr) == "" {
				t.Errorf("%s: no expr", id)
			}
			for _, p := range checkExpr(known, recorded, r.Expr) {
				t.Errorf("%s: expr: %s", id, p)
			}
			if r.Record != "" {
				if !recordName.MatchString(r.Record) {
					t.Errorf("recording rule %s: name is not level:metric:operations", r.Record)
				}
				// Labels a recording rule keeps: those of its outer "by" clause.
				_, grouping, _ := exprRefs(r.Expr)
				recorded[r.Record] = grouping
				continue
			}
			if !alertName.MatchString(r.Alert) || slices.Contains(alerts, r.Alert) {
				t.Errorf("alert %s: want a unique CamelCase name", r.Alert)
			}
			alerts = append(alerts, r.Alert)
			if !promDuration.MatchString(r.For) {
				t.Errorf("alert %s: for = %q, want a duration", r.Alert, r.For)
			}
			if sev := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, sev) {
				t.Errorf("alert %s: labels.severity = %q, want critical, warning or info", r.Alert, sev)
			}
			for _, k := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[k]) == "" {
					t.Errorf("alert %s: annotations.%s is empty", r.Alert, k)
				}
			}
			if err := balanced(r.Annotations["summary"] + r.Annotations["description"]); err != nil {
				t.Errorf("alert %s: annotations: %v", r.Alert, err)
			}
		}
	}
	// The alerts issue 9 asks for.
	for _, a := range []string{"ComplianceScoreDrop", "ComplianceCriticalViolationOpen", "ComplianceEvidenceMissing",
		"ComplianceScanErrors", "ComplyDeliveryFailures", "ComplyDown"} {
		if !slices.Contains(alerts, a) {
			t.Errorf("alert %s missing", a)
		}
	}
}

// TestPromtool runs promtool's own checks when it is installed (Debian:
// apt-get install prometheus): the rule file, its unit tests, and every
// dashboard expression wrapped in a rule file.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is required with CI=true (.ci/run installs the Debian package prometheus)")
		}
		t.Skip("promtool not installed (apt-get install prometheus); the other tests check the files without it")
	}
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("check", "rules", rulesPath)
	run("test", "rules", "prometheus/rules_test.yaml")

	var doc struct {
		Groups []map[string]any `yaml:"groups"`
	}
	var rules []map[string]string
	for i, expr := range dashboardExprs(t) {
		expr = strings.NewReplacer("$__rate_interval", "5m", "$__range", "1d", "$job", "comply", "$framework", ".*").Replace(expr)
		rules = append(rules, map[string]string{"record": fmt.Sprintf("dashboard:expr_%d", i), "expr": expr})
	}
	doc.Groups = append(doc.Groups, map[string]any{"name": "dashboard", "rules": rules})
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	run("check", "rules", path)
}
