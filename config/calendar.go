package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
)

// The calendar: section lists recurring compliance tasks (access reviews,
// policy reviews) that comply posts with an owner and a Done button.

type rawCalendarTask struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Owner       string `yaml:"owner"`
	Every       string `yaml:"every"`
	Cron        string `yaml:"cron"`
	Timezone    string `yaml:"timezone"`
	Channel     string `yaml:"channel"`
}

// CalendarTask is a recurring compliance task.
type CalendarTask struct {
	Name        string
	Description string
	// Owner is a Slack user id (U…, W…) or user-group id (S…), mentioned
	// when the task is due.
	Owner string
	// Cron is the task's cron spec (from every: when that was given);
	// Spec is it parsed, in Location.
	Cron     string
	Spec     cron.Schedule
	Location *time.Location
	// Channel is where the task is posted (default slack.channel).
	Channel string
}

// Next returns the task's first occurrence after t.
func (t CalendarTask) Next(at time.Time) time.Time { return t.Spec.Next(at.In(t.Location)) }

// calendarEvery maps every: to a cron spec: 09:00 on the first day of the
// period, in the task's time zone.
var calendarEvery = map[string]string{
	"weekly":    "0 9 * * 1",
	"monthly":   "0 9 1 * *",
	"quarterly": "0 9 1 1,4,7,10 *",
	"yearly":    "0 9 1 1 *",
}

// MaxTaskDescription bounds a task's description (it goes into one chat
// message).
const MaxTaskDescription = 2000

func (raw *rawConfig) calendar(add addFunc, defaultChannel string) []CalendarTask {
	var out []CalendarTask
	seen := map[string]bool{}
	everies := slices.Sorted(func(yield func(string) bool) {
		for k := range calendarEvery {
			if !yield(k) {
				return
			}
		}
	})
	for i, r := range raw.Calendar {
		at := fmt.Sprintf("$.calendar[%d]", i)
		checkName(add, at, "calendar task", i, r.Name, seen)
		t := CalendarTask{Name: r.Name, Description: strings.TrimSpace(r.Description), Owner: strings.TrimSpace(r.Owner),
			Channel: strings.TrimSpace(r.Channel)}
		switch {
		case t.Description == "":
			add(at, "calendar task %q: missing description (what to do)", r.Name)
		case utf8.RuneCountInString(t.Description) > MaxTaskDescription:
			add(at+".description", "calendar task %q: description longer than %d characters", r.Name, MaxTaskDescription)
		}
		switch {
		case t.Owner == "":
			add(at, "calendar task %q: missing owner (a Slack user id U… or user-group id S…)", r.Name)
		case !userIDPattern.MatchString(t.Owner) && !groupIDPattern.MatchString(t.Owner):
			add(at+".owner", "calendar task %q: owner %q: want a Slack user id (U0123ABCD) or user-group id (S0123ABCD), not a name", r.Name, r.Owner)
		}
		if t.Channel == "" {
			t.Channel = defaultChannel
		} else if !channelIDPattern.MatchString(t.Channel) && !channelName.MatchString(t.Channel) {
			add(at+".channel", "calendar task %q: channel %q: want a channel id (C0123ABCD) or #name", r.Name, r.Channel)
		}
		every, spec := strings.ToLower(strings.TrimSpace(r.Every)), strings.TrimSpace(r.Cron)
		switch {
		case every != "" && spec != "":
			add(at+".every", "calendar task %q: give every: or cron:, not both", r.Name)
			continue
		case every != "":
			c, ok := calendarEvery[every]
			if !ok {
				add(at+".every", "calendar task %q: every %q: want one of %s (or a cron: spec)", r.Name, r.Every, strings.Join(everies, ", "))
				continue
			}
			spec = c
		case spec == "":
			add(at, "calendar task %q: missing every: (%s) or cron:", r.Name, strings.Join(everies, ", "))
			continue
		}
		t.Cron = spec
		t.Spec, t.Location = cronSpec(add, at, "calendar task", r.Name, spec, r.Timezone)
		out = append(out, t)
	}
	return out
}
