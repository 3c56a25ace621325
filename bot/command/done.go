package command

import (
	"regexp"
	"strings"
)

var (
	// taskPattern is a calendar task name as the config allows it.
	taskPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	// occurrencePattern is an occurrence id: its due time, UTC, to the
	// minute (20260401T0700Z).
	occurrencePattern = regexp.MustCompile(`^\d{8}T\d{4}Z$`)
)

// parseDone reads "done <task> [occurrence]".
func parseDone(rest []string) (Command, error) {
	if len(rest) < 1 || len(rest) > 2 {
		return Command{}, usageErr(Done, "done needs a calendar task name and, optionally, an occurrence")
	}
	c := Command{Name: Done, Task: strings.ToLower(rest[0])}
	if !taskPattern.MatchString(c.Task) {
		return Command{}, usageErr(Done, "%q is not a calendar task name", truncate(rest[0], 40))
	}
	if len(rest) == 2 {
		c.Occurrence = strings.ToUpper(rest[1])
		if !occurrencePattern.MatchString(c.Occurrence) {
			return Command{}, usageErr(Done, "%q is not an occurrence (like 20260401T0700Z, from the task's message)", truncate(rest[1], 40))
		}
	}
	return c, nil
}
