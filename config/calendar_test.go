package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const calendarGood = `slack:
  channel: C0COMPLY1
calendar:
  - name: access-review
    description: Review who can reach production and revoke what is not needed.
    owner: S0SECOPS1
    every: quarterly
    timezone: Europe/Berlin
  - name: policy-review
    description: Review the information security policy.
    owner: U0ALICE01
    cron: "0 10 15 3 *"
    channel: "#policies"
`

func TestCalendarGood(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(calendarGood), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Calendar) != 2 {
		t.Fatalf("calendar %+v", cfg.Calendar)
	}
	ar, pr := cfg.Calendar[0], cfg.Calendar[1]
	if ar.Channel != "C0COMPLY1" || ar.Owner != "S0SECOPS1" || ar.Location.String() != "Europe/Berlin" || ar.Cron != calendarEvery["quarterly"] {
		t.Errorf("access-review %+v", ar)
	}
	// Quarterly: 09:00 Berlin time on the first day of the next quarter.
	next := ar.Next(time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 4, 1, 9, 0, 0, 0, ar.Location); !next.Equal(want) {
		t.Errorf("next quarterly occurrence %v, want %v", next, want)
	}
	if pr.Channel != "#policies" || pr.Location != time.UTC {
		t.Errorf("policy-review %+v", pr)
	}
	if next := pr.Next(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2027, 3, 15, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("next yearly occurrence %v", next)
	}
}

func TestCalendarProblems(t *testing.T) {
	task := func(lines ...string) string {
		return "calendar:\n  - name: t\n" + strings.Join(lines, "") // the task's keys start on line 3
	}
	tests := []struct{ name, src, want string }{
		{"no name", "calendar:\n  - {description: d, owner: U0ALICE01, every: yearly}\n", `c.yaml:2: calendar task 1: missing name`},
		{"bad name", "calendar:\n  - name: Access Review\n    description: d\n    owner: U0ALICE01\n    every: yearly\n", `c.yaml:2: calendar task name "Access Review"`},
		{"dup name", "calendar:\n  - {name: t, description: d, owner: U0ALICE01, every: yearly}\n  - {name: t, description: d, owner: U0ALICE01, every: yearly}\n", `c.yaml:3: calendar task name "t" used twice`},
		{"no description", task("    owner: U0ALICE01\n    every: yearly\n"), `c.yaml:2: calendar task "t": missing description`},
		{"no owner", task("    description: d\n    every: yearly\n"), `c.yaml:2: calendar task "t": missing owner`},
		{"owner by name", task("    description: d\n    owner: \"@alice\"\n    every: yearly\n"), `c.yaml:4: calendar task "t": owner "@alice": want a Slack user id`},
		{"bad every", task("    description: d\n    owner: U0ALICE01\n    every: fortnightly\n"), `c.yaml:5: calendar task "t": every "fortnightly": want one of monthly, quarterly, weekly, yearly`},
		{"every and cron", task("    description: d\n    owner: U0ALICE01\n    every: yearly\n    cron: \"@daily\"\n"), `c.yaml:5: calendar task "t": give every: or cron:, not both`},
		{"neither", task("    description: d\n    owner: U0ALICE01\n"), `c.yaml:2: calendar task "t": missing every:`},
		{"bad cron", task("    description: d\n    owner: U0ALICE01\n    cron: \"0 25 * * *\"\n"), `c.yaml:5: calendar task "t": cron "0 25 * * *"`},
		{"bad tz", task("    description: d\n    owner: U0ALICE01\n    every: monthly\n    timezone: Mars/Olympus\n"), `c.yaml:6: calendar task "t": unknown time zone "Mars/Olympus"`},
		{"bad channel", task("    description: d\n    owner: U0ALICE01\n    every: monthly\n    channel: compliance\n"), `c.yaml:6: calendar task "t": channel "compliance"`},
		{"typo", task("    description: d\n    owner: U0ALICE01\n    evry: monthly\n"), `c.yaml:5: unknown field "evry"`},
		{"long description", task("    description: " + strings.Repeat("x", MaxTaskDescription+1) + "\n    owner: U0ALICE01\n    every: monthly\n"), `c.yaml:3: calendar task "t": description longer than`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.src, tt.want) })
	}
}

// TestExampleCalendar keeps examples/comply.yaml showing the calendar.
func TestExampleCalendar(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "examples", "comply.yaml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Calendar) == 0 {
		t.Error("examples/comply.yaml has no calendar task")
	}
}
