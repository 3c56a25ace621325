package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	slackgo "github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var goldenNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func goldenFinding() checks.Finding {
	return checks.Finding{
		Fingerprint:       checks.Fingerprint("aws-s3-bucket-encryption", "123456789012", "us-east-1", "arn:aws:s3:::example-data"),
		RuleID:            "aws-s3-bucket-encryption",
		Title:             "S3 buckets encrypt data at rest by default",
		Severity:          checks.SeverityHigh,
		ResourceID:        "arn:aws:s3:::example-data",
		ResourceType:      "aws.s3.bucket",
		ResourceName:      "example-data",
		Account:           "123456789012",
		Region:            "us-east-1",
		Message:           "Bucket example-data has no default encryption.",
		Remediation:       "aws s3api put-bucket-encryption --bucket example-data \\\n  --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"AES256\"}}]}'",
		RemediationAction: "aws.s3.enable-default-encryption",
		Frameworks:        map[string][]string{"SOC2": {"CC6.1", "CC6.7"}, "CIS-AWS": {"2.1.1"}, "HIPAA": {"164.312(a)(2)(iv)"}},
	}
}

// hostileFinding is a finding whose every user-controlled string tries to
// ping, link or format.
func hostileFinding() checks.Finding {
	f := goldenFinding()
	f.ResourceName = "<!channel>"
	f.ResourceID = "arn:aws:s3:::<!here>"
	f.Title = "<@U0ADMIN01> *bold* _italic_ ~strike~"
	f.Message = "Bucket <!channel> & <https://evil.example|click here> has `code`"
	f.Remediation = "Run ```rm -rf /``` & <!everyone>"
	f.Frameworks = map[string][]string{"SOC2": {"*CC6.1*"}}
	f.Tags = map[string]string{"team": "*bold*"}
	return f
}

func goldenCases() map[string]checks.Message {
	f := goldenFinding()
	fp := f.Fingerprint
	open := &checks.FindingState{Fingerprint: fp, Status: checks.LifecycleOpen, OpenedAt: goldenNow.Add(-2 * time.Hour)}
	acked := &checks.FindingState{Fingerprint: fp, Status: checks.LifecycleOpen, OpenedAt: goldenNow.Add(-2 * time.Hour),
		Ack: &checks.Acknowledgement{By: "U0ALICE01", At: goldenNow.Add(-time.Hour), Reason: "Tracked in SEC-42"}}
	snoozed := &checks.FindingState{Fingerprint: fp, Status: checks.LifecycleOpen, OpenedAt: goldenNow.Add(-2 * time.Hour),
		Snooze: &checks.Snooze{By: "U0ALICE01", At: goldenNow, Until: goldenNow.Add(7 * 24 * time.Hour), Reason: "snoozed from Slack"}}
	resolved := &checks.FindingState{Fingerprint: fp, Status: checks.LifecycleResolved, ResolvedAt: goldenNow}
	hostile := hostileFinding()
	hostileState := &checks.FindingState{Fingerprint: fp, Status: checks.LifecycleOpen,
		Ack: &checks.Acknowledgement{By: "<!channel>", At: goldenNow, Reason: "<@U0BOSS01> said *so*"}}

	overall := 87.5
	report := &checks.ScanReport{
		Scan: checks.ScanInfo{ID: "scan-20250310T120000Z-0a1b2c3d", StartedAt: goldenNow, FinishedAt: goldenNow.Add(42 * time.Second),
			Complete: true, Sources: []string{"aws"}, Resources: 120, Rules: 38, Evaluations: 640},
		Score:   checks.Score{Overall: &overall, Frameworks: map[string]float64{"SOC2": 90.2, "CIS-AWS": 81}},
		Summary: checks.Summary{checks.SeverityCritical: 1, checks.SeverityHigh: 2, checks.SeverityMedium: 4},
	}
	for i, sev := range []checks.Severity{checks.SeverityMedium, checks.SeverityCritical, checks.SeverityHigh, checks.SeverityHigh, checks.SeverityMedium, checks.SeverityMedium, checks.SeverityMedium} {
		g := goldenFinding()
		g.Severity = sev
		g.ResourceName = strings.Repeat("b", i+1) + "-bucket"
		g.Fingerprint = checks.Fingerprint(g.RuleID, g.Account, g.Region, g.ResourceName)
		report.Findings = append(report.Findings, g)
	}
	summary := checks.ScanSummaryMessage(report, 3)
	summary.Context = append(summary.Context, checks.ScanChangesLines(checks.ScanChanges{New: 2, Resolved: 1, StillOpen: 5,
		Posted: 2, Updated: 1, Waiting: 3, Failed: 1})...)
	list := checks.FindingsPage{Findings: report.Findings[:3], Page: 2, HasMore: true, Total: 7, Severity: checks.SeverityMedium,
		States: map[string]*checks.FindingState{report.Findings[0].Fingerprint: snoozed}}

	return map[string]checks.Message{
		"finding_open":     checks.FindingMessage(f, open, goldenNow, checks.FindingView{CanFix: true}),
		"finding_acked":    checks.FindingMessage(f, acked, goldenNow, checks.FindingView{CanFix: true}),
		"finding_snoozed":  checks.FindingMessage(f, snoozed, goldenNow, checks.FindingView{}),
		"finding_resolved": checks.FindingMessage(f, resolved, goldenNow, checks.FindingView{}),
		"finding_hostile":  checks.FindingMessage(hostile, hostileState, goldenNow, checks.FindingView{Detail: true}),
		"scan_progress":    checks.ScanProgressMessage(report.Scan.ID, "service s3, region us-east-1", "U0ALICE01", goldenNow, "Collecting resources…"),
		"scan_summary":     summary,
		"finding_reminder": checks.ReminderMessage(f, open, checks.ReasonReminder, goldenNow.Add(72*time.Hour), checks.FindingView{CanFix: true}),
		"findings_list":    checks.FindingsListMessage(list, goldenNow),
		"error":            checks.ErrorMessage(`unknown command "<!channel>"`, "Usage: /comply snooze <id> <duration like 7d or 12h> <reason>"),
	}
}

func renderJSON(t *testing.T, m checks.Message) []byte {
	t.Helper()
	blocks, text := Render(m)
	// Unescaped HTML characters keep the golden files readable; Slack
	// decodes \u0026 and & alike.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"text": text, "blocks": blocks}); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return buf.Bytes()
}

func TestRenderGolden(t *testing.T) { checkGoldens(t, goldenCases()) }

// checkGoldens compares each message's rendering with its golden file
// (-update rewrites them), checks Slack would take the blocks and that no
// raw markup slipped through.
func checkGoldens(t *testing.T, cases map[string]checks.Message) {
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			got := renderJSON(t, m)
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", path, got)
			}
			blocks, _ := Render(m)
			js, _ := json.Marshal(blocks)
			if err := slacktest.ValidateBlocks(js); err != nil {
				t.Errorf("Slack would reject the blocks: %v", err)
			}
			for _, text := range renderedTexts(t, m) {
				checkNoRawMarkup(t, name, text)
			}
		})
	}
}

func TestHostileValuesShownNotObeyed(t *testing.T) {
	js := string(renderJSON(t, goldenCases()["finding_hostile"]))
	for _, want := range []string{
		"`&lt;!channel&gt;`",                      // resource name as a value
		"`team=*bold*`",                           // formatting characters kept, inside code
		"&lt;https://evil.example|click here&gt;", // a link shown, not made
		"ˋˋˋrm -rf /ˋˋˋ",                          // a code fence cannot close ours
		"`&lt;@U0BOSS01&gt; said *so*`",           // a reason cannot mention
	} {
		if !strings.Contains(js, want) {
			t.Errorf("rendering lacks %s", want)
		}
	}
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN01>", "<@U0BOSS01>", "<https://evil"} {
		if strings.Contains(js, bad) {
			t.Errorf("rendering contains live markup %s", bad)
		}
	}
}

func TestBlockIDsStableAcrossUpdates(t *testing.T) {
	c := goldenCases()
	ids := func(m checks.Message) map[string]bool {
		blocks, _ := Render(m)
		out := map[string]bool{}
		for _, b := range blocks {
			out[b.ID()] = true
		}
		return out
	}
	open, acked := ids(c["finding_open"]), ids(c["finding_acked"])
	for _, role := range []string{"title", "text", "fields-0", "controls", "note-0", "state", "actions-0", "context"} {
		id := blockPrefix(c["finding_open"]) + "." + role
		if !open[id] || !acked[id] {
			t.Errorf("block %s not in both versions (open %v, acked %v)", id, open[id], acked[id])
		}
	}
}

func TestRenderLimits(t *testing.T) {
	long := strings.Repeat("&x", 5000)
	var items []checks.Item
	for i := range 120 {
		items = append(items, checks.Item{Key: "k", Severity: checks.SeverityLow, Title: "item", Action: &checks.Action{ID: "show", Label: "Show", Command: "show 0123abcd"}})
		_ = i
	}
	m := checks.Message{
		Kind:    checks.MessageList,
		Key:     strings.Repeat("k", 300),
		Title:   long,
		Text:    long,
		Fields:  []checks.Field{checks.ValueField(long, long)},
		Notes:   []checks.Note{{Label: "Note", Text: long}},
		Items:   items,
		Actions: []checks.Action{{ID: "next", Label: long, Command: "findings page 2", Confirm: long}, {ID: "huge", Label: "Huge", Command: strings.Repeat("x", 2001)}},
		Context: []checks.Line{{checks.ValueSpan(long)}},
	}
	blocks, fallback := Render(m)
	if len(blocks) != MaxBlocks {
		t.Errorf("%d blocks, want exactly %d (items cut)", len(blocks), MaxBlocks)
	}
	js, _ := json.Marshal(blocks)
	if err := slacktest.ValidateBlocks(js); err != nil {
		t.Fatalf("Slack would reject: %v", err)
	}
	s := string(js)
	if !strings.Contains(s, "more not shown.") {
		t.Error("no note about items left out")
	}
	if strings.Contains(s, "comply_cmd/huge") {
		t.Error("a command too long for a button value was cut instead of dropped")
	}
	last, ok := blocks[len(blocks)-1].(*slackgo.ContextBlock)
	if !ok {
		t.Fatalf("last block is %T, want the context", blocks[len(blocks)-1])
	}
	_ = last
	if _, ok := blocks[len(blocks)-2].(*slackgo.ActionBlock); !ok {
		t.Errorf("actions were dropped: block %T", blocks[len(blocks)-2])
	}
	if textLen(fallback) > maxFallbackText {
		t.Errorf("fallback %d chars", textLen(fallback))
	}
	for _, text := range renderedTexts(t, m) {
		checkNoRawMarkup(t, "limits", text)
	}
	for _, b := range blocks {
		if n := len(b.ID()); n > 255 {
			t.Errorf("block id of %d chars", n)
		}
	}
}

func TestRenderSplitsManyFieldsAndButtons(t *testing.T) {
	var fields []checks.Field
	var actions []checks.Action
	for i := range 23 {
		fields = append(fields, checks.TextField("F", "v"))
		actions = append(actions, checks.Action{ID: strings.Repeat("a", i+1), Label: "B", Command: "help"})
	}
	for i := range 10 {
		actions = append(actions, checks.Action{ID: strings.Repeat("b", i+1), Label: "B", Command: "help"})
	}
	blocks, _ := Render(checks.Message{Kind: checks.MessageText, Text: "t", Fields: fields, Actions: actions})
	var sections, actionBlocks int
	for _, b := range blocks {
		switch x := b.(type) {
		case *slackgo.SectionBlock:
			if len(x.Fields) > 0 {
				sections++
			}
		case *slackgo.ActionBlock:
			actionBlocks++
		}
	}
	if sections != 3 || actionBlocks != 2 {
		t.Errorf("field sections = %d (want 3), action blocks = %d (want 2)", sections, actionBlocks)
	}
	js, _ := json.Marshal(blocks)
	if err := slacktest.ValidateBlocks(js); err != nil {
		t.Errorf("Slack would reject: %v", err)
	}
}

func TestLinksText(t *testing.T) {
	tests := []struct {
		links []checks.Link
		want  string
	}{
		{[]checks.Link{{Label: "SEC-42", URL: "https://jira.example.com/browse/SEC-42"}}, "<https://jira.example.com/browse/SEC-42|SEC-42>"},
		{[]checks.Link{{Label: "a", URL: "https://x.example/?q=1&r=2"}, {Label: "b", URL: "http://y.example/"}}, "<https://x.example/?q=1&amp;r=2|a> · <http://y.example/|b>"},
		{[]checks.Link{{Label: "pipe", URL: "https://x.example/a|b c>d"}}, "<https://x.example/a%7Cb%20c%3Ed|pipe>"},
		{[]checks.Link{{Label: "*bold* <!here> | x", URL: "https://x.example/"}}, "<https://x.example/|∗bold∗ &lt;!here&gt; ¦ x>"},
		{[]checks.Link{{URL: "https://x.example/"}}, "<https://x.example/|https://x.example/>"},
		{[]checks.Link{{Label: "js", URL: "javascript:alert(1)"}, {Label: "rel", URL: "/relative"}, {Label: "bad", URL: "%zz"}}, ""},
	}
	for _, tt := range tests {
		if got := linksText(tt.links); got != tt.want {
			t.Errorf("linksText(%v) = %q, want %q", tt.links, got, tt.want)
		}
	}
}
