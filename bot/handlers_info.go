package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
)

// rules answers /comply rules [framework]: the loaded rules, grouped by
// resource type so that a large pack fits one message.
func (b *Bot) rules(ctx context.Context, req request, cmd command.Command) {
	rules := checks.FilterRules(b.opts.Rules, cmd.Framework, 0)
	byType := map[string][]*checks.Rule{}
	for _, r := range rules {
		byType[r.Resource] = append(byType[r.Resource], r)
	}
	m := checks.Message{Kind: checks.MessageList, Key: "rules", Title: "Rules"}
	m.Text = fmt.Sprintf("%d rules over %d resource types.", len(rules), len(byType))
	if cmd.Framework != "" {
		m.Title = "Rules mapped to " + cmd.Framework
	}
	if len(rules) == 0 {
		m.Text = "No rule matches."
	}
	for _, t := range slices.Sorted(maps.Keys(byType)) {
		var parts []string
		for _, r := range byType[t] {
			parts = append(parts, fmt.Sprintf("%s (%s)", r.ID, r.Severity))
		}
		m.Items = append(m.Items, checks.Item{Title: t, Detail: checks.Line{checks.ValueSpan(strings.Join(parts, ", "))}})
	}
	b.reply(ctx, req, m)
}

// help answers /comply help [command].
func (b *Bot) help(ctx context.Context, req request, cmd command.Command) {
	m := checks.Message{Kind: checks.MessageText, Title: "comply",
		Text:  "Continuous compliance checks for your cloud. Finding messages have buttons that run these same commands.",
		Notes: []checks.Note{{Label: "Commands", Text: command.Usage(command.Name(cmd.Topic))}}}
	b.reply(ctx, req, m)
}
