package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/config"
)

// groupsFunc is a GroupMembers made of a function, counting calls.
type groupsFunc struct {
	mu    sync.Mutex
	calls int
	fn    func(group string) ([]string, error)
}

func (g *groupsFunc) UserGroupMembers(_ context.Context, group string) ([]string, error) {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	return g.fn(group)
}

func TestAuthorizer(t *testing.T) {
	roles := config.Roles{
		Viewer:   []string{"U0VIEW001"},
		Operator: []string{"U0OPER001", "S0OPS0001"},
		Approver: []string{"U0APPR001"},
		Admin:    []string{"U0ADMN001", "S0ADM0001"},
	}
	groups := &groupsFunc{fn: func(g string) ([]string, error) {
		switch g {
		case "S0OPS0001":
			return []string{"U0GOPS001"}, nil
		case "S0ADM0001":
			return []string{"U0GADM001"}, nil
		}
		return nil, errors.New("no_such_subteam")
	}}
	a := NewAuthorizer(roles, groups, nil, nil)
	tests := []struct {
		user string
		want Role
	}{
		{"U0VIEW001", RoleViewer},
		{"U0OPER001", RoleOperator},
		{"U0APPR001", RoleApprover},
		{"U0ADMN001", RoleAdmin},
		{"U0GOPS001", RoleOperator},
		{"U0GADM001", RoleAdmin},
		{"U0STRANGE", RoleNone},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			if got := a.RoleOf(context.Background(), tt.user); got != tt.want {
				t.Errorf("RoleOf = %s, want %s", got, tt.want)
			}
			for _, n := range command.Names() {
				need := Required(n)
				if got, want := a.Allows(context.Background(), tt.user, need), tt.want >= need; got != want {
					t.Errorf("%s (needs %s): allowed %v, want %v", n, need, got, want)
				}
			}
		})
	}
	if a.Open() {
		t.Error("configured roles reported open")
	}
}

func TestRequiredRoles(t *testing.T) {
	for n, want := range map[command.Name]Role{
		command.Scan: RoleOperator, command.Ack: RoleOperator, command.Snooze: RoleOperator, command.Unsnooze: RoleOperator,
		command.Fix: RoleOperator, command.Status: RoleViewer, command.Findings: RoleViewer, command.Show: RoleViewer,
		command.Rules: RoleViewer, command.Report: RoleViewer, command.Help: RoleNone,
	} {
		if got := Required(n); got != want {
			t.Errorf("Required(%s) = %s, want %s", n, got, want)
		}
	}
}

func TestAuthorizerEveryoneAndNoRoles(t *testing.T) {
	ctx := context.Background()
	everyone := NewAuthorizer(config.Roles{Viewer: []string{"*"}, Operator: []string{"U0OPER001"}}, nil, nil, nil)
	if !everyone.Allows(ctx, "U0ANYONE1", RoleViewer) || everyone.Allows(ctx, "U0ANYONE1", RoleOperator) {
		t.Error("viewer * should let anyone look, not operate")
	}
	if everyone.Open() {
		t.Error("viewer * is a configured role, not open")
	}
	none := NewAuthorizer(config.Roles{}, nil, nil, nil)
	if !none.Open() || !none.Allows(ctx, "U0ANYONE1", RoleViewer) || none.Allows(ctx, "U0ANYONE1", RoleOperator) {
		t.Error("no roles should mean view-only for everyone")
	}
}

func TestAuthorizerGroupCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	members := []string{"U0MEMBER1"}
	var fail bool
	groups := &groupsFunc{fn: func(string) ([]string, error) {
		if fail {
			return nil, errors.New("ratelimited")
		}
		return members, nil
	}}
	a := NewAuthorizer(config.Roles{Operator: []string{"S0OPS0001"}}, groups, clock, nil)
	for range 3 {
		if !a.Allows(ctx, "U0MEMBER1", RoleOperator) {
			t.Fatal("member refused")
		}
	}
	if groups.calls != 1 {
		t.Errorf("%d lookups within the TTL, want 1", groups.calls)
	}
	// Direct bindings never ask Slack.
	if a.Allows(ctx, "U0MEMBER1", RoleAdmin) || groups.calls != 1 {
		t.Errorf("admin check asked Slack (%d calls) or allowed", groups.calls)
	}
	// After the TTL, a failed lookup keeps the last known members.
	now = now.Add(GroupCacheTTL + time.Second)
	fail = true
	if !a.Allows(ctx, "U0MEMBER1", RoleOperator) {
		t.Error("stale membership not used while Slack fails")
	}
	// Removal is seen after the TTL.
	fail = false
	members = nil
	now = now.Add(GroupCacheTTL + time.Second)
	if a.Allows(ctx, "U0MEMBER1", RoleOperator) {
		t.Error("removed member still allowed")
	}
	// A group never resolved grants nothing when Slack fails.
	b := NewAuthorizer(config.Roles{Operator: []string{"S0OPS0001"}}, &groupsFunc{fn: func(string) ([]string, error) {
		return nil, errors.New("down")
	}}, clock, nil)
	if b.Allows(ctx, "U0MEMBER1", RoleOperator) {
		t.Error("unresolvable group granted a role")
	}
}
