package checks

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// A Message is what the bot says, independent of the chat platform: the
// Slack adapter renders it as Block Kit, others may render it as text. Every
// string in it is plain text, never markup: renderers escape all of it, so a
// resource named "<!channel>" is shown, never obeyed.
type Message struct {
	Kind MessageKind
	// Key identifies the subject (a fingerprint, a scan id) so that renderers
	// can keep a message's layout stable when it is updated in place.
	Key string
	// Severity and Lifecycle, when set, colour a finding's title.
	Severity  Severity
	Lifecycle Lifecycle
	Title     string
	// Text is the body: prose, possibly from rule files or users, shown
	// verbatim (no formatting).
	Text   string
	Fields []Field
	// Frameworks maps framework ids to control ids.
	Frameworks map[string][]string
	// Notes are labelled blocks of verbatim prose (remediation, usage,
	// evidence).
	Notes []Note
	// State says who did what to the subject and when.
	State Line
	// Items are the entries of a list, a digest or a scan summary.
	Items []Item
	// Page is the 1-based page of Items; HasMore says a next page exists.
	Page    int
	HasMore bool
	Actions []Action
	Links   []Link
	// Context lines are small print: ids, times, sources.
	Context []Line
}

// MessageKind says what a message is for; renderers may lay kinds out
// differently.
type MessageKind string

// Message kinds.
const (
	MessageFinding      MessageKind = "finding"
	MessageScanProgress MessageKind = "scan-progress"
	MessageScanSummary  MessageKind = "scan-summary"
	MessageDigest       MessageKind = "digest"
	MessageList         MessageKind = "list"
	MessageDetail       MessageKind = "detail"
	MessageText         MessageKind = "text"
	MessageError        MessageKind = "error"
)

// SpanKind says how a run of text is to be shown.
type SpanKind string

// Span kinds. Only Value spans may hold user-controlled text that must keep
// every character (renderers show it verbatim, e.g. as code); Text and Strong
// are our own wording.
const (
	SpanText   SpanKind = "text"
	SpanStrong SpanKind = "strong"
	SpanValue  SpanKind = "value"
	SpanUser   SpanKind = "user" // a chat user id (opaque; renderers decide how to mention it)
	SpanTime   SpanKind = "time"
)

// Span is a run of text of one kind.
type Span struct {
	Kind SpanKind
	Text string
	Time time.Time // SpanTime only
}

// Line is rich text made of spans.
type Line []Span

// TextSpan is our own wording.
func TextSpan(s string) Span { return Span{Kind: SpanText, Text: s} }

// StrongSpan is emphasised wording of ours.
func StrongSpan(s string) Span { return Span{Kind: SpanStrong, Text: s} }

// ValueSpan is a user-controlled value shown verbatim.
func ValueSpan(s string) Span { return Span{Kind: SpanValue, Text: s} }

// UserSpan refers to a chat user by id.
func UserSpan(id string) Span { return Span{Kind: SpanUser, Text: id} }

// TimeSpan is a point in time; renderers may localise it.
func TimeSpan(t time.Time) Span { return Span{Kind: SpanTime, Time: t} }

// TimeLayout is how times are written where they cannot be localised.
const TimeLayout = "2006-01-02 15:04 UTC"

// String renders the line as plain text (for fallbacks and logs).
func (l Line) String() string {
	var b strings.Builder
	for _, s := range l {
		switch s.Kind {
		case SpanTime:
			b.WriteString(s.Time.UTC().Format(TimeLayout))
		case SpanUser:
			b.WriteString("@" + s.Text)
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Field is a labelled value.
type Field struct {
	Label string
	Value Line
}

// ValueField is a field holding one user-controlled value.
func ValueField(label, v string) Field { return Field{Label: label, Value: Line{ValueSpan(v)}} }

// TextField is a field holding our own wording (numbers, states).
func TextField(label, s string) Field { return Field{Label: label, Value: Line{TextSpan(s)}} }

// Note is a labelled block of verbatim prose.
type Note struct {
	Label string
	Text  string
}

// Item is one entry of a list.
type Item struct {
	Key      string // the fingerprint, if the item is a finding
	Severity Severity
	Title    string
	Detail   Line
	Action   *Action
}

// ActionStyle colours a button.
type ActionStyle string

// Action styles.
const (
	StyleDefault ActionStyle = ""
	StylePrimary ActionStyle = "primary"
	StyleDanger  ActionStyle = "danger"
)

// ModalKind names a form an action opens instead of running a command.
type ModalKind string

// ModalSnooze asks for a snooze duration and reason.
const ModalSnooze ModalKind = "snooze"

// Action is a button. It runs Command — the text of a /comply command, so a
// click and a typed command take one code path — or, when Modal is set, opens
// that form about Subject (a fingerprint).
type Action struct {
	ID      string // unique within the message
	Label   string
	Command string
	Modal   ModalKind
	Subject string
	Style   ActionStyle
	// Confirm, if set, is asked before the action runs.
	Confirm string
}

// Link is a labelled URL.
type Link struct {
	Label string
	URL   string
}

// FindingView tunes FindingMessage.
type FindingView struct {
	// CanFix shows the Fix button for rules with a remediation action; the
	// caller knows whether remediation is enabled.
	CanFix bool
	// Detail adds everything known: full resource id, tags, evidence, history.
	Detail bool
	// Tickets link the finding's tickets (Jira issue, Trello card).
	Tickets []Link
	// Pending is the finding's active remediation request, if any: the
	// finding shows as remediation-pending, pointing at the request, in
	// place of the Fix… button.
	Pending *RemediationRequest
}

// Snooze durations offered as buttons.
var snoozeButtons = []struct{ id, label, dur string }{
	{"snooze-1d", "Snooze 1d", "1d"},
	{"snooze-7d", "Snooze 7d", "7d"},
	{"snooze-30d", "Snooze 30d", "30d"},
}

// FindingMessage describes one finding, its state (nil: never triaged) and
// the buttons that apply in that state.
func FindingMessage(f Finding, st *FindingState, now time.Time, v FindingView) Message {
	lc := LifecycleOpen
	if st != nil {
		lc = st.Lifecycle(now)
	}
	triaged := lc
	if v.Pending != nil && lc != LifecycleResolved {
		lc = LifecycleRemediationPending
	}
	m := Message{
		Kind:      MessageFinding,
		Key:       f.Fingerprint,
		Severity:  f.Severity,
		Lifecycle: lc,
		Title:     f.Title,
		Text:      f.Message,
		Fields: []Field{
			ValueField("Resource", cmp.Or(f.ResourceName, f.ResourceID)),
			ValueField("Type", f.ResourceType),
			ValueField("Account", cmp.Or(f.Account, "-")),
			ValueField("Region", cmp.Or(f.Region, "-")),
		},
		Frameworks: f.Frameworks,
		State:      stateLine(st, now),
		Context:    []Line{{TextSpan("Rule "), ValueSpan(f.RuleID), TextSpan(" · id "), ValueSpan(shortID(f.Fingerprint))}},
	}
	if f.Remediation != "" {
		m.Notes = append(m.Notes, Note{Label: "Remediation", Text: f.Remediation})
	}
	if v.Detail {
		m.Kind = MessageDetail
		m.Fields = append(m.Fields, ValueField("Resource id", f.ResourceID))
		if len(f.Tags) > 0 {
			m.Fields = append(m.Fields, ValueField("Tags", formatTags(f.Tags)))
		}
		if st != nil && !st.FirstSeen.IsZero() {
			m.Fields = append(m.Fields,
				Field{Label: "First seen", Value: Line{TimeSpan(st.FirstSeen)}},
				Field{Label: "Last seen", Value: Line{TimeSpan(st.LastSeen), TextSpan(fmt.Sprintf(" (%d scans)", st.TimesSeen))}})
		}
		if len(f.Evidence) > 0 {
			if ev, err := json.MarshalIndent(f.Evidence, "", "  "); err == nil {
				m.Notes = append(m.Notes, Note{Label: "Evidence", Text: string(ev)})
			}
		}
		m.Context[0] = append(m.Context[0], TextSpan(" · fingerprint "), ValueSpan(f.Fingerprint))
		if f.Source.File != "" {
			m.Context = append(m.Context, Line{TextSpan("Defined in "), ValueSpan(fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line))})
		}
	}
	if lc == LifecycleRemediationPending {
		m.State = append(m.State, pendingLine(*v.Pending)...)
	}
	m.Actions = findingActions(f, triaged, v)
	m.Links = append(m.Links, v.Tickets...)
	return m
}

// findingActions are a finding's buttons; lc is its triaged lifecycle (a
// pending fix leaves triage possible but offers no second Fix…).
func findingActions(f Finding, lc Lifecycle, v FindingView) []Action {
	fp := f.Fingerprint
	var as []Action
	switch lc {
	case LifecycleResolved:
	default:
		if lc != LifecycleAcknowledged {
			as = append(as, Action{ID: "ack", Label: "Acknowledge", Command: "ack " + fp, Style: StylePrimary})
		}
		if lc == LifecycleSnoozed {
			as = append(as, Action{ID: "unsnooze", Label: "Unsnooze", Command: "unsnooze " + fp})
		} else {
			for _, s := range snoozeButtons {
				as = append(as, Action{ID: s.id, Label: s.label, Command: "snooze " + fp + " " + s.dur + " snoozed from Slack"})
			}
			as = append(as, Action{ID: "snooze-custom", Label: "Snooze…", Modal: ModalSnooze, Subject: fp})
		}
		if v.CanFix && v.Pending == nil && f.RemediationAction != "" {
			as = append(as, Action{ID: "fix", Label: "Fix…", Command: "fix " + fp, Style: StyleDanger,
				Confirm: "Request the automated fix " + f.RemediationAction + "? It runs only after an approver approves it."})
		}
	}
	if !v.Detail {
		as = append(as, Action{ID: "show", Label: "Show details", Command: "show " + fp})
	}
	return as
}

// stateLine says where a finding stands and who put it there.
func stateLine(st *FindingState, now time.Time) Line {
	if st == nil {
		return Line{TextSpan("Open")}
	}
	reason := func(l Line, r string) Line {
		if r != "" {
			l = append(l, TextSpan(": "), ValueSpan(r))
		}
		return l
	}
	switch st.Lifecycle(now) {
	case LifecycleResolved:
		return Line{TextSpan("Resolved "), TimeSpan(st.ResolvedAt)}
	case LifecycleAcknowledged:
		return reason(Line{TextSpan("Acknowledged by "), UserSpan(st.Ack.By), TextSpan(" "), TimeSpan(st.Ack.At)}, st.Ack.Reason)
	case LifecycleSnoozed:
		return reason(Line{TextSpan("Snoozed until "), TimeSpan(st.Snooze.Until), TextSpan(" by "), UserSpan(st.Snooze.By)}, st.Snooze.Reason)
	}
	l := Line{TextSpan("Open")}
	if !st.OpenedAt.IsZero() {
		l = Line{TextSpan("Open since "), TimeSpan(st.OpenedAt)}
	}
	if st.LastChange == ChangeReopened {
		l = append(l, TextSpan(fmt.Sprintf(" (reopened, %d times)", st.Reopens)))
	}
	if st.Snooze != nil {
		l = append(l, TextSpan(" · snooze ended "), TimeSpan(st.Snooze.Until))
	}
	return l
}

// ScanSummaryMessage reports a finished scan: score, counts, the top
// findings (at most top) and a button to list them all.
func ScanSummaryMessage(r *ScanReport, top int) Message {
	title := "Scan complete"
	if !r.Scan.Complete {
		title = "Scan incomplete"
	}
	m := Message{Kind: MessageScanSummary, Key: r.Scan.ID, Title: title}
	total := 0
	var counts []string
	for _, sev := range Severities() {
		total += r.Summary[sev]
		if n := r.Summary[sev]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	switch {
	case total == 0 && r.Scan.Complete:
		m.Text = "No failing findings."
	case total == 0:
		m.Text = "No failing findings among what could be checked; some checks did not run."
	default:
		m.Text = fmt.Sprintf("%d failing findings: %s.", total, strings.Join(counts, ", "))
	}
	m.Fields = append(m.Fields, TextField("Score", formatScore(r.Score.Overall)))
	for _, fw := range slices.Sorted(maps.Keys(r.Score.Frameworks)) {
		v := r.Score.Frameworks[fw]
		m.Fields = append(m.Fields, Field{Label: fw, Value: Line{TextSpan(formatScore(&v))}})
	}
	m.Fields = append(m.Fields, TextField("Checked", fmt.Sprintf("%d resources, %d rules, %d evaluations", r.Scan.Resources, r.Scan.Rules, r.Scan.Evaluations)))
	if n := len(r.Scan.Errors); n > 0 {
		m.Fields = append(m.Fields, TextField("Errors", fmt.Sprintf("%d (findings they affect are unknown, not resolved)", n)))
	}
	fs := slices.Clone(r.Findings)
	SortFindings(fs)
	for _, f := range fs[:min(max(top, 0), len(fs))] {
		m.Items = append(m.Items, findingItem(f, nil, time.Time{}))
	}
	m.HasMore = len(fs) > len(m.Items)
	if m.HasMore && len(m.Items) > 0 {
		m.Context = append(m.Context, Line{TextSpan(fmt.Sprintf("Top %d of %d findings shown.", len(m.Items), len(fs)))})
	}
	if total > 0 {
		m.Actions = []Action{{ID: "list", Label: "List findings", Command: "findings", Style: StylePrimary}}
	}
	ctx := Line{TextSpan("Scan "), ValueSpan(r.Scan.ID)}
	if !r.Scan.FinishedAt.IsZero() {
		ctx = append(ctx, TextSpan(" · finished "), TimeSpan(r.Scan.FinishedAt),
			TextSpan(" in "+r.Scan.FinishedAt.Sub(r.Scan.StartedAt).Round(time.Second).String()))
	}
	m.Context = append(m.Context, ctx)
	if len(r.Scan.Sources) > 0 {
		m.Context = append(m.Context, Line{TextSpan("Sources: "), ValueSpan(strings.Join(r.Scan.Sources, ", "))})
	}
	return m
}

// ScanProgressMessage says a scan is running; it is later updated in place
// with the summary.
func ScanProgressMessage(scanID, scope, by string, started time.Time, stage string) Message {
	st := Line{TextSpan("Started by "), UserSpan(by), TextSpan(" "), TimeSpan(started)}
	if by == "" {
		st = Line{TextSpan("Started "), TimeSpan(started)}
	}
	m := Message{Kind: MessageScanProgress, Key: scanID, Title: "Scan running", Text: stage, State: st}
	if scope != "" {
		m.Fields = []Field{ValueField("Scope", scope)}
	}
	if scanID != "" {
		m.Context = []Line{{TextSpan("Scan "), ValueSpan(scanID)}}
	}
	return m
}

// FindingsPage is one page of a findings list and the filter that made it.
type FindingsPage struct {
	Findings []Finding
	// States holds the known states by fingerprint (missing: never triaged).
	States    map[string]*FindingState
	Severity  Severity // minimum severity filter (zero: all)
	Framework string   // framework filter (empty: all)
	Page      int      // 1-based
	HasMore   bool
	Total     int // findings matching the filter, over all pages
}

// FindingsListMessage renders one page of findings with paging buttons.
func FindingsListMessage(p FindingsPage, now time.Time) Message {
	page := max(p.Page, 1)
	filter := listFilter(p.Severity, p.Framework)
	m := Message{Kind: MessageList, Key: "findings", Page: page, HasMore: p.HasMore, Title: "Open findings"}
	switch {
	case len(p.Findings) == 0 && page == 1:
		m.Text = "No open findings match."
	case len(p.Findings) == 0:
		m.Text = fmt.Sprintf("Page %d is empty.", page)
	default:
		m.Text = fmt.Sprintf("%d matching, page %d.", p.Total, page)
	}
	if filter != "" {
		m.Context = []Line{{TextSpan("Filter: "), ValueSpan(filter)}}
	}
	for _, f := range p.Findings {
		m.Items = append(m.Items, findingItem(f, p.States[f.Fingerprint], now))
	}
	cmd := strings.TrimSpace("findings " + filter)
	if page > 1 {
		prev := cmd
		if page > 2 {
			prev += fmt.Sprintf(" page %d", page-1)
		}
		m.Actions = append(m.Actions, Action{ID: "prev", Label: "Previous page", Command: prev})
	}
	if p.HasMore {
		m.Actions = append(m.Actions, Action{ID: "next", Label: "Next page", Command: fmt.Sprintf("%s page %d", cmd, page+1)})
	}
	return m
}

// DigestMessage groups many changes into one message.
func DigestMessage(changes []Change, now time.Time, limit int) Message {
	m := Message{Kind: MessageDigest, Title: fmt.Sprintf("%d compliance changes", len(changes))}
	var kinds []string
	counts := map[ChangeKind]int{}
	for _, c := range changes {
		counts[c.Kind]++
	}
	for _, k := range []ChangeKind{ChangeNew, ChangeReopened, ChangeStillOpen, ChangeResolved} {
		if counts[k] > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	m.Text = strings.Join(kinds, ", ")
	for _, c := range changes[:min(max(limit, 0), len(changes))] {
		st := c.State
		it := findingItem(c.Finding, &st, now)
		it.Detail = append(Line{StrongSpan(string(c.Kind)), TextSpan(" · ")}, it.Detail...)
		m.Items = append(m.Items, it)
	}
	m.HasMore = len(changes) > len(m.Items)
	if len(changes) > 0 {
		m.Actions = []Action{{ID: "list", Label: "List findings", Command: "findings"}}
	}
	return m
}

// TextMessage is a plain reply.
func TextMessage(text string) Message { return Message{Kind: MessageText, Text: text} }

// ErrorMessage is a refusal or failure, with an optional usage hint.
func ErrorMessage(text, usage string) Message {
	m := Message{Kind: MessageError, Text: text}
	if usage != "" {
		m.Notes = []Note{{Label: "Usage", Text: usage}}
	}
	return m
}

func findingItem(f Finding, st *FindingState, now time.Time) Item {
	d := Line{ValueSpan(cmp.Or(f.ResourceName, f.ResourceID))}
	if f.Account != "" || f.Region != "" {
		d = append(d, TextSpan(" · "), ValueSpan(strings.Trim(f.Account+" "+f.Region, " ")))
	}
	d = append(d, TextSpan(" · id "), ValueSpan(shortID(f.Fingerprint)))
	if st != nil {
		switch lc := st.Lifecycle(now); lc {
		case LifecycleSnoozed:
			d = append(d, TextSpan(" · snoozed until "), TimeSpan(st.Snooze.Until))
		case LifecycleAcknowledged, LifecycleResolved:
			d = append(d, TextSpan(" · "+string(lc)))
		}
	}
	return Item{
		Key: f.Fingerprint, Severity: f.Severity, Title: f.Title, Detail: d,
		Action: &Action{ID: "show-" + shortID(f.Fingerprint), Label: "Show", Command: "show " + f.Fingerprint},
	}
}

func listFilter(sev Severity, fw string) string {
	var parts []string
	if sev.Valid() {
		parts = append(parts, sev.String())
	}
	if fw != "" {
		parts = append(parts, fw)
	}
	return strings.Join(parts, " ")
}

// shortID is the prefix of a fingerprint people type (/comply show 0123abcd).
func shortID(fp string) string { return fp[:min(8, len(fp))] }

func formatScore(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *v)
}

func formatTags(tags map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}
