package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/aws"
	"github.com/comply-bot/comply/integrations/terraform"
)

func terraformCollector(path string, cat *checks.Catalog) bot.Collector {
	return &terraform.Source{Path: path, Catalog: cat}
}

// awsCollector builds a live AWS collector from a config source. attrs, if
// not nil, limits collection to the attributes the rules read.
func awsCollector(ctx context.Context, e *env, src config.Source, attrs map[string][]string, log *slog.Logger) (bot.Collector, error) {
	opts := aws.Options{
		Regions:     src.AWS.Regions,
		SkipDefault: src.AWS.SkipDefaultAccount,
		Endpoint:    src.AWS.Endpoint,
		Concurrency: src.AWS.Concurrency,
		MaxAttempts: src.AWS.MaxAttempts,
		Attributes:  attrs,
	}
	for _, a := range src.AWS.Accounts {
		opts.Accounts = append(opts.Accounts, aws.AccountRole{RoleARN: a.RoleARN, ExternalID: a.ExternalID.Value(), SessionName: a.SessionName})
	}
	if e.stderrTTY {
		opts.Progress = progressPrinter(e)
	}
	c, err := aws.New(ctx, opts, log)
	if err != nil {
		if errors.Is(err, checks.ErrInvalidInput) {
			return nil, &exitError{exitUsage, fmt.Errorf("source %s: %w", src.Name, err)}
		}
		return nil, &exitError{exitIncomplete, fmt.Errorf("source %s: %w", src.Name, err)}
	}
	return c, nil
}

// progressPrinter shows "services / regions done" on one terminal line.
func progressPrinter(e *env) func(done, total int, what string) {
	var mu sync.Mutex
	return func(done, total int, what string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stderr, "\r\x1b[2Kcollecting %d/%d %s", done, total, what)
		if done == total {
			fmt.Fprint(e.stderr, "\r\x1b[2K")
		}
	}
}
