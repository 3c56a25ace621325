package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

const fp = "0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Command
	}{
		{"", Command{Name: Help}},
		{"   ", Command{Name: Help}},
		{"help", Command{Name: Help}},
		{"help Snooze", Command{Name: Help, Topic: "snooze"}},
		{"scan", Command{Name: Scan}},
		{"SCAN --service s3 --region eu-west-1", Command{Name: Scan, Service: "s3", Region: "eu-west-1"}},
		{"scan --account=123456789012 --framework hipaa", Command{Name: Scan, Account: "123456789012", Framework: checks.FrameworkHIPAA}},
		{"status", Command{Name: Status}},
		{"findings", Command{Name: Findings, Page: 1}},
		{"findings high soc2", Command{Name: Findings, Severity: checks.SeverityHigh, Framework: checks.FrameworkSOC2, Page: 1}},
		{"findings pci critical page 3", Command{Name: Findings, Severity: checks.SeverityCritical, Framework: checks.FrameworkPCI, Page: 3}},
		{"list cis-aws", Command{Name: Findings, Framework: checks.FrameworkCISAWS, Page: 1}},
		{"show 0123456789", Command{Name: Show, ID: "0123456789"}},
		{"show #ABCDEF12", Command{Name: Show, ID: "abcdef12"}},
		{"ack " + fp, Command{Name: Ack, ID: fp}},
		{"ack 012345 risk accepted by CISO", Command{Name: Ack, ID: "012345", Reason: "risk accepted by CISO"}},
		{`snooze 012345 7d "waiting for vendor patch"`, Command{Name: Snooze, ID: "012345", Duration: 7 * 24 * time.Hour, Reason: "waiting for vendor patch"}},
		{"snooze 012345 1d12h change freeze", Command{Name: Snooze, ID: "012345", Duration: 36 * time.Hour, Reason: "change freeze"}},
		{"snooze 012345 2w \u201ccurly quotes\u201d", Command{Name: Snooze, ID: "012345", Duration: 14 * 24 * time.Hour, Reason: "curly quotes"}},
		{"unsnooze 012345", Command{Name: Unsnooze, ID: "012345"}},
		{"fix 012345", Command{Name: Fix, ID: "012345"}},
		{"approve rem-0123abcd4567ef89", Command{Name: Approve, ID: "rem-0123abcd4567ef89"}},
		{"Approve REM-0123ABCD", Command{Name: Approve, ID: "rem-0123abcd"}},
		{"reject rem-0123abcd", Command{Name: Reject, ID: "rem-0123abcd"}},
		{"reject rem-0123abcd not during the <!here> freeze", Command{Name: Reject, ID: "rem-0123abcd", Reason: "not during the <!here> freeze"}},
		{"report hipaa", Command{Name: Report, Framework: checks.FrameworkHIPAA}},
		{"report PCI html", Command{Name: Report, Framework: checks.FrameworkPCI, Format: "html"}},
		{"rules", Command{Name: Rules}},
		{"rules hitrust", Command{Name: Rules, Framework: checks.FrameworkHITRUST}},
		{"ack 012345 <!channel> *bold*", Command{Name: Ack, ID: "012345", Reason: "<!channel> *bold*"}},
		{`ack 012345 'said "no"'`, Command{Name: Ack, ID: "012345", Reason: `said "no"`}},
		{"help 'a b'", Command{Name: Help, Topic: "a b"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			// A button carries String(); it must parse to the same command.
			again, err := Parse(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip %q -> %q -> %+v (%v)", tt.in, got.String(), again, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want, usage string
	}{
		{"frobnicate", `unknown command "frobnicate"`, "/comply scan"},
		{"status now", "status takes no arguments", "/comply status"},
		{"scan --region", "--region needs a value", "/comply scan"},
		{"scan --region mars", `bad region "mars"`, "/comply scan"},
		{"scan --account 12", `bad account "12"`, "/comply scan"},
		{"scan --framework sox", `unknown framework "sox"`, "/comply scan"},
		{"scan --colour red", `unknown option "--colour"`, "/comply scan"},
		{"findings sometimes", `"sometimes" is not a severity`, "/comply findings"},
		{"findings page 0", `bad page "0"`, "/comply findings"},
		{"show", "show needs exactly one finding id", "/comply show"},
		{"show 123", `"123" is not a finding id`, "/comply show"},
		{"show zzzzzzzz", `"zzzzzzzz" is not a finding id`, "/comply show"},
		{"show " + fp + "0", "is not a finding id", "/comply show"},
		{"ack", "which finding?", "/comply ack"},
		{"approve", "approve needs exactly one request id", "/comply approve"},
		{"approve rem-0123abcd now", "approve needs exactly one request id", "/comply approve"},
		{"approve 0123abcd", `"0123abcd" is not a remediation request id`, "/comply approve"},
		{"reject", "which request?", "/comply reject"},
		{"reject rem-<!channel>", "is not a remediation request id", "/comply reject"},
		{"reject rem-0123abcd " + strings.Repeat("x", MaxReasonLen+1), "reason too long", "/comply reject"},
		{"snooze 012345 7d", "snooze needs an id, a duration and a reason", "/comply snooze"},
		{"snooze 012345 soon because", `bad duration "soon"`, "/comply snooze"},
		{"snooze 012345 0m because", "too short", "/comply snooze"},
		{"snooze 012345 400d because", "too long", "/comply snooze"},
		{"snooze 012345 99999999999999999999d because", "too long", "/comply snooze"},
		{`snooze 012345 7d "unclosed`, "unclosed \" quote", "/comply scan"},
		{"report", "report needs a framework", "/comply report"},
		{"report hipaa pdf", `unknown format "pdf"`, "/comply report"},
		{"rules soc2 hipaa", "at most a framework", "/comply rules"},
		{"ack 012345 " + strings.Repeat("x", MaxReasonLen+1), "reason too long", "/comply ack"},
		{strings.Repeat("a", MaxTextLen+1), "command too long", "/comply scan"},
		{"\xff\xfe", "not valid UTF-8", "/comply scan"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			_, err := Parse(tt.in)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v, want *Error", tt.in, err)
			}
			if !strings.Contains(pe.Msg, tt.want) {
				t.Errorf("message %q lacks %q", pe.Msg, tt.want)
			}
			if !strings.Contains(pe.Usage, tt.usage) {
				t.Errorf("usage %q lacks %q", pe.Usage, tt.usage)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "12h": 12 * time.Hour, "7d": 168 * time.Hour, "2w": 336 * time.Hour, "1d12h30m": 36*time.Hour + 30*time.Minute, "365d": MaxSnooze} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
		if back, _ := ParseDuration(FormatDuration(got)); back != got {
			t.Errorf("FormatDuration(%v) = %s does not round-trip", got, FormatDuration(got))
		}
	}
	for _, bad := range []string{"", "7", "d", "7x", "-1d", "1.5d", "7d7d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "scan --region us-east-1", "snooze 012345 7d \"x y\"", "findings high hipaa page 2",
		"ack 0123456789abcdef because", "report pci html", "help snooze", "\u201cq\u201d", "scan --account=1",
		"fix 0123456789abcdef", "approve rem-0a1b2c3d4e5f6071", "reject rem-0a1b2c3d4e5f6071 not during the freeze",
		"done access-review 2026-10-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Usage == "" || pe.Msg == "" {
				t.Fatalf("Parse(%q): error %v without usage", in, err)
			}
			return
		}
		// Whatever parses re-parses from its String form to the same command
		// (text with both kinds of quote cannot be written back exactly).
		if strings.Contains(c.Reason, `"`) && strings.Contains(c.Reason, "'") ||
			strings.Contains(c.Topic, `"`) && strings.Contains(c.Topic, "'") {
			return
		}
		again, err := Parse(c.String())
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("Parse(%q) = %+v; String %q parses to %+v, %v", in, c, c.String(), again, err)
		}
	})
}
