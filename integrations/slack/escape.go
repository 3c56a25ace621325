package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Escaping rules for text we send to Slack.
//
// Slack parses &, < and > in every text object (mentions such as <!channel>,
// links such as <https://x|click>, dates), so every character of every string
// passes through escapeRune: & becomes &amp;, < &lt;, > &gt;. Only markup we
// write ourselves (a mention of a validated user id, a date token, a link
// whose URL we checked) contains a raw < or >.
//
// In mrkdwn, *, _, ~ and ` also format text and Slack offers no escape for
// them. We show user-controlled values inside code spans (`value`): Slack
// formats nothing inside one, so a tag *bold* keeps its asterisks. A code span
// cannot hold a backtick or a line break, so those become ˋ (U+02CB) and a
// space. Longer verbatim prose (remediation, evidence, usage) goes in code
// blocks (```…```) with the same backtick replacement, and free-text bodies in
// plain_text objects, which Slack never formats. Every mrkdwn object is sent
// with verbatim=true so Slack does not turn a bare "@here" or a URL in a value
// into a mention or link either.

// escapeRune escapes one character for any Slack text object. Control
// characters other than line breaks and tabs are dropped; invalid UTF-8 has
// already become U+FFFD by the time a string is ranged over.
func escapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\n', '\t':
		return string(r)
	}
	if r < 0x20 || r == 0x7f {
		return ""
	}
	return string(r)
}

// EscapeText escapes s for a Slack text object (mrkdwn or plain_text).
func EscapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(escapeRune(r))
	}
	return b.String()
}

// codeSafe prepares a value for a code span: no backticks, one line.
func codeSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '`':
			return 'ˋ'
		case '\n', '\r', '\t':
			return ' '
		}
		return r
	}, s)
}

// blockSafe prepares prose for a code block: no backticks.
func blockSafe(s string) string { return strings.ReplaceAll(s, "`", "ˋ") }

// oneLine folds line breaks, for plain_text objects that show one line
// (headers, buttons).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
}

// CodeSpan shows a user-controlled value verbatim in mrkdwn.
func CodeSpan(s string) string {
	if s == "" {
		return "` `"
	}
	return "`" + EscapeText(codeSafe(s)) + "`"
}

var userIDPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,30}$`)

// ValidUserID reports whether id looks like a Slack user id (U… or W…).
func ValidUserID(id string) bool { return userIDPattern.MatchString(id) }

// ValidGroupID reports whether id looks like a Slack user-group id (S…),
// which is mentioned as <!subteam^ID>.
func ValidGroupID(id string) bool { return userGroupPattern.MatchString(id) }

// Mention mentions a Slack user; anything that is not a valid user id (a CLI
// user, a forged value) is shown as a value instead.
func Mention(id string) string {
	if ValidUserID(id) {
		return "<@" + id + ">"
	}
	return CodeSpan(id)
}

// textLen is the length Slack's limits are checked against. We count UTF-16
// code units: never fewer than the characters Slack counts.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

const ellipsis = "…"

// piece is a run of mrkdwn: our markup around an escaped body. A piece that
// does not fit is cut inside its body, between escaped characters, so an
// entity such as &amp; or our own markup is never split.
type piece struct {
	pre, body, post string
	// atomic pieces are kept whole or dropped (mentions, dates, links).
	atomic bool
}

// fit joins pieces within limit, cutting the first piece that overflows and
// marking the cut with an ellipsis.
func fit(limit int, pieces ...piece) string {
	var b strings.Builder
	used := 0
	for _, p := range pieces {
		full := p.pre + EscapeText(p.body) + p.post
		if n := textLen(full); used+n <= limit {
			b.WriteString(full)
			used += n
			continue
		}
		if !p.atomic {
			budget := limit - used - textLen(p.pre) - textLen(p.post) - textLen(ellipsis)
			if budget >= 0 {
				b.WriteString(p.pre + cutEscaped(p.body, budget) + ellipsis + p.post)
				return b.String()
			}
		}
		if used+textLen(ellipsis) <= limit {
			b.WriteString(ellipsis)
		}
		return b.String()
	}
	return b.String()
}

// cutEscaped escapes the longest prefix of s whose escaped form fits budget.
func cutEscaped(s string, budget int) string {
	var b strings.Builder
	used := 0
	for _, r := range s {
		e := escapeRune(r)
		n := textLen(e)
		if used+n > budget {
			break
		}
		b.WriteString(e)
		used += n
	}
	return b.String()
}

// plain escapes s for a plain_text object of at most limit characters.
func plain(s string, limit int) string { return fit(limit, piece{body: s}) }

// truncateRunes cuts s to at most n characters (for values that are not
// escaped, such as private metadata); it never splits a UTF-8 sequence.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
