package jira

import (
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain bucket", "plain bucket"},
		{"[evil|http://x]", `\[evil\|http\://x\]`},
		{"{color:red}big{color}", `\{color\:red\}big\{color\}`},
		{"*bold* _it_ -del- +ins+ ^sup^ ~sub~", `\*bold\* \_it\_ \-del\- \+ins\+ \^sup\^ \~sub\~`},
		{"[~admin] !http://x/i.png! #1 ??cite??", `\[\~admin\] \!http\://x/i.png\! \#1 \?\?cite\?\?`},
		{`a\\b`, "a&#92;&#92;b"},
		{"x\nh1. Heading\n||a||", `x h1. Heading \|\|a\|\|`},
		{"(x) :) &amp;", `\(x\) \:\) &amp;amp\;`},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDescriptionEscapesEveryValue(t *testing.T) {
	evil := "[evil|http://x] {color} *b* {noformat}"
	f := checks.Finding{
		Fingerprint: "fp", RuleID: evil, Title: evil, Severity: checks.SeverityHigh,
		ResourceID: evil, ResourceName: evil + "2", ResourceType: evil, Account: evil, Region: evil,
		Message: "line\nh1. " + evil, Remediation: evil,
		Frameworks: map[string][]string{evil: {evil}},
	}
	d := description(f)
	for _, bad := range []string{"[evil", "|http", "{color}", "{noformat}", "*b*", "\nh1."} {
		if unescaped(d, bad) {
			t.Errorf("description keeps markup %q:\n%s", bad, d)
		}
	}
	// Our own markup survives.
	for _, good := range []string{"*Finding:*", "* *Severity:* high", "*Remediation:*"} {
		if !strings.Contains(d, good) {
			t.Errorf("description lacks %q:\n%s", good, d)
		}
	}
}

func TestSummaryOneLineAndShort(t *testing.T) {
	f := checks.Finding{Title: "a\nb", Severity: checks.SeverityLow, ResourceID: strings.Repeat("x", 400)}
	s := summary(f)
	if strings.Contains(s, "\n") || len([]rune(s)) > 250 || !strings.HasPrefix(s, "[LOW] a b: x") {
		t.Fatalf("summary %q", s)
	}
}

// unescaped reports whether seq occurs in s without a backslash before it.
func unescaped(s, seq string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], seq)
		if j < 0 {
			return false
		}
		if at := i + j; at == 0 || s[at-1] != '\\' {
			return true
		}
		i += j + 1
	}
}

func TestUnescaped(t *testing.T) {
	if !unescaped("a [b", "[b") || unescaped(`a \[b`, "[b") || !unescaped(`\[b [b`, "[b") {
		t.Fatal("unescaped is wrong")
	}
}
