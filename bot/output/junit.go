package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/comply-bot/comply/checks"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// writeJUnit renders one test suite per rule: a failing test case per
// finding, an error case per rule error, and one passing case that stands for
// the resources that passed (the report does not list passes one by one).
func writeJUnit(w io.Writer, rep *checks.ScanReport) error {
	byRule := map[string][]checks.Finding{}
	for _, f := range rep.Findings {
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	errsByRule := map[string][]checks.ScanError{}
	var collectErrs []checks.ScanError
	for _, e := range rep.Scan.Errors {
		if e.RuleID != "" {
			errsByRule[e.RuleID] = append(errsByRule[e.RuleID], e)
		} else {
			collectErrs = append(collectErrs, e)
		}
	}
	doc := junitSuites{Name: "comply " + rep.Scan.ID}
	if len(collectErrs) > 0 {
		s := junitSuite{Name: "collection"}
		for _, e := range collectErrs {
			s.Cases = append(s.Cases, junitCase{Name: scanErrorText(e), Classname: "collection",
				Error: &junitProblem{Message: e.Message, Type: "CollectionError", Body: scanErrorText(e)}})
			s.Tests++
			s.Errors++
		}
		doc.Suites = append(doc.Suites, s)
	}
	for _, rs := range rep.Rules {
		s := junitSuite{Name: rs.RuleID}
		class := rs.ResourceType
		if rs.Skipped {
			s.Cases = append(s.Cases, junitCase{Name: rs.RuleID, Classname: class,
				Skipped: &junitSkipped{Message: "resource type " + rs.ResourceType + " was not fully collected"}})
			s.Tests, s.Skipped = 1, 1
		}
		if rs.Pass > 0 {
			s.Cases = append(s.Cases, junitCase{Name: fmt.Sprintf("%d resources pass", rs.Pass), Classname: class})
			s.Tests++
		}
		for _, f := range byRule[rs.RuleID] {
			body := strings.Join([]string{
				f.Message,
				"resource: " + f.ResourceID + " (" + f.Account + "/" + f.Region + ")",
				"remediation: " + f.Remediation,
				"frameworks: " + frameworkList(f.Frameworks),
				"fingerprint: " + f.Fingerprint,
			}, "\n")
			s.Cases = append(s.Cases, junitCase{Name: f.ResourceID, Classname: class,
				Failure: &junitProblem{Message: f.Message, Type: f.Severity.String(), Body: body}})
			s.Tests++
			s.Failures++
		}
		for _, e := range errsByRule[rs.RuleID] {
			s.Cases = append(s.Cases, junitCase{Name: e.ResourceID, Classname: class,
				Error: &junitProblem{Message: e.Message, Type: "RuleError", Body: scanErrorText(e)}})
			s.Tests++
			s.Errors++
		}
		if s.Tests == 0 {
			continue
		}
		doc.Suites = append(doc.Suites, s)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
