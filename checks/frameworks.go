package checks

import (
	"fmt"
	"strings"
)

// Framework ids as they appear in rule files and results.
const (
	FrameworkSOC2    = "SOC2"
	FrameworkHIPAA   = "HIPAA"
	FrameworkPCI     = "PCI"
	FrameworkHITRUST = "HITRUST"
	FrameworkCISAWS  = "CIS-AWS"
)

// FrameworkInfo describes a framework the crosswalk knows.
type FrameworkInfo struct {
	ID      string   // key in rule files and results
	Title   string   // human name
	Aliases []string // accepted by --framework besides the id
}

// Frameworks lists the frameworks rules may map to.
func Frameworks() []FrameworkInfo {
	return []FrameworkInfo{
		{FrameworkSOC2, "SOC 2 (2017 Trust Services Criteria)", []string{"soc-2", "soc 2"}},
		{FrameworkHIPAA, "HIPAA Security Rule (45 CFR 164)", nil},
		{FrameworkPCI, "PCI DSS 4.0", []string{"pci-dss", "pcidss"}},
		{FrameworkHITRUST, "HITRUST CSF", nil},
		{FrameworkCISAWS, "CIS AWS Foundations Benchmark 3.0", []string{"cis", "cis_aws", "cisaws"}},
	}
}

// ParseFramework maps a user-typed name (case-insensitive, aliases allowed) to
// its framework id.
func ParseFramework(s string) (string, error) {
	ls := strings.ToLower(strings.TrimSpace(s))
	var ids []string
	for _, f := range Frameworks() {
		ids = append(ids, strings.ToLower(f.ID))
		if strings.ToLower(f.ID) == ls {
			return f.ID, nil
		}
		for _, a := range f.Aliases {
			if a == ls {
				return f.ID, nil
			}
		}
	}
	return "", fmt.Errorf("unknown framework %q (want one of %s)", s, strings.Join(ids, ", "))
}
