package main

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// TestServeRemediationSafetyEndToEnd drives comply serve against moto:
// the requester cannot approve their own fix, and two approvers clicking
// at once apply the change exactly once. (Expiry is covered with a fake
// clock in bot and by the sweep test: the shortest configurable window is
// a minute.)
func TestServeRemediationSafetyEndToEnd(t *testing.T) {
	e := startRemE2E(t, `remediation:
  enabled: true
  actions: [aws.s3.block-public-access, aws.s3.enable-versioning]
  approvals: {high: 1, medium: 1}
  approvers: [approver, admin]
`)
	// Dave (admin) requests the versioning fix and may not approve it.
	vfp := e.findingID("aws-s3-bucket-versioning")
	e.command(remDave, "fix "+vfp)
	e.told(remDave, "Fix requested")
	r := e.request(vfp)
	ts := e.planMessage(r.ID, "s3:PutBucketVersioning")
	e.click(ts, remDave, "approve "+r.ID)
	e.told(remDave, "another approver must approve it")
	if s := e.status(r.ID); s != checks.RemediationRequested {
		t.Fatalf("request %s after a self-approval", s)
	}
	if e.versioning() != "" {
		t.Fatal("versioning changed by a self-approval")
	}
	e.command(remDave, "reject "+r.ID+" self-approval check done")

	// Carol and Dave approve Alice's public-access fix at the same moment:
	// one approval completes it, one change is made.
	fp := e.findingID("aws-s3-bucket-public-access-block")
	e.command(remAlice, "fix "+fp)
	e.told(remAlice, "Fix requested")
	r = e.request(fp)
	ts = e.planMessage(r.ID, "s3:PutPublicAccessBlock")
	before := e.pabPuts()
	var wg sync.WaitGroup
	for _, u := range []string{remCarol, remDave} {
		wg.Go(func() { e.click(ts, u, "approve "+r.ID) })
	}
	wg.Wait()
	e.planMessage(r.ID, "Verified: the rule passes now")
	if s := e.status(r.ID); s != checks.RemediationApplied {
		t.Errorf("request %s", s)
	}
	if n := e.pabPuts() - before; n != 1 {
		t.Errorf("%d bucket PUT calls reached moto, want exactly 1 (PutPublicAccessBlock)", n)
	}
}

// TestServeRemediationApplyErrorEndToEnd: AWS refuses the change (the
// remediation role lacks s3:PutBucketVersioning): the request fails, the
// message says so, the finding stays open and the audit log says failed.
func TestServeRemediationApplyErrorEndToEnd(t *testing.T) {
	e := startRemE2E(t, remediationEnabled)
	vfp := e.findingID("aws-s3-bucket-versioning")
	e.command(remAlice, "fix "+vfp)
	e.told(remAlice, "Fix requested")
	r := e.request(vfp)
	ts := e.planMessage(r.ID, "s3:PutBucketVersioning")
	e.rec.mu.Lock()
	e.rec.deny = func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Query().Has("versioning") }
	e.rec.mu.Unlock()
	e.click(ts, remCarol, "approve "+r.ID) // medium: one approval
	e.planMessage(r.ID, "AccessDenied")
	if s := e.status(r.ID); s != checks.RemediationFailed {
		t.Errorf("request %s after AWS refused the change", s)
	}
	if e.versioning() != "" {
		t.Error("versioning changed although AWS refused")
	}
	st, err := e.st.Finding(context.Background(), vfp)
	if err != nil || st.Status != checks.LifecycleOpen {
		t.Errorf("finding after the failed fix: %v %v", st.Status, err)
	}
	if !hasAudit(t, e.st, checks.AuditRemediationFailed, store.SystemActor, vfp) {
		t.Error("no remediation.failed audit entry")
	}
}

// pabPuts counts the bucket PUT calls the recorder saw (the recorder keeps
// no query, so PutPublicAccessBlock is PUT /bucket; nothing else puts in
// the phase this counts).
func (e *remE2E) pabPuts() int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	n := 0
	for _, op := range e.rec.ops {
		if op == "PUT /"+e.bucket {
			n++
		}
	}
	return n
}
