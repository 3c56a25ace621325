package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mdEscape makes a user-controlled string inert in Markdown: one line, and
// every character that could start inline markup, a link, HTML, an entity
// or a table cell boundary backslash-escaped (cells hold no block markup).
func mdEscape(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode shows an identifier verbatim in a code span; backticks and pipes
// cannot occur in one, so they are replaced.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("`", "'", "|", "¦").Replace(oneLine(s))
	return "`" + s + "`"
}

func writeMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("# %s compliance report\n\n", mdEscape(r.FrameworkTitle))
	p("| | |\n| --- | --- |\n")
	p("| Framework | %s |\n", mdEscape(r.Framework))
	p("| %s score | **%s** |\n", mdEscape(r.Framework), pct(r.Score.Framework))
	p("| Overall score | %s |\n", pct(r.Score.Overall))
	p("| Controls | %d: %d pass, %d fail, %d error, %d not evaluated |\n",
		r.Totals.Controls, r.Totals.Pass, r.Totals.Fail, r.Totals.Error, r.Totals.NotEvaluated)
	p("| Scan | %s |\n", mdCode(r.Scan.ID))
	p("| Scan finished | %s |\n", fmtTime(r.Scan.FinishedAt))
	p("| Sources | %s |\n", mdEscape(strings.Join(r.Scan.Sources, ", ")))
	p("| Resources | %d |\n", r.Scan.Resources)
	if r.Scan.Complete {
		p("| Scan complete | yes |\n")
	} else {
		p("| Scan complete | **no** (%d errors; controls may be under-reported) |\n", r.Scan.Errors)
	}
	if !r.GeneratedAt.IsZero() {
		p("| Report generated | %s |\n", fmtTime(r.GeneratedAt))
	}

	trendMarkdown(p, r)
	p("\n## Controls\n\n")
	if len(r.Controls) == 0 {
		p("No rule of this scan maps to %s.\n", mdEscape(r.Framework))
	} else {
		p("| Control | Status | Rules | Failing resources |\n| --- | --- | ---: | ---: |\n")
		for _, c := range r.Controls {
			p("| %s | %s | %d | %d |\n", mdEscape(c.ID), mdStatus(c.Status), len(c.Rules), len(c.Failing))
		}
	}

	for _, c := range r.Controls {
		p("\n### %s: %s\n\n", mdEscape(c.ID), c.Status.Label())
		if len(c.Rules) > 0 {
			p("| Rule | Severity | Resource type | Pass | Fail | Error | Unknown | Status |\n")
			p("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
			for _, rr := range c.Rules {
				st := rr.Status.Label()
				if rr.Skipped {
					st += " (skipped: resource type not fully collected)"
				}
				p("| %s %s | %s | %s | %d | %d | %d | %d | %s |\n", mdCode(rr.ID), mdEscape(rr.Title),
					rr.Severity, mdCode(rr.ResourceType), rr.Pass, rr.Fail, rr.Error, rr.Unknown, st)
			}
		}
		if len(c.Failing) > 0 {
			p("\nFailing resources:\n\n")
			p("| Severity | Resource | Account / region | Rule | Message | Fingerprint |\n")
			p("| --- | --- | --- | --- | --- | --- |\n")
			for _, f := range c.Failing {
				p("| %s | %s | %s | %s | %s | %s |\n", sevName(f), mdResource(f),
					mdEscape(f.Account+" / "+f.Region), mdCode(f.RuleID), mdEscape(f.Message), mdCode(f.Fingerprint))
			}
		}
	}

	if r.HasSuppressions {
		p("\n## Acknowledgements and snoozes\n\n")
		p("| Control | Resource | Kind | By | Reason | Until |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, c := range r.Controls {
			for _, f := range c.Failing {
				for _, s := range []struct {
					kind string
					s    *Suppression
				}{{"acknowledged", f.Acknowledged}, {"snoozed", f.Snoozed}} {
					if s.s == nil {
						continue
					}
					until := ""
					if s.s.Until != nil {
						until = fmtTime(*s.s.Until)
					}
					p("| %s | %s | %s | %s | %s | %s |\n", mdEscape(c.ID), mdResource(f), s.kind,
						mdEscape(s.s.By), mdEscape(s.s.Reason), until)
				}
			}
		}
	}
	calendarMarkdown(p, r)
	return bw.Flush()
}

func mdResource(f FindingRow) string {
	s := mdCode(f.ResourceID)
	if f.ResourceName != "" && f.ResourceName != f.ResourceID {
		s += " (" + mdEscape(f.ResourceName) + ")"
	}
	return s
}

func mdStatus(s Status) string {
	if s == StatusFail || s == StatusError {
		return "**" + s.Label() + "**"
	}
	return s.Label()
}
