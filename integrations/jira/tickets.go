package jira

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/comply-bot/comply/checks"
)

// Status category keys Jira guarantees, whatever the statuses are named.
const (
	categoryNew        = "new"
	categoryInProgress = "indeterminate"
	categoryDone       = "done"
)

// Issue is what the receiver knows of a found issue.
type Issue struct {
	Key      string
	Status   string
	Category string // status category key: new, indeterminate or done
}

// Find returns the issue for fingerprint, if any: an open one in preference,
// else the oldest.
func (r *Receiver) Find(ctx context.Context, fingerprint string) (Issue, bool, error) {
	jql := fmt.Sprintf("project = %s AND ", jqlString(r.cfg.Project))
	fields := []string{"status", "labels"}
	if f := r.cfg.FingerprintField; f != "" {
		id := strings.TrimPrefix(f, "customfield_")
		jql += fmt.Sprintf("cf[%s] ~ %s", id, jqlString(fingerprint))
		fields = append(fields, f)
	} else {
		jql += "labels = " + jqlString(Label(fingerprint))
	}
	jql += " ORDER BY created ASC"

	var issues []gojira.Issue
	var err error
	if r.cfg.Deployment == DataCenter {
		issues, _, err = r.client.Issue.SearchWithContext(ctx, jql, &gojira.SearchOptions{MaxResults: 20, Fields: fields})
	} else {
		issues, _, err = r.client.Issue.SearchV2JQLWithContext(ctx, jql, &gojira.SearchOptionsV2{MaxResults: 20, Fields: fields})
	}
	if err != nil {
		return Issue{}, false, r.wrap("search issue for "+fingerprint, err)
	}
	var found *Issue
	for _, is := range issues {
		if !r.matches(is, fingerprint) {
			continue // "~" is a text search: confirm the exact value
		}
		cur := Issue{Key: is.Key}
		if is.Fields != nil && is.Fields.Status != nil {
			cur.Status = is.Fields.Status.Name
			cur.Category = is.Fields.Status.StatusCategory.Key
		}
		if found == nil || (found.Category == categoryDone && cur.Category != categoryDone) {
			found = &cur
		}
	}
	if found == nil {
		return Issue{}, false, nil
	}
	return *found, true, nil
}

func (r *Receiver) matches(is gojira.Issue, fingerprint string) bool {
	if is.Fields == nil {
		return false
	}
	if f := r.cfg.FingerprintField; f != "" {
		v, _ := is.Fields.Unknowns[f].(string)
		return strings.TrimSpace(v) == fingerprint
	}
	for _, l := range is.Fields.Labels {
		if l == Label(fingerprint) {
			return true
		}
	}
	return false
}

// jqlString quotes s as a JQL string literal.
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Sync brings the finding's issue in line with change and returns its key;
// empty when a resolved finding never had an issue. It is idempotent:
// replaying a change creates no second issue and no second transition. A
// still-open change adds a reminder comment every time it is called: the
// caller spaces reminders by its interval.
func (r *Receiver) Sync(ctx context.Context, change checks.Change) (string, error) {
	fp := change.Finding.Fingerprint
	if fp == "" {
		return "", errors.New("jira: change without fingerprint")
	}
	is, ok, err := r.Find(ctx, fp)
	if err != nil {
		return "", err
	}
	if !ok {
		if change.Kind == checks.ChangeResolved {
			return "", nil // nothing was ever filed; nothing to close
		}
		return r.create(ctx, change.Finding)
	}
	// A person may close an issue outright even where comply stops short.
	done := is.Category == r.cfg.DoneCategory || is.Category == categoryDone
	switch change.Kind {
	case checks.ChangeResolved:
		if done {
			return is.Key, nil
		}
		return is.Key, r.transition(ctx, is, true, "The check passes again; resolved by comply.")
	case checks.ChangeNew, checks.ChangeReopened:
		if !done {
			return is.Key, nil // already open (a replay, or state was wiped)
		}
		return is.Key, r.transition(ctx, is, false, "The finding fails again; reopened by comply.\n\n"+escape(change.Finding.Message))
	case checks.ChangeStillOpen:
		if done {
			return is.Key, r.transition(ctx, is, false, "Still failing; reopened by comply.\n\n"+escape(change.Finding.Message))
		}
		return is.Key, r.comment(ctx, is.Key, change.ReminderNote())
	default:
		return "", fmt.Errorf("jira: unknown change kind %q", change.Kind)
	}
}

func (r *Receiver) create(ctx context.Context, f checks.Finding) (string, error) {
	fields := &gojira.IssueFields{
		Project:     gojira.Project{Key: r.cfg.Project},
		Type:        gojira.IssueType{Name: r.cfg.IssueType},
		Summary:     summary(f),
		Description: description(f),
		Labels:      append(append([]string{}, r.cfg.Labels...), Label(f.Fingerprint)),
	}
	if p, ok := r.cfg.Priorities[f.Severity]; ok && p != "" {
		fields.Priority = &gojira.Priority{Name: p}
	}
	for _, c := range r.cfg.Components {
		fields.Components = append(fields.Components, &gojira.Component{Name: c})
	}
	if fld := r.cfg.FingerprintField; fld != "" {
		fields.Unknowns = map[string]any{fld: f.Fingerprint}
	}
	created, resp, err := r.client.Issue.CreateWithContext(ctx, &gojira.Issue{Fields: fields})
	if err != nil {
		if resp != nil {
			err = gojira.NewJiraError(resp, err) // keep Jira's field messages
		}
		return "", r.wrap("create issue for "+f.Fingerprint, err)
	}
	r.log.InfoContext(ctx, "jira issue created", "fingerprint", f.Fingerprint, "issue", created.Key)
	return created.Key, nil
}

func (r *Receiver) comment(ctx context.Context, key, body string) error {
	if _, _, err := r.client.Issue.AddCommentWithContext(ctx, key, &gojira.Comment{Body: body}); err != nil {
		return r.wrap("comment on "+key, err)
	}
	return nil
}

// transition moves the issue to a done status (toDone) or back to an open
// one, chosen by status category and never by name, since workflows name
// statuses freely. It transitions first and comments second: a retry after
// a failed comment sees the issue in place and does not comment twice.
func (r *Receiver) transition(ctx context.Context, is Issue, toDone bool, comment string) error {
	ts, _, err := r.client.Issue.GetTransitionsWithContext(ctx, is.Key)
	if err != nil {
		return r.wrap("get transitions of "+is.Key, err)
	}
	t, ok := pickTransition(ts, toDone, r.cfg.DoneCategory)
	if !ok {
		want := "an open"
		if toDone {
			want = "a done"
		}
		return fmt.Errorf("jira: %s (status %q) has no transition to %s status category (%q)", is.Key, is.Status, want, r.cfg.DoneCategory)
	}
	payload := map[string]any{"transition": map[string]string{"id": t.ID}}
	if f, ok := t.Fields["resolution"]; ok && f.Required && toDone {
		payload["fields"] = map[string]any{"resolution": map[string]string{"name": r.cfg.Resolution}}
	}
	if _, err := r.client.Issue.DoTransitionWithPayloadWithContext(ctx, is.Key, payload); err != nil {
		return r.wrap(fmt.Sprintf("transition %s to %q", is.Key, t.To.Name), err)
	}
	r.log.InfoContext(ctx, "jira issue transitioned", "issue", is.Key, "to", t.To.Name, "category", t.To.StatusCategory.Key)
	return r.comment(ctx, is.Key, comment)
}

// pickTransition finds a transition into the done category, or out of it
// into "new" in preference to "indeterminate".
func pickTransition(ts []gojira.Transition, toDone bool, doneCategory string) (gojira.Transition, bool) {
	if toDone {
		for _, t := range ts {
			if t.To.StatusCategory.Key == doneCategory {
				return t, true
			}
		}
		return gojira.Transition{}, false
	}
	for _, cat := range []string{categoryNew, categoryInProgress} {
		if cat == doneCategory {
			continue
		}
		for _, t := range ts {
			if t.To.StatusCategory.Key == cat {
				return t, true
			}
		}
	}
	return gojira.Transition{}, false
}
