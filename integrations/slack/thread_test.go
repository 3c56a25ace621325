package slack

import (
	"context"
	"testing"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

func TestPostReplyThreadsOnTheParent(t *testing.T) {
	ctx := context.Background()
	fake := slacktest.NewServer(t, slacktest.Options{})
	c := newTestClient(t, fake, fake.BotToken(), nil)
	parent, err := c.PostMessage(ctx, slacktest.DefaultChannel, checks.TextMessage("the finding"))
	if err != nil {
		t.Fatal(err)
	}
	var reply MessageRef
	for _, broadcast := range []bool{false, true} {
		ref, err := c.PostReply(ctx, parent, checks.TextMessage("still failing"), broadcast)
		if err != nil {
			t.Fatalf("reply (broadcast %v): %v", broadcast, err)
		}
		m, ok := fake.Message(ref.Channel, ref.TS)
		if !ok || ref.TS == parent.TS || m.ThreadTS != parent.TS || m.Broadcast != broadcast || m.Text != "still failing" {
			t.Errorf("reply (broadcast %v) stored as %+v", broadcast, m)
		}
		reply = ref
	}
	if p, _ := fake.Message(parent.Channel, parent.TS); p.ThreadTS != "" || len(p.Revisions) != 1 {
		t.Errorf("parent changed by the replies: %+v", p)
	}

	// A parent that is gone (or a reply itself) takes no replies.
	for name, ref := range map[string]MessageRef{
		"missing parent": {Channel: parent.Channel, TS: "1.000001"},
		"a reply":        reply,
	} {
		if _, err := c.PostReply(ctx, ref, checks.TextMessage("x"), false); ErrorCode(err) != "thread_not_found" {
			t.Errorf("%s: error %v, want thread_not_found", name, err)
		}
	}
}
