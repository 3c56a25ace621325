package report

import (
	"html/template"
	"time"
)

// CalendarStatus is where a compliance calendar task's latest occurrence
// stands.
type CalendarStatus string

// Calendar statuses.
const (
	CalendarDone    CalendarStatus = "done"
	CalendarOverdue CalendarStatus = "overdue" // due, not marked done
	CalendarNotDue  CalendarStatus = "not_due" // no occurrence yet
)

// CalendarTask is one compliance calendar task in a report: its latest
// occurrence and who marked it done (from the audit log).
type CalendarTask struct {
	Task        string         `json:"task"`
	Description string         `json:"description"`
	Owner       string         `json:"owner"`
	Schedule    string         `json:"schedule"` // the cron spec
	Timezone    string         `json:"timezone"`
	LastDue     time.Time      `json:"last_due,omitzero"`
	NextDue     time.Time      `json:"next_due,omitzero"`
	Status      CalendarStatus `json:"status"`
	DoneBy      string         `json:"done_by,omitempty"`
	DoneAt      time.Time      `json:"done_at,omitzero"`
}

// calendarMarkdown writes the Compliance calendar section (nothing without
// tasks).
func calendarMarkdown(p func(string, ...any), r *Report) {
	if len(r.Calendar) == 0 {
		return
	}
	p("\n## Compliance calendar\n\n")
	p("| Task | Owner | Schedule | Last due | Status | Done by | Done at | Next due |\n")
	p("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, t := range r.Calendar {
		p("| %s %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCode(t.Task), mdEscape(t.Description), mdEscape(t.Owner),
			mdCode(t.Schedule+" "+t.Timezone), fmtTime(t.LastDue), mdCalendarStatus(t.Status), mdEscape(t.DoneBy),
			fmtTime(t.DoneAt), fmtTime(t.NextDue))
	}
}

func mdCalendarStatus(s CalendarStatus) string {
	if s == CalendarOverdue {
		return "**overdue**"
	}
	return string(s)
}

// calendarHTML is the HTML report's Compliance calendar section, a
// template of htmlTmpl's set (called as {{template "calendar" .}}).
const calendarHTML = `{{if .Calendar}}<h2>Compliance calendar</h2>
<table>
<thead><tr><th>Task</th><th>Owner</th><th>Schedule</th><th>Last due</th><th>Status</th><th>Done by</th><th>Next due</th></tr></thead>
<tbody>
{{range .Calendar}}<tr><td><code>{{.Task}}</code><br>{{oneline .Description}}</td><td>{{.Owner}}</td><td><code>{{.Schedule}}</code> {{.Timezone}}</td><td class="nw">{{time .LastDue}}</td><td><span class="badge {{if eq .Status "done"}}pass{{else if eq .Status "overdue"}}fail{{else}}not_evaluated{{end}}">{{.Status}}</span></td><td>{{.DoneBy}}{{if .DoneBy}}<br><span class="muted">{{time .DoneAt}}</span>{{end}}</td><td class="nw">{{time .NextDue}}</td></tr>
{{end}}</tbody>
</table>
{{end}}`

var _ = template.Must(htmlTmpl.New("calendar").Parse(calendarHTML))
