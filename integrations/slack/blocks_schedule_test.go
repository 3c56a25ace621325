package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

func scheduleGoldenCases() map[string]checks.Message {
	due := goldenNow.Add(-2 * time.Hour)
	task := checks.CalendarOccurrence{Task: "access-review", Description: "Review who can reach <production>; revoke *everything* unused.",
		Owner: "S0SECOPS1", ID: "20250310T1000Z", Due: due, Done: "done access-review 20250310T1000Z"}
	done := task
	done.DoneBy, done.DoneAt = "U0ALICE01", goldenNow
	return map[string]checks.Message{
		"monitoring_failure": checks.MonitoringFailureMessage("nightly", "failed",
			"schedule nightly: the 2025-03-10 06:00 CET run failed: scan incomplete: 1 collector error (aws s3 us-east-1: AccessDenied)", goldenNow),
		"calendar_task":      checks.CalendarTaskMessage(task),
		"calendar_task_done": checks.CalendarTaskMessage(done),
	}
}

func TestRenderScheduleGolden(t *testing.T) { checkGoldens(t, scheduleGoldenCases()) }

func TestCalendarOwnerMentioned(t *testing.T) {
	c := scheduleGoldenCases()
	if js := string(renderJSON(t, c["calendar_task"])); !strings.Contains(js, "<!subteam^S0SECOPS1>") || !strings.Contains(js, `"done access-review 20250310T1000Z"`) {
		t.Errorf("the group owner is not mentioned or the Done button is missing:\n%s", js)
	}
	js := string(renderJSON(t, c["calendar_task_done"]))
	if !strings.Contains(js, "<@U0ALICE01>") || strings.Contains(js, `"Done"`) && strings.Contains(js, `"action_id"`) {
		t.Errorf("the done task does not name who did it, or still has a button:\n%s", js)
	}
}
