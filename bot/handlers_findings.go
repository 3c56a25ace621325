package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// snoozeSoon is how far ahead status lists snoozes about to end.
const snoozeSoon = 7 * 24 * time.Hour

// status answers /comply status: the last scan, the score per framework,
// the open findings by severity and the snoozes that end soon.
func (b *Bot) status(ctx context.Context, req request) {
	recs, err := b.opts.Store.RecentScans(ctx, 1)
	if err != nil {
		b.storeFailed(ctx, req, "read the scan history", err)
		return
	}
	open, err := b.opts.Store.OpenFindings(ctx)
	if err != nil {
		b.storeFailed(ctx, req, "read the open findings", err)
		return
	}
	now := b.now()
	m := checks.Message{Kind: checks.MessageList, Key: "status", Title: "Compliance status"}
	if len(recs) == 0 {
		m.Text = "No scan has run yet: start one with /comply scan."
	} else {
		r := recs[0]
		state := "complete"
		if !r.Scan.Complete {
			state = fmt.Sprintf("incomplete, %d errors", r.ErrorCount)
		}
		m.Fields = append(m.Fields, checks.Field{Label: "Last scan", Value: checks.Line{
			checks.TimeSpan(r.Scan.FinishedAt), checks.TextSpan(" (" + state + ")")}})
		m.Fields = append(m.Fields, checks.TextField("Score", formatScore(r.Score.Overall)))
		for _, fw := range slices.Sorted(maps.Keys(r.Score.Frameworks)) {
			v := r.Score.Frameworks[fw]
			m.Fields = append(m.Fields, checks.TextField(fw, formatScore(&v)))
		}
		m.Context = append(m.Context, checks.Line{checks.TextSpan("Scan "), checks.ValueSpan(r.Scan.ID)})
		if n, ok := b.scoreTrend(ctx); ok {
			m.Notes = append(m.Notes, n)
		}
	}
	counts := map[checks.Severity]int{}
	var acked, snoozed int
	var ending []checks.FindingState
	for _, st := range open {
		counts[findingOf(&st).Severity]++
		switch st.Lifecycle(now) {
		case checks.LifecycleAcknowledged:
			acked++
		case checks.LifecycleSnoozed:
			snoozed++
			if st.Snooze.Until.Sub(now) <= snoozeSoon {
				ending = append(ending, st)
			}
		}
	}
	var parts []string
	for _, sev := range checks.Severities() {
		if counts[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[sev], sev))
		}
	}
	openText := fmt.Sprintf("%d", len(open))
	if len(parts) > 0 {
		openText += ": " + strings.Join(parts, ", ")
	}
	m.Fields = append(m.Fields, checks.TextField("Open findings", openText),
		checks.TextField("Triaged", fmt.Sprintf("%d acknowledged, %d snoozed", acked, snoozed)))
	slices.SortFunc(ending, func(a, b checks.FindingState) int { return a.Snooze.Until.Compare(b.Snooze.Until) })
	for _, st := range ending[:min(len(ending), pageSize)] {
		f := findingOf(&st)
		m.Items = append(m.Items, checks.Item{
			Key: st.Fingerprint, Severity: f.Severity, Title: f.Title,
			Detail: checks.Line{checks.ValueSpan(resourceName(f)), checks.TextSpan(" · snooze ends "),
				checks.TimeSpan(st.Snooze.Until), checks.TextSpan(" · id "), checks.ValueSpan(shortID(st.Fingerprint))},
			Action: &checks.Action{ID: "show-" + shortID(st.Fingerprint), Label: "Show", Command: "show " + st.Fingerprint},
		})
	}
	if len(ending) > 0 {
		m.Context = append(m.Context, checks.Line{checks.TextSpan(fmt.Sprintf("%d snoozes end within 7 days.", len(ending)))})
	}
	if len(open) > 0 {
		m.Actions = []checks.Action{{ID: "list", Label: "List findings", Command: "findings"}}
	}
	b.reply(ctx, req, m)
}

// findings answers /comply findings [severity] [framework] [page N].
func (b *Bot) findings(ctx context.Context, req request, cmd command.Command) {
	open, err := b.opts.Store.OpenFindings(ctx)
	if err != nil {
		b.storeFailed(ctx, req, "read the open findings", err)
		return
	}
	var match []checks.Finding
	states := map[string]*checks.FindingState{}
	for i := range open {
		st := &open[i]
		f := findingOf(st)
		if cmd.Severity.Valid() && f.Severity < cmd.Severity {
			continue
		}
		if cmd.Framework != "" {
			if _, ok := f.Frameworks[cmd.Framework]; !ok {
				continue
			}
		}
		match = append(match, f)
		states[f.Fingerprint] = st
	}
	page := max(cmd.Page, 1)
	from := min((page-1)*pageSize, len(match))
	to := min(from+pageSize, len(match))
	b.reply(ctx, req, checks.FindingsListMessage(checks.FindingsPage{
		Findings: match[from:to], States: states, Severity: cmd.Severity, Framework: cmd.Framework,
		Page: page, HasMore: to < len(match), Total: len(match),
	}, b.now()))
}

// show answers /comply show <id> with everything known about a finding.
func (b *Bot) show(ctx context.Context, req request, cmd command.Command) {
	st, ok := b.lookup(ctx, req, cmd.ID)
	if !ok {
		return
	}
	f := findingOf(&st)
	b.reply(ctx, req, checks.FindingMessage(f, &st, b.now(), b.pendingView(ctx, f, true)))
}

// lookup finds the finding an id names — a whole fingerprint (open or
// resolved) or the prefix of an open one's — and replies itself when there
// is none or several.
func (b *Bot) lookup(ctx context.Context, req request, id string) (checks.FindingState, bool) {
	if len(id) == checks.FingerprintLen {
		st, err := b.opts.Store.Finding(ctx, id)
		switch {
		case err == nil:
			return st, true
		case errors.Is(err, store.ErrNotFound):
			b.reply(ctx, req, checks.ErrorMessage(fmt.Sprintf("No finding has the id %s.", id), "Find ids with /comply findings."))
		default:
			b.storeFailed(ctx, req, "read the finding", err)
		}
		return checks.FindingState{}, false
	}
	open, err := b.opts.Store.OpenFindings(ctx)
	if err != nil {
		b.storeFailed(ctx, req, "read the open findings", err)
		return checks.FindingState{}, false
	}
	var cands []checks.FindingState
	for _, st := range open {
		if strings.HasPrefix(st.Fingerprint, id) {
			cands = append(cands, st)
		}
	}
	switch len(cands) {
	case 0:
		b.reply(ctx, req, checks.ErrorMessage(fmt.Sprintf("No open finding has an id starting with %s.", id), "Find ids with /comply findings."))
		return checks.FindingState{}, false
	case 1:
		return cands[0], true
	}
	var fs []checks.Finding
	states := map[string]*checks.FindingState{}
	for i := range cands[:min(len(cands), pageSize)] {
		st := &cands[i]
		fs = append(fs, findingOf(st))
		states[st.Fingerprint] = st
	}
	m := checks.FindingsListMessage(checks.FindingsPage{Findings: fs, States: states, Page: 1, Total: len(cands)}, b.now())
	m.Title = "Which finding?"
	m.Text = fmt.Sprintf("%d open findings have ids starting with %s; give more of the id.", len(cands), id)
	m.Actions = nil
	b.reply(ctx, req, m)
	return checks.FindingState{}, false
}

// storeFailed tells the user the state store failed, without its details.
func (b *Bot) storeFailed(ctx context.Context, req request, what string, err error) {
	b.log.Error("store failed", "op", what, "error", err)
	b.reply(ctx, req, checks.ErrorMessage("comply could not "+what+": the state store is unavailable. Try again shortly.", ""))
}

func resourceName(f checks.Finding) string { return cmp.Or(f.ResourceName, f.ResourceID) }

// findingOf is a state's finding as the store keeps it (without evidence),
// with its fingerprint set.
func findingOf(st *checks.FindingState) checks.Finding {
	var f checks.Finding
	if st.Finding != nil {
		f = *st.Finding
	}
	f.Fingerprint = cmp.Or(f.Fingerprint, st.Fingerprint)
	return f
}

// shortID is the prefix of a fingerprint people type.
func shortID(fp string) string { return fp[:min(8, len(fp))] }

func formatScore(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *v)
}
