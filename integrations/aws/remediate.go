package aws

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/comply-bot/comply/checks"
)

// RemediatorOptions configure the automated fixes.
type RemediatorOptions struct {
	// Endpoint overrides every service's endpoint, as Options.Endpoint does
	// for the collector (S3 path-style, S3 Control keeps the host).
	Endpoint string
	// RoleARN, if set, is assumed (sts:AssumeRole from the default
	// credentials) for every account not in Accounts, so that the scanning
	// credentials can stay read-only.
	RoleARN     string
	ExternalID  string
	SessionName string // default comply-remediation
	// Accounts maps an account id to the role assumed for changes in it.
	// An account in neither Accounts nor reached by RoleARN is changed with
	// the default credentials only if they belong to that account.
	Accounts map[string]string
	// MaxAttempts is the adaptive retry mode's attempt limit (default 5).
	MaxAttempts int
	// KMSKeyID, if set, makes S3 default encryption SSE-KMS with this key
	// (and an S3 Bucket Key) instead of SSE-S3.
	KMSKeyID string
}

// Remediator plans and applies the aws.* remediation actions. Plan only
// reads; Apply makes exactly the calls of a plan. Safe for concurrent use.
type Remediator struct {
	opts  RemediatorOptions
	log   *slog.Logger
	base  awssdk.Config
	home  string // region of STS and IAM
	calls *callCounter
	now   func() time.Time // tests move the clock to age access keys

	mu       sync.Mutex
	accounts map[string]*clients // credentials verified to reach the account, by id
}

const (
	remediationSession     = "comply-remediation"
	remediationConcurrency = 4
)

var accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)

// NewRemediator validates the options and loads the default credential
// chain; no call is made until a plan. Invalid options wrap
// checks.ErrInvalidInput.
func NewRemediator(ctx context.Context, opts RemediatorOptions, log *slog.Logger) (*Remediator, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.SessionName == "" {
		opts.SessionName = remediationSession
	}
	if err := validateRemediator(opts); err != nil {
		return nil, fmt.Errorf("aws remediation: %w: %s", checks.ErrInvalidInput, err)
	}
	cfg, err := loadConfig(ctx, Options{Endpoint: opts.Endpoint, MaxAttempts: opts.MaxAttempts, Concurrency: remediationConcurrency})
	if err != nil {
		return nil, fmt.Errorf("aws remediation: %w: load AWS configuration: %v", checks.ErrInvalidInput, err)
	}
	home := cfg.Region
	if home == "" {
		// Only STS and IAM (global) use it; regional fixes go to the
		// finding's region.
		home = "us-east-1"
	}
	return &Remediator{opts: opts, log: log, base: cfg, home: home, calls: newCallCounter(), now: time.Now,
		accounts: map[string]*clients{}}, nil
}

func validateRemediator(opts RemediatorOptions) error {
	if opts.RoleARN != "" && !roleARNRe.MatchString(opts.RoleARN) {
		return fmt.Errorf("invalid remediation role ARN %q (want arn:aws:iam::ACCOUNT:role/NAME)", opts.RoleARN)
	}
	for acct, arn := range opts.Accounts {
		if !accountIDRe.MatchString(acct) {
			return fmt.Errorf("invalid account id %q (want 12 digits)", acct)
		}
		if !roleARNRe.MatchString(arn) {
			return fmt.Errorf("invalid remediation role ARN %q for account %s (want arn:aws:iam::ACCOUNT:role/NAME)", arn, acct)
		}
		if got := roleAccount(arn); got != acct {
			return fmt.Errorf("remediation role %s for account %s is in account %s", arn, acct, got)
		}
	}
	return nil
}

// Supports reports whether the action is implemented.
func (r *Remediator) Supports(action string) bool {
	_, ok := remediationActions()[action]
	return ok
}

// Plan reads the resource live and returns the calls that would fix it and
// the attributes they change; a compliant resource gets a plan without calls
// and with NoOpReason.
func (r *Remediator) Plan(ctx context.Context, t checks.RemediationTarget) (checks.RemediationPlan, error) {
	a, region, err := r.resolve(t)
	if err != nil {
		return checks.RemediationPlan{}, err
	}
	if err := checkParams(t.Params, a.params); err != nil {
		return checks.RemediationPlan{}, fmt.Errorf("plan %s on %s: %w", t.Action, t.ResourceID, err)
	}
	cl, err := r.clientsFor(ctx, t.Account)
	if err != nil {
		return checks.RemediationPlan{}, fmt.Errorf("plan %s on %s: %w", t.Action, t.ResourceID, err)
	}
	p := &planner{t: t, cl: cl, region: region, now: r.now().UTC(), kmsKey: r.opts.KMSKeyID,
		plan: checks.RemediationPlan{Target: t, Calls: []checks.PlannedCall{}, Changes: []checks.AttributeChange{}}}
	p.plan.PlannedAt = p.now
	if err := a.plan(ctx, p); err != nil {
		return checks.RemediationPlan{}, fmt.Errorf("plan %s on %s: %w", t.Action, t.ResourceID, err)
	}
	if len(p.plan.Calls) == 0 && p.plan.NoOpReason == "" {
		p.plan.NoOpReason = "the resource already complies"
	}
	return p.plan, nil
}

// Apply makes the plan's calls, in order. It reads nothing first (the caller
// plans again just before), and each call is idempotent: applying a plan
// twice, or one whose change another hand already made, succeeds.
func (r *Remediator) Apply(ctx context.Context, p checks.RemediationPlan) error {
	t := p.Target
	a, region, err := r.resolve(t)
	if err != nil {
		return err
	}
	if p.NoOp() {
		return nil
	}
	for _, c := range p.Calls {
		if a.apis[c.API] == nil {
			return fmt.Errorf("apply %s on %s: %w: the plan holds %s, which this action never makes", t.Action, t.ResourceID, checks.ErrInvalidInput, c.API)
		}
	}
	cl, err := r.clientsFor(ctx, t.Account)
	if err != nil {
		return fmt.Errorf("apply %s on %s: %w", t.Action, t.ResourceID, err)
	}
	for i, c := range p.Calls {
		if err := a.apis[c.API](ctx, cl, region, c.Params); err != nil {
			return callError(fmt.Sprintf("apply %s on %s: call %d of %d, %s", t.Action, t.ResourceID, i+1, len(p.Calls), c.API), err)
		}
		r.log.Info("remediation call made", "action", t.Action, "resource", t.ResourceID, "account", t.Account, "api", c.API)
	}
	return nil
}

// resolve finds the target's action and the region its calls go to.
func (r *Remediator) resolve(t checks.RemediationTarget) (remediationAction, string, error) {
	a, ok := remediationActions()[t.Action]
	if !ok {
		return remediationAction{}, "", fmt.Errorf("%w: unknown remediation action %q (known: %s)", checks.ErrInvalidInput, t.Action, strings.Join(RemediationActionNames(), ", "))
	}
	if !slices.Contains(a.types, t.ResourceType) {
		return remediationAction{}, "", fmt.Errorf("%w: action %s fixes %s, not %s (resource %s)", checks.ErrInvalidInput,
			t.Action, strings.Join(a.types, ", "), t.ResourceType, t.ResourceID)
	}
	region := t.Region
	switch {
	case a.global:
		region = r.home
	case a.regionFromARN:
		// The ARN names where the resource lives (a trail's home region),
		// whichever region it was listed in.
		if parts := strings.Split(t.ResourceID, ":"); len(parts) >= 6 && regionRe.MatchString(parts[3]) {
			region = parts[3]
		}
	}
	if !regionRe.MatchString(region) {
		return remediationAction{}, "", fmt.Errorf("%w: %s on %s: no region to call (target region %q)", checks.ErrInvalidInput, t.Action, t.ResourceID, t.Region)
	}
	return a, region, nil
}

// clientsFor returns clients whose credentials are verified to act in the
// account: its role, else RoleARN, else the default credentials.
func (r *Remediator) clientsFor(ctx context.Context, account string) (*clients, error) {
	if !accountIDRe.MatchString(account) {
		return nil, fmt.Errorf("%w: target account %q is not a 12-digit account id", checks.ErrInvalidInput, account)
	}
	r.mu.Lock()
	cl := r.accounts[account]
	r.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	cfg := r.base.Copy()
	roleARN := r.opts.Accounts[account]
	if roleARN == "" {
		roleARN = r.opts.RoleARN
	}
	via := "the default credentials"
	if roleARN != "" {
		via = "role " + roleARN
		stsCfg := r.base.Copy()
		stsCfg.Region = r.home
		cfg.Credentials = assumeRoleCredentials(sts.NewFromConfig(stsCfg),
			AccountRole{RoleARN: roleARN, ExternalID: r.opts.ExternalID, SessionName: r.opts.SessionName}, remediationSession)
	}
	cl = newClients(cfg, remediationConcurrency, r.calls, nil)
	out, err := cl.sts(r.home).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, callError("credentials for account "+account+" ("+via+")", err)
	}
	if got := awssdk.ToString(out.Account); got != account {
		if roleARN == "" {
			return nil, fmt.Errorf("no remediation role for account %s, and the default credentials are in account %s: configure a remediation role for account %s", account, got, account)
		}
		return nil, fmt.Errorf("remediation %s reaches account %s, not the finding's account %s: configure a remediation role for account %s", via, got, account, account)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev := r.accounts[account]; prev != nil {
		return prev, nil
	}
	r.accounts[account] = cl
	return cl, nil
}

// RemediationActionNames lists the actions the Remediator implements.
func RemediationActionNames() []string {
	var out []string
	for name := range remediationActions() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// remediationAction is one fix: the resource types it handles, how it plans,
// and the calls its plans may hold (Apply runs no other).
type remediationAction struct {
	types []string
	// params are the rule params it reads; others are refused, so a typo
	// cannot widen a fix (a misspelt "ports" would revoke every port).
	params []string
	// global: calls go to the home region (IAM); regionFromARN: to the
	// region in the resource's ARN; otherwise to the target's region.
	global, regionFromARN bool
	plan                  func(ctx context.Context, p *planner) error
	apis                  map[string]executor
}

func remediationActions() map[string]remediationAction {
	return map[string]remediationAction{
		"aws.s3.block-public-access":            actBlockPublicAccess(),
		"aws.s3.enable-default-encryption":      actBucketEncryption(),
		"aws.s3.enable-versioning":              actBucketVersioning(),
		"aws.ec2.revoke-public-ingress":         actRevokePublicIngress(),
		"aws.ec2.enable-ebs-default-encryption": actEBSDefaultEncryption(),
		"aws.cloudtrail.enable-log-validation":  actTrailLogValidation(),
		"aws.kms.enable-rotation":               actKeyRotation(),
		"aws.iam.deactivate-access-key":         actDeactivateAccessKey(),
		"aws.rds.disable-public-access":         actRDSPrivate(),
		"aws.rds.set-backup-retention":          actRDSBackupRetention(),
	}
}

// planner builds one plan.
type planner struct {
	t      checks.RemediationTarget
	cl     *clients
	region string
	now    time.Time
	kmsKey string
	plan   checks.RemediationPlan
}

func (p *planner) call(api string, params map[string]any) {
	p.plan.Calls = append(p.plan.Calls, checks.PlannedCall{API: api, Params: params})
}

func (p *planner) change(attr string, before, after any) {
	p.plan.Changes = append(p.plan.Changes, checks.AttributeChange{Attribute: attr, Before: before, After: after})
}

func (p *planner) noop(format string, args ...any) {
	p.plan.NoOpReason = fmt.Sprintf(format, args...)
}

// arnResource is the resource part of the target's ARN after prefix
// ("security-group/"), else the target's name.
func (p *planner) arnResource(prefix string) (string, error) {
	parts := strings.SplitN(p.t.ResourceID, ":", 6)
	if len(parts) == 6 && strings.HasPrefix(parts[5], prefix) && len(parts[5]) > len(prefix) {
		return strings.TrimPrefix(parts[5], prefix), nil
	}
	if p.t.ResourceName != "" {
		return p.t.ResourceName, nil
	}
	return "", fmt.Errorf("%w: resource id %q is not an ARN of a %s", checks.ErrInvalidInput, p.t.ResourceID, p.t.ResourceType)
}

// opError is a failed call as one line: what was done, then the API's code
// and message. The SDK error stays reachable with errors.As.
type opError struct {
	msg string
	err error
}

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return e.err }

func callError(what string, err error) error {
	return &opError{msg: what + ": " + describe(err), err: err}
}
