package slacktest

import "slices"

// SetUserGroup makes a user group (S…) with these members;
// usergroups.users.list answers no_such_subteam for unknown groups.
func (s *Server) SetUserGroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = map[string][]string{}
	}
	s.groups[id] = slices.Clone(users)
}

func (s *Server) userGroupUsers(call Call) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	users, ok := s.groups[call.Params.Get("usergroup")]
	if !ok {
		return apiError("no_such_subteam")
	}
	return map[string]any{"users": slices.Clone(users)}
}
