package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/comply-bot/comply/checks"
)

// MaxInputBytes bounds a scan result read by Decode; a larger file is refused
// rather than read into memory.
const MaxInputBytes = 256 << 20

// Decode reads a scan result as `comply scan --format json` writes it. Unknown
// fields are allowed (the format only grows), but the document must be one
// JSON object with the scan, score, findings and rules sections, valid
// severities and consistent counts; anything else is an error, so garbage is
// never reported as an empty, compliant framework.
func Decode(r io.Reader) (*checks.ScanReport, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read scan result: %w", err)
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("scan result larger than %d MiB", MaxInputBytes>>20)
	}
	var top map[string]json.RawMessage
	if err := strictUnmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a comply scan result (want the JSON of comply scan --format json): %w", err)
	}
	for _, key := range []string{"scan", "score", "findings", "rules"} {
		if v, ok := top[key]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return nil, fmt.Errorf("not a comply scan result: no %q section (want the JSON of comply scan --format json)", key)
		}
	}
	var rep checks.ScanReport
	if err := strictUnmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("invalid scan result: %w", err)
	}
	if err := validate(&rep); err != nil {
		return nil, fmt.Errorf("invalid scan result: %w", err)
	}
	return &rep, nil
}

// strictUnmarshal decodes exactly one JSON value with nothing after it.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

func validate(rep *checks.ScanReport) error {
	if rep.Scan.ID == "" {
		return errors.New("scan.id is empty")
	}
	for i, rs := range rep.Rules {
		if rs.RuleID == "" {
			return fmt.Errorf("rules[%d]: no id", i)
		}
		if !rs.Severity.Valid() {
			return fmt.Errorf("rules[%d] %s: no severity", i, rs.RuleID)
		}
		if rs.Pass < 0 || rs.Fail < 0 || rs.Error < 0 || rs.Unknown < 0 || rs.NotApplicable < 0 {
			return fmt.Errorf("rules[%d] %s: negative count", i, rs.RuleID)
		}
	}
	for i, f := range rep.Findings {
		if f.RuleID == "" || f.ResourceID == "" {
			return fmt.Errorf("findings[%d]: no rule_id or resource_id", i)
		}
		if !f.Severity.Valid() {
			return fmt.Errorf("findings[%d] %s: no severity", i, f.RuleID)
		}
	}
	return nil
}
