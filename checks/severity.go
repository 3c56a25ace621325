package checks

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders findings; higher is worse. The zero value is invalid so that a
// rule that forgot its severity is caught at load time.
type Severity int

// Severities from least to most severe.
const (
	SeverityInfo Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"", "info", "low", "medium", "high", "critical"}

// Severities lists every valid severity from most to least severe.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}
}

// ParseSeverity reads a severity name (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	ls := strings.ToLower(strings.TrimSpace(s))
	for i := SeverityInfo; i <= SeverityCritical; i++ {
		if severityNames[i] == ls {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
}

// Valid reports whether s is one of the five severities.
func (s Severity) Valid() bool { return s >= SeverityInfo && s <= SeverityCritical }

func (s Severity) String() string {
	if !s.Valid() {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the lower-case name.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

var _ json.Marshaler = Summary{}

// Summary counts failing findings by severity; it always lists all five levels.
type Summary map[Severity]int

// MarshalJSON writes {"critical": n, ..., "info": n} in severity order.
func (s Summary) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, sev := range Severities() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%d", sev.String(), s[sev])
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads the object written by MarshalJSON.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var raw map[string]int
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := Summary{}
	for k, v := range raw {
		sev, err := ParseSeverity(k)
		if err != nil {
			return err
		}
		out[sev] = v
	}
	*s = out
	return nil
}
