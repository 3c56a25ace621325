package jira

import (
	"fmt"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// summary is plain text (Jira does not render markup in it), on one line
// and within Jira's 255-character limit.
func summary(f checks.Finding) string {
	res := f.ResourceName
	if res == "" {
		res = f.ResourceID
	}
	s := fmt.Sprintf("[%s] %s: %s", strings.ToUpper(f.Severity.String()), f.Title, res)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 250 {
		s = string(r[:249]) + "…"
	}
	return s
}

// description is Jira wiki markup; every value from a finding goes through
// escape, the labels and layout are ours.
func description(f checks.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Finding:* %s\n\n", escape(f.Title))
	for _, fact := range f.Facts() {
		fmt.Fprintf(&b, "* *%s:* %s\n", fact.Label, escape(fact.Value))
	}
	if f.Message != "" {
		fmt.Fprintf(&b, "\n*Details:* %s\n", escape(f.Message))
	}
	if f.Remediation != "" {
		fmt.Fprintf(&b, "\n*Remediation:* %s\n", escape(f.Remediation))
	}
	fmt.Fprintf(&b, "\n_Filed by comply; fingerprint_ %s\n", escape(f.Fingerprint))
	return b.String()
}

// escape makes a value inert in Jira wiki markup. Markup characters get a
// backslash (Jira's escape); a backslash itself becomes an HTML entity, as
// "\\" would be a line break; line breaks become spaces so a value cannot
// start a heading, list or table row; "&" becomes an entity so a value
// cannot smuggle one in.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '{', '}', '[', ']', '|', '*', '_', '-', '+', '^', '~', '?', '!', '#', '(', ')', ':', ';', '@', '<', '>', '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\\':
			b.WriteString("&#92;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
