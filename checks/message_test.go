package checks

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var msgNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func sampleFinding() Finding {
	fp := Fingerprint("aws-s3-bucket-encryption", "123456789012", "us-east-1", "arn:aws:s3:::example")
	return Finding{
		Fingerprint: fp, RuleID: "aws-s3-bucket-encryption", Title: "S3 buckets encrypt data at rest",
		Severity: SeverityHigh, ResourceID: "arn:aws:s3:::example", ResourceType: "aws.s3.bucket",
		ResourceName: "example", Account: "123456789012", Region: "us-east-1",
		Message: "Bucket example has no default encryption", Remediation: "Enable SSE-S3 or SSE-KMS.",
		RemediationAction: "aws.s3.enable-default-encryption",
		Frameworks:        map[string][]string{"SOC2": {"CC6.1"}},
		Evidence:          map[string]any{"encryption": nil},
		Tags:              map[string]string{"team": "data"},
	}
}

func actionIDs(as []Action) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestFindingMessageActionsByLifecycle(t *testing.T) {
	f := sampleFinding()
	fp := f.Fingerprint
	open := &FindingState{Fingerprint: fp, Status: LifecycleOpen, OpenedAt: msgNow.Add(-time.Hour)}
	acked := &FindingState{Fingerprint: fp, Status: LifecycleOpen, Ack: &Acknowledgement{By: "U123ABC", At: msgNow, Reason: "known"}}
	snoozed := &FindingState{Fingerprint: fp, Status: LifecycleOpen, Snooze: &Snooze{By: "U123ABC", At: msgNow, Until: msgNow.Add(7 * 24 * time.Hour), Reason: "later"}}
	expired := &FindingState{Fingerprint: fp, Status: LifecycleOpen, Snooze: &Snooze{By: "U123ABC", Until: msgNow.Add(-time.Hour)}}
	resolved := &FindingState{Fingerprint: fp, Status: LifecycleResolved, ResolvedAt: msgNow}
	pendingReq := RemediationRequest{ID: "rem-0123456789abcdef", Status: RemediationRequested, RequiredApprovals: 2,
		Approvals: []Approval{{Approver: "U0CAROL01", At: msgNow}}}

	tests := []struct {
		name      string
		st        *FindingState
		view      FindingView
		lifecycle Lifecycle
		actions   []string
		state     string
	}{
		{"never triaged", nil, FindingView{}, LifecycleOpen,
			[]string{"ack", "snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "show"}, "Open"},
		{"open with fix", open, FindingView{CanFix: true}, LifecycleOpen,
			[]string{"ack", "snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "fix", "show"}, "Open since 2025-03-10 11:00 UTC"},
		{"acknowledged", acked, FindingView{}, LifecycleAcknowledged,
			[]string{"snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "show"}, "Acknowledged by @U123ABC 2025-03-10 12:00 UTC: known"},
		{"snoozed", snoozed, FindingView{}, LifecycleSnoozed,
			[]string{"ack", "unsnooze", "show"}, "Snoozed until 2025-03-17 12:00 UTC by @U123ABC: later"},
		{"snooze expired", expired, FindingView{}, LifecycleOpen,
			[]string{"ack", "snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "show"}, "Open · snooze ended 2025-03-10 11:00 UTC"},
		{"resolved", resolved, FindingView{CanFix: true}, LifecycleResolved, []string{"show"}, "Resolved 2025-03-10 12:00 UTC"},
		{"fix pending", open, FindingView{CanFix: true, Pending: &pendingReq}, LifecycleRemediationPending,
			[]string{"ack", "snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "show"},
			"Open since 2025-03-10 11:00 UTC · remediation-pending: fix rem-0123456789abcdef (waiting for approval, 1 of 2)"},
		{"fix pending, acknowledged", acked, FindingView{CanFix: true, Pending: &pendingReq}, LifecycleRemediationPending,
			[]string{"snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom", "show"},
			"Acknowledged by @U123ABC 2025-03-10 12:00 UTC: known · remediation-pending: fix rem-0123456789abcdef (waiting for approval, 1 of 2)"},
		{"resolved with a request left", resolved, FindingView{CanFix: true, Pending: &pendingReq}, LifecycleResolved, []string{"show"}, "Resolved 2025-03-10 12:00 UTC"},
		{"detail has no show button", open, FindingView{Detail: true}, LifecycleOpen,
			[]string{"ack", "snooze-1d", "snooze-7d", "snooze-30d", "snooze-custom"}, "Open since 2025-03-10 11:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := FindingMessage(f, tt.st, msgNow, tt.view)
			if m.Lifecycle != tt.lifecycle {
				t.Errorf("lifecycle = %s, want %s", m.Lifecycle, tt.lifecycle)
			}
			if got := actionIDs(m.Actions); !slices.Equal(got, tt.actions) {
				t.Errorf("actions = %v, want %v", got, tt.actions)
			}
			if got := m.State.String(); got != tt.state {
				t.Errorf("state = %q, want %q", got, tt.state)
			}
			if m.Key != f.Fingerprint || m.Title != f.Title || m.Severity != SeverityHigh {
				t.Errorf("key/title/severity = %q %q %v", m.Key, m.Title, m.Severity)
			}
		})
	}
}

func TestFindingMessageCommandsParseable(t *testing.T) {
	f := sampleFinding()
	m := FindingMessage(f, nil, msgNow, FindingView{CanFix: true})
	want := map[string]string{
		"ack":       "ack " + f.Fingerprint,
		"snooze-7d": "snooze " + f.Fingerprint + " 7d snoozed from Slack",
		"fix":       "fix " + f.Fingerprint,
		"show":      "show " + f.Fingerprint,
	}
	for _, a := range m.Actions {
		if w, ok := want[a.ID]; ok && a.Command != w {
			t.Errorf("%s command = %q, want %q", a.ID, a.Command, w)
		}
		if a.ID == "snooze-custom" && (a.Modal != ModalSnooze || a.Subject != f.Fingerprint || a.Command != "") {
			t.Errorf("snooze-custom = %+v", a)
		}
		if a.ID == "fix" && (a.Confirm == "" || a.Style != StyleDanger) {
			t.Errorf("fix needs a confirmation and danger style: %+v", a)
		}
	}
	// Without a remediation action there is no Fix button, even if allowed.
	f.RemediationAction = ""
	if ids := actionIDs(FindingMessage(f, nil, msgNow, FindingView{CanFix: true}).Actions); slices.Contains(ids, "fix") {
		t.Errorf("fix shown without a remediation action: %v", ids)
	}
}

func TestFindingDetail(t *testing.T) {
	f := sampleFinding()
	st := &FindingState{Status: LifecycleOpen, FirstSeen: msgNow.Add(-48 * time.Hour), LastSeen: msgNow, TimesSeen: 3}
	f.Source = RulePosition{File: "rules/s3.yaml", Line: 12}
	m := FindingMessage(f, st, msgNow, FindingView{Detail: true})
	if m.Kind != MessageDetail {
		t.Fatalf("kind = %s", m.Kind)
	}
	labels := map[string]string{}
	for _, fl := range m.Fields {
		labels[fl.Label] = fl.Value.String()
	}
	for label, want := range map[string]string{
		"Resource": "example", "Resource id": "arn:aws:s3:::example", "Tags": "team=data",
		"Last seen": "2025-03-10 12:00 UTC (3 scans)",
	} {
		if labels[label] != want {
			t.Errorf("field %s = %q, want %q", label, labels[label], want)
		}
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.Label)
	}
	if !slices.Equal(notes, []string{"Remediation", "Evidence"}) {
		t.Errorf("notes = %v", notes)
	}
	ctx := m.Context[0].String() + " | " + m.Context[1].String()
	if !strings.Contains(ctx, f.Fingerprint) || !strings.Contains(ctx, "rules/s3.yaml:12") {
		t.Errorf("context = %q", ctx)
	}
}

func TestUserControlledTextIsValueSpans(t *testing.T) {
	f := sampleFinding()
	st := &FindingState{Status: LifecycleOpen, Ack: &Acknowledgement{By: "<!channel>", Reason: "*bold* <@U1>", At: msgNow}}
	m := FindingMessage(f, st, msgNow, FindingView{})
	for _, s := range m.State {
		if strings.Contains(s.Text, "<") && s.Kind != SpanValue && s.Kind != SpanUser {
			t.Errorf("user text in a %s span: %q", s.Kind, s.Text)
		}
	}
}

func TestScanSummaryMessage(t *testing.T) {
	overall := 91.5
	mk := func(sev Severity, rule string) Finding {
		return Finding{Fingerprint: Fingerprint(rule, "1", "r", rule), RuleID: rule, Severity: sev, Title: rule}
	}
	r := &ScanReport{
		Scan: ScanInfo{ID: "scan-1", Complete: true, StartedAt: msgNow, FinishedAt: msgNow.Add(90 * time.Second),
			Resources: 10, Rules: 5, Evaluations: 40, Sources: []string{"file:inv.json"}},
		Score:    Score{Overall: &overall, Frameworks: map[string]float64{"SOC2": 90, "HIPAA": 80}},
		Summary:  Summary{SeverityHigh: 1, SeverityLow: 2},
		Findings: []Finding{mk(SeverityLow, "b"), mk(SeverityHigh, "a"), mk(SeverityLow, "c")},
	}
	tests := []struct {
		name    string
		mutate  func(*ScanReport)
		top     int
		title   string
		text    string
		items   []string
		hasMore bool
		actions int
	}{
		{"top two", nil, 2, "Scan complete", "3 failing findings: 1 high, 2 low.", []string{"a", "b"}, true, 1},
		{"top zero", nil, 0, "Scan complete", "3 failing findings: 1 high, 2 low.", nil, true, 1},
		{"all", nil, 10, "Scan complete", "3 failing findings: 1 high, 2 low.", []string{"a", "b", "c"}, false, 1},
		{"clean", func(r *ScanReport) { r.Findings = nil; r.Summary = Summary{} }, 5, "Scan complete", "No failing findings.", nil, false, 0},
		{"incomplete", func(r *ScanReport) {
			r.Scan.Complete = false
			r.Scan.Errors = []ScanError{{Source: "aws", Message: "denied"}}
			r.Findings = nil
			r.Summary = nil
		}, 5, "Scan incomplete", "No failing findings among what could be checked; some checks did not run.", nil, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := *r
			if tt.mutate != nil {
				tt.mutate(&rr)
			}
			m := ScanSummaryMessage(&rr, tt.top)
			if m.Title != tt.title || m.Text != tt.text {
				t.Errorf("title/text = %q / %q", m.Title, m.Text)
			}
			var items []string
			for _, it := range m.Items {
				items = append(items, it.Title)
			}
			if !slices.Equal(items, tt.items) || m.HasMore != tt.hasMore || len(m.Actions) != tt.actions {
				t.Errorf("items = %v hasMore = %v actions = %d", items, m.HasMore, len(m.Actions))
			}
		})
	}
	m := ScanSummaryMessage(r, 1)
	var fields []string
	for _, f := range m.Fields {
		fields = append(fields, f.Label+"="+f.Value.String())
	}
	want := []string{"Score=91.5%", "HIPAA=80.0%", "SOC2=90.0%", "Checked=10 resources, 5 rules, 40 evaluations"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
	if got := m.Context[0].String(); got != "Top 1 of 3 findings shown." {
		t.Errorf("context = %q", got)
	}
	if got := m.Context[1].String(); got != "Scan scan-1 · finished 2025-03-10 12:01 UTC in 1m30s" {
		t.Errorf("context = %q", got)
	}
	if r.Findings[0].RuleID != "b" {
		t.Error("ScanSummaryMessage reordered the report's findings")
	}
}

func TestFindingsListMessagePaging(t *testing.T) {
	f := sampleFinding()
	tests := []struct {
		name    string
		page    FindingsPage
		text    string
		actions map[string]string
	}{
		{"first of many", FindingsPage{Findings: []Finding{f}, Page: 1, HasMore: true, Total: 30, Severity: SeverityHigh, Framework: "SOC2"},
			"30 matching, page 1.", map[string]string{"next": "findings high SOC2 page 2"}},
		{"middle", FindingsPage{Findings: []Finding{f}, Page: 2, HasMore: true, Total: 30},
			"30 matching, page 2.", map[string]string{"prev": "findings", "next": "findings page 3"}},
		{"last", FindingsPage{Findings: []Finding{f}, Page: 3, Total: 30, Framework: "HIPAA"},
			"30 matching, page 3.", map[string]string{"prev": "findings HIPAA page 2"}},
		{"empty", FindingsPage{Page: 1}, "No open findings match.", map[string]string{}},
		{"zero page is first", FindingsPage{Page: 0}, "No open findings match.", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := FindingsListMessage(tt.page, msgNow)
			if m.Text != tt.text {
				t.Errorf("text = %q, want %q", m.Text, tt.text)
			}
			got := map[string]string{}
			for _, a := range m.Actions {
				got[a.ID] = a.Command
			}
			if len(got) != len(tt.actions) {
				t.Errorf("actions = %v, want %v", got, tt.actions)
			}
			for id, cmd := range tt.actions {
				if got[id] != cmd {
					t.Errorf("action %s = %q, want %q", id, got[id], cmd)
				}
			}
			if len(m.Items) != len(tt.page.Findings) {
				t.Errorf("%d items for %d findings", len(m.Items), len(tt.page.Findings))
			}
		})
	}
	st := map[string]*FindingState{f.Fingerprint: {Status: LifecycleOpen, Snooze: &Snooze{Until: msgNow.Add(time.Hour)}}}
	m := FindingsListMessage(FindingsPage{Findings: []Finding{f}, States: st, Page: 1, Total: 1}, msgNow)
	if got := m.Items[0].Detail.String(); !strings.Contains(got, "snoozed until 2025-03-10 13:00 UTC") {
		t.Errorf("item detail = %q", got)
	}
	if a := m.Items[0].Action; a == nil || a.Command != "show "+f.Fingerprint {
		t.Errorf("item action = %+v", a)
	}
}

func TestDigestAndSimpleMessages(t *testing.T) {
	f := sampleFinding()
	changes := []Change{{Kind: ChangeNew, Finding: f}, {Kind: ChangeResolved, Finding: f}, {Kind: ChangeNew, Finding: f}}
	d := DigestMessage(changes, msgNow, 2)
	if d.Title != "3 compliance changes" || d.Text != "2 new, 1 resolved" || len(d.Items) != 2 || !d.HasMore {
		t.Errorf("digest = %q %q items=%d more=%v", d.Title, d.Text, len(d.Items), d.HasMore)
	}
	if got := d.Items[1].Detail.String(); !strings.HasPrefix(got, "resolved · ") {
		t.Errorf("digest item = %q", got)
	}
	e := ErrorMessage("unknown command", "Usage: /comply help")
	if e.Kind != MessageError || len(e.Notes) != 1 || e.Notes[0].Text != "Usage: /comply help" {
		t.Errorf("error message = %+v", e)
	}
	if len(ErrorMessage("x", "").Notes) != 0 {
		t.Error("empty usage makes a note")
	}
	p := ScanProgressMessage("scan-1", "s3 in us-east-1", "U1ABC", msgNow, "collecting")
	if p.State.String() != "Started by @U1ABC 2025-03-10 12:00 UTC" || p.Fields[0].Value.String() != "s3 in us-east-1" {
		t.Errorf("progress = %+v", p)
	}
}
