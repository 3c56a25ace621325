package checks

import "time"

// Message kinds of the scheduler and the compliance calendar.
const (
	MessageMonitoringFailure MessageKind = "monitoring-failure"
	MessageCalendarTask      MessageKind = "calendar-task"
)

// MonitoringFailureMessage says a scheduled scan did not do its job: it
// failed, crashed, was incomplete or overdue, or could not be locked. reason
// is the scheduler's sentence; outcome its short word (failed, overdue...).
func MonitoringFailureMessage(schedule, outcome, reason string, at time.Time) Message {
	m := Message{Kind: MessageMonitoringFailure, Key: "schedule-" + schedule, Title: "Monitoring failure",
		Text: reason,
		Fields: []Field{
			ValueField("Schedule", schedule),
			{Label: "Detected", Value: Line{TimeSpan(at)}},
		},
		Context: []Line{{TextSpan("Until the next successful run, this schedule's scope is not monitored. " +
			"comply's log and the comply_monitoring_failures_total metric say more.")}},
	}
	if outcome != "" {
		m.Fields = append(m.Fields, TextField("Outcome", outcome))
	}
	return m
}

// CalendarOccurrence is one due occurrence of a compliance calendar task.
type CalendarOccurrence struct {
	Task        string
	Description string
	// Owner is a chat user or user-group id, mentioned in the message.
	Owner string
	// ID names the occurrence (its due time, see bot/calendar.go); Due is
	// that time.
	ID  string
	Due time.Time
	// DoneBy and DoneAt are set once someone marked it done.
	DoneBy string
	DoneAt time.Time
	// Done is the command the Done button runs.
	Done string
}

// CalendarTaskMessage posts a due task with a Done button; once done it
// shows who did it and when instead.
func CalendarTaskMessage(o CalendarOccurrence) Message {
	m := Message{Kind: MessageCalendarTask, Key: o.Task + "-" + o.ID, Title: "Compliance task: " + o.Task,
		Text: o.Description,
		Fields: []Field{
			{Label: "Owner", Value: Line{UserSpan(o.Owner)}},
			{Label: "Due", Value: Line{TimeSpan(o.Due)}},
		},
		Context: []Line{{TextSpan("Task "), ValueSpan(o.Task), TextSpan(" · occurrence "), ValueSpan(o.ID)}},
	}
	if o.DoneBy != "" {
		m.Title = "Done: compliance task " + o.Task
		m.State = Line{StrongSpan("Done"), TextSpan(" by "), UserSpan(o.DoneBy), TextSpan(" "), TimeSpan(o.DoneAt)}
		return m
	}
	m.State = Line{TextSpan("Waiting for "), UserSpan(o.Owner), TextSpan(" to do it and click Done.")}
	if o.Done != "" {
		m.Actions = []Action{{ID: "done", Label: "Done", Command: o.Done, Style: StylePrimary}}
	}
	return m
}
