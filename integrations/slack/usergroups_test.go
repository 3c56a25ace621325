package slack

import (
	"context"
	"slices"
	"testing"

	"github.com/comply-bot/comply/integrations/slack/slacktest"
)

func TestUserGroupMembers(t *testing.T) {
	fake := slacktest.NewServer(t, slacktest.Options{})
	fake.SetUserGroup("S0OPS0001", "U0ALICE01", "U0BOB0001")
	c := newTestClient(t, fake, fake.BotToken(), nil)
	ctx := context.Background()

	users, err := c.UserGroupMembers(ctx, "S0OPS0001")
	if err != nil || !slices.Equal(users, []string{"U0ALICE01", "U0BOB0001"}) {
		t.Errorf("members = %v, %v", users, err)
	}
	if calls := fake.Calls("usergroups.users.list"); len(calls) != 1 || calls[0].Params.Get("usergroup") != "S0OPS0001" {
		t.Errorf("calls %+v", calls)
	}
	if _, err := c.UserGroupMembers(ctx, "S0NOPE001"); ErrorCode(err) != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := c.UserGroupMembers(ctx, "U0ALICE01"); err == nil || len(fake.Calls("usergroups.users.list")) != 2 {
		t.Errorf("a user id as group: %v (calls %d)", err, len(fake.Calls("usergroups.users.list")))
	}
}
