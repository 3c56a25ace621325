package slack

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
	slackgo "github.com/slack-go/slack"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	MaxBlocks        = 50
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionID      = 255
	maxActions       = 25
	maxContextElems  = 10
	maxConfirmTitle  = 100
	maxConfirmText   = 300
	maxFallbackText  = 3000
	maxBlockKeyChars = 40
)

// Action ids of our buttons. Slack wants action ids unique within a block, so
// each button's id is one of these prefixes, a slash and the model action id.
const (
	// ActionCommand buttons carry the /comply command text in their value.
	ActionCommand = "comply_cmd"
	// ActionModal buttons open a form; the modal kind follows the prefix and
	// the value is the subject (a fingerprint).
	ActionModal = "comply_modal"
)

var severityEmoji = map[checks.Severity]string{
	checks.SeverityCritical: ":red_circle:",
	checks.SeverityHigh:     ":large_orange_circle:",
	checks.SeverityMedium:   ":large_yellow_circle:",
	checks.SeverityLow:      ":large_blue_circle:",
	checks.SeverityInfo:     ":white_circle:",
}

// Render lays a message out as Block Kit blocks, within Slack's limits, and
// returns the plain fallback text Slack shows in notifications.
func Render(m checks.Message) ([]slackgo.Block, string) {
	r := renderer{prefix: blockPrefix(m)}
	var head, items, tail []slackgo.Block

	if m.Title != "" {
		head = append(head, slackgo.NewHeaderBlock(
			slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(titleLine(m), maxHeaderText), true, false),
			slackgo.HeaderBlockOptionBlockID(r.id("title"))))
	}
	if m.Text != "" {
		text := m.Text
		if m.Kind == checks.MessageError {
			text = ":warning: " + text
		}
		head = append(head, r.section("text", slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(text, maxSectionText), true, false), nil))
	}
	head = append(head, r.fields(m.Fields)...)
	if len(m.Frameworks) > 0 {
		head = append(head, r.section("controls", mrkdwn(frameworksText(m.Frameworks)), nil))
	}
	for i, n := range m.Notes {
		text := fit(maxSectionText, labelPiece(n.Label), piece{pre: "```", body: blockSafe(n.Text), post: "```"})
		head = append(head, r.section(fmt.Sprintf("note-%d", i), mrkdwn(text), nil))
	}
	if len(m.State) > 0 {
		head = append(head, r.section("state", mrkdwn(fit(maxSectionText, linePieces(m.State)...)), nil))
	}

	for i, it := range m.Items {
		items = append(items, r.item(i, it))
	}

	tail = append(tail, r.actions(m.Actions)...)
	if len(m.Links) > 0 {
		if text := linksText(m.Links); text != "" {
			tail = append(tail, r.section("links", mrkdwn(text), nil))
		}
	}
	var ctx []slackgo.MixedElement
	for _, l := range m.Context {
		if text := fit(maxSectionText, linePieces(l)...); text != "" && len(ctx) < maxContextElems {
			ctx = append(ctx, mrkdwn(text))
		}
	}
	if len(ctx) > 0 {
		tail = append(tail, slackgo.NewContextBlock(r.id("context"), ctx...))
	}

	return r.limit(head, items, tail, m), fallbackText(m)
}

type renderer struct{ prefix string }

func (r renderer) id(role string) string { return r.prefix + "." + role }

func (r renderer) section(role string, text *slackgo.TextBlockObject, fields []*slackgo.TextBlockObject) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(text, fields, nil, slackgo.SectionBlockOptionBlockID(r.id(role)))
}

func (r renderer) fields(fs []checks.Field) []slackgo.Block {
	var out []slackgo.Block
	for start := 0; start < len(fs); start += maxFields {
		var objs []*slackgo.TextBlockObject
		for _, f := range fs[start:min(start+maxFields, len(fs))] {
			ps := append([]piece{labelPiece(f.Label)}, linePieces(f.Value)...)
			objs = append(objs, mrkdwn(fit(maxFieldText, ps...)))
		}
		out = append(out, r.section(fmt.Sprintf("fields-%d", start/maxFields), nil, objs))
	}
	return out
}

func (r renderer) item(i int, it checks.Item) slackgo.Block {
	text := itemEmoji(it.Severity) + " "
	if it.Severity.Valid() {
		text += strings.ToUpper(it.Severity.String()) + " · "
	}
	text += oneLine(it.Title)
	if d := it.Detail.String(); d != "" {
		text += "\n" + d
	}
	s := r.section(fmt.Sprintf("item-%d", i), slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(text, maxSectionText), true, false), nil)
	if it.Action != nil {
		if b := button(*it.Action); b != nil {
			s.Accessory = slackgo.NewAccessory(b)
		}
	}
	return s
}

func (r renderer) actions(as []checks.Action) []slackgo.Block {
	var buttons []slackgo.BlockElement
	for _, a := range as {
		if b := button(a); b != nil {
			buttons = append(buttons, b)
		}
	}
	var out []slackgo.Block
	for start := 0; start < len(buttons); start += maxActions {
		out = append(out, slackgo.NewActionBlock(r.id(fmt.Sprintf("actions-%d", start/maxActions)), buttons[start:min(start+maxActions, len(buttons))]...))
	}
	return out
}

// limit keeps the message within MaxBlocks, dropping list items first (and
// saying how many), then the tail, then the head.
func (r renderer) limit(head, items, tail []slackgo.Block, m checks.Message) []slackgo.Block {
	if len(head)+len(items)+len(tail) <= MaxBlocks {
		return slices.Concat(head, items, tail)
	}
	room := MaxBlocks - len(head) - len(tail) - 1
	if room < 0 {
		room = 0
	}
	shown := min(room, len(items))
	note := slackgo.NewContextBlock(r.id("more"), mrkdwn(EscapeText(fmt.Sprintf("%d more not shown.", len(items)-shown))))
	out := slices.Concat(head, items[:shown], []slackgo.Block{note}, tail)
	if len(out) > MaxBlocks {
		// Too many fields or notes: keep the start, the note and the buttons.
		keep := MaxBlocks - 1 - len(tail)
		if keep < 0 {
			return out[:MaxBlocks]
		}
		out = slices.Concat(out[:keep], []slackgo.Block{note}, tail)
	}
	return out[:min(len(out), MaxBlocks)]
}

// button renders an action, or nil if it cannot be rendered faithfully (a
// command longer than a button value holds is dropped, never cut: a cut
// command could mean something else).
func button(a checks.Action) *slackgo.ButtonBlockElement {
	var actionID, value string
	switch {
	case a.Modal != "":
		actionID = ActionModal + "/" + sanitizeKey(string(a.Modal)) + "/" + sanitizeKey(a.ID)
		value = a.Subject
	default:
		actionID = ActionCommand + "/" + sanitizeKey(a.ID)
		value = a.Command
	}
	if value == "" || len(value) > maxButtonValue || len(actionID) > maxActionID {
		return nil
	}
	b := slackgo.NewButtonBlockElement(actionID, value,
		slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(oneLine(a.Label), maxButtonText), true, false))
	switch a.Style {
	case checks.StylePrimary:
		b.Style = slackgo.StylePrimary
	case checks.StyleDanger:
		b.Style = slackgo.StyleDanger
	}
	if a.Confirm != "" {
		b.Confirm = slackgo.NewConfirmationBlockObject(
			slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(oneLine(a.Label), maxConfirmTitle), false, false),
			slackgo.NewTextBlockObject(slackgo.PlainTextType, plain(a.Confirm, maxConfirmText), false, false),
			slackgo.NewTextBlockObject(slackgo.PlainTextType, "Yes", false, false),
			slackgo.NewTextBlockObject(slackgo.PlainTextType, "Cancel", false, false))
	}
	return b
}

func mrkdwn(text string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, true)
}

// linePieces turns rich text into mrkdwn pieces.
func linePieces(l checks.Line) []piece {
	var ps []piece
	for _, s := range l {
		switch s.Kind {
		case checks.SpanStrong:
			ps = append(ps, piece{pre: "*", body: noStars(s.Text), post: "*"})
		case checks.SpanValue:
			ps = append(ps, valuePiece(s.Text))
		case checks.SpanUser:
			if ValidUserID(s.Text) {
				ps = append(ps, piece{pre: "<@" + s.Text + ">", atomic: true})
			} else if ValidGroupID(s.Text) {
				ps = append(ps, piece{pre: "<!subteam^" + s.Text + ">", atomic: true})
			} else {
				ps = append(ps, valuePiece(s.Text))
			}
		case checks.SpanTime:
			if s.Time.IsZero() {
				ps = append(ps, piece{body: "(unknown time)"})
				continue
			}
			t := s.Time.UTC()
			// Slack shows a date token in the reader's time zone; the text
			// after | is the fallback.
			ps = append(ps, piece{pre: fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.Format(checks.TimeLayout)), atomic: true})
		default:
			ps = append(ps, piece{body: s.Text})
		}
	}
	return ps
}

func valuePiece(v string) piece {
	if v == "" {
		return piece{pre: "` `", atomic: true}
	}
	return piece{pre: "`", body: codeSafe(v), post: "`"}
}

// labelPiece is a bold label on its own line.
func labelPiece(label string) piece {
	if strings.TrimSpace(label) == "" {
		return piece{}
	}
	return piece{pre: "*", body: noStars(label), post: "*\n"}
}

// noStars keeps our own bold labels from closing early.
func noStars(s string) string { return strings.ReplaceAll(oneLine(s), "*", "∗") }

func frameworksText(fws map[string][]string) string {
	ps := []piece{{pre: "*Controls*\n"}}
	for i, fw := range slices.Sorted(maps.Keys(fws)) {
		if i > 0 {
			ps = append(ps, piece{body: "\n"})
		}
		ps = append(ps, valuePiece(fw), piece{body: " "}, valuePiece(strings.Join(fws[fw], ", ")))
	}
	return fit(maxSectionText, ps...)
}

// linksText writes links we can vouch for: absolute http(s) URLs, percent-
// encoded (encodeHref) and with & escaped, so the label cannot be forged.
func linksText(ls []checks.Link) string {
	var ps []piece
	for _, l := range ls {
		u, err := url.Parse(l.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		href := EscapeText(encodeHref(u.String()))
		if len(ps) > 0 {
			ps = append(ps, piece{body: " · "})
		}
		label := strings.NewReplacer("|", "¦", "*", "∗", "_", "ˍ", "~", "∼", "`", "ˋ").Replace(oneLine(cmp.Or(l.Label, l.URL)))
		ps = append(ps, piece{pre: "<" + href + "|" + EscapeText(truncateRunes(label, 200)) + ">", atomic: true})
	}
	return fit(maxSectionText, ps...)
}

// encodeHref percent-encodes what would end or confuse a <url|label> link:
// whitespace, controls, |, <, > and any non-ASCII byte.
func encodeHref(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '|' || c == '<' || c == '>' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func titleLine(m checks.Message) string {
	title := oneLine(m.Title)
	switch {
	case m.Lifecycle == checks.LifecycleResolved:
		return ":white_check_mark: RESOLVED · " + title
	case m.Kind == checks.MessageError:
		return ":warning: " + title
	case m.Kind == checks.MessageMonitoringFailure:
		return ":rotating_light: " + title
	case m.Severity.Valid():
		return severityEmoji[m.Severity] + " " + strings.ToUpper(m.Severity.String()) + " · " + title
	}
	return title
}

func itemEmoji(s checks.Severity) string {
	if e, ok := severityEmoji[s]; ok {
		return e
	}
	return ":small_blue_diamond:"
}

// fallbackText is the notification text: one escaped line or two.
func fallbackText(m checks.Message) string {
	var parts []string
	if m.Title != "" {
		t := m.Title
		if m.Severity.Valid() {
			t = "[" + strings.ToUpper(m.Severity.String()) + "] " + t
		}
		parts = append(parts, oneLine(t))
	}
	if m.Text != "" {
		parts = append(parts, m.Text)
	}
	if len(parts) == 0 {
		parts = append(parts, string(m.Kind))
	}
	return plain(strings.Join(parts, ": "), maxFallbackText)
}

var keyUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func sanitizeKey(s string) string {
	return truncateRunes(keyUnsafe.ReplaceAllString(s, "-"), maxBlockKeyChars)
}

// blockPrefix makes block ids that stay the same when a message is updated
// in place, so Slack keeps its layout.
func blockPrefix(m checks.Message) string {
	p := "comply-" + sanitizeKey(string(m.Kind))
	if m.Key != "" {
		p += "-" + sanitizeKey(m.Key)
	}
	return p
}
