package bot

import (
	"context"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// Chat is how the bot talks to people: messages in channels (updated in
// place as findings change), replies only the asker sees, and forms.
type Chat interface {
	PostMessage(ctx context.Context, channel string, m checks.Message) (slack.MessageRef, error)
	UpdateMessage(ctx context.Context, ref slack.MessageRef, m checks.Message) error
	// PostReply posts m in the thread of the message at parent; broadcast
	// also shows it in the channel.
	PostReply(ctx context.Context, parent slack.MessageRef, m checks.Message, broadcast bool) (slack.MessageRef, error)
	PostEphemeral(ctx context.Context, channel, user string, m checks.Message) error
	// Respond answers through a response URL, as a new message only the
	// user sees.
	Respond(ctx context.Context, responseURL string, m checks.Message) error
	OpenSnoozeModal(ctx context.Context, triggerID string, m slack.SnoozeModal) error
	OpenRejectModal(ctx context.Context, triggerID string, m slack.RejectModal) error
	// UploadFile shares a file in a channel and returns its id.
	UploadFile(ctx context.Context, u slack.Upload) (string, error)
}

// NewSlackChat is the Chat of a Slack client.
func NewSlackChat(c *slack.Client) Chat { return slackChat{c} }

type slackChat struct{ c *slack.Client }

var _ Chat = slackChat{}

func (s slackChat) PostMessage(ctx context.Context, channel string, m checks.Message) (slack.MessageRef, error) {
	return s.c.PostMessage(ctx, channel, m)
}

func (s slackChat) UpdateMessage(ctx context.Context, ref slack.MessageRef, m checks.Message) error {
	return s.c.UpdateMessage(ctx, ref, m)
}

func (s slackChat) PostReply(ctx context.Context, parent slack.MessageRef, m checks.Message, broadcast bool) (slack.MessageRef, error) {
	return s.c.PostReply(ctx, parent, m, broadcast)
}

func (s slackChat) PostEphemeral(ctx context.Context, channel, user string, m checks.Message) error {
	return s.c.PostEphemeral(ctx, channel, user, m)
}

func (s slackChat) Respond(ctx context.Context, responseURL string, m checks.Message) error {
	return s.c.RespondURL(ctx, responseURL, m, false)
}

func (s slackChat) OpenSnoozeModal(ctx context.Context, triggerID string, m slack.SnoozeModal) error {
	return s.c.OpenSnoozeModal(ctx, triggerID, m)
}

func (s slackChat) OpenRejectModal(ctx context.Context, triggerID string, m slack.RejectModal) error {
	return s.c.OpenRejectModal(ctx, triggerID, m)
}

func (s slackChat) UploadFile(ctx context.Context, u slack.Upload) (string, error) {
	return s.c.UploadFile(ctx, u)
}

// Store is the part of the state store the bot uses.
type Store interface {
	store.Findings
	store.Triage
	store.Remediations
	store.Audit
	store.Locks
	store.History
	store.Deliveries
}

var _ Store = store.Store(nil)

// ReplayGuard lets the state store remember Slack request signatures, so
// every replica rejects a replayed request.
func ReplayGuard(r store.Replay) slack.ReplayGuard { return replayGuard{r} }

type replayGuard struct{ r store.Replay }

func (g replayGuard) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	seen, err := g.r.SeenOnce(ctx, key, ttl)
	return !seen, err
}
