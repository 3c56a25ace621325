package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// The remediation: section: approval-gated automated fixes
// (docs/remediation.md). Absent or enabled: false, no fix can run.

type rawRemediation struct {
	Enabled     bool              `yaml:"enabled"`
	Actions     []string          `yaml:"actions"`
	Approvals   map[string]int    `yaml:"approvals"`
	Approvers   []string          `yaml:"approvers"`
	Expiry      string            `yaml:"expiry"`
	Auto        []string          `yaml:"auto"`
	RoleARN     string            `yaml:"role_arn"`
	ExternalID  string            `yaml:"external_id"`
	SessionName string            `yaml:"session_name"`
	Accounts    map[string]string `yaml:"accounts"`
	KMSKeyID    string            `yaml:"kms_key_id"`
	Endpoint    string            `yaml:"endpoint"`
	MaxAttempts int               `yaml:"max_attempts"`
}

// Remediation is the policy of automated fixes.
type Remediation struct {
	// Enabled is false by default: then comply never changes a resource.
	Enabled bool
	// Actions are the enabled action names (checks.RemediationActions).
	Actions []string
	// Approvals is how many distinct approvers each severity needs.
	Approvals map[checks.Severity]int
	// ApproverRoles are role names (operator, approver, admin): holders of
	// at least that role may approve. ApproverIDs are Slack user ids and
	// user-group ids who may approve whatever their role.
	ApproverRoles []string
	ApproverIDs   []string
	// Expiry bounds the approval window of a request.
	Expiry time.Duration
	// Auto lists rule ids whose findings are fixed without approval, still
	// audited and announced.
	Auto []string
	// The credentials of the changes, apart from the read-only scanning
	// role: RoleARN is assumed for the default account, Accounts maps other
	// account ids to role ARNs. Empty RoleARN: the SDK's default chain.
	RoleARN     string
	ExternalID  Secret
	SessionName string
	Accounts    map[string]string
	// KMSKeyID, if set, is the key S3 default encryption uses (else SSE-S3).
	KMSKeyID string
	// Endpoint overrides the AWS endpoint (emulators); MaxAttempts retries.
	Endpoint    string
	MaxAttempts int
}

// Remediation defaults.
const (
	DefaultRemediationExpiry   = time.Hour
	DefaultCriticalApprovals   = 2
	DefaultRemediationApprover = "approver"
	maxApprovals               = 5
)

// ApprovalsFor is how many approvers a finding of severity sev needs.
func (r Remediation) ApprovalsFor(sev checks.Severity) int {
	if n, ok := r.Approvals[sev]; ok {
		return n
	}
	return 1
}

// ActionEnabled reports whether remediation is on and action is enabled.
func (r Remediation) ActionEnabled(action string) bool {
	return r.Enabled && action != "" && slices.Contains(r.Actions, action)
}

// AutoFor reports whether ruleID is configured for auto-remediation.
func (r Remediation) AutoFor(ruleID string) bool { return r.Enabled && slices.Contains(r.Auto, ruleID) }

var (
	ruleIDPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	accountPattern = regexp.MustCompile(`^\d{12}$`)
)

var approverRoleNames = []string{"operator", "approver", "admin"}

func defaultApprovals() map[checks.Severity]int {
	m := map[checks.Severity]int{}
	for _, s := range checks.Severities() {
		m[s] = 1
	}
	m[checks.SeverityCritical] = DefaultCriticalApprovals
	return m
}

// remediation validates the remediation: section.
func (raw *rawConfig) remediation(add addFunc) Remediation {
	rm := Remediation{Approvals: defaultApprovals(), ApproverRoles: []string{DefaultRemediationApprover},
		Expiry: DefaultRemediationExpiry, SessionName: "comply-remediation", MaxAttempts: DefaultMaxAttempts}
	r := raw.Remediation
	if r == nil {
		return rm
	}
	rm.Enabled = r.Enabled
	known := checks.RemediationActions()
	for i, a := range r.Actions {
		at := fmt.Sprintf("$.remediation.actions[%d]", i)
		switch {
		case !slices.Contains(known, a):
			add(at, "remediation.actions: unknown action %q (want one of %s)", a, strings.Join(known, ", "))
		case slices.Contains(r.Actions[:i], a):
			add(at, "remediation.actions: %q listed twice", a)
		}
		rm.Actions = append(rm.Actions, a)
	}
	if rm.Enabled && len(rm.Actions) == 0 {
		add("$.remediation.enabled", "remediation.enabled: list the actions to enable in remediation.actions")
	}
	for _, name := range slices.Sorted(maps.Keys(r.Approvals)) {
		at := "$.remediation.approvals." + name
		sev, err := checks.ParseSeverity(name)
		if err != nil {
			add(at, "remediation.approvals: %v", err)
			continue
		}
		n := r.Approvals[name]
		if n < 1 || n > maxApprovals {
			add(at, "remediation.approvals.%s must be 1-%d distinct approvers", name, maxApprovals)
		}
		rm.Approvals[sev] = n
	}
	if len(r.Approvers) > 0 {
		rm.ApproverRoles = nil
	}
	for i, id := range r.Approvers {
		at := fmt.Sprintf("$.remediation.approvers[%d]", i)
		id = strings.TrimSpace(id)
		switch {
		case slices.Contains(r.Approvers[:i], id):
			add(at, "remediation.approvers: %q listed twice", id)
		case slices.Contains(approverRoleNames, id):
			rm.ApproverRoles = append(rm.ApproverRoles, id)
		case userIDPattern.MatchString(id) || groupIDPattern.MatchString(id):
			rm.ApproverIDs = append(rm.ApproverIDs, id)
		default:
			add(at, "remediation.approvers: %q is not a role (%s), a Slack user id (U…, W…) or a user-group id (S…)", id, strings.Join(approverRoleNames, ", "))
		}
	}
	if r.Expiry != "" {
		d, err := parseDuration(r.Expiry, "never")
		switch {
		case err != nil:
			add("$.remediation.expiry", "remediation.expiry: %v", err)
		case d < time.Minute || d > 7*24*time.Hour:
			add("$.remediation.expiry", "remediation.expiry must be between 1m and 7d")
		default:
			rm.Expiry = d
		}
	}
	for i, id := range r.Auto {
		at := fmt.Sprintf("$.remediation.auto[%d]", i)
		switch {
		case !ruleIDPattern.MatchString(id):
			add(at, "remediation.auto: %q is not a rule id", id)
		case slices.Contains(r.Auto[:i], id):
			add(at, "remediation.auto: %q listed twice", id)
		}
		rm.Auto = append(rm.Auto, id)
	}
	if r.RoleARN != "" && !roleARNPattern.MatchString(r.RoleARN) {
		add("$.remediation.role_arn", "remediation.role_arn: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", r.RoleARN)
	}
	rm.RoleARN, rm.ExternalID, rm.KMSKeyID = r.RoleARN, Secret(r.ExternalID), r.KMSKeyID
	if r.SessionName != "" {
		rm.SessionName = r.SessionName
	}
	for _, acct := range slices.Sorted(maps.Keys(r.Accounts)) {
		arn := r.Accounts[acct]
		at := "$.remediation.accounts." + acct
		switch {
		case !accountPattern.MatchString(acct):
			add(at, "remediation.accounts: %q is not a 12-digit account id", acct)
		case !roleARNPattern.MatchString(arn):
			add(at, "remediation.accounts.%s: %q is not an IAM role ARN", acct, arn)
		}
		if rm.Accounts == nil {
			rm.Accounts = map[string]string{}
		}
		rm.Accounts[acct] = arn
	}
	if r.Endpoint != "" && !strings.HasPrefix(r.Endpoint, "http://") && !strings.HasPrefix(r.Endpoint, "https://") {
		add("$.remediation.endpoint", "remediation.endpoint must be an http(s) URL")
	}
	rm.Endpoint = r.Endpoint
	if r.MaxAttempts != 0 {
		rm.MaxAttempts = r.MaxAttempts
		if r.MaxAttempts < 1 || r.MaxAttempts > 20 {
			add("$.remediation.max_attempts", "remediation.max_attempts must be 1-20")
		}
	}
	return rm
}
