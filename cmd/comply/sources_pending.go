package main

import (
	"context"
	"log/slog"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
)

func terraformCollector(path string, cat *checks.Catalog) bot.Collector { return nil }

func awsCollector(ctx context.Context, e *env, f *scanFlags, log *slog.Logger) (bot.Collector, error) {
	return nil, usageErr("aws not wired")
}
