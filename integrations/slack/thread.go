package slack

import (
	"context"

	slackgo "github.com/slack-go/slack"

	"github.com/comply-bot/comply/checks"
)

// PostReply posts m as a threaded reply to the message at parent. With
// broadcast, Slack also shows the reply in the channel (reply_broadcast).
// The returned ref is the reply's own.
func (c *Client) PostReply(ctx context.Context, parent MessageRef, m checks.Message, broadcast bool) (MessageRef, error) {
	opts := append(msgOptions(m), slackgo.MsgOptionTS(parent.TS))
	if broadcast {
		opts = append(opts, slackgo.MsgOptionBroadcast())
	}
	ch, ts, err := c.api.PostMessageContext(ctx, parent.Channel, opts...)
	if err != nil {
		return MessageRef{}, c.wrap("chat.postMessage", err)
	}
	return MessageRef{Channel: ch, TS: ts}, nil
}
