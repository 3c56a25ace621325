package bot

import (
	"context"

	"github.com/comply-bot/comply/bot/report"
)

// calendarReport is the compliance calendar's section of a report: each
// task's latest occurrence and, from the audit log, who marked it done.
func (b *Bot) calendarReport(ctx context.Context) []report.CalendarTask {
	now := b.now()
	var out []report.CalendarTask
	for _, t := range b.opts.Calendar {
		row := report.CalendarTask{Task: t.Name, Description: t.Description, Owner: t.Owner, Schedule: t.Cron,
			Timezone: t.Location.String(), NextDue: t.Next(now).UTC(), Status: report.CalendarNotDue}
		if due := LastOccurrence(t, now); !due.IsZero() {
			row.LastDue, row.Status = due.UTC(), report.CalendarOverdue
			st, err := b.occurrenceState(ctx, t.Name, due)
			switch {
			case err != nil:
				b.log.Warn("report: calendar task state unknown", "task", t.Name, "error", err)
			case st.doneBy != "":
				row.Status, row.DoneBy, row.DoneAt = report.CalendarDone, st.doneBy, st.doneAt.UTC()
			}
		}
		out = append(out, row)
	}
	return out
}
