package slack

import (
	"context"
	"fmt"
	"regexp"
)

var userGroupPattern = regexp.MustCompile(`^S[A-Z0-9]{2,30}$`)

// UserGroupMembers lists the users of a user group (usergroups.users.list,
// scope usergroups:read), so roles can be bound to groups.
func (c *Client) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if !userGroupPattern.MatchString(groupID) {
		return nil, fmt.Errorf("slack usergroups.users.list: %q is not a user-group id", truncateRunes(groupID, 40))
	}
	users, err := c.api.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, c.wrap("usergroups.users.list", err)
	}
	return users, nil
}
