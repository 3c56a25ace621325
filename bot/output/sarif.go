package output

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// SARIF 2.1.0, shaped for GitHub code scanning: rules carry
// security-severity, results carry a physical location and a stable
// partial fingerprint.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Results     []sarifResult     `json:"results"`
	Invocations []sarifInvocation `json:"invocations"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	SemanticVer    string      `json:"semanticVersion,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
	ProblemSeverity  string   `json:"problem.severity"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

func sarifLevel(s checks.Severity) string {
	switch s {
	case checks.SeverityCritical, checks.SeverityHigh:
		return "error"
	case checks.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's CVSS-like score: >=9 critical, >=7 high,
// >=4 medium, >0.1 low.
func securitySeverity(s checks.Severity) string {
	switch s {
	case checks.SeverityCritical:
		return "9.5"
	case checks.SeverityHigh:
		return "8.0"
	case checks.SeverityMedium:
		return "5.5"
	case checks.SeverityLow:
		return "3.0"
	}
	return "0.0"
}

func writeSARIF(w io.Writer, rep *checks.ScanReport, opts Options) error {
	driver := sarifDriver{Name: "comply", InformationURI: "https://github.com/comply-bot/comply", Rules: []sarifRule{}}
	if opts.Version != "" && opts.Version != "dev" {
		driver.Version = opts.Version
		driver.SemanticVer = strings.TrimPrefix(opts.Version, "v")
	}
	index := map[string]int{}
	addRule := func(id, title, remediation string, sev checks.Severity, fw map[string][]string) {
		if _, ok := index[id]; ok {
			return
		}
		tags := []string{"security", "compliance"}
		for _, k := range sortedKeys(fw) {
			for _, c := range fw[k] {
				tags = append(tags, k+"/"+c)
			}
		}
		help := remediation
		if help == "" {
			help = title
		}
		index[id] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{
			ID: id, Name: ruleName(id),
			ShortDescription:     sarifText{title},
			FullDescription:      sarifText{title},
			Help:                 sarifText{help},
			DefaultConfiguration: sarifConfig{sarifLevel(sev)},
			Properties: sarifRuleProps{Tags: tags, SecuritySeverity: securitySeverity(sev),
				Precision: "very-high", ProblemSeverity: sarifLevel(sev)},
		})
	}
	for _, r := range opts.Rules {
		addRule(r.ID, r.Title, r.Remediation.Text, r.Severity, r.Frameworks)
	}
	uri := opts.ArtifactURI
	if uri == "" {
		uri = "comply-scan"
	}
	results := make([]sarifResult, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		addRule(f.RuleID, f.Title, f.Remediation, f.Severity, f.Frameworks)
		results = append(results, sarifResult{
			RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity),
			Message: sarifText{fmt.Sprintf("%s (%s in %s/%s)", f.Message, f.ResourceID, f.Account, f.Region)},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{sarifArtifact{uri}, sarifRegion{1}},
				LogicalLocations: []sarifLogical{{FullyQualifiedName: f.ResourceID, Kind: "resource"}},
			}},
			PartialFingerprints: map[string]string{"complyFingerprint/v1": f.Fingerprint},
			Properties: map[string]any{
				"severity": f.Severity.String(), "resourceType": f.ResourceType,
				"account": f.Account, "region": f.Region, "frameworks": f.Frameworks,
			},
		})
	}
	inv := sarifInvocation{ExecutionSuccessful: rep.Scan.Complete, ToolExecutionNotifications: []sarifNotification{}}
	for _, e := range rep.Scan.Errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifText{scanErrorText(e)}})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{driver}, Results: results, Invocations: []sarifInvocation{inv}}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// ruleName turns aws-s3-bucket-encryption into AwsS3BucketEncryption, the
// PascalCase SARIF suggests for rule names.
func ruleName(id string) string {
	var b strings.Builder
	for _, p := range strings.Split(id, "-") {
		if p == "" {
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scanErrorText is one line naming where a scan error happened.
func scanErrorText(e checks.ScanError) string {
	var where []string
	for _, s := range []string{e.Source, e.Service, e.Account, e.Region, e.RuleID, e.ResourceID} {
		if s != "" {
			where = append(where, s)
		}
	}
	return strings.Join(where, " ") + ": " + e.Message
}
