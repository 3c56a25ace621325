package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs one command line in-process.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

const testRules = `rules:
  - id: t-versioning
    title: Buckets keep versions
    resource: aws.s3.bucket
    severity: medium
    assert: versioning_enabled
    message: "bucket {{ name }} is unversioned"
    remediation: {text: Enable versioning.}
    frameworks: {SOC2: [A1.2], HIPAA: ["164.308(a)(7)(ii)(A)"]}
  - id: t-encryption
    title: Buckets encrypt
    resource: aws.s3.bucket
    severity: critical
    assert: encryption_enabled
    frameworks: {PCI: ["3.5.1"], CIS-AWS: ["2.1.1"]}
`

const testInventory = `{"resources": [
  {"id": "arn:aws:s3:::good", "type": "aws.s3.bucket", "account": "111122223333", "region": "us-east-1", "name": "good",
   "tags": {}, "attributes": {"versioning_enabled": true, "encryption_enabled": true}},
  {"id": "arn:aws:s3:::bad", "type": "aws.s3.bucket", "account": "111122223333", "region": "us-east-1", "name": "<!channel>",
   "tags": {"owner": "*bold*"}, "attributes": {"versioning_enabled": false, "encryption_enabled": true}}
]}
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScanExitCodesAndFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rules.yaml": testRules, "inv.json": testInventory})
	base := []string{"scan", "--no-builtin", "--rules", filepath.Join(dir, "rules.yaml"), "--source", "file:" + filepath.Join(dir, "inv.json")}
	tests := []struct {
		name  string
		extra []string
		code  int
		check func(t *testing.T, stdout string)
	}{
		{"json fails on medium", []string{"--format", "json"}, 1, func(t *testing.T, out string) {
			var doc struct {
				Scan struct {
					Complete    bool `json:"complete"`
					Resources   int  `json:"resources"`
					Evaluations int  `json:"evaluations"`
				} `json:"scan"`
				Score    struct{ Overall float64 } `json:"score"`
				Summary  map[string]int            `json:"summary"`
				Findings []struct {
					RuleID      string `json:"rule_id"`
					Fingerprint string `json:"fingerprint"`
					ResourceID  string `json:"resource_id"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("invalid JSON: %v\n%s", err, out)
			}
			if !doc.Scan.Complete || doc.Scan.Resources != 2 || doc.Scan.Evaluations != 4 {
				t.Errorf("scan %+v", doc.Scan)
			}
			if doc.Score.Overall != 75 || doc.Summary["medium"] != 1 || doc.Summary["critical"] != 0 {
				t.Errorf("score %v summary %v", doc.Score, doc.Summary)
			}
			if len(doc.Findings) != 1 || doc.Findings[0].RuleID != "t-versioning" || len(doc.Findings[0].Fingerprint) != 32 {
				t.Errorf("findings %+v", doc.Findings)
			}
		}},
		{"fail-on high passes", []string{"--format", "json", "--fail-on", "high"}, 0, nil},
		{"fail-on none", []string{"--format", "json", "--fail-on", "none"}, 0, nil},
		{"severity filter drops the medium rule", []string{"--format", "json", "--severity", "high"}, 0, nil},
		{"framework filter", []string{"--format", "json", "--framework", "hipaa"}, 1, nil},
		{"table", []string{"--format", "table"}, 1, func(t *testing.T, out string) {
			for _, want := range []string{"MEDIUM", "t-versioning", "<!channel>", "Score: 75.0% overall"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "\x1b[") {
				t.Error("colour codes when not on a terminal")
			}
		}},
		{"sarif", []string{"--format", "sarif"}, 1, func(t *testing.T, out string) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["version"] != "2.1.0" {
				t.Errorf("sarif: %v %v", err, doc["version"])
			}
		}},
		{"junit", []string{"--format", "junit"}, 1, func(t *testing.T, out string) {
			var doc struct {
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.Failures != 1 {
				t.Errorf("junit: %v failures=%d", err, doc.Failures)
			}
		}},
		{"csv", []string{"--format", "csv"}, 1, func(t *testing.T, out string) {
			if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "severity,rule_id") {
				t.Errorf("csv:\n%s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, append(append([]string{}, base...), tt.extra...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func TestScanOutputFileAndExport(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rules.yaml": testRules, "inv.json": testInventory})
	out := filepath.Join(dir, "result.sarif")
	exp := filepath.Join(dir, "export.json")
	rules := filepath.Join(dir, "rules.yaml")
	code, stdout, stderr := runCmd(t, "scan", "--no-builtin", "--rules", rules, "--source", "file:"+filepath.Join(dir, "inv.json"),
		"--output", out, "--export-inventory", exp)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte(`"version": "2.1.0"`)) {
		t.Fatalf("--output by extension should write SARIF: %v", err)
	}
	// Scanning the exported inventory gives the same findings.
	_, a, _ := runCmd(t, "scan", "--no-builtin", "--rules", rules, "--source", "file:"+filepath.Join(dir, "inv.json"), "--format", "csv")
	_, b, _ := runCmd(t, "scan", "--no-builtin", "--rules", rules, "--source", "file:"+exp, "--format", "csv")
	if a != b || a == "" {
		t.Errorf("export round trip differs:\n%s\n---\n%s", a, b)
	}
}

func TestBadInputIsExit2OneLine(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"rules.yaml":     testRules,
		"broken.yaml":    strings.Replace(testRules, "severity: critical", "severity: severe", 1),
		"inv.json":       testInventory,
		"bad.json":       "{\"resources\": [\n  {\"id\": \"x\",\n   \"type\": \"aws.s3.bucket\",, }\n]}",
		"badattr.json":   `[{"id":"x","type":"aws.s3.bucket","attributes":{"versioning_enabled":"yes"}}]`,
		"badtype.json":   `[{"id":"x","type":"aws.s3.bukket"}]`,
		"notinv.json":    `"hello"`,
		"empty.json":     ``,
		"rules/a.txt":    "not yaml",
		"state.tfstate":  `{"version": 3}`,
		"nonsense.yaml":  "rules:\n  - {id: x, title: y, resource: aws.s3.bucket, severity: low, assert: 'versioning_enabled +'}\n",
		"unknownkey.yml": "rules:\n  - id: x\n    title: y\n    resource: aws.s3.bucket\n    severity: low\n    assert: versioning_enabled\n    remedy: z\n",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	rules := []string{"--no-builtin", "--rules", p("rules.yaml")}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"scan", "--sauce", "x"}, "flag provided but not defined: -sauce"},
		{"unknown command", []string{"scna"}, `unknown command "scna"`},
		{"missing inventory", append([]string{"scan", "--source", "file:" + p("nope.json")}, rules...), "nope.json"},
		{"invalid json", append([]string{"scan", "--source", "file:" + p("bad.json")}, rules...), "bad.json:3:"},
		{"bad attribute", append([]string{"scan", "--source", "file:" + p("badattr.json")}, rules...), "attributes.versioning_enabled: want bool, got string"},
		{"bad type", append([]string{"scan", "--source", "file:" + p("badtype.json")}, rules...), `unknown resource type "aws.s3.bukket"`},
		{"not an inventory", append([]string{"scan", "--source", "file:" + p("notinv.json")}, rules...), "notinv.json:1:"},
		{"empty inventory file", append([]string{"scan", "--source", "file:" + p("empty.json")}, rules...), "empty.json"},
		{"unknown source", []string{"scan", "--source", "gcp"}, `unknown source`},
		{"bad format", []string{"scan", "--format", "xml"}, `unknown format "xml"`},
		{"bad fail-on", []string{"scan", "--fail-on", "sometimes"}, `--fail-on`},
		{"bad framework", []string{"scan", "--framework", "sox"}, `unknown framework "sox"`},
		{"broken rule", []string{"scan", "--no-builtin", "--rules", p("broken.yaml"), "--source", "file:" + p("inv.json")}, `broken.yaml:13: t-encryption: unknown severity "severe"`},
		{"rule syntax", []string{"scan", "--no-builtin", "--rules", p("nonsense.yaml"), "--source", "file:" + p("inv.json")}, `nonsense.yaml:2: x:`},
		{"rule unknown key", []string{"scan", "--no-builtin", "--rules", p("unknownkey.yml"), "--source", "file:" + p("inv.json")}, `unknownkey.yml:7: x: unknown field "remedy"`},
		{"terraform v3 state", append([]string{"scan", "--source", "terraform:" + p("state.tfstate")}, rules...), "state.tfstate:1:"},
		{"terraform missing", append([]string{"scan", "--source", "terraform:" + p("nope.tfstate")}, rules...), "nope.tfstate"},
		{"rules folder without yaml", []string{"scan", "--rules", p("rules"), "--source", "file:" + p("inv.json")}, "no .yaml files"},
		{"missing rules path", []string{"scan", "--rules", p("nope.yaml")}, "nope.yaml"},
		{"no rules at all", []string{"scan", "--no-builtin", "--source", "file:" + p("inv.json")}, "no rules"},
		{"positional", []string{"scan", "extra"}, `unexpected argument "extra"`},
		{"lint broken", []string{"rules", "lint", p("broken.yaml")}, `broken.yaml:13: t-encryption: unknown severity "severe"`},
		{"rules unknown sub", []string{"rules", "frobnicate"}, "unknown rules subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q stderr %q", code, out, errOut)
			}
			all := out + errOut
			if !strings.Contains(all, tt.want) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tt.want, out, errOut)
			}
			for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
				if strings.Contains(l, "goroutine") || strings.Contains(l, "panic") {
					t.Errorf("stack trace on stderr: %s", errOut)
				}
			}
		})
	}
}

func TestRulesCommands(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"r/rules.yaml": testRules,
		"r/rules_test.yaml": `scan_time: 2026-01-01T00:00:00Z
templates:
  b: {type: aws.s3.bucket, account: "1", region: us-east-1, attributes: {versioning_enabled: true, encryption_enabled: true}}
cases:
  - name: good
    template: b
    resource: {id: g}
    expect: {t-versioning: pass, t-encryption: pass}
  - name: bad
    template: b
    resource: {id: b, attributes: {versioning_enabled: false}}
    expect: {t-versioning: fail}
`,
		"wrong/rules.yaml": testRules,
		"wrong/rules_test.yaml": `cases:
  - name: claims a pass
    resource: {id: b, type: aws.s3.bucket, attributes: {versioning_enabled: false, encryption_enabled: true}}
    expect: {t-versioning: pass}
`,
	})
	code, out, _ := runCmd(t, "rules", "test", filepath.Join(dir, "r"))
	if code != 0 || !strings.Contains(out, "3 expectations passed, 0 failed") {
		t.Errorf("rules test: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "warning: rule t-encryption has no passing or no failing case") {
		t.Errorf("missing coverage warning:\n%s", out)
	}
	code, out, _ = runCmd(t, "rules", "test", filepath.Join(dir, "wrong"))
	if code != 1 || !strings.Contains(out, `FAIL `) || !strings.Contains(out, `t-versioning: want pass, got fail`) {
		t.Errorf("failing fixture: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "rules", "list", "--no-builtin", "--rules", filepath.Join(dir, "r", "rules.yaml"), "--format", "json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Errorf("rules list json: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "comply ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// The built-in pack lints and tests clean, and the catalog docs are current.
func TestBuiltinPackCommands(t *testing.T) {
	if code, out, errOut := runCmd(t, "rules", "lint"); code != 0 {
		t.Errorf("rules lint: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "rules", "test"); code != 0 || !strings.Contains(out, " 0 failed") {
		t.Errorf("rules test: exit %d\n%s", code, out)
	}
	_, md, _ := runCmd(t, "rules", "types", "--markdown")
	doc, err := os.ReadFile("../../docs/resources.md")
	if err != nil || string(doc) != md {
		t.Errorf("docs/resources.md is stale: run `go run ./cmd/comply rules types --markdown > docs/resources.md` (%v)", err)
	}
}

func TestScanWithConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"policies/rules.yaml": testRules,
		"inv.json":            testInventory,
		"comply.yaml": `sources:
  - name: estate
    type: file
    path: inv.json
rules:
  builtin: false
  paths: [policies]
  disable: [t-encryption]
`,
		"typo.yaml":    "sources:\n  - name: estate\n    type: file\n    pth: inv.json\n",
		"disable.yaml": "rules:\n  disable: [no-such-rule]\n",
		"badenv.yaml":  "sources:\n  - type: file\n    path: ${INV_PATH}\n",
		"goodenv.yaml": "sources:\n  - type: file\n    path: ${INV_PATH}\nrules: {builtin: false, paths: [policies]}\n",
	})
	cfg := filepath.Join(dir, "comply.yaml")
	code, out, errOut := runCmd(t, "scan", "--config", cfg, "--format", "csv")
	if code != 1 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "t-versioning") {
		t.Fatalf("config sources and rules: exit %d\n%s%s", code, out, errOut)
	}
	// --source names a config source.
	if code, _, errOut := runCmd(t, "scan", "--config", cfg, "--source", "estate", "--format", "json"); code != 1 {
		t.Errorf("--source estate: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "scan", "--config", cfg, "--source", "nope"); code != 2 || !strings.Contains(errOut, `unknown source`) {
		t.Errorf("--source nope: exit %d %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "scan", "--config", filepath.Join(dir, "typo.yaml"))
	if code != 2 || !strings.Contains(errOut, "typo.yaml:4: unknown field \"pth\"") {
		t.Errorf("typo: exit %d %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "scan", "--config", filepath.Join(dir, "disable.yaml"), "--source", "file:"+filepath.Join(dir, "inv.json"))
	if code != 2 || !strings.Contains(errOut, `no rule "no-such-rule"`) {
		t.Errorf("disable unknown: exit %d %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "scan", "--config", filepath.Join(dir, "badenv.yaml"))
	if code != 2 || !strings.Contains(errOut, "INV_PATH is not set") {
		t.Errorf("unset env: exit %d %s", code, errOut)
	}
	// COMPLY_CONFIG and ${VAR} from the environment.
	var o, eb bytes.Buffer
	e := &env{stdout: &o, stderr: &eb, getenv: func(k string) string {
		return map[string]string{"COMPLY_CONFIG": filepath.Join(dir, "goodenv.yaml"), "INV_PATH": "inv.json"}[k]
	}}
	if code := run(context.Background(), e, []string{"scan", "--format", "json"}); code != 1 {
		t.Errorf("COMPLY_CONFIG: exit %d %s", code, eb.String())
	}
}

func TestScanTerraformExamples(t *testing.T) {
	for _, f := range []string{"terraform.tfstate", "plan.json"} {
		code, out, errOut := runCmd(t, "scan", "--source", "terraform:../../examples/terraform/"+f, "--format", "json")
		var doc struct {
			Scan     struct{ Complete bool }
			Findings []any
		}
		if code != 1 || json.Unmarshal([]byte(out), &doc) != nil || !doc.Scan.Complete || len(doc.Findings) == 0 {
			t.Errorf("%s: exit %d, %d findings, stderr %s", f, code, len(doc.Findings), errOut)
		}
	}
}

// A rule that fails at run time makes the scan incomplete: exit 3, and what
// was evaluated is still printed with the error.
func TestScanIncompleteIsExit3(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"rules.yaml": testRules + `  - id: t-breaks
    title: Indexes past the end
    resource: aws.s3.bucket
    severity: low
    assert: tags["owner"] == "x" || [1][len(tags)] == 1
`,
		"inv.json": testInventory,
	})
	code, out, errOut := runCmd(t, "scan", "--no-builtin", "--rules", filepath.Join(dir, "rules.yaml"),
		"--source", "file:"+filepath.Join(dir, "inv.json"), "--format", "json")
	if code != 3 {
		t.Fatalf("exit %d, want 3; stderr %s", code, errOut)
	}
	var doc struct {
		Scan struct {
			Complete bool `json:"complete"`
			Errors   []struct {
				Source  string `json:"source"`
				RuleID  string `json:"rule_id"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"scan"`
		Findings []struct {
			RuleID string `json:"rule_id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Scan.Complete || len(doc.Scan.Errors) != 1 || doc.Scan.Errors[0].RuleID != "t-breaks" || doc.Scan.Errors[0].Source != "rules" {
		t.Errorf("scan %+v", doc.Scan)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].RuleID != "t-versioning" {
		t.Errorf("the evaluated findings are still reported: %+v", doc.Findings)
	}
	if !strings.Contains(errOut, "scan incomplete") {
		t.Errorf("stderr %q", errOut)
	}
}
