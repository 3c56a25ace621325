package main

import (
	"context"
	"log/slog"

	"github.com/comply-bot/comply/bot"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/terraform"
)

func terraformCollector(path string, cat *checks.Catalog) bot.Collector {
	return &terraform.Source{Path: path, Catalog: cat}
}

func awsCollector(ctx context.Context, e *env, src config.Source, verbose bool, log *slog.Logger) (bot.Collector, error) {
	return nil, usageErr("aws not wired")
}
