package slack

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/comply-bot/comply/checks"
)

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b", "a &amp; b"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@U123ABC>", "&lt;@U123ABC&gt;"},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"&amp;", "&amp;amp;"},
		{"tab\tand\nnewline", "tab\tand\nnewline"},
		{"bell\x07 nul\x00 del\x7f", "bell nul del"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"*bold* _it_ ~st~ `code`", "*bold* _it_ ~st~ `code`"},
	}
	for _, tt := range tests {
		if got := EscapeText(tt.in); got != tt.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeSpanAndMention(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"formatting shown", CodeSpan("*bold*"), "`*bold*`"},
		{"underscores", CodeSpan("_it_ ~st~"), "`_it_ ~st~`"},
		{"backtick replaced", CodeSpan("a`b"), "`aˋb`"},
		{"one line", CodeSpan("a\nb\tc"), "`a b c`"},
		{"escaped inside", CodeSpan("<!here> & co"), "`&lt;!here&gt; &amp; co`"},
		{"empty", CodeSpan(""), "` `"},
		{"user", Mention("U123ABC"), "<@U123ABC>"},
		{"enterprise user", Mention("W0ABC12"), "<@W0ABC12>"},
		{"not a user id", Mention("<!channel>"), "`&lt;!channel&gt;`"},
		{"lower case", Mention("u123abc"), "`u123abc`"},
		{"cli user", Mention("cli:alice"), "`cli:alice`"},
		{"id with markup", Mention("U123>"), "`U123&gt;`"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFitNeverSplitsEntities(t *testing.T) {
	body := strings.Repeat("a&<>", 50)
	for limit := 0; limit < 60; limit++ {
		got := fit(limit, piece{pre: "`", body: body, post: "`"})
		if n := textLen(got); n > limit {
			t.Fatalf("limit %d: length %d: %q", limit, n, got)
		}
		if limit >= 3 && (!strings.HasPrefix(got, "`") || !strings.HasSuffix(got, "…`")) {
			t.Errorf("limit %d: code span not closed or not marked: %q", limit, got)
		}
		if bad := brokenEntity(got); bad != "" {
			t.Errorf("limit %d: broken entity %q in %q", limit, bad, got)
		}
	}
	// Atomic pieces are kept whole or dropped.
	got := fit(12, piece{body: "ab "}, piece{pre: "<@U123ABCDEF>", atomic: true})
	if got != "ab …" {
		t.Errorf("atomic piece cut: %q", got)
	}
	if got := fit(100, piece{body: "short"}); got != "short" {
		t.Errorf("fit changed short text: %q", got)
	}
}

func TestTextLenCountsUTF16(t *testing.T) {
	if n := textLen("a😀é"); n != 4 {
		t.Errorf("textLen = %d, want 4", n)
	}
	got := plain(strings.Repeat("😀", 10), 9)
	if textLen(got) > 9 || !utf8.ValidString(got) || got != "😀😀😀😀…" {
		t.Errorf("plain cut emoji = %q", got)
	}
}

var entity = regexp.MustCompile(`&(amp|lt|gt);`)

// brokenEntity returns the text after a stray & (an entity cut in two).
func brokenEntity(s string) string {
	rest := entity.ReplaceAllString(s, "")
	if i := strings.IndexByte(rest, '&'); i >= 0 {
		return rest[i:min(len(rest), i+6)]
	}
	return ""
}

// ourMarkup is every raw <…> we write ourselves: mentions of valid user
// ids and user-group ids, date tokens and links whose URLs were escaped.
var ourMarkup = regexp.MustCompile(`<@[UW][A-Z0-9]{2,30}>|<!subteam\^S[A-Z0-9]{2,30}>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC>|<https?://[^<>|\s]+\|[^<>]*>`)

func checkNoRawMarkup(t *testing.T, where, s string) {
	t.Helper()
	rest := ourMarkup.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("%s: raw < or > not from our markup: %q", where, s)
	}
	if bad := brokenEntity(rest); bad != "" {
		t.Errorf("%s: broken entity %q in %q", where, bad, s)
	}
}

// renderedTexts returns every "text" string of rendered blocks, and button
// values are checked apart (they are not displayed).
func renderedTexts(t *testing.T, m checks.Message) []string {
	t.Helper()
	blocks, fallback := Render(m)
	js, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	out := []string{fallback}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "<!channel>", "<@U123ABC>", "&amp;", "*bold*", "a`b\nc", "<https://evil|click>", "U123ABC", "\xff\xfe", "😀&<>"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		esc := EscapeText(s)
		if strings.ContainsAny(esc, "<>") {
			t.Fatalf("EscapeText(%q) = %q", s, esc)
		}
		if bad := brokenEntity(esc); bad != "" {
			t.Fatalf("EscapeText(%q) leaves a bare &: %q", s, esc)
		}
		cs := CodeSpan(s)
		if strings.ContainsAny(cs, "<>\n") || strings.Count(cs, "`") != 2 || !strings.HasPrefix(cs, "`") || !strings.HasSuffix(cs, "`") {
			t.Fatalf("CodeSpan(%q) = %q", s, cs)
		}
		checkNoRawMarkup(t, "Mention", Mention(s))

		limit = min(max(limit, 0), 4000)
		got := fit(limit, piece{body: s}, valuePiece(s), piece{pre: "*", body: noStars(s), post: "*"})
		if textLen(got) > limit {
			t.Fatalf("fit(%d) = %d chars", limit, textLen(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("fit made invalid UTF-8: %q", got)
		}
		checkNoRawMarkup(t, "fit", got)

		m := checks.Message{
			Kind: checks.MessageFinding, Key: s, Severity: checks.SeverityHigh, Title: s, Text: s,
			Fields:     []checks.Field{checks.ValueField(s, s), {Label: "By", Value: checks.Line{checks.UserSpan(s), checks.TimeSpan(time.Unix(int64(limit)*1000, 0))}}},
			Frameworks: map[string][]string{s: {s}},
			Notes:      []checks.Note{{Label: s, Text: s}},
			State:      checks.Line{checks.TextSpan(s), checks.StrongSpan(s), checks.ValueSpan(s)},
			Items:      []checks.Item{{Title: s, Detail: checks.Line{checks.ValueSpan(s)}, Action: &checks.Action{ID: s, Label: s, Command: s}}},
			Actions:    []checks.Action{{ID: s, Label: s, Command: s, Confirm: s}, {ID: "m", Label: s, Modal: checks.ModalSnooze, Subject: s}},
			Links:      []checks.Link{{Label: s, URL: "https://example.com/" + s}, {Label: s, URL: s}},
			Context:    []checks.Line{{checks.ValueSpan(s)}},
		}
		for _, text := range renderedTexts(t, m) {
			checkNoRawMarkup(t, "rendered", text)
		}
	})
}
