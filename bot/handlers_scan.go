package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// Locks: one per scan scope while it runs, and one around reconcile and
// announcement, which must not overlap for one store (two scans of
// overlapping scopes would both announce the same new finding).
const (
	scanLockTTL      = 2 * time.Minute
	reconcileLock    = "reconcile"
	reconcileLockTTL = 2 * time.Minute
	lockPoll         = 250 * time.Millisecond
)

// scan runs /comply scan: post "scan running" in the channel, collect and
// evaluate, reconcile, announce the changes, and update the first message
// with the summary.
func (b *Bot) scan(ctx context.Context, req request, cmd command.Command) {
	scope := scopeOf(cmd)
	rules := scope.rules(b.opts.Rules)
	if len(rules) == 0 {
		msg := fmt.Sprintf("No rule covers %s.", scope)
		if scope.Service != "" {
			msg += " Services with rules: " + strings.Join(services(b.opts.Rules), ", ") + "."
		}
		b.reply(ctx, req, checks.ErrorMessage(msg, command.Usage(command.Scan)))
		return
	}
	lease, err := b.opts.Store.AcquireLock(ctx, scope.lockName(), scanLockTTL)
	if errors.Is(err, store.ErrLocked) {
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("A scan of %s is already running; its result will be posted in the channel when it ends.", scope)))
		return
	}
	if err != nil {
		b.log.Error("scan lock", "scope", scope.String(), "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The scan could not start: the state store is unavailable. Try again shortly.", ""))
		return
	}
	release := b.holdLock(ctx, lease, scanLockTTL)
	defer release()

	ctx, cancel := context.WithTimeout(ctx, b.opts.ScanTimeout)
	defer cancel()
	started := b.now()
	progress := func(stage string) checks.Message {
		return checks.ScanProgressMessage("", scope.String(), req.User, started, stage)
	}
	ref, err := b.opts.Chat.PostMessage(ctx, b.opts.Channel, progress("Collecting resources…"))
	if err != nil {
		b.log.Error("scan message not posted", "channel", b.opts.Channel, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The scan did not start: comply cannot post in its channel ("+slackCode(err)+"). Check slack.channel and invite the bot.", ""))
		return
	}
	if req.Channel != ref.Channel {
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Scan of %s started; progress and results are posted in the compliance channel.", scope)))
	}
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditScanStarted, Details: map[string]string{"scope": scope.String(), "via": req.Via}})

	update := func(m checks.Message) {
		if err := b.opts.Chat.UpdateMessage(ctx, ref, m); err != nil {
			b.log.Warn("scan message not updated", "error", err)
		}
	}
	summary, err := b.runScan(ctx, scope, rules, func(stage string) { update(progress(stage)) })
	if err != nil {
		b.log.Error("scan failed", "scope", scope.String(), "error", err)
		b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: req.User, Action: AuditScanFailed,
			Details: map[string]string{"scope": scope.String(), "error": oneLine(err.Error())}})
		fail := checks.Message{Kind: checks.MessageError, Title: "Scan failed", Text: oneLine(err.Error()),
			Fields: []checks.Field{checks.ValueField("Scope", scope.String())}}
		if err := b.opts.Chat.UpdateMessage(context.WithoutCancel(ctx), ref, fail); err != nil {
			b.log.Warn("scan message not updated", "error", err)
		}
		return
	}
	update(summary.message)
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditScanFinished, Details: summary.details(scope)})
}

// scanSummary is what one scan did.
type scanSummary struct {
	report  *checks.ScanReport
	rec     *store.ReconcileResult
	ann     announced
	message checks.Message
}

func (s scanSummary) details(scope fmt.Stringer) map[string]string {
	itoa := strconv.Itoa
	return map[string]string{
		"scan": s.report.Scan.ID, "scope": scope.String(), "complete": strconv.FormatBool(s.report.Scan.Complete),
		"findings": itoa(len(s.report.Findings)), "new": itoa(s.rec.New), "reopened": itoa(s.rec.Reopened),
		"resolved": itoa(s.rec.Resolved), "posted": itoa(s.ann.posted), "updated": itoa(s.ann.updated),
		"digested": itoa(s.ann.digested), "reminded": itoa(s.ann.reminded), "undelivered": itoa(s.ann.failed),
		"waiting": itoa(s.ann.waiting),
	}
}

// runScan collects, evaluates, reconciles and announces; stage reports
// progress.
func (b *Bot) runScan(ctx context.Context, scope scanBounds, rules []*checks.Rule, stage func(string)) (scanSummary, error) {
	cols, err := scope.collectors(ctx, &b.opts)
	if err != nil {
		return scanSummary{}, fmt.Errorf("prepare sources: %w", err)
	}
	for i, c := range cols {
		cols[i] = scopedCollector{Collector: c, scope: scope}
	}
	t0 := time.Now()
	scanner := &Scanner{Engine: checks.NewEngine(rules), Catalog: b.opts.Catalog, Log: b.log, Now: b.now}
	rep, err := scanner.Run(ctx, cols, ScanOptions{OnCollected: func(res []checks.Resource) {
		stage(fmt.Sprintf("Evaluating %d rules on %d resources…", len(rules), len(res)))
	}})
	if b.opts.OnScan != nil {
		b.opts.OnScan(ctx, rep, time.Since(t0), err)
	}
	if err != nil {
		return scanSummary{}, err
	}
	stage(fmt.Sprintf("Recording %d findings…", len(rep.Findings)))

	lease, err := b.waitLock(ctx, reconcileLock, reconcileLockTTL)
	if err != nil {
		return scanSummary{}, fmt.Errorf("wait for the reconcile lock: %w", err)
	}
	release := b.holdLock(ctx, lease, reconcileLockTTL)
	defer release()
	rec, err := b.opts.Store.Reconcile(ctx, rep, store.ReconcileOptions{Scope: scope.storeScope()})
	if err != nil {
		return scanSummary{}, fmt.Errorf("record findings: %w", err)
	}
	ann := b.deliver(ctx, rec.Changes) // what is not delivered comes back from the next reconcile
	b.autoRemediate(ctx, rec.Changes)  // only rules listed in remediation.auto
	if err := b.opts.Store.RecordScan(ctx, store.NewScanRecord(rep, rec)); err != nil {
		b.log.Error("scan history not recorded", "scan", rep.Scan.ID, "error", err)
	}
	m := checks.ScanSummaryMessage(rep, summaryTop)
	if !scope.everything() {
		m.Fields = append([]checks.Field{checks.ValueField("Scope", scope.String())}, m.Fields...)
	}
	m.Context = append(m.Context, checks.ScanChangesLines(checks.ScanChanges{
		New: rec.New, Reopened: rec.Reopened, Resolved: rec.Resolved, StillOpen: rec.StillOpen,
		Posted: ann.posted, Updated: ann.updated, Digested: ann.digested, Reminded: ann.reminded,
		Failed: ann.failed, Waiting: ann.waiting})...)
	return scanSummary{report: rep, rec: rec, ann: ann, message: m}, nil
}

// holdLock extends a lease while work runs; the returned func stops that
// and releases the lease.
func (b *Bot) holdLock(ctx context.Context, lease store.Lease, ttl time.Duration) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := b.opts.Store.ExtendLock(ctx, lease, ttl); err != nil {
					b.log.Warn("lock not extended", "lock", lease.Name, "error", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := b.opts.Store.ReleaseLock(rctx, lease); err != nil && !errors.Is(err, store.ErrNotHeld) {
			b.log.Warn("lock not released", "lock", lease.Name, "error", err)
		}
	}
}

// waitLock takes a lock, waiting while another holder has it.
func (b *Bot) waitLock(ctx context.Context, name string, ttl time.Duration) (store.Lease, error) {
	for {
		lease, err := b.opts.Store.AcquireLock(ctx, name, ttl)
		if !errors.Is(err, store.ErrLocked) {
			return lease, err
		}
		select {
		case <-ctx.Done():
			return store.Lease{}, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// slackCode is the Slack error code of err, or a generic word.
func slackCode(err error) string {
	if c := slack.ErrorCode(err); c != "" {
		return c
	}
	return "connection failed"
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
