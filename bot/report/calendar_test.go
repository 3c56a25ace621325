package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCalendarSection(t *testing.T) {
	due := time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC)
	r := &Report{Framework: "SOC2", FrameworkTitle: "SOC 2", Calendar: []CalendarTask{
		{Task: "access-review", Description: "Review <script>alert(1)</script> access | all", Owner: "S0SECOPS1",
			Schedule: "0 9 1 1,4,7,10 *", Timezone: "Europe/Berlin", LastDue: due, Status: CalendarDone,
			DoneBy: "U0ALICE01", DoneAt: due.Add(26 * time.Hour), NextDue: due.AddDate(0, 3, 0)},
		{Task: "policy-review", Description: "Review the policy", Owner: "U0BOB0001", Schedule: "0 9 1 1 *", Timezone: "UTC",
			LastDue: due.AddDate(0, -3, 0), Status: CalendarOverdue, NextDue: due.AddDate(0, 9, 0)},
	}}
	render := func(f Format) string {
		var buf bytes.Buffer
		if err := Write(&buf, f, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return buf.String()
	}
	md := render(FormatMarkdown)
	for _, want := range []string{
		"## Compliance calendar",
		"| `access-review` Review \\<script\\>alert(1)\\</script\\> access \\| all | S0SECOPS1 | `0 9 1 1,4,7,10 * Europe/Berlin` | 2026-04-01 07:00:00 UTC | done | U0ALICE01 | 2026-04-02 09:00:00 UTC | 2026-07-01 07:00:00 UTC |",
		"| `policy-review` Review the policy | U0BOB0001 | `0 9 1 1 * UTC` | 2026-01-01 07:00:00 UTC | **overdue** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	html := render(FormatHTML)
	if !strings.Contains(html, "<h2>Compliance calendar</h2>") || strings.Contains(html, "<script>") ||
		!strings.Contains(html, `<span class="badge fail">overdue</span>`) || !strings.Contains(html, "U0ALICE01<br>") {
		t.Errorf("html calendar section wrong or unescaped:\n%s", html)
	}
	var back Report
	if err := json.Unmarshal([]byte(render(FormatJSON)), &back); err != nil || len(back.Calendar) != 2 || back.Calendar[1].Status != CalendarOverdue {
		t.Errorf("json calendar: %v %+v", err, back.Calendar)
	}
	// Without tasks there is no section at all.
	r.Calendar = nil
	if strings.Contains(render(FormatMarkdown), "Compliance calendar") || strings.Contains(render(FormatHTML), "Compliance calendar") {
		t.Error("a report without calendar tasks shows the section")
	}
}
