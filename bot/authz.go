package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/config"
)

// Role is what a person may do with the bot; each role includes the ones
// below it.
type Role int

// Roles, from least to most.
const (
	RoleNone Role = iota
	RoleViewer
	RoleOperator
	RoleApprover
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleOperator:
		return "operator"
	case RoleApprover:
		return "approver"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// Required is the role a command needs: triage and scans change state and
// cost API calls, so they need operator; looking needs viewer; help needs
// nothing.
func Required(n command.Name) Role {
	switch n {
	case command.Scan, command.Ack, command.Snooze, command.Unsnooze, command.Fix:
		return RoleOperator
	case command.Help:
		return RoleNone
	case command.Approve, command.Reject:
		return RoleNone // the remediation policy's approvers decide (remediate_approve.go)
	}
	return RoleViewer
}

// GroupMembers lists the members of a chat user group (Slack's
// usergroups.users.list).
type GroupMembers interface {
	UserGroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Authorizer decides who may do what, from the roles of the config file
// bound to user ids and user-group ids.
type Authorizer struct {
	users    map[string]Role
	groups   map[string]Role
	everyone Role
	open     bool // no roles configured
	members  GroupMembers
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu    sync.Mutex
	cache map[string]groupEntry
}

type groupEntry struct {
	users map[string]bool
	at    time.Time
}

// GroupCacheTTL is how long a user group's membership is trusted.
const GroupCacheTTL = 5 * time.Minute

// NewAuthorizer binds roles. With no roles configured at all, everyone is a
// viewer: the bot can be looked at, never used to change anything. members
// resolves user groups (nil: groups grant nothing).
func NewAuthorizer(roles config.Roles, members GroupMembers, now func() time.Time, log *slog.Logger) *Authorizer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	a := &Authorizer{users: map[string]Role{}, groups: map[string]Role{}, members: members,
		ttl: GroupCacheTTL, now: now, log: log, cache: map[string]groupEntry{}}
	if roles.Empty() {
		a.everyone, a.open = RoleViewer, true
		return a
	}
	for _, b := range []struct {
		role Role
		ids  []string
	}{{RoleViewer, roles.Viewer}, {RoleOperator, roles.Operator}, {RoleApprover, roles.Approver}, {RoleAdmin, roles.Admin}} {
		for _, id := range b.ids {
			switch {
			case id == "*":
				a.everyone = max(a.everyone, b.role)
			case len(id) > 0 && id[0] == 'S':
				a.groups[id] = max(a.groups[id], b.role)
			default:
				a.users[id] = max(a.users[id], b.role)
			}
		}
	}
	return a
}

// Open reports whether no roles are configured (everyone may only look).
func (a *Authorizer) Open() bool { return a.open }

// Allows reports whether user holds at least role need. User groups are
// consulted only when the user's own binding is not enough.
func (a *Authorizer) Allows(ctx context.Context, user string, need Role) bool {
	if need == RoleNone || max(a.everyone, a.users[user]) >= need {
		return true
	}
	for g, role := range a.groups {
		if role >= need && a.inGroup(ctx, g, user) {
			return true
		}
	}
	return false
}

// RoleOf is the highest role user holds.
func (a *Authorizer) RoleOf(ctx context.Context, user string) Role {
	r := max(a.everyone, a.users[user])
	for g, role := range a.groups {
		if role > r && a.inGroup(ctx, g, user) {
			r = role
		}
	}
	return r
}

// inGroup looks membership up, cached for the TTL. When Slack cannot be
// asked, the last known membership stands; with none, the group grants
// nothing (fail closed).
func (a *Authorizer) inGroup(ctx context.Context, group, user string) bool {
	a.mu.Lock()
	e, ok := a.cache[group]
	a.mu.Unlock()
	if ok && a.now().Sub(e.at) < a.ttl {
		return e.users[user]
	}
	if a.members == nil {
		return false
	}
	ids, err := a.members.UserGroupMembers(ctx, group)
	if err != nil {
		a.log.Warn("cannot resolve user group; using the last known members", "group", group, "error", err)
		return ok && e.users[user]
	}
	e = groupEntry{users: make(map[string]bool, len(ids)), at: a.now()}
	for _, id := range ids {
		e.users[id] = true
	}
	a.mu.Lock()
	a.cache[group] = e
	a.mu.Unlock()
	return e.users[user]
}
