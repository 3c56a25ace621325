// Package output renders scan reports for people and machines: table, JSON,
// SARIF 2.1.0, JUnit XML and CSV.
package output

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Format is an output format name.
type Format string

// The formats `comply scan --format` accepts.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatSARIF Format = "sarif"
	FormatJUnit Format = "junit"
	FormatCSV   Format = "csv"
)

// Formats lists every format.
func Formats() []Format {
	return []Format{FormatTable, FormatJSON, FormatSARIF, FormatJUnit, FormatCSV}
}

// ParseFormat reads a format name (case-insensitive).
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// FormatForFile guesses a format from an output file's extension, so
// `--output results.sarif` does what it says; ok is false when unknown.
func FormatForFile(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON, true
	case ".sarif":
		return FormatSARIF, true
	case ".xml":
		return FormatJUnit, true
	case ".csv":
		return FormatCSV, true
	case ".txt":
		return FormatTable, true
	}
	return "", false
}

// Options tune rendering.
type Options struct {
	Color bool // ANSI colours (table only; only for a terminal)
	// Version is the tool version shown in SARIF.
	Version string
	// ArtifactURI is the file SARIF results point at (the scanned inventory or
	// state file); empty for live scans.
	ArtifactURI string
	// Rules are the rules of the scan, for SARIF rule metadata.
	Rules []*checks.Rule
}

// Write renders the report in the given format.
func Write(w io.Writer, f Format, rep *checks.ScanReport, opts Options) error {
	var err error
	switch f {
	case FormatTable:
		err = writeTable(w, rep, opts)
	case FormatJSON:
		err = writeJSON(w, rep)
	case FormatSARIF:
		err = writeSARIF(w, rep, opts)
	case FormatJUnit:
		err = writeJUnit(w, rep)
	case FormatCSV:
		err = writeCSV(w, rep)
	default:
		return fmt.Errorf("unknown format %q", f)
	}
	if err != nil {
		return fmt.Errorf("write %s output: %w", f, err)
	}
	return nil
}
