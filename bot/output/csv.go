package output

import (
	"encoding/csv"
	"io"
	"sort"
	"strings"

	"github.com/comply-bot/comply/checks"
)

var csvHeader = []string{
	"severity", "rule_id", "title", "resource_id", "resource_type", "resource_name",
	"account", "region", "message", "remediation", "frameworks", "fingerprint",
}

func writeCSV(w io.Writer, rep *checks.ScanReport) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, f := range rep.Findings {
		row := []string{
			f.Severity.String(), f.RuleID, f.Title, f.ResourceID, f.ResourceType, f.ResourceName,
			f.Account, f.Region, f.Message, f.Remediation, frameworkList(f.Frameworks), f.Fingerprint,
		}
		for i := range row {
			row[i] = csvSafe(clean(row[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe is csvSafe for other CSV writers (the compliance report's).
func CSVSafe(s string) string { return csvSafe(s) }

// csvSafe defuses spreadsheet formula injection: a resource name such as
// =HYPERLINK(...) must stay text when an auditor opens the file.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// frameworkList renders {"SOC2":["CC6.1"],"HIPAA":["164.312(b)"]} as
// "HIPAA 164.312(b); SOC2 CC6.1" in the crosswalk's framework order.
func frameworkList(m map[string][]string) string {
	var parts []string
	order := map[string]int{}
	for i, f := range checks.Frameworks() {
		order[f.ID] = i
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return order[keys[i]] < order[keys[j]] })
	for _, k := range keys {
		parts = append(parts, k+" "+strings.Join(m[k], ","))
	}
	return strings.Join(parts, "; ")
}
