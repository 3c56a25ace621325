package terraform

import (
	"strings"

	"github.com/comply-bot/comply/checks"
)

// policyOf reads a policy document from the state with the same analysis as
// the live collector (checks.ParsePolicy), so a Terraform scan and a live
// scan agree; ok is false for text that is not a policy document.
func policyOf(doc string) (*checks.Policy, bool) {
	if strings.TrimSpace(doc) == "" {
		return nil, false
	}
	p, err := checks.ParsePolicy(doc)
	return p, err == nil
}

// awsManagedAdmin tells, for AWS managed policies whose documents are public
// and stable, whether they allow Action "*" on Resource "*". Others are not
// in the file, so what they allow is unknown.
func awsManagedAdmin(policyARN string) (admin, known bool) {
	_, name, ok := strings.Cut(policyARN, ":iam::aws:policy/")
	if !ok {
		return false, false
	}
	switch name {
	case "AdministratorAccess":
		return true, true
	case "ReadOnlyAccess", "ViewOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit",
		"PowerUserAccess", "IAMUserChangePassword", "IAMReadOnlyAccess", "job-function/Billing",
		"AmazonS3ReadOnlyAccess", "AmazonEC2ReadOnlyAccess":
		return false, true
	}
	return false, false
}
