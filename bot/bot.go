package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
)

// Options configure a Bot.
type Options struct {
	// Channel is where findings and scan summaries go (an id or #name).
	Channel string
	Store   Store
	Chat    Chat
	Authz   *Authorizer
	// Rules are every loaded rule; a scan narrows them to its scope.
	Rules   []*checks.Rule
	Catalog *checks.Catalog
	// Collectors makes the collectors for a scan's scope.
	Collectors CollectorsFunc
	// SourceCollectors makes a scheduled scan's collectors (scheduled.go).
	SourceCollectors SourceCollectorsFunc
	// Calendar holds the compliance calendar's tasks (calendar.go).
	Calendar []CalendarTask
	// Workers and Queue size the worker pool (defaults 4 and 64).
	Workers, Queue int
	// MaxFindingMessages bounds the finding messages one scan posts; the
	// rest go into one digest (0: no limit).
	MaxFindingMessages int
	// ScanTimeout bounds one scan (default 30 minutes).
	ScanTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
	// OnScan, if set, is called after each scan's collection and evaluation
	// with its report (nil if err) and duration: metrics and evidence.
	OnScan func(ctx context.Context, rep *checks.ScanReport, d time.Duration, err error)
	// Remediation enables approval-gated fixes made by Remediator; nil (the
	// default) disables them: /comply fix is refused and no resource changes.
	Remediation *RemediationPolicy
	Remediator  Remediator
	// Delivery (deliver.go): Routes picks each finding's receivers by name
	// from Receivers; nil Routes sends everything to Channel.
	Routes    *route.Tree
	Receivers []Receiver
	// OnDelivery, if set, is called after each delivery attempt (metrics).
	OnDelivery func(receiver string, err error)
	// DeliveryTimeout bounds one receiver's share of a delivery round;
	// RetryBackoff (doubling per failed attempt, up to MaxRetryBackoff)
	// spaces retries of a failed delivery. Defaults: 2m, 1m, 6h.
	DeliveryTimeout, RetryBackoff, MaxRetryBackoff time.Duration
}

// CollectorsFunc makes the collectors for a scan of scope: the configured
// sources, narrowed where the source can be (regions of a live source).
type CollectorsFunc func(ctx context.Context, scope ScanScope) ([]Collector, error)

// Bot answers /comply commands and button clicks. It implements
// slack.Handler: the handler methods only check and queue; workers do the
// work and reply through the response URL or the Web API.
type Bot struct {
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	pool  *Pool
	forms *Pool // opening forms must beat a 3 s trigger: never behind scans
	dl    *delivery
}

var _ slack.Handler = (*Bot)(nil)

// Defaults.
const (
	DefaultWorkers     = 4
	DefaultQueue       = 64
	DefaultScanTimeout = 30 * time.Minute
	// pageSize is the number of findings per page of /comply findings.
	pageSize = 10
	// summaryTop is the number of findings a scan summary lists.
	summaryTop = 5
)

// New starts a bot's workers; Shutdown stops them.
func New(opts Options) (*Bot, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("bot: no store")
	case opts.Chat == nil:
		return nil, errors.New("bot: no chat")
	case opts.Authz == nil:
		return nil, errors.New("bot: no authorizer")
	case opts.Channel == "":
		return nil, errors.New("bot: no channel for findings")
	case opts.Remediation != nil && opts.Remediator == nil:
		return nil, errors.New("bot: remediation enabled without a remediator")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.ScanTimeout <= 0 {
		opts.ScanTimeout = DefaultScanTimeout
	}
	if opts.Catalog == nil {
		opts.Catalog = checks.DefaultCatalog()
	}
	dl, err := newDelivery(&opts)
	if err != nil {
		return nil, err
	}
	b := &Bot{
		opts:  opts,
		log:   opts.Log,
		now:   opts.Now,
		pool:  NewPool(opts.Workers, opts.Queue, opts.Log),
		forms: NewPool(2, 32, opts.Log),
		dl:    dl,
	}
	// Announcements show what a click would show: Fix…, or the pending fix.
	dl.findingView = func(ctx context.Context, f checks.Finding) checks.FindingView { return b.pendingView(ctx, f, false) }
	return b, nil
}

// Shutdown stops taking requests and waits for running and queued work
// until ctx ends.
func (b *Bot) Shutdown(ctx context.Context) error {
	return errors.Join(b.forms.Shutdown(ctx), b.pool.Shutdown(ctx))
}

// request is one thing a user asked for, typed or clicked.
type request struct {
	Text        string
	User        string
	Channel     string // where the user asked; may be empty for forms
	ResponseURL string
	Via         string // "command", "button" or "form"
}

// HandleCommand queues a typed /comply command.
func (b *Bot) HandleCommand(_ context.Context, c slack.SlashCommand) error {
	return b.submit(request{Text: c.Text, User: c.UserID, Channel: c.ChannelID, ResponseURL: c.ResponseURL, Via: "command"})
}

// HandleInteraction queues a button's command, opens the snooze form, or
// checks and queues a submitted snooze form.
func (b *Bot) HandleInteraction(_ context.Context, in slack.Interaction) error {
	switch {
	case in.Type == slack.InteractionBlockActions && in.Button == slack.ButtonCommand:
		return b.submit(request{Text: in.Command, User: in.UserID, Channel: in.ChannelID, ResponseURL: in.ResponseURL, Via: "button"})
	case in.Type == slack.InteractionBlockActions && in.Button == slack.ButtonSnoozeModal:
		return b.forms.Submit(func(ctx context.Context) { b.openSnoozeForm(ctx, in) })
	case in.Type == slack.InteractionViewSubmission && in.Snooze != nil:
		return b.submitSnoozeForm(in)
	case in.Type == slack.InteractionBlockActions && in.Button == slack.ButtonRejectModal:
		return b.forms.Submit(func(ctx context.Context) { b.openRejectForm(ctx, in) })
	case in.Type == slack.InteractionViewSubmission && in.Reject != nil:
		return b.submitRejectForm(in)
	}
	b.log.Debug("interaction ignored", "type", in.Type, "button", in.Button)
	return nil
}

func (b *Bot) submit(req request) error {
	err := b.pool.Submit(func(ctx context.Context) { b.handle(ctx, req) })
	if err != nil {
		b.log.Warn("request not taken", "user", req.User, "via", req.Via, "error", err)
	}
	return err
}

// handle is the one code path of every request: parse, authorize, execute.
func (b *Bot) handle(ctx context.Context, req request) {
	cmd, err := command.Parse(req.Text)
	if err != nil {
		var pe *command.Error
		if errors.As(err, &pe) {
			b.reply(ctx, req, checks.ErrorMessage(pe.Msg, pe.Usage))
		} else {
			b.reply(ctx, req, checks.ErrorMessage(err.Error(), command.Usage("")))
		}
		return
	}
	need := Required(cmd.Name)
	if !b.opts.Authz.Allows(ctx, req.User, need) {
		b.refuse(ctx, req, cmd, fmt.Sprintf("needs the %s role", need),
			fmt.Sprintf("You need the %s role to run %s. Ask a comply admin to add you to slack.roles in the config.", need, cmd.Name))
		return
	}
	b.log.Info("command", "user", req.User, "via", req.Via, "command", cmd.Name)
	switch cmd.Name {
	case command.Scan:
		b.scan(ctx, req, cmd)
	case command.Status:
		b.status(ctx, req)
	case command.Findings:
		b.findings(ctx, req, cmd)
	case command.Show:
		b.show(ctx, req, cmd)
	case command.Ack, command.Snooze, command.Unsnooze:
		b.triage(ctx, req, cmd)
	case command.Fix, command.Approve, command.Reject:
		b.remediation(ctx, req, cmd)
	case command.Report:
		b.report(ctx, req, cmd)
	case command.Rules:
		b.rules(ctx, req, cmd)
	case command.Done:
		b.calendarDone(ctx, req, cmd)
	default:
		b.help(ctx, req, cmd)
	}
}

// Audit actions the bot writes (the store writes the finding changes).
const (
	AuditCommandRefused = "command.refused"
	AuditScanStarted    = "scan.started"
	AuditScanFinished   = "scan.finished"
	AuditScanFailed     = "scan.failed"
)

// refuse replies with a refusal and records the attempt.
func (b *Bot) refuse(ctx context.Context, req request, cmd command.Command, why, text string) {
	b.audit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditCommandRefused, Fingerprint: fullFingerprint(cmd.ID),
		Details: map[string]string{"command": cmd.String(), "reason": why, "via": req.Via}})
	b.reply(ctx, req, checks.ErrorMessage(text, ""))
}

func (b *Bot) audit(ctx context.Context, e checks.AuditEntry) {
	if _, err := b.opts.Store.AppendAudit(ctx, e); err != nil {
		b.log.Error("audit entry not written", "action", e.Action, "actor", e.Actor, "error", err)
	}
}

// fullFingerprint is id if it is a whole fingerprint (the audit log keys
// entries by fingerprint; a prefix would be misleading).
func fullFingerprint(id string) string {
	if len(id) == checks.FingerprintLen {
		return id
	}
	return ""
}

// reply shows m to the asker only: through the response URL, else as an
// ephemeral message in the channel, else as a direct message.
func (b *Bot) reply(ctx context.Context, req request, m checks.Message) {
	if req.ResponseURL != "" {
		err := b.opts.Chat.Respond(ctx, req.ResponseURL, m)
		if err == nil {
			return
		}
		b.log.Warn("reply through response_url failed; trying chat.postEphemeral", "user", req.User, "error", err)
	}
	if req.Channel != "" && !strings.HasPrefix(req.Channel, "D") {
		err := b.opts.Chat.PostEphemeral(ctx, req.Channel, req.User, m)
		if err == nil {
			return
		}
		b.log.Warn("ephemeral reply failed; sending a direct message", "user", req.User, "error", err)
	}
	if _, err := b.opts.Chat.PostMessage(ctx, req.User, m); err != nil {
		b.log.Error("reply not delivered", "user", req.User, "error", err)
	}
}
