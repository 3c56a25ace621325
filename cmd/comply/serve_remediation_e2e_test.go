package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
	"github.com/comply-bot/comply/store"
)

// Users of the remediation end-to-end tests.
const (
	remAlice = "U0ALICE01" // operator: requests fixes
	remCarol = "U0CAROL01" // approver
	remDave  = "U0DAVE001" // admin
)

// awsRecorder sits between comply and moto and records every AWS operation
// comply calls, so a test can prove none of them changed anything.
type awsRecorder struct {
	mu  sync.Mutex
	ops []string
	// deny, when set, refuses the matching requests with AccessDenied
	// instead of passing them to moto (an Apply that fails on AWS).
	deny func(r *http.Request) bool
}

func startRecorder(t *testing.T, target string) (*awsRecorder, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &awsRecorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		rec.mu.Lock()
		deny := rec.deny != nil && rec.deny(r)
		rec.mu.Unlock()
		if deny {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>E2E</RequestId></Error>`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// record names the operation: the X-Amz-Target of JSON APIs, the Action of
// query APIs, else the HTTP method and path (S3, S3 Control).
func (a *awsRecorder) record(r *http.Request) {
	op := r.Method + " " + r.URL.Path
	if tgt := r.Header.Get("X-Amz-Target"); tgt != "" {
		op = tgt[strings.LastIndex(tgt, ".")+1:]
	} else if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
			op = v.Get("Action")
		}
	}
	a.mu.Lock()
	a.ops = append(a.ops, op)
	a.mu.Unlock()
}

// mutating lists the recorded operations that are not plain reads.
func (a *awsRecorder) mutating() (all int, bad []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	readPrefixes := []string{"Describe", "List", "Get", "Lookup", "GET ", "HEAD "}
	for _, op := range a.ops {
		// GenerateCredentialReport only asks IAM to prepare a report to read.
		read := op == "GenerateCredentialReport" || slices.ContainsFunc(readPrefixes, func(p string) bool { return strings.HasPrefix(op, p) })
		if !read && !slices.Contains(bad, op) {
			bad = append(bad, op)
		}
	}
	return len(a.ops), bad
}

// remE2E is comply serve against moto (through the recorder), Redis and the
// fake Slack, with one bucket that fails the public-access and versioning
// rules.
type remE2E struct {
	t      *testing.T
	fake   *slacktest.Server
	srv    *served
	st     store.Store
	s3     *s3.Client
	rec    *awsRecorder
	bucket string
}

func startRemE2E(t *testing.T, remediation string) *remE2E {
	t.Helper()
	ctx := context.Background()
	redisURL, prefix := e2eRedis(t)
	t.Setenv("AWS_REGION", "us-east-1")
	e := &remE2E{t: t, bucket: "e2e-data"}
	motoEndpoint, cl := motoBucket(t, e.bucket)
	e.s3 = cl
	var endpoint string
	e.rec, endpoint = startRecorder(t, motoEndpoint)
	dir := writeFiles(t, map[string]string{"comply.yaml": `sources:
  - {name: lab, type: aws, endpoint: ` + endpoint + `, regions: [us-east-1]}
slack:
  channel: ` + slacktest.DefaultChannel + `
  roles:
    viewer: ["*"]
    operator: [` + remAlice + `]
    approver: [` + remCarol + `]
    admin: [` + remDave + `]
store:
  prefix: "` + prefix + `"
` + remediation})
	e.fake = slacktest.NewServer(t, slacktest.Options{})
	e.srv = startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": e.fake.BotToken(), "SLACK_SIGNING_SECRET": e.fake.SigningSecret(), "SLACK_API_URL": e.fake.APIURL(),
		"REDIS_URL": redisURL, "COMPLY_CONFIG": filepath.Join(dir, "comply.yaml"),
	})
	waitUntil(t, "/readyz", func() bool { code, _ := get(t, e.srv.url+"/readyz"); return code == http.StatusOK })
	st, err := store.Open(ctx, redisURL, store.Options{Prefix: prefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	t.Cleanup(func() { e.st.Close() })
	e.command(remAlice, "scan")
	waitUntil(t, "the scan's findings", func() bool { return e.findingID("aws-s3-bucket-versioning") != "" })
	return e
}

func (e *remE2E) do(req *http.Request) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: status %d", req.URL.Path, resp.StatusCode)
	}
}

func (e *remE2E) command(user, text string) {
	e.t.Helper()
	req, _ := e.fake.SlashCommandRequest(e.srv.url+"/slack/commands", slacktest.SlashCommand{Text: text, UserID: user})
	e.do(req)
}

// click sends a button click carrying command on the message at ts, as
// Slack would for a button with that value (forged when the message has no
// such button).
func (e *remE2E) click(ts, user, command string) {
	e.t.Helper()
	m, _ := e.fake.Message(slacktest.DefaultChannel, ts)
	var id string
	for k, v := range m.Buttons() {
		if id == "" || v == command {
			id = k
		}
	}
	p, err := e.fake.BlockActionsPayload(slacktest.DefaultChannel, ts, user, id)
	if err != nil {
		e.t.Fatal(err)
	}
	a := p["actions"].([]any)[0].(map[string]any)
	if a["value"] != command {
		a["action_id"], a["value"] = "comply_cmd/forged", command
	}
	req, err := e.fake.InteractionRequest(e.srv.url+"/slack/interactions", p)
	if err != nil {
		e.t.Fatal(err)
	}
	e.do(req)
}

// findingID is the fingerprint of the bucket's finding of rule, once stored.
func (e *remE2E) findingID(rule string) string {
	open, err := e.st.OpenFindings(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, st := range open {
		if st.Finding != nil && st.Finding.RuleID == rule && strings.HasSuffix(st.Finding.ResourceID, e.bucket) {
			return st.Fingerprint
		}
	}
	return ""
}

// told waits for user's latest ephemeral reply to contain want.
func (e *remE2E) told(user, want string) {
	e.t.Helper()
	waitUntil(e.t, "a reply containing "+want, func() bool {
		var last string
		for _, m := range e.fake.Messages("") {
			if m.Ephemeral && m.User == user {
				last = strings.Join(m.AllText(), "\n")
			}
		}
		return strings.Contains(last, want)
	})
}

// planMessage waits for the request's message to contain want and returns
// its ts.
func (e *remE2E) planMessage(id, want string) string {
	e.t.Helper()
	var ts string
	waitUntil(e.t, "the plan message of "+id+" to say "+want, func() bool {
		for _, m := range e.fake.Messages(slacktest.DefaultChannel) {
			if txt := strings.Join(m.AllText(), "\n"); !m.Ephemeral && strings.Contains(txt, id) && strings.Contains(txt, want) {
				ts = m.TS
				return true
			}
		}
		return false
	})
	return ts
}

func (e *remE2E) request(fp string) checks.RemediationRequest {
	e.t.Helper()
	var r checks.RemediationRequest
	waitUntil(e.t, "the remediation request", func() bool {
		var err error
		r, err = e.st.ActiveRemediation(context.Background(), fp)
		return err == nil
	})
	return r
}

func (e *remE2E) status(id string) checks.RemediationStatus {
	r, err := e.st.Remediation(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Status
}

// publicAccessBlock is the bucket's PAB in moto (nil: none).
func (e *remE2E) publicAccessBlock() *s3types.PublicAccessBlockConfiguration {
	out, err := e.s3.GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: awssdk.String(e.bucket)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchPublicAccessBlockConfiguration") {
			return nil
		}
		e.t.Fatal(err)
	}
	return out.PublicAccessBlockConfiguration
}

func (e *remE2E) versioning() s3types.BucketVersioningStatus {
	out, err := e.s3.GetBucketVersioning(context.Background(), &s3.GetBucketVersioningInput{Bucket: awssdk.String(e.bucket)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Status
}

const remediationEnabled = `remediation:
  enabled: true
  actions: [aws.s3.block-public-access, aws.s3.enable-versioning]
  approvals: {high: 2}
  approvers: [approver]
`

// TestServeRemediationEndToEnd: two approvers fix a bucket's public access
// in moto, verified by a new scan of the bucket; a bucket fixed by hand
// between request and approval cancels the request.
func TestServeRemediationEndToEnd(t *testing.T) {
	e := startRemE2E(t, remediationEnabled)
	fp := e.findingID("aws-s3-bucket-public-access-block")
	if fp == "" {
		t.Fatal("no public-access finding for the bucket")
	}
	e.command(remAlice, "fix "+fp)
	e.told(remAlice, "Fix requested")
	r := e.request(fp)
	if r.RequiredApprovals != 2 {
		t.Errorf("high needs %d approvals", r.RequiredApprovals)
	}
	ts := e.planMessage(r.ID, "s3:PutPublicAccessBlock")

	e.click(ts, remAlice, "approve "+r.ID)
	e.told(remAlice, "Only configured approvers") // alice is an operator only
	e.click(ts, remCarol, "approve "+r.ID)
	e.planMessage(r.ID, "Waiting for approval (1 of 2)")
	if e.publicAccessBlock() != nil {
		t.Fatal("changed after one of two approvals")
	}
	e.click(ts, remDave, "approve "+r.ID)
	e.planMessage(r.ID, "Verified: the rule passes now")
	pab := e.publicAccessBlock()
	if pab == nil || !awssdk.ToBool(pab.BlockPublicAcls) || !awssdk.ToBool(pab.IgnorePublicAcls) ||
		!awssdk.ToBool(pab.BlockPublicPolicy) || !awssdk.ToBool(pab.RestrictPublicBuckets) {
		t.Errorf("bucket public access block after the fix: %+v", pab)
	}
	if s := e.status(r.ID); s != checks.RemediationApplied {
		t.Errorf("request %s", s)
	}
	for _, a := range []struct{ action, actor string }{
		{"remediation.planned", remAlice}, {checks.AuditRemediationApproval, remCarol}, {checks.AuditRemediationApproved, remDave},
		{"remediation.rechecked", remDave}, {checks.AuditRemediationApplied, store.SystemActor}, {"remediation.verified", store.SystemActor},
	} {
		if !hasAudit(t, e.st, a.action, a.actor, fp) {
			t.Errorf("no %s audit entry by %s", a.action, a.actor)
		}
	}

	// Fixed by hand between request and approval: cancelled, not applied.
	vfp := e.findingID("aws-s3-bucket-versioning")
	e.command(remAlice, "fix "+vfp)
	r = e.request(vfp)
	ts = e.planMessage(r.ID, "s3:PutBucketVersioning")
	if _, err := e.s3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: awssdk.String(e.bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	e.click(ts, remCarol, "approve "+r.ID)
	e.planMessage(r.ID, "Cancelled; nothing was changed")
	if s := e.status(r.ID); s != checks.RemediationCancelled {
		t.Errorf("request %s after the bucket was fixed by hand", s)
	}
	if !hasAudit(t, e.st, checks.AuditRemediationCancelled, store.SystemActor, vfp) {
		t.Error("no cancellation audit entry")
	}
}

// TestServeRemediationDisabledChangesNothing is issue 8's "done when": with
// remediation disabled (the default), every fix path — typed commands and
// clicks, forged ones included, by every role — leaves moto as it was, and
// comply makes no AWS call that is not a read.
func TestServeRemediationDisabledChangesNothing(t *testing.T) {
	e := startRemE2E(t, "")
	fp := e.findingID("aws-s3-bucket-public-access-block")
	vfp := e.findingID("aws-s3-bucket-versioning")
	if fp == "" || vfp == "" {
		t.Fatal("no findings for the bucket")
	}
	var ts string
	for _, m := range e.fake.Messages(slacktest.DefaultChannel) {
		if _, ok := m.Buttons()["comply_cmd/show"]; ok && !m.Ephemeral {
			ts = m.TS
			if _, fix := m.Buttons()["comply_cmd/fix"]; fix {
				t.Errorf("a Fix… button while remediation is disabled: %v", m.Buttons())
			}
		}
	}
	if ts == "" {
		t.Fatal("no finding message")
	}
	for _, user := range []string{remAlice, remCarol, remDave} {
		for _, cmd := range []string{"fix " + fp, "fix " + vfp[:8], "approve rem-0123456789abcdef", "reject rem-0123456789abcdef no"} {
			e.command(user, cmd)
			e.told(user, "remediation is disabled")
			e.click(ts, user, cmd)
			e.told(user, "remediation is disabled")
		}
	}
	e.command(remAlice, "scan") // and a scan after all that
	waitUntil(t, "the second scan", func() bool {
		return len(e.fake.Calls("chat.update")) > 0 && e.findingID("aws-s3-bucket-versioning") != ""
	})
	if e.publicAccessBlock() != nil || e.versioning() != "" {
		t.Error("the bucket changed while remediation is disabled")
	}
	if _, err := e.st.ActiveRemediation(context.Background(), fp); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a remediation request exists: %v", err)
	}
	all, bad := e.rec.mutating()
	if all == 0 || len(bad) > 0 {
		t.Errorf("%d AWS calls, of which mutating: %v", all, bad)
	}
	t.Logf("%d AWS calls through the recorder, all reads", all)
	if strings.Contains(e.srv.logs.String(), "remediation enabled") {
		t.Error("a remediator was constructed")
	}
}
