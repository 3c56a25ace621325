package main

import (
	"context"
	"log/slog"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
)

func terraformCollector(path string, cat *checks.Catalog) bot.Collector { return nil }

func awsCollector(ctx context.Context, e *env, src config.Source, verbose bool, log *slog.Logger) (bot.Collector, error) {
	return nil, usageErr("aws not wired")
}
