package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/bot/report"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// Audit actions of /comply report.
const (
	AuditReportUploaded = "report.uploaded"
	AuditReportFailed   = "report.failed"
)

// report answers /comply report <framework> [format]: a fresh scan of the
// configured sources (the same scan as /comply scan, under the same lock),
// the framework's report built from it, uploaded to the channel where it
// was asked (the compliance channel for direct messages).
func (b *Bot) report(ctx context.Context, req request, cmd command.Command) {
	format := report.FormatHTML
	if cmd.Format != "" {
		f, err := report.ParseFormat(cmd.Format)
		if err != nil {
			b.reply(ctx, req, checks.ErrorMessage(err.Error(), command.Usage(command.Report)))
			return
		}
		format = f
	}
	failed := func(stage string, err error, text string) {
		b.log.Error("report failed", "framework", cmd.Framework, "stage", stage, "error", err)
		b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: req.User, Action: AuditReportFailed, Details: map[string]string{
			"framework": cmd.Framework, "format": string(format), "stage": stage, "error": oneLine(err.Error()), "via": req.Via}})
		b.reply(context.WithoutCancel(ctx), req, checks.ErrorMessage(text, ""))
	}

	// The whole rule pack runs, as for `comply report` without --input, so
	// the report's overall score is the one /comply scan reports.
	scope := ScanScope{}
	rules := scope.rules(b.opts.Rules)
	if len(rules) == 0 {
		failed("rules", errors.New("no rules loaded"), "No rules are loaded, so there is nothing to report on.")
		return
	}
	lease, err := b.opts.Store.AcquireLock(ctx, scope.lockName(), scanLockTTL)
	if errors.Is(err, store.ErrLocked) {
		b.reply(ctx, req, checks.TextMessage("A scan is already running. The report needs a fresh scan: try /comply report again when that one has finished."))
		return
	}
	if err != nil {
		failed("lock", err, "The report could not start: the state store is unavailable. Try again shortly.")
		return
	}
	release := b.holdLock(ctx, lease, scanLockTTL)
	defer release()

	ctx, cancel := context.WithTimeout(ctx, b.opts.ScanTimeout)
	defer cancel()
	b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Scanning for the %s report; it is uploaded when the scan ends.", cmd.Framework)))
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditScanStarted, Details: map[string]string{"scope": scope.String(), "via": "report"}})
	summary, err := b.runScan(ctx, scope, rules, func(string) {})
	if err != nil {
		b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: req.User, Action: AuditScanFailed,
			Details: map[string]string{"scope": scope.String(), "error": oneLine(err.Error())}})
		failed("scan", err, "The scan for the report failed: "+oneLine(err.Error()))
		return
	}
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditScanFinished, Details: summary.details(scope)})

	r, err := report.Build(summary.report, cmd.Framework, report.Options{Now: b.now, Suppress: b.suppressions(ctx)})
	if err != nil {
		failed("build", err, "The report could not be built: "+oneLine(err.Error()))
		return
	}
	r.Calendar = b.calendarReport(ctx)
	r.AddTrend(b.reportHistory(ctx, r))
	var buf bytes.Buffer
	if err := report.Write(&buf, format, r); err != nil {
		failed("render", err, "The report could not be written: "+oneLine(err.Error()))
		return
	}

	target, where := req.Channel, "this channel"
	if target == "" || strings.HasPrefix(target, "D") {
		target, where = b.opts.Channel, "the compliance channel"
	}
	name := reportFilename(cmd.Framework, format, b.now())
	summaryText := reportSummary(r)
	id, err := b.opts.Chat.UploadFile(ctx, slack.Upload{
		Channel: target, Filename: name, Title: fmt.Sprintf("%s compliance report", r.FrameworkTitle),
		Comment: summaryText, Content: buf.Bytes(),
	})
	if err != nil {
		failed("upload", err, fmt.Sprintf("The report could not be uploaded to %s (%s). Invite the comply bot to the channel, or run /comply report in the compliance channel.", where, slackCode(err)))
		return
	}
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditReportUploaded, Details: map[string]string{
		"framework": cmd.Framework, "format": string(format), "file": id, "filename": name, "channel": target,
		"scan": summary.report.Scan.ID, "via": req.Via}})
	b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Uploaded %s to %s. %s", name, where, summaryText)))
}

// reportFilename is like comply-hipaa-2026-11-23.html.
func reportFilename(framework string, f report.Format, now time.Time) string {
	ext := string(f)
	if f == report.FormatMarkdown {
		ext = "md"
	}
	return fmt.Sprintf("comply-%s-%s.%s", strings.ToLower(framework), now.UTC().Format("2006-01-02"), ext)
}

// reportSummary is the upload's comment: the score and the failing controls.
func reportSummary(r *report.Report) string {
	score := "n/a (nothing evaluated)"
	if r.Score.Framework != nil {
		score = fmt.Sprintf("%.1f%%", *r.Score.Framework)
	}
	s := fmt.Sprintf("%s score %s; %d of %d controls failing", r.Framework, score, r.Totals.Fail, r.Totals.Controls)
	if r.Totals.Error > 0 {
		s += fmt.Sprintf(", %d in error", r.Totals.Error)
	}
	s += "."
	if !r.Scan.Complete {
		s += fmt.Sprintf(" The scan was incomplete (%d errors); the report says where.", r.Scan.Errors)
	}
	return s
}

// suppressions returns the report's hook for acknowledgements and snoozes
// in force, from the open findings; nil (none shown) if the store cannot
// be read, since the report is still worth having.
func (b *Bot) suppressions(ctx context.Context) func(string) (ack, snooze *report.Suppression) {
	open, err := b.opts.Store.OpenFindings(ctx)
	if err != nil {
		b.log.Warn("report without acknowledgements and snoozes: read the open findings", "error", err)
		return nil
	}
	now := b.now()
	byFP := make(map[string]checks.FindingState, len(open))
	for _, st := range open {
		byFP[st.Fingerprint] = st
	}
	return func(fp string) (ack, snooze *report.Suppression) {
		st, ok := byFP[fp]
		if !ok {
			return nil, nil
		}
		if st.Ack != nil {
			ack = &report.Suppression{By: st.Ack.By, Reason: st.Ack.Reason, At: st.Ack.At}
		}
		if st.Snooze != nil && st.Snooze.InForce(now) {
			until := st.Snooze.Until
			snooze = &report.Suppression{By: st.Snooze.By, Reason: st.Snooze.Reason, At: st.Snooze.At, Until: &until}
		}
		return ack, snooze
	}
}
