package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/comply-bot/comply/bot/command"
	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/config"
	"github.com/comply-bot/comply/integrations/slack"
	"github.com/comply-bot/comply/store"
)

// CalendarTask is a recurring compliance task of the config's calendar.
type CalendarTask = config.CalendarTask

// Audit actions of the compliance calendar.
const (
	AuditCalendarPosted = "calendar.posted" // an occurrence was posted (actor "calendar")
	AuditCalendarDone   = "calendar.done"   // someone marked it done
)

// occurrenceLayout names an occurrence by its due time, UTC, to the minute.
const occurrenceLayout = "20060102T1504Z"

// OccurrenceID is the id of a task's occurrence due at t.
func OccurrenceID(t time.Time) string { return t.UTC().Format(occurrenceLayout) }

// How far back the audit log is read for an occurrence's entries: its
// entries come after it was due, and an audit log holds at most this many
// pages of entries per lookup.
const (
	calendarAuditPages = 50
	doneLockTTL        = 400 * 24 * time.Hour
)

func (b *Bot) calendarTask(name string) (CalendarTask, bool) {
	i := slices.IndexFunc(b.opts.Calendar, func(t CalendarTask) bool { return t.Name == name })
	if i < 0 {
		return CalendarTask{}, false
	}
	return b.opts.Calendar[i], true
}

// PostCalendarTask posts the occurrence of task due at due, with its owner
// mentioned and a Done button, and records where it went. The scheduler's
// tick lock makes one replica post each occurrence.
func (b *Bot) PostCalendarTask(ctx context.Context, task string, due time.Time) error {
	t, ok := b.calendarTask(task)
	if !ok {
		return fmt.Errorf("post calendar task: unknown task %q", task)
	}
	occ := OccurrenceID(due)
	// One post per occurrence: the tick and the catch-up may meet, and a
	// post that failed frees the occurrence for the next catch-up.
	lease, err := b.opts.Store.AcquireLock(ctx, postedRecordKey(t.Name, occ), calendarPostLockTTL)
	if errors.Is(err, store.ErrLocked) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("post calendar task %s: lock: %w", t.Name, err)
	}
	o := occurrence(t, due)
	o.Done = command.Command{Name: command.Done, Task: t.Name, Occurrence: occ}.String()
	ref, err := b.opts.Chat.PostMessage(ctx, taskChannel(t, b.opts.Channel), checks.CalendarTaskMessage(o))
	if err != nil {
		_ = b.opts.Store.ReleaseLock(context.WithoutCancel(ctx), lease)
		return fmt.Errorf("post calendar task %s in %s: %w", t.Name, taskChannel(t, b.opts.Channel), err)
	}
	// Posted is posted: record it even if ctx ended meanwhile (shutdown),
	// or the Done click cannot find the message to update.
	b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: "calendar", Action: AuditCalendarPosted, Details: map[string]string{
		"task": t.Name, "occurrence": occ, "owner": t.Owner, "ref": ref.String()}})
	b.recordPosted(context.WithoutCancel(ctx), t.Name, occ, ref.String())
	return nil
}

// Calendar catch-up: an occurrence whose post failed (Slack down) or was
// never attempted (no replica running at the due minute) is posted by the
// minute sweep, if it is at most calendarCatchUp old and not done.
const (
	calendarCatchUp     = 7 * 24 * time.Hour
	calendarPostLockTTL = time.Hour
	calendarPostedTTL   = 400 * 24 * time.Hour
)

func postedRecordKey(task, occ string) string { return "calendar-posted:" + task + ":" + occ }

func (b *Bot) recordPosted(ctx context.Context, task, occ, ref string) {
	rec := store.Delivery{Fingerprint: postedRecordKey(task, occ), ChangeKey: AuditCalendarPosted, At: b.now(), Ref: ref, TTL: calendarPostedTTL}
	if err := b.opts.Store.RecordDeliveries(ctx, calendarRecords, rec); err != nil {
		b.log.Warn("calendar post not recorded; the catch-up reads the audit log instead", "task", task, "error", err)
	}
}

// CatchUpCalendar posts each task's latest occurrence that is due, recent,
// not posted and not done. comply serve runs it every minute on one replica.
func (b *Bot) CatchUpCalendar(ctx context.Context) error {
	now := b.now()
	var errs []error
	for _, t := range b.opts.Calendar {
		due := LastOccurrence(t, now)
		if due.IsZero() || now.Sub(due) > calendarCatchUp {
			continue
		}
		occ := OccurrenceID(due)
		recs, err := b.opts.Store.Deliveries(ctx, postedRecordKey(t.Name, occ))
		if err != nil {
			errs = append(errs, fmt.Errorf("calendar %s: %w", t.Name, err))
			continue
		}
		if recs[postedRecordKey(t.Name, occ)][calendarRecords].Ref != "" {
			continue
		}
		// Posted before posts were recorded, or done without a post.
		st, err := b.occurrenceState(ctx, t.Name, due)
		if err != nil {
			errs = append(errs, fmt.Errorf("calendar %s: %w", t.Name, err))
			continue
		}
		if st.ref != "" {
			b.recordPosted(ctx, t.Name, occ, st.ref)
			continue
		}
		if st.doneBy != "" {
			continue
		}
		b.log.Info("posting a calendar task missed at its due time", "task", t.Name, "due", due)
		if err := b.PostCalendarTask(ctx, t.Name, due); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func occurrence(t CalendarTask, due time.Time) checks.CalendarOccurrence {
	return checks.CalendarOccurrence{Task: t.Name, Description: t.Description, Owner: t.Owner, ID: OccurrenceID(due), Due: due.UTC()}
}

func taskChannel(t CalendarTask, def string) string { return cmp.Or(t.Channel, def) }

// LastOccurrence is the task's latest due time at or before now (zero if
// none in the past year and a bit: a task's period is at most a year).
func LastOccurrence(t CalendarTask, now time.Time) time.Time {
	var last time.Time
	for at := t.Next(now.Add(-400 * 24 * time.Hour)); !at.IsZero() && !at.After(now); at = t.Next(at) {
		last = at
	}
	return last
}

// calendarDone runs /comply done <task> [occurrence] and the Done button:
// audit the completion once, update the task's message, tell the user.
func (b *Bot) calendarDone(ctx context.Context, req request, cmd command.Command) {
	t, ok := b.calendarTask(cmd.Task)
	if !ok {
		var names []string
		for _, t := range b.opts.Calendar {
			names = append(names, t.Name)
		}
		msg := fmt.Sprintf("There is no calendar task %q.", cmd.Task)
		if len(names) > 0 {
			msg += " Tasks: " + strings.Join(names, ", ") + "."
		}
		b.reply(ctx, req, checks.ErrorMessage(msg, command.Usage(command.Done)))
		return
	}
	now := b.now()
	due := LastOccurrence(t, now)
	if cmd.Occurrence != "" {
		at, err := time.Parse(occurrenceLayout, cmd.Occurrence)
		if err != nil || at.After(now) || !t.Next(at.Add(-time.Minute)).Equal(at) {
			b.reply(ctx, req, checks.ErrorMessage(fmt.Sprintf("%s is not a due occurrence of %s.", cmd.Occurrence, t.Name), command.Usage(command.Done)))
			return
		}
		due = at
	}
	if due.IsZero() {
		b.reply(ctx, req, checks.ErrorMessage(fmt.Sprintf("%s has not been due yet; its first occurrence is %s.", t.Name, t.Next(now).UTC().Format(checks.TimeLayout)), ""))
		return
	}
	occ := OccurrenceID(due)
	st, err := b.occurrenceState(ctx, t.Name, due)
	if err != nil {
		b.log.Error("calendar state", "task", t.Name, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The task could not be marked done: the state store is unavailable. Try again shortly.", ""))
		return
	}
	if st.doneBy != "" {
		b.reply(ctx, req, alreadyDone(t.Name, st))
		return
	}
	// The lock settles two clicks at once; the audit entry is the record.
	lease, err := b.opts.Store.AcquireLock(ctx, "calendar-done:"+t.Name+":"+occ, doneLockTTL)
	if errors.Is(err, store.ErrLocked) {
		b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("%s (due %s) has just been marked done.", t.Name, due.UTC().Format(checks.TimeLayout))))
		return
	}
	if err != nil {
		b.log.Error("calendar done lock", "task", t.Name, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The task could not be marked done: the state store is unavailable. Try again shortly.", ""))
		return
	}
	e, err := b.opts.Store.AppendAudit(ctx, checks.AuditEntry{Actor: req.User, Action: AuditCalendarDone, Details: map[string]string{
		"task": t.Name, "occurrence": occ, "via": req.Via}})
	if err != nil {
		_ = b.opts.Store.ReleaseLock(context.WithoutCancel(ctx), lease)
		b.log.Error("calendar done not audited", "task", t.Name, "error", err)
		b.reply(ctx, req, checks.ErrorMessage("The task could not be marked done: the audit log is unavailable. Try again shortly.", ""))
		return
	}
	o := occurrence(t, due)
	o.DoneBy, o.DoneAt = req.User, cmp.Or(e.Time, now)
	done := store.Delivery{Fingerprint: doneRecordKey(t.Name, occ), ChangeKey: AuditCalendarDone, At: o.DoneAt, Ref: req.User, TTL: doneLockTTL}
	if err := b.opts.Store.RecordDeliveries(context.WithoutCancel(ctx), calendarRecords, done); err != nil {
		b.log.Warn("calendar done not recorded beside the audit entry", "task", t.Name, "error", err)
	}
	if st.ref != "" {
		if ref, err := slack.ParseMessageRef(st.ref); err == nil {
			if err := b.opts.Chat.UpdateMessage(ctx, ref, checks.CalendarTaskMessage(o)); err != nil {
				b.log.Warn("calendar task message not updated", "task", t.Name, "error", err)
			}
		}
	}
	b.reply(ctx, req, checks.TextMessage(fmt.Sprintf("Marked %s (due %s) done. Thank you.", t.Name, due.UTC().Format(checks.TimeLayout))))
}

func alreadyDone(task string, st occurrenceState) checks.Message {
	return checks.Message{Kind: checks.MessageText, Text: fmt.Sprintf("%s was already done.", task),
		State: checks.Line{checks.TextSpan("Done by "), checks.UserSpan(st.doneBy), checks.TextSpan(" "), checks.TimeSpan(st.doneAt)}}
}

// occurrenceState is what the audit log says of one occurrence.
type occurrenceState struct {
	ref    string // where it was posted
	doneBy string
	doneAt time.Time
}

// calendarRecords keeps, as a delivery record per occurrence (receiver
// "calendar", key doneRecordKey, Ref the user), who marked it done and when:
// the calendar.done entry can be further into a busy audit log than
// occurrenceState reads (a yearly task, a scan every few minutes).
const calendarRecords = "calendar"

func doneRecordKey(task, occ string) string { return "calendar-done:" + task + ":" + occ }

// occurrenceState reads the occurrence's done record, then the audit log
// from its due time on.
func (b *Bot) occurrenceState(ctx context.Context, task string, due time.Time) (occurrenceState, error) {
	var st occurrenceState
	occ := OccurrenceID(due)
	recs, err := b.opts.Store.Deliveries(ctx, doneRecordKey(task, occ))
	if err != nil {
		return st, fmt.Errorf("read the done record: %w", err)
	}
	if d := recs[doneRecordKey(task, occ)][calendarRecords]; d.Ref != "" {
		st.doneBy, st.doneAt = d.Ref, d.At
	}
	q := store.AuditQuery{From: due.Add(-time.Minute), Limit: 1000}
	for range calendarAuditPages {
		es, err := b.opts.Store.ReadAudit(ctx, q)
		if err != nil {
			return st, fmt.Errorf("read the audit log: %w", err)
		}
		for _, e := range es {
			if e.Details["task"] != task || e.Details["occurrence"] != occ {
				continue
			}
			switch e.Action {
			case AuditCalendarPosted:
				st.ref = e.Details["ref"]
			case AuditCalendarDone:
				if st.doneBy == "" {
					st.doneBy, st.doneAt = e.Actor, e.Time
				}
			}
		}
		if len(es) < q.Limit || (st.ref != "" && st.doneBy != "") {
			break
		}
		q.After = es[len(es)-1].ID
	}
	return st, nil
}
