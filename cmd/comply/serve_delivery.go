package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/jira"
	"github.com/comply-bot/comply/integrations/trello"
	"github.com/comply-bot/comply/integrations/webhook"
)

// receiverHTTPTimeout bounds one call to Jira, Trello or a webhook.
const receiverHTTPTimeout = 30 * time.Second

// deliveryReceivers builds the configured receivers. Without a routes
// section none is used (findings go to slack.channel), so none is built.
// Credentials the config leaves empty come from the environment (JIRA_*,
// TRELLO_*); a receiver that cannot be built stops serve, rather than
// dropping its findings silently.
func deliveryReceivers(e *env, cfg *config.Config, log *slog.Logger) ([]bot.Receiver, error) {
	if cfg.Routes == nil {
		if len(cfg.Receivers) > 0 {
			log.Warn("receivers are configured but no routes: every finding goes to slack.channel")
		}
		return nil, nil
	}
	hc := &http.Client{Timeout: receiverHTTPTimeout}
	var out []bot.Receiver
	for _, rc := range cfg.Receivers {
		r, err := buildReceiver(e, rc, hc, log.With("receiver", rc.Name))
		if err != nil {
			return nil, fmt.Errorf("receiver %q: %w", rc.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func buildReceiver(e *env, rc config.Receiver, hc *http.Client, log *slog.Logger) (bot.Receiver, error) {
	r := bot.Receiver{Name: rc.Name}
	switch {
	case rc.Slack != nil:
		r.Channel, r.Digest = rc.Slack.Channel, rc.Slack.Mode == config.SlackModeDigest
	case rc.Jira != nil:
		j := rc.Jira
		// A token from the config wins over the environment's as a pair: a
		// PAT in the file and a Cloud token in the environment do not mix.
		token, pat := j.APIToken.Value(), j.PAT.Value()
		if token == "" && pat == "" {
			token, pat = e.getenv("JIRA_API_TOKEN"), e.getenv("JIRA_PAT")
		}
		jr, err := jira.New(jira.Config{
			URL:   cmp.Or(j.URL, e.getenv("JIRA_URL")),
			Email: cmp.Or(j.User, e.getenv("JIRA_USER")), APIToken: token,
			PAT:     pat,
			Project: j.Project, IssueType: j.IssueType, Priorities: j.PriorityMap,
			Labels: j.Labels, Components: j.Components, DoneCategory: j.DoneCategory,
		}, hc, log)
		if err != nil {
			return r, err
		}
		r.Notifier = bot.NewTicketNotifier(jr, "Jira", jr.BrowseURL)
	case rc.Trello != nil:
		t := rc.Trello
		tr, err := trello.New(trello.Config{
			BaseURL: cmp.Or(t.APIURL, e.getenv("TRELLO_API_URL")),
			Key:     cmp.Or(t.APIKey.Value(), e.getenv("TRELLO_API_KEY")), Token: cmp.Or(t.Token.Value(), e.getenv("TRELLO_TOKEN")),
			BoardID: t.Board, OpenListID: t.List, DoneListID: t.DoneList,
		}, hc, log)
		if err != nil {
			return r, err
		}
		r.Notifier = bot.NewTicketNotifier(tr, "Trello", nil)
	case rc.Webhook != nil:
		w := rc.Webhook
		format := webhook.FormatJSON
		if w.Format == config.WebhookSplunkHEC {
			format = webhook.FormatSplunk
		}
		ws, err := webhook.New(webhook.Config{URL: w.URL, Format: format, Secret: w.Secret.Value(),
			SplunkToken: w.Token.Value(), MaxAttempts: w.MaxAttempts}, hc, log)
		if err != nil {
			return r, err
		}
		r.Notifier = bot.NewBatchNotifier(ws)
	default:
		return r, fmt.Errorf("type %q has no settings", rc.Type)
	}
	return r, nil
}
