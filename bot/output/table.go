package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/comply-bot/comply/checks"
)

const (
	maxResourceWidth = 48
	maxMessageWidth  = 110
)

var severityColor = map[checks.Severity]string{
	checks.SeverityCritical: "\x1b[1;31m",
	checks.SeverityHigh:     "\x1b[31m",
	checks.SeverityMedium:   "\x1b[33m",
	checks.SeverityLow:      "\x1b[36m",
	checks.SeverityInfo:     "\x1b[2m",
}

const colorReset = "\x1b[0m"

func writeTable(w io.Writer, rep *checks.ScanReport, opts Options) error {
	ew := &errWriter{w: w}
	s := rep.Scan
	state := "complete"
	if !s.Complete {
		state = fmt.Sprintf("INCOMPLETE (%d errors)", len(s.Errors))
	}
	ew.printf("Scan %s: %d resources, %d rules, %d evaluations, %s\n\n", s.ID, s.Resources, s.Rules, s.Evaluations, state)

	if len(rep.Findings) == 0 {
		ew.printf("No failing findings.\n")
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tRULE\tRESOURCE\tACCOUNT/REGION\tMESSAGE")
		for _, f := range rep.Findings {
			sev := strings.ToUpper(f.Severity.String())
			// Pad before colouring so escape codes do not upset the column widths.
			sev = fmt.Sprintf("%-8s", sev)
			if opts.Color {
				sev = severityColor[f.Severity] + sev + colorReset
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sev, f.RuleID,
				truncate(clean(f.ResourceName), maxResourceWidth),
				clean(f.Account)+"/"+clean(f.Region),
				truncate(clean(f.Message), maxMessageWidth))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	ew.printf("\nFindings: ")
	for i, sev := range checks.Severities() {
		if i > 0 {
			ew.printf(", ")
		}
		ew.printf("%d %s", rep.Summary[sev], sev)
	}
	ew.printf("\nScore: %s\n", scoreLine(rep.Score))
	if s.NotEvaluated > 0 {
		ew.printf("Not evaluated: %d rule/resource pairs lack attributes the rules need (see --format json)\n", s.NotEvaluated)
	}
	var skipped []string
	for _, r := range rep.Rules {
		if r.Skipped {
			skipped = append(skipped, r.RuleID)
		}
	}
	if len(skipped) > 0 {
		ew.printf("Skipped: %d rules whose resource types were not fully collected\n", len(skipped))
	}
	if len(s.Errors) > 0 {
		ew.printf("\nErrors (the scan is incomplete; nothing here is reported compliant):\n")
		for _, e := range s.Errors {
			ew.printf("  %s\n", clean(scanErrorText(e)))
		}
	}
	return ew.err
}

// scoreLine renders "91.5% overall; SOC2 93.0%, HIPAA 88.2%".
func scoreLine(sc checks.Score) string {
	if sc.Overall == nil {
		return "no evaluations"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%.1f%% overall", *sc.Overall)
	first := true
	for _, f := range checks.Frameworks() {
		v, ok := sc.Frameworks[f.ID]
		if !ok {
			continue
		}
		if first {
			b.WriteString("; ")
			first = false
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.1f%%", f.ID, v)
	}
	return b.String()
}

// clean makes a user-controlled string safe for a terminal: control
// characters (escape sequences in a hostile bucket tag) are shown, not run.
func clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString("\\ufffd")
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
