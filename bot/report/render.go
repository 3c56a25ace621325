package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/output"
)

// Format is a report format name.
type Format string

// The formats `comply report --format` accepts.
const (
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
)

// Formats lists every report format.
func Formats() []Format { return []Format{FormatMarkdown, FormatHTML, FormatJSON, FormatCSV} }

// ParseFormat reads a format name (case-insensitive; "md" is markdown).
func ParseFormat(s string) (Format, error) {
	if strings.EqualFold(s, "md") {
		return FormatMarkdown, nil
	}
	for _, f := range Formats() {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want markdown, html, json or csv)", s)
}

// FormatForFile guesses the format from an output file's extension.
func FormatForFile(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".md", ".markdown":
		return FormatMarkdown, true
	case ".html", ".htm":
		return FormatHTML, true
	case ".json":
		return FormatJSON, true
	case ".csv":
		return FormatCSV, true
	}
	return "", false
}

// Write renders the report.
func Write(w io.Writer, f Format, r *Report) error {
	switch f {
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatHTML:
		return writeHTML(w, r)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return writeCSV(w, r)
	}
	return fmt.Errorf("unknown format %q", f)
}

var csvHeader = []string{
	"framework", "control", "control_status", "rule_id", "severity", "resource_id", "resource_type",
	"resource_name", "account", "region", "message", "fingerprint",
	"acknowledged_by", "acknowledged_reason", "snoozed_by", "snoozed_reason", "snoozed_until",
}

// writeCSV writes one row per control and failing resource; a control with
// no failing resource gets one row with empty resource columns, so every
// control and its status is in the file.
func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, c := range r.Controls {
		rows := c.Failing
		if len(rows) == 0 {
			rows = []FindingRow{{}}
		}
		for _, f := range rows {
			row := []string{r.Framework, c.ID, string(c.Status), f.RuleID, sevName(f), f.ResourceID, f.ResourceType,
				f.ResourceName, f.Account, f.Region, f.Message, f.Fingerprint}
			row = append(row, suppressionCells(f.Acknowledged, false)...)
			row = append(row, suppressionCells(f.Snoozed, true)...)
			for i := range row {
				row[i] = output.CSVSafe(oneLine(row[i]))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func sevName(f FindingRow) string {
	if !f.Severity.Valid() {
		return ""
	}
	return f.Severity.String()
}

func suppressionCells(s *Suppression, withUntil bool) []string {
	out := []string{"", ""}
	if s != nil {
		out = []string{s.By, s.Reason}
	}
	if withUntil {
		until := ""
		if s != nil && s.Until != nil {
			until = s.Until.UTC().Format(time.RFC3339)
		}
		out = append(out, until)
	}
	return out
}

// oneLine folds line breaks and drops other control characters, so a hostile
// message cannot break a table row or smuggle terminal escapes.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

// pct formats a score; nil (nothing evaluated) is "n/a".
func pct(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *v)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
