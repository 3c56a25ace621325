package checks

import (
	"fmt"
	"slices"
	"strings"
)

// Fact is one labelled value describing a finding, for tickets and other
// plain renderings. Values are user-controlled: renderers escape them.
type Fact struct {
	Label, Value string
}

// Facts lists a finding's severity, rule, resource, name (when it differs
// from the id), type, account, region and frameworks, in that order, leaving
// out empty values; ticket renderers (Jira, Trello) share it.
func (f Finding) Facts() []Fact {
	var out []Fact
	add := func(label, v string) {
		if v != "" {
			out = append(out, Fact{label, v})
		}
	}
	add("Severity", f.Severity.String())
	add("Rule", f.RuleID)
	add("Resource", f.ResourceID)
	if f.ResourceName != f.ResourceID {
		add("Name", f.ResourceName)
	}
	add("Type", f.ResourceType)
	add("Account", f.Account)
	add("Region", f.Region)
	fws := make([]string, 0, len(f.Frameworks))
	for fw, ctrls := range f.Frameworks {
		fws = append(fws, fw+" "+strings.Join(ctrls, ", "))
	}
	slices.Sort(fws)
	add("Frameworks", strings.Join(fws, "; "))
	return out
}

// ReminderNote is the plain sentence a ticket gets as a comment when a
// still-open finding is reminded (Jira and Trello share it).
func (c Change) ReminderNote() string {
	why := "Still failing."
	switch c.Reason {
	case ReasonSnoozeExpired:
		why = "Still failing; the snooze has ended."
	case ReasonSnoozeEnding:
		why = "Still failing; the snooze ends soon."
	}
	return fmt.Sprintf("%s Seen %d times, last on %s.", why, c.State.TimesSeen, c.State.LastSeen.UTC().Format("2006-01-02 15:04 MST"))
}
