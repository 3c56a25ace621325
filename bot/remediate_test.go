package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/store"
)

// Approvers of the remediation tests; alice requests.
const (
	carol = "U0CAROL01"
	dave  = "U0DAVE001"
)

// fakeRemediator fixes the harness's fake buckets: Plan reads the
// attribute an action sets from the collector's resources, Apply sets it.
type fakeRemediator struct {
	col *fakeCollector

	mu       sync.Mutex
	applyErr error
	plans    int
	applied  []checks.RemediationPlan
	// onPlan, if set, runs before the n-th Plan (from 1) reads the resource.
	onPlan func(n int)
	// kmsKey, if set, is added to every planned call, as a configured KMS
	// key would be.
	kmsKey string
	// onApply, if set, runs when a change is applied.
	onApply func()
}

var _ Remediator = (*fakeRemediator)(nil)

var fakeActions = map[string]string{
	"aws.s3.enable-versioning":         "versioning_enabled",
	"aws.s3.enable-default-encryption": "encryption_enabled",
}

func (f *fakeRemediator) Supports(action string) bool { _, ok := fakeActions[action]; return ok }

func (f *fakeRemediator) Plan(_ context.Context, t checks.RemediationTarget) (checks.RemediationPlan, error) {
	f.mu.Lock()
	f.plans++
	n, hook, key := f.plans, f.onPlan, f.kmsKey
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	attr := fakeActions[t.Action]
	v, ok := f.col.attr(t.ResourceID, attr)
	if !ok {
		return checks.RemediationPlan{}, fmt.Errorf("no resource %s", t.ResourceID)
	}
	p := checks.RemediationPlan{Target: t}
	if v == true {
		p.NoOpReason = attr + " is already true"
		return p, nil
	}
	p.Calls = []checks.PlannedCall{{API: "s3:Put" + attr, Params: map[string]any{"Bucket": t.ResourceName}}}
	if key != "" {
		p.Calls[0].Params["KMSMasterKeyID"] = key
	}
	p.Changes = []checks.AttributeChange{{Attribute: attr, Before: v, After: true}}
	return p, nil
}

func (f *fakeRemediator) Apply(_ context.Context, p checks.RemediationPlan) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onApply != nil {
		f.onApply()
	}
	if f.applyErr != nil {
		return f.applyErr
	}
	f.applied = append(f.applied, p)
	f.col.setAttr(p.Target.ResourceID, p.Changes[0].Attribute, true)
	return nil
}

func (f *fakeRemediator) setKMSKey(k string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kmsKey = k
}

func (f *fakeRemediator) applies() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.applied)
}

func (c *fakeCollector) attr(id, name string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.resources {
		if r.ID == id {
			return r.Attributes[name], true
		}
	}
	return nil, false
}

func (c *fakeCollector) setAttr(id, name string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range c.resources {
		if r.ID == id {
			attrs := map[string]any{}
			for k, x := range r.Attributes {
				attrs[k] = x
			}
			attrs[name] = v
			c.resources[i].Attributes = attrs
		}
	}
}

// remHarness is a harness with remediation enabled for both test actions,
// a Redis store, and approvers carol and dave; it has scanned one bucket
// that fails both bucket rules.
type remHarness struct {
	*harness
	rem *fakeRemediator
}

func newRemHarness(t *testing.T, policy RemediationPolicy, roles config.Roles) *remHarness {
	t.Helper()
	return newRemHarnessWith(t, policy, roles, nil)
}

// newRemHarnessWith is newRemHarness whose bot sees the store through wrap
// (nil: as it is).
func newRemHarnessWith(t *testing.T, policy RemediationPolicy, roles config.Roles, wrap func(store.Store) store.Store) *remHarness {
	t.Helper()
	col := &fakeCollector{}
	rem := &fakeRemediator{col: col}
	if roles.Empty() {
		roles = config.Roles{Viewer: []string{"*"}, Operator: []string{alice}, Approver: []string{carol, dave}}
	}
	if policy.Actions == nil {
		policy.Actions = []string{"aws.s3.enable-versioning", "aws.s3.enable-default-encryption"}
	}
	if policy.ApproverRole == RoleNone {
		policy.ApproverRole = RoleApprover
	}
	if policy.Approvals == nil {
		policy.Approvals = map[checks.Severity]int{checks.SeverityCritical: 2}
	}
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	st, _ := testRedis(t, clk.now) // deliver_redis_test.go
	if wrap != nil {
		st = wrap(st)
	}
	h := newHarness(t, harnessOptions{roles: roles, store: st, remediation: &policy, remediator: rem, clock: clk})
	// The harness made its own collector: share it with the remediator.
	rem.col = h.col
	h.col.set(bucket("logs", "us-east-1", false, false))
	h.command(alice, "scan")
	return &remHarness{harness: h, rem: rem}
}

var (
	versioningFP = checks.Fingerprint("t-versioning", "111122223333", "us-east-1", "arn:aws:s3:::logs")
	encryptionFP = checks.Fingerprint("t-encryption", "111122223333", "us-east-1", "arn:aws:s3:::logs")
)

// requestFor asks for a fix of fp as alice (by the Fix… button of the
// finding's message, or typed when click is false) and returns the request
// and the ts of its plan message.
func (h *remHarness) requestFor(fp string, click ...bool) (checks.RemediationRequest, string) {
	h.t.Helper()
	var told []string
	if len(click) > 0 && click[0] {
		m, ok := h.findingMessages()[fp]
		if !ok {
			h.t.Fatalf("no finding message for %s", fp)
		}
		told = h.click(m.TS, alice, "comply_cmd/fix")
	} else {
		told = h.command(alice, "fix "+fp[:10])
	}
	if len(told) != 1 || !strings.Contains(told[0], "Fix requested (rem-") {
		h.t.Fatalf("fix told %q", told)
	}
	r, err := h.st.ActiveRemediation(context.Background(), fp)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, pm := range h.fake.Messages(channel) {
		if pm.Buttons()["comply_cmd/approve"] == "approve "+r.ID {
			return r, pm.TS
		}
	}
	h.t.Fatalf("no plan message for %s", r.ID)
	return r, ""
}

func (h *remHarness) request(id string) checks.RemediationRequest {
	h.t.Helper()
	r, err := h.st.Remediation(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func told(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if len(got) != 1 || !strings.Contains(got[0], want) {
		t.Errorf("%s told %q, want %q", what, got, want)
	}
}

func TestRemediationTwoApprovers(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	// Triage refreshes the finding's message, with the Fix… button.
	h.click(h.findingMessages()[encryptionFP].TS, alice, "comply_cmd/ack")
	if _, ok := h.findingMessages()[encryptionFP].Buttons()["comply_cmd/fix"]; !ok {
		t.Fatal("no Fix… button on the finding message")
	}
	if shown := h.command(bob, "show "+encryptionFP); len(shown) != 1 || !strings.Contains(shown[0], "Fix…") {
		t.Errorf("show offers no Fix…: %q", shown)
	}
	r, ts := h.requestFor(encryptionFP, true)
	if r.RequiredApprovals != 2 || r.Requester != alice || r.Action != "aws.s3.enable-default-encryption" {
		t.Errorf("request %+v", r)
	}
	mustContain(t, "plan message", h.current(ts), "Fix: Buckets encrypt", "Waiting for approval (0 of 2)",
		"s3:Putencryption_enabled", "encryption_enabled: false -&gt; true", r.ID)

	told(t, "carol's approval", h.click(ts, carol, "comply_cmd/approve"), "Approved (1 of 2)")
	mustContain(t, "message after one approval", h.current(ts), "1 of 2", "Approved by <@"+carol+">")
	told(t, "carol's second click", h.click(ts, carol, "comply_cmd/approve"), "already approved")
	if h.rem.applies() != 0 {
		t.Fatal("applied after one of two approvals")
	}
	told(t, "dave's approval", h.click(ts, dave, "comply_cmd/approve"), "Approved (2 of 2): applying")
	if h.rem.applies() != 1 {
		t.Fatalf("%d applies", h.rem.applies())
	}
	cur := h.current(ts)
	mustContain(t, "applied message", cur, "Applied. Verified: the rule passes now", "Approved by <@"+carol+">", "<@"+dave+">")
	if m, _ := h.fake.Message(channel, ts); len(m.Buttons()) != 0 {
		t.Errorf("finished request still has buttons %v", m.Buttons())
	}
	if got := h.request(r.ID); got.Status != checks.RemediationApplied {
		t.Errorf("status %s", got.Status)
	}
	told(t, "a stale button after the end", h.forgedClick(h.findingMessages()[encryptionFP].TS, carol, "approve "+r.ID), "already applied")
	told(t, "a typed approval after the end", h.command(dave, "approve "+r.ID), "already applied")
	if h.rem.applies() != 1 {
		t.Error("a late click applied again")
	}
	for _, a := range []string{checks.AuditRemediationRequested, AuditRemediationPlanned, checks.AuditRemediationApproved,
		AuditRemediationRechecked, checks.AuditRemediationApplied} {
		if got := h.audit(a); len(got) != 1 || got[0].Fingerprint != encryptionFP {
			t.Errorf("%s audit %+v", a, got)
		}
	}
	if got := h.audit(checks.AuditRemediationApproval); len(got) != 2 {
		t.Errorf("%d approval entries", len(got))
	}
	if got := h.audit(AuditRemediationVerified); len(got) != 1 || got[0].Details["result"] != checks.VerifiedResolved {
		t.Errorf("verified audit %+v", got)
	}
	if got := h.audit(AuditRemediationPlanned); len(got) == 1 && !strings.Contains(got[0].Details["plan"], "encryption_enabled: false -> true") {
		t.Errorf("planned audit lacks the plan: %+v", got)
	}
}

func TestRemediationRefusals(t *testing.T) {
	roles := config.Roles{Viewer: []string{"*"}, Operator: []string{alice}, Approver: []string{alice, carol}}
	h := newRemHarness(t, RemediationPolicy{}, roles)
	r, ts := h.requestFor(versioningFP)
	if r.RequiredApprovals != 1 {
		t.Fatalf("medium needs %d approvals", r.RequiredApprovals)
	}
	told(t, "self-approval", h.click(ts, alice, "comply_cmd/approve"), "You requested this fix")
	told(t, "non-approver", h.click(ts, bob, "comply_cmd/approve"), "Only configured approvers may approve")
	told(t, "non-approver reject", h.command(bob, "reject "+r.ID+" no"), "Only approvers")
	told(t, "second request", h.command(alice, "fix "+versioningFP), "already requested: "+r.ID)
	if got := h.request(r.ID); len(got.Approvals) != 0 || got.Status != checks.RemediationRequested {
		t.Errorf("refusals changed the request: %+v", got)
	}
	refused := h.audit(AuditCommandRefused)
	if len(refused) != 3 || refused[0].Details["reason"] != "self-approval" || refused[1].Details["reason"] != "not an approver" {
		t.Errorf("refusals audited %+v", refused)
	}
	if h.rem.applies() != 0 {
		t.Error("a refused approval applied the change")
	}
	// A typed rejection with a hostile reason is shown escaped.
	told(t, "rejection", h.command(carol, "reject "+r.ID+" not in the <!channel> freeze"), "Rejected")
	mustContain(t, "rejected message", h.current(ts), "Rejected by <@"+carol+">", "not in the &lt;!channel&gt; freeze")
	if got := h.audit(checks.AuditRemediationRejected); len(got) != 1 || got[0].Actor != carol {
		t.Errorf("rejection audit %+v", got)
	}
	told(t, "approval after rejection", h.forgedClick(h.findingMessages()[versioningFP].TS, carol, "approve "+r.ID), "already rejected")
}

func TestRemediationExpiry(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Expiry: time.Hour}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	h.clock.advance(time.Hour + time.Second)
	told(t, "approval after expiry", h.click(ts, carol, "comply_cmd/approve"), "expired")
	if got := h.request(r.ID); got.Status != checks.RemediationExpired || len(got.Approvals) != 0 {
		t.Errorf("request %+v", got)
	}
	mustContain(t, "expired message", h.current(ts), "Expired before enough approvals")
	if m, _ := h.fake.Message(channel, ts); len(m.Buttons()) != 0 {
		t.Errorf("expired request still has buttons %v", m.Buttons())
	}
	if got := h.audit(checks.AuditRemediationExpired); len(got) != 1 {
		t.Errorf("expiry audit %+v", got)
	}
	told(t, "second click", h.command(dave, "approve "+r.ID), "expired")
	if h.rem.applies() != 0 {
		t.Error("an expired request was applied")
	}
	// A new request may be made once the old one expired.
	h.requestFor(versioningFP)
}

func TestRemediationConcurrentApprovalsApplyOnce(t *testing.T) {
	approvers := []string{carol, dave, "U0ERIN001", "U0FRANK01", "U0GRACE01", "U0HEIDI01"}
	roles := config.Roles{Viewer: []string{"*"}, Operator: []string{alice}, Approver: approvers}
	h := newRemHarness(t, RemediationPolicy{}, roles)
	r, ts := h.requestFor(versioningFP)
	reqs := make([]*http.Request, 0, 2*len(approvers))
	for _, u := range append(approvers, approvers...) { // every approver double-clicks
		req, err := h.fake.ClickButton(h.srv.URL+"/slack/interactions", channel, ts, u, "comply_cmd/approve")
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	var wg sync.WaitGroup
	for _, req := range reqs {
		wg.Go(func() { h.send(req) })
	}
	wg.Wait()
	h.wait()
	if n := h.rem.applies(); n != 1 {
		t.Fatalf("%d applies, want 1", n)
	}
	if got := h.request(r.ID); got.Status != checks.RemediationApplied || len(got.Approvals) != 1 {
		t.Errorf("request %+v", got)
	}
	if n := len(h.audit(checks.AuditRemediationApplied)); n != 1 {
		t.Errorf("%d applied entries", n)
	}
}

func TestRemediationResourceFixedByHand(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	h.col.setAttr("arn:aws:s3:::logs", "versioning_enabled", true) // someone fixed it in the console
	told(t, "approval", h.click(ts, carol, "comply_cmd/approve"), "Cancelled, nothing was changed: the resource already complies")
	if got := h.request(r.ID); got.Status != checks.RemediationCancelled || !strings.Contains(got.Note, "already complies") {
		t.Errorf("request %+v", got)
	}
	mustContain(t, "cancelled message", h.current(ts), "Cancelled; nothing was changed", "already complies")
	if h.rem.applies() != 0 {
		t.Error("applied a stale plan")
	}
	if got := h.audit(checks.AuditRemediationCancelled); len(got) != 1 {
		t.Errorf("cancel audit %+v", got)
	}

	// Changed otherwise (the value differs from the plan's before): also cancelled.
	h.col.setAttr("arn:aws:s3:::logs", "encryption_enabled", "aws:kms")
	r2, ts2 := h.requestFor(encryptionFP)
	h.col.setAttr("arn:aws:s3:::logs", "encryption_enabled", false)
	told(t, "approval of a changed resource", h.click(ts2, carol, "comply_cmd/approve"), "changed since the plan")
	if got := h.request(r2.ID); got.Status != checks.RemediationCancelled {
		t.Errorf("request %+v", got)
	}
}

func TestRemediationApplyError(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	h.rem.applyErr = errors.New("AccessDenied: not authorized to perform s3:PutBucketVersioning on <!channel>")
	r, ts := h.requestFor(versioningFP)
	told(t, "approval", h.click(ts, carol, "comply_cmd/approve"), "applying")
	got := h.request(r.ID)
	if got.Status != checks.RemediationFailed || !strings.Contains(got.Note, "AccessDenied") {
		t.Errorf("request %+v", got)
	}
	mustContain(t, "failed message", h.current(ts), "The change failed; the finding stays open", "AccessDenied", "&lt;!channel&gt;")
	if e := h.audit(checks.AuditRemediationFailed); len(e) != 1 || !strings.Contains(e[0].Details["note"], "AccessDenied") {
		t.Errorf("failed audit %+v", e)
	}
	if st, _ := h.st.Finding(context.Background(), versioningFP); st.Status != checks.LifecycleOpen {
		t.Errorf("finding %s after a failed fix", st.Status)
	}
	if len(h.audit(checks.AuditRemediationApplied)) != 0 || len(h.audit(AuditRemediationVerified)) != 0 {
		t.Error("a failed fix was recorded as applied")
	}
}

func TestRemediationAuto(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{Auto: []string{"t-encryption"}}, config.Roles{})
	if h.rem.applies() != 1 {
		t.Fatalf("%d applies, want the configured auto-remediation", h.rem.applies())
	}
	e := h.audit(AuditRemediationAuto)
	if len(e) != 1 || e[0].Fingerprint != encryptionFP {
		t.Fatalf("auto audit %+v", e)
	}
	r := h.request(e[0].Details["request"])
	if r.Status != checks.RemediationApplied || r.Requester != autoActor {
		t.Errorf("request %+v", r)
	}
	var incident bool
	for _, m := range h.fake.Messages(channel) {
		incident = incident || strings.Contains(text(m), "Incident · auto-fix: Buckets encrypt") && strings.Contains(text(m), "Verified")
	}
	if !incident {
		t.Error("no incident message for the auto-remediation")
	}
	if v, _ := h.col.attr("arn:aws:s3:::logs", "versioning_enabled"); v != false {
		t.Error("a rule not listed in auto was fixed")
	}
}

func TestRemediationDisabledChangesNothing(t *testing.T) {
	col := &fakeCollector{}
	rem := &fakeRemediator{col: col}
	h := newHarness(t, harnessOptions{remediator: rem,
		roles: config.Roles{Viewer: []string{"*"}, Operator: []string{alice}, Approver: []string{carol}, Admin: []string{dave}}})
	rem.col = h.col
	h.col.set(bucket("logs", "us-east-1", false, false))
	h.command(alice, "scan")
	m := h.findingMessages()[encryptionFP]
	if _, ok := m.Buttons()["comply_cmd/fix"]; ok {
		t.Error("Fix… button shown while remediation is disabled")
	}
	for _, u := range []string{alice, carol, dave} {
		told(t, "fix", h.command(u, "fix "+encryptionFP), "remediation is disabled")
		told(t, "approve", h.command(u, "approve rem-0123456789abcdef"), "remediation is disabled")
		told(t, "reject", h.command(u, "reject rem-0123456789abcdef"), "remediation is disabled")
		told(t, "forged fix click", h.forgedClick(m.TS, u, "fix "+encryptionFP), "remediation is disabled")
		told(t, "forged approve click", h.forgedClick(m.TS, u, "approve rem-0123456789abcdef"), "remediation is disabled")
		told(t, "forged reject form click", h.forgedModalClick(m.TS, u, "rem-0123456789abcdef"), "remediation is disabled")
	}
	if n := len(h.fake.Views()); n != 0 {
		t.Errorf("%d reject forms opened while remediation is disabled", n)
	}
	if rem.plans != 0 || rem.applies() != 0 {
		t.Errorf("remediator called while disabled: %d plans, %d applies", rem.plans, rem.applies())
	}
}

// forgedClick clicks a button that is not on the finding message at ts: a
// forged (or stale) payload carrying command.
func (h *harness) forgedClick(ts, user, command string) []string {
	h.t.Helper()
	return h.forged(ts, user, "comply_cmd/forged", command)
}

// forged sends a click of a button with actionID and value, forged on the
// finding message at ts, and returns what user was told.
func (h *harness) forged(ts, user, actionID, value string) []string {
	h.t.Helper()
	before := len(h.ephemeral(user))
	p, err := h.fake.BlockActionsPayload(channel, ts, user, "comply_cmd/show")
	if err != nil {
		h.t.Fatal(err)
	}
	a := p["actions"].([]any)[0].(map[string]any)
	a["action_id"], a["value"] = actionID, value
	req, err := h.fake.InteractionRequest(h.srv.URL+"/slack/interactions", p)
	if err != nil {
		h.t.Fatal(err)
	}
	h.do(req)
	return h.ephemeral(user)[before:]
}

// tamperedStore reads every remediation request back with its plan's target
// redirected by tamper: a plan changed in the store, or written by a buggy
// replica.
type tamperedStore struct {
	store.Store
	tamper func(*checks.RemediationTarget)
}

func (s tamperedStore) Remediation(ctx context.Context, id string) (checks.RemediationRequest, error) {
	r, err := s.Store.Remediation(ctx, id)
	if err != nil || r.PlannedChange == "" {
		return r, err
	}
	rec := decodeRecord(r)
	s.tamper(&rec.Plan.Target)
	js, err := json.Marshal(rec)
	if err != nil {
		return r, err
	}
	r.PlannedChange = string(js)
	return r, nil
}

// A plan whose stored target names another resource than its finding's is
// never applied: the target is rebuilt from the finding and must match.
func TestRemediationPlanTargetIsTheFindings(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tamper func(*checks.RemediationTarget)
	}{
		{"other bucket", func(t *checks.RemediationTarget) { t.ResourceID, t.ResourceName = "arn:aws:s3:::other", "other" }},
		{"other account", func(t *checks.RemediationTarget) { t.Account = "999988887777" }},
		{"other params", func(t *checks.RemediationTarget) { t.Params = map[string]any{"ports": []any{22}} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newRemHarnessWith(t, RemediationPolicy{}, config.Roles{}, func(st store.Store) store.Store {
				return tamperedStore{Store: st, tamper: tt.tamper}
			})
			h.col.set(bucket("logs", "us-east-1", false, false), bucket("other", "us-east-1", false, false))
			r, ts := h.requestFor(versioningFP)
			told(t, "approval", h.click(ts, carol, "comply_cmd/approve"), "Cancelled, nothing was changed: the plan does not act on the finding's resource")
			if n := h.rem.applies(); n != 0 {
				t.Fatalf("%d applies of a redirected plan", n)
			}
			if got := h.request(r.ID); got.Status != checks.RemediationCancelled {
				t.Errorf("request %+v", got)
			}
		})
	}
}

// An action disabled in the policy after the request was made is not
// applied, however many approve.
func TestRemediationActionDisabledSinceRequest(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	h.bot.opts.Remediation.Actions = []string{"aws.s3.enable-default-encryption"} // a reload without versioning
	told(t, "approval", h.click(ts, carol, "comply_cmd/approve"), "not enabled in remediation.actions")
	if got := h.request(r.ID); got.Status != checks.RemediationCancelled || h.rem.applies() != 0 {
		t.Errorf("request %+v, %d applies", got, h.rem.applies())
	}
}

// A plan approved before the remediator's configuration changed (another
// KMS key) is not applied as the new one: the approvers never saw it.
func TestRemediationChangeDiffersFromApprovedPlan(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(encryptionFP)
	h.rem.setKMSKey("alias/attacker")
	told(t, "first approval", h.click(ts, carol, "comply_cmd/approve"), "differs from the approved plan")
	if got := h.request(r.ID); got.Status != checks.RemediationCancelled || h.rem.applies() != 0 {
		t.Errorf("request %+v, %d applies", got, h.rem.applies())
	}

	// Changed between the last approval and the change: cancelled too.
	h.rem.setKMSKey("")
	r, ts = h.requestFor(encryptionFP)
	h.click(ts, carol, "comply_cmd/approve")
	h.rem.mu.Lock()
	h.rem.onPlan = func(int) { h.rem.setKMSKey("alias/other") } // the apply's own re-check sees it
	h.rem.mu.Unlock()
	h.click(ts, dave, "comply_cmd/approve")
	if got := h.request(r.ID); got.Status != checks.RemediationCancelled || h.rem.applies() != 0 {
		t.Errorf("request %+v, %d applies", got, h.rem.applies())
	}
}

// A change made as the bot shuts down is still recorded as applied: the
// outcome does not use the request's cancelled context.
func TestRemediationOutcomeRecordedAfterCancel(t *testing.T) {
	h := newRemHarness(t, RemediationPolicy{}, config.Roles{})
	r, ts := h.requestFor(versioningFP)
	h.rem.mu.Lock()
	h.rem.onApply = h.bot.pool.cancel // shutdown ran out of time during the change
	h.rem.mu.Unlock()
	h.click(ts, carol, "comply_cmd/approve")
	if got := h.request(r.ID); got.Status != checks.RemediationApplied {
		t.Errorf("status %s after an applied change", got.Status)
	}
	if n := len(h.audit(checks.AuditRemediationApplied)); n != 1 {
		t.Errorf("%d applied entries", n)
	}
	mustContain(t, "message", h.current(ts), "Applied")
}

// The built-in rules' params survive the store: a target rebuilt from the
// rule compares equal to the one read back from a request, so checkTarget
// never refuses a plan only because it went through JSON.
func TestSameTargetAfterStore(t *testing.T) {
	srcs, _ := checks.BuiltinSources()
	rules, err := checks.DefaultCatalog().LoadRules(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rules {
		if len(r.Remediation.Params) == 0 {
			continue
		}
		n++
		want := checks.RemediationTarget{Action: r.Remediation.Action, Params: r.Remediation.Params, RuleID: r.ID,
			ResourceID: "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1", Account: "111122223333", Region: "us-east-1"}
		js, err := json.Marshal(remediationRecord{Plan: checks.RemediationPlan{Target: want}})
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		got := decodeRecord(checks.RemediationRequest{PlannedChange: string(js)}).Plan.Target
		if !sameTarget(want, got) {
			t.Errorf("%s: params %#v read back as %#v", r.ID, want.Params, got.Params)
		}
	}
	if n == 0 {
		t.Fatal("no built-in rule has remediation params")
	}
}

// failingApproval refuses the policy's own approval, as a store blip would.
type failingApproval struct{ store.Store }

func (s failingApproval) ApproveRemediation(ctx context.Context, id, approver string) (checks.RemediationRequest, bool, error) {
	if approver == store.SystemActor {
		return checks.RemediationRequest{}, false, errors.New("connection reset")
	}
	return s.Store.ApproveRemediation(ctx, id, approver)
}

// An auto-remediation whose policy approval is not recorded is withdrawn:
// no Approve buttons stay up for a request no human was asked about, and
// the finding is not left pending.
func TestRemediationAutoApprovalFailed(t *testing.T) {
	h := newRemHarnessWith(t, RemediationPolicy{Auto: []string{"t-encryption"}}, config.Roles{},
		func(st store.Store) store.Store { return failingApproval{st} })
	e := h.audit(AuditRemediationAuto)
	if len(e) != 1 {
		t.Fatalf("auto audit %+v", e)
	}
	r := h.request(e[0].Details["request"])
	if r.Status != checks.RemediationCancelled || h.rem.applies() != 0 {
		t.Errorf("request %+v, %d applies", r, h.rem.applies())
	}
	for _, m := range h.fake.Messages(channel) {
		if _, ok := m.Buttons()["comply_cmd/approve"]; ok {
			t.Errorf("Approve button left on %q", text(m))
		}
	}
	if _, err := h.st.ActiveRemediation(context.Background(), encryptionFP); err == nil {
		t.Error("the finding is still pending")
	}
}
