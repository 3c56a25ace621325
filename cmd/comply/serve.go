package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/bot/metrics"
	"github.com/comply-bot/comply/bot/schedule"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

const serveUsage = `Usage: comply serve [flags]

Runs the bot: /comply commands and buttons in Slack, finding messages,
/healthz and /readyz. Slack settings come from the environment:
  SLACK_BOT_TOKEN (xoxb-…, required), and SLACK_APP_TOKEN (xapp-…: Socket
  Mode) or SLACK_SIGNING_SECRET (HTTP mode on --listen); SLACK_API_URL.
State: REDIS_URL (redis://host:port/db); unset, state lives in the process.
The config file (--config or COMPLY_CONFIG) must set slack.channel.

Exit codes: 0 stopped by a signal, 1 failed while running, 2 configuration error.

Flags:
`

// exitServeFailed is serve's exit code for a failure after start.
const exitServeFailed = 1

// Defaults of serve.
const (
	defaultListen   = ":8080"
	shutdownTimeout = 25 * time.Second
	storeOpenWait   = 30 * time.Second
)

// serveHooks let tests run the real wiring in-process.
type serveHooks struct {
	// ready receives the bound HTTP address once serve listens.
	ready func(addr string)
	// authRetry overrides how often a failed auth.test is retried.
	authRetry time.Duration
	// shutdownTimeout overrides how long running work may take to finish.
	shutdownTimeout time.Duration
	// schedules receives the armed schedulers, so tests can fire ticks.
	schedules func(*serveSchedules)
	// sweep receives the remediation sweep's scheduler (serve_sweep.go).
	sweep func(*schedule.Scheduler)
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	return serve(ctx, e, args, serveHooks{})
}

// serveSettings are serve's environment and flags.
type serveSettings struct {
	configPath    string
	listen        string
	redisURL      string
	botToken      config.Secret
	appToken      config.Secret
	signingSecret config.Secret
	apiURL        string
}

func (s serveSettings) socketMode() bool { return s.appToken.IsSet() }

func (s serveSettings) mode() string {
	if s.socketMode() {
		return "socket"
	}
	return "http"
}

// missingSlack names the Slack variables that are missing, or nothing.
func (s serveSettings) missingSlack() []string {
	var missing []string
	if !s.botToken.IsSet() {
		missing = append(missing, "SLACK_BOT_TOKEN")
	}
	if !s.appToken.IsSet() && !s.signingSecret.IsSet() {
		missing = append(missing, "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
	}
	return missing
}

// servePlan is everything serve needs, checked.
type servePlan struct {
	settings serveSettings
	cfg      *config.Config
	cat      *checks.Catalog
	rules    []*checks.Rule
}

func serve(ctx context.Context, e *env, args []string, hooks serveHooks) error {
	fs := newFlagSet("serve")
	var s serveSettings
	checkOnly := fs.Bool("check-config", false, "validate the config file and the environment, print every problem, exit 0 or 2")
	fs.StringVar(&s.configPath, "config", "", "config file (also COMPLY_CONFIG)")
	fs.StringVar(&s.listen, "listen", "", "HTTP address (also COMPLY_LISTEN; default :8080)")
	verbose := fs.Bool("verbose", false, "debug logging")
	if err := parseFlags(e, fs, serveUsage, args); err != nil {
		return helpOK(err)
	}
	// `comply serve --check-config FILE` names the file without --config.
	if fs.NArg() == 1 && *checkOnly && s.configPath == "" {
		s.configPath = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageErr("serve: unexpected argument %q", fs.Arg(0))
	}
	s.configPath = firstSet(s.configPath, e.getenv("COMPLY_CONFIG"))
	s.listen = firstSet(s.listen, e.getenv("COMPLY_LISTEN"), defaultListen)
	s.redisURL = e.getenv("REDIS_URL")
	s.botToken = config.Secret(e.getenv("SLACK_BOT_TOKEN"))
	s.appToken = config.Secret(e.getenv("SLACK_APP_TOKEN"))
	s.signingSecret = config.Secret(e.getenv("SLACK_SIGNING_SECRET"))
	s.apiURL = e.getenv("SLACK_API_URL")

	if missing := s.missingSlack(); len(missing) > 0 && !*checkOnly {
		return usageErr("serve: missing Slack settings: set %s", strings.Join(missing, " and "))
	}
	plan, problems := prepareServe(e, s, !*checkOnly)
	if *checkOnly {
		// The file is what --check-config judges; the Slack variables of
		// the machine it runs on are only reported.
		if missing := s.missingSlack(); len(missing) > 0 {
			fmt.Fprintln(e.stderr, "warning: serve will need "+strings.Join(missing, " and ")+" set")
		}
		for _, p := range problems {
			fmt.Fprintln(e.stderr, oneLine(p))
		}
		if len(problems) > 0 {
			return &exitError{exitUsage, fmt.Errorf("serve --check-config: %s", problemCount(len(problems)))}
		}
		fmt.Fprintf(e.stdout, "%s: ok (%d sources, %d rules, channel %s, %s mode)\n",
			plan.cfg.File, len(plan.cfg.Sources), len(plan.rules), plan.cfg.Slack.Channel, s.mode())
		return nil
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stderr, oneLine(p))
		}
		return &exitError{exitUsage, fmt.Errorf("serve: %s in the configuration (run comply serve --check-config)", problemCount(len(problems)))}
	}
	log := newServeLogger(e, *verbose)
	if err := runServe(ctx, e, plan, hooks, log); err != nil {
		log.Error("comply serve failed", "error", err)
		return &exitError{exitServeFailed, err}
	}
	return nil
}

// prepareServe checks the environment and the config file and loads the
// rules, returning every problem found, one line each.
func prepareServe(e *env, s serveSettings, requireSlack bool) (*servePlan, []string) {
	var problems []string
	if missing := s.missingSlack(); len(missing) > 0 && requireSlack {
		problems = append(problems, "missing Slack settings: set "+strings.Join(missing, " and "))
	}
	if s.botToken.IsSet() && !strings.HasPrefix(s.botToken.Value(), "xoxb-") {
		problems = append(problems, "SLACK_BOT_TOKEN: want a bot token (xoxb-…)")
	}
	if s.appToken.IsSet() && !strings.HasPrefix(s.appToken.Value(), "xapp-") {
		problems = append(problems, "SLACK_APP_TOKEN: want an app-level token (xapp-…)")
	}
	if _, err := slack.NormalizeAPIURL(s.apiURL); err != nil {
		problems = append(problems, "SLACK_API_URL: "+err.Error())
	}
	if _, _, err := net.SplitHostPort(s.listen); err != nil {
		problems = append(problems, fmt.Sprintf("listen address %q: want host:port or :port", s.listen))
	}
	if s.redisURL != "" {
		if u, err := url.Parse(s.redisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			problems = append(problems, "REDIS_URL: want redis://host:port/db, rediss://… or unix://…")
		}
	}
	plan := &servePlan{settings: s, cat: checks.DefaultCatalog()}
	if s.configPath == "" {
		return plan, append(problems, "no config file: set --config or COMPLY_CONFIG (serve needs slack.channel)")
	}
	cfg, err := config.Load(s.configPath, e.getenv)
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				problems = append(problems, p.String())
			}
		} else {
			problems = append(problems, err.Error())
		}
		return plan, problems
	}
	plan.cfg = cfg
	if cfg.Slack.Channel == "" {
		problems = append(problems, cfg.File+": slack.channel is required by comply serve (where findings and scan summaries go)")
	}
	for _, src := range cfg.Sources {
		if src.Type == config.SourceFile || src.Type == config.SourceTerraform {
			if _, err := os.Stat(src.Path); err != nil {
				problems = append(problems, fmt.Sprintf("%s: source %q: %v", cfg.File, src.Name, unwrapPath(err)))
			}
		}
	}
	var rf ruleFlags
	rs, err := rf.load(plan.cat, cfg)
	if err != nil {
		var re checks.RuleErrors
		if errors.As(err, &re) {
			for _, x := range re {
				problems = append(problems, x.Error())
			}
		} else {
			problems = append(problems, err.Error())
		}
		return plan, problems
	}
	plan.rules = rs.rules
	problems = append(problems, remediationProblems(cfg, rs.rules)...)
	return plan, problems
}

// runServe serves until ctx ends, then shuts down gracefully: stop taking
// requests, let running work finish within the timeout, close the store.
func runServe(ctx context.Context, e *env, plan *servePlan, hooks serveHooks, log *slog.Logger) error {
	s, cfg := plan.settings, plan.cfg
	st, err := openStore(ctx, s.redisURL, cfg.Store, log)
	if err != nil {
		return err
	}
	defer st.Close()

	client, err := slack.NewClient(s.botToken.Value(), slack.ClientOptions{APIURL: s.apiURL, Retries: 3, Log: log})
	if err != nil {
		return fmt.Errorf("slack client: %w", err)
	}
	authz := bot.NewAuthorizer(cfg.Slack.Roles, client, nil, log)
	if authz.Open() {
		log.Warn("no roles configured (slack.roles): everyone may use the view commands; nobody may scan, acknowledge or snooze")
	}
	mets := metrics.New()
	ev, err := openEvidence(ctx, cfg.Evidence)
	if err != nil {
		return err
	}
	receivers, err := deliveryReceivers(e, cfg, log)
	if err != nil {
		return err
	}
	policy, remediator, err := serveRemediation(ctx, cfg, client, log)
	if err != nil {
		return err
	}
	b, err := bot.New(bot.Options{
		Remediation: policy, Remediator: remediator,
		Channel: cfg.Slack.Channel, Store: st, Chat: bot.NewSlackChat(client), Authz: authz,
		Routes: cfg.Routes, Receivers: receivers, OnDelivery: mets.Delivery,
		Rules: plan.rules, Catalog: plan.cat, Collectors: serveCollectors(e, cfg, plan.cat, log),
		SourceCollectors: sourceCollectors(e, cfg, plan.cat, log), Calendar: cfg.Calendar,
		Workers: cfg.Slack.Workers, Queue: cfg.Slack.Queue, MaxFindingMessages: cfg.Slack.MaxFindingMessages, Log: log,
		OnScan: scanObserver(mets, ev, st, log),
	})
	if err != nil {
		return err
	}
	health := bot.NewHealth(st, client, log)
	if hooks.authRetry > 0 {
		health.Retry = hooks.authRetry
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health.Healthz)
	mux.HandleFunc("GET /readyz", health.Readyz)
	mux.Handle("GET /metrics", mets.Handler())
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	socketErr := make(chan error, 1)
	if s.socketMode() {
		runner, err := slack.NewSocketRunner(s.appToken.Value(), slack.ClientOptions{APIURL: s.apiURL, Log: log}, b)
		if err != nil {
			return fmt.Errorf("slack socket mode: %w", err)
		}
		go func() { socketErr <- runner.Run(runCtx) }()
	} else {
		v, err := slack.NewVerifier(s.signingSecret.Value(), bot.ReplayGuard(st), nil, log)
		if err != nil {
			return err
		}
		mux.Handle("/slack/", mets.InstrumentSlack(slack.NewHTTPHandler(v, b, log)))
	}

	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.listen, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	go health.Run(runCtx)
	// The config was validated, so this fails only on a broken build;
	// serving without the schedules the operator asked for would hide it.
	sched, err := startSchedules(runCtx, cfg, b, st, mets.Registry, log)
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("schedules: %w", err)
	}
	if hooks.schedules != nil {
		hooks.schedules(sched)
	}
	sweep := startSweep(runCtx, b, st, ev, hooks.sweep, log)
	log.Info("comply serve started", "addr", ln.Addr().String(), "mode", s.mode(), "channel", cfg.Slack.Channel,
		"rules", len(plan.rules), "sources", len(cfg.Sources))
	if hooks.ready != nil {
		hooks.ready(ln.Addr().String())
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing running work", "timeout", cmpDuration(hooks.shutdownTimeout, shutdownTimeout))
	case err := <-srvErr:
		runErr = fmt.Errorf("http server: %w", err)
	case err := <-socketErr:
		if err == nil && ctx.Err() != nil {
			break
		}
		runErr = fmt.Errorf("slack socket mode stopped: %w", err)
	}
	health.SetStopping()
	stopRun()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cmpDuration(hooks.shutdownTimeout, shutdownTimeout))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http server did not stop cleanly", "error", err)
	}
	if err := sched.Stop(sctx); err != nil {
		log.Warn("scheduled work left unfinished at shutdown", "error", err)
	}
	sweep.stop(sctx, log)
	if err := b.Shutdown(sctx); err != nil {
		log.Warn("work left unfinished at shutdown", "error", err)
	}
	if ev != nil { // what the last moments wrote to the audit log
		if _, err := exportAudit(sctx, st, ev); err != nil {
			log.Error("audit evidence not recorded at shutdown; the next start exports it", "error", err)
		}
	}
	log.Info("comply serve stopped")
	return runErr
}

// openStore opens the state store, waiting a while for Redis to come up
// (it may start after comply).
func openStore(ctx context.Context, redisURL string, c config.Store, log *slog.Logger) (store.Store, error) {
	opts := store.Options{Prefix: c.Prefix, Reminders: c.Reminders, HistoryMaxAge: c.HistoryRetention,
		ResolvedRetention: c.ResolvedRetention, AuditMaxAge: c.AuditRetention}
	deadline := time.Now().Add(storeOpenWait)
	for {
		st, err := store.Open(ctx, redisURL, opts, log)
		if err == nil {
			return st, nil
		}
		if errors.Is(err, store.ErrInvalid) || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("state store: %w", err)
		}
		log.Warn("state store not reachable yet; retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("state store: %w", ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// serveCollectors builds each scan's collectors from the configured sources
// (the same code as comply scan), narrowing live AWS sources to the scan's
// region.
func serveCollectors(e *env, cfg *config.Config, cat *checks.Catalog, log *slog.Logger) bot.CollectorsFunc {
	hasAWS := len(cfg.Sources) == 0
	for _, s := range cfg.Sources {
		hasAWS = hasAWS || s.Type == config.SourceAWS
	}
	return func(ctx context.Context, scope bot.ScanScope) ([]bot.Collector, error) {
		var f scanFlags
		if scope.Region != "" && hasAWS {
			f.regions = scope.Region
		}
		cols, _, err := f.collectors(ctx, e, cfg, cat, log)
		return cols, err
	}
}

func newServeLogger(e *env, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// problemCount says "1 problem" or "N problems".
func problemCount(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
