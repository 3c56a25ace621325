package trello

import (
	"fmt"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// cardName is plain text (Trello does not render markup in names); it is
// kept on one line and short.
func cardName(f checks.Finding) string {
	name := fmt.Sprintf("[%s] %s: %s", strings.ToUpper(f.Severity.String()), f.Title, resourceLabel(f))
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > 200 {
		name = string(r[:199]) + "…"
	}
	return name
}

func resourceLabel(f checks.Finding) string {
	if f.ResourceName != "" {
		return f.ResourceName
	}
	return f.ResourceID
}

// cardDesc is Markdown with every value escaped; the marker line stays
// literal so Find can match it.
func cardDesc(f checks.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", escape(f.Title))
	for _, fact := range f.Facts() {
		fmt.Fprintf(&b, "- %s: %s\n", fact.Label, escape(fact.Value))
	}
	if f.Message != "" {
		fmt.Fprintf(&b, "\n%s\n", escape(f.Message))
	}
	if f.Remediation != "" {
		fmt.Fprintf(&b, "\n**Remediation:** %s\n", escape(f.Remediation))
	}
	fmt.Fprintf(&b, "\n---\n%s\n", Marker(f.Fingerprint))
	return b.String()
}

// escape makes a user-controlled value inert in Trello's Markdown: markup
// characters get a backslash, line breaks become spaces (no injected
// headings or lists), and "@" gets a zero-width space so a resource named
// "@board" notifies nobody.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '<', '>', '~', '=', ':':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteString("@\u200b")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
