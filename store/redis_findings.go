package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/comply-bot/comply/checks"
)

// Reconcile implements Findings: one script call (one round trip) per batch
// of failing findings, then one per batch of findings to resolve.
func (r *Redis) Reconcile(ctx context.Context, report *checks.ScanReport, opts ReconcileOptions) (*ReconcileResult, error) {
	in, err := prepare(report, opts)
	if err != nil {
		return nil, err
	}
	now := r.now()
	res := &ReconcileResult{}
	if err := r.reconcileFailing(ctx, in, now, res); err != nil {
		return nil, err
	}
	failing := len(res.Changes)
	resolved, err := r.resolveMissing(ctx, in, opts.Scope, now, res)
	if err != nil {
		return nil, err
	}
	if err := r.pendingResolved(ctx, resolved, res); err != nil {
		return nil, err
	}
	sortChanges(res.Changes[failing:])
	return res, nil
}

// reconcileCall is one batch's script call, prepared while the previous
// batch runs in Redis.
type reconcileCall struct {
	batch []checks.Finding
	sums  []string // snapshot digest per finding
	args  []any
	err   error
}

// reconcileFailing runs the batches as a three-stage pipeline: encoding a
// batch, running the previous one in Redis and reading the reply of the one
// before overlap.
func (r *Redis) reconcileFailing(ctx context.Context, in *scanInput, now time.Time, res *ReconcileResult) error {
	maxlen, cut := r.auditArgs(now)
	header := []any{toMS(now), r.cfg.SnoozeReminderLead.Milliseconds(), maxlen, cut, in.actor}
	for sev := checks.SeverityInfo; sev <= checks.SeverityCritical; sev++ {
		header = append(header, r.cfg.Reminder(sev).Milliseconds())
	}
	header = append(header, r.cfg.Prefix)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prepared := make(chan reconcileCall, 2)
	go func() {
		defer close(prepared)
		for lo := 0; lo < len(in.findings); lo += r.cfg.BatchSize {
			c := r.prepareReconcile(in.findings[lo:min(lo+r.cfg.BatchSize, len(in.findings))], header)
			select {
			case prepared <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	type reply struct {
		batch []checks.Finding
		v     []any
	}
	replies := make(chan reply, 2)
	errc := make(chan error, 1)
	go func() {
		defer close(replies)
		done := 0
		for c := range prepared {
			if c.err != nil {
				errc <- c.err
				return
			}
			v, err := r.runReconcile(ctx, &c)
			if err != nil {
				errc <- fmt.Errorf("reconcile findings %d-%d of %d: %w", done, done+len(c.batch), len(in.findings), err)
				return
			}
			done += len(c.batch)
			select {
			case replies <- reply{c.batch, v}:
			case <-ctx.Done():
				return
			}
		}
	}()
	// Changes are gathered per batch and copied once: a first scan returns
	// one per finding, and growing one slice by appends would copy them
	// over and over.
	var parts [][]checks.Change
	total := 0
	for rp := range replies {
		var part ReconcileResult
		if err := reconcileReply(rp.v, rp.batch, now, &part); err != nil {
			return err
		}
		res.New, res.Reopened, res.StillOpen = res.New+part.New, res.Reopened+part.Reopened, res.StillOpen+part.StillOpen
		parts = append(parts, part.Changes)
		total += len(part.Changes)
	}
	res.Changes = slices.Grow(res.Changes, total)
	for _, p := range parts {
		res.Changes = append(res.Changes, p...)
	}
	select {
	case err := <-errc:
		return err
	default:
		return ctx.Err()
	}
}

func (r *Redis) prepareReconcile(batch []checks.Finding, header []any) reconcileCall {
	c := reconcileCall{batch: batch, sums: make([]string, len(batch)), args: make([]any, len(header), len(header)+1+len(batch))}
	copy(c.args, header)
	c.args = append(c.args, len(batch))
	for i := range batch {
		c.sums[i] = digest(&batch[i])
	}
	var send []int
	r.mu.Lock()
	for i := range batch {
		if r.digests[batch[i].Fingerprint] != c.sums[i] {
			send = append(send, i)
		}
	}
	r.mu.Unlock()
	var sent []any
	k := make([]int, len(batch)) // position of the finding's snapshot among those sent, from 1
	for _, i := range send {
		snap, err := json.Marshal(snapshot(batch[i]))
		if err != nil {
			c.err = fmt.Errorf("reconcile: encode finding %s: %w", batch[i].Fingerprint, err)
			return c
		}
		sent = append(sent, snap)
		k[i] = len(sent)
	}
	var b []byte
	for i := range batch {
		f := &batch[i]
		b = b[:0]
		for j, part := range [...]string{f.Fingerprint, strconv.Itoa(int(f.Severity)), c.sums[i], strconv.Itoa(k[i]), f.ResourceID, f.RuleID, f.Account, f.Region} {
			if j > 0 {
				b = append(b, sep)
			}
			b = appendField(b, part)
		}
		c.args = append(c.args, string(b))
	}
	c.args = append(c.args, sent...)
	return c
}

// runReconcile runs a batch's script, then writes the snapshots it asked
// for (those not sent that differ from the stored ones). The digest is
// written with the snapshot, after it: if the process dies in between, the
// next reconcile asks again.
func (r *Redis) runReconcile(ctx context.Context, c *reconcileCall) ([]any, error) {
	v, err := r.sc.reconcile.Run(ctx, r.rdb, []string{r.kOpen(), r.kPending(), r.kAudit()}, c.args...).Slice()
	if err != nil {
		return nil, err
	}
	if len(v) != 5 {
		return nil, fmt.Errorf("unexpected script reply of %d elements", len(v))
	}
	if want := replySlice(v[4]); len(want) > 0 {
		_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, x := range want {
				i := int(replyInt(x)) - 1
				if i < 0 || i >= len(c.batch) {
					return fmt.Errorf("script asked for snapshot %d of a batch of %d", i+1, len(c.batch))
				}
				f := &c.batch[i]
				snap, err := json.Marshal(snapshot(*f))
				if err != nil {
					return fmt.Errorf("encode finding %s: %w", f.Fingerprint, err)
				}
				p.Set(ctx, r.kSnapshot(f.Fingerprint), snap, 0)
				p.HSet(ctx, r.kFinding(f.Fingerprint), "sd", c.sums[i])
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("write snapshots: %w", err)
		}
	}
	// Redis now holds these digests: the next scan sends only changes.
	r.mu.Lock()
	for i := range c.batch {
		r.digests[c.batch[i].Fingerprint] = c.sums[i]
	}
	r.mu.Unlock()
	return v, nil
}

// sep joins a finding's fields into one script argument.
const sep = '\x1f'

// appendField appends s with the separator replaced: a resource id is
// anybody's string.
func appendField(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == sep {
			b = append(b, '?')
		} else {
			b = append(b, c)
		}
	}
	return b
}

func reconcileReply(v []any, batch []checks.Finding, now time.Time, res *ReconcileResult) error {
	res.New += int(replyInt(v[0]))
	res.Reopened += int(replyInt(v[1]))
	res.StillOpen += int(replyInt(v[2]))
	for _, d := range replySlice(v[3]) {
		if i, ok := d.(int64); ok { // a new finding
			if i < 1 || int(i) > len(batch) {
				return fmt.Errorf("reconcile: script returned finding %d of a batch of %d", i, len(batch))
			}
			f := &batch[i-1]
			res.Changes = append(res.Changes, checks.Change{
				Kind: checks.ChangeNew, Reason: checks.ReasonChange, Finding: *f, State: newState(f.Fingerprint, now),
			})
			continue
		}
		d := replySlice(d)
		if len(d) != 4 {
			return fmt.Errorf("reconcile: unexpected change reply of %d elements", len(d))
		}
		i := int(replyInt(d[0])) - 1
		if i < 0 || i >= len(batch) {
			return fmt.Errorf("reconcile: script returned finding %d of a batch of %d", i+1, len(batch))
		}
		f := &batch[i]
		st, err := stateFromReply(f.Fingerprint, replySlice(d[3]))
		if err != nil {
			return err
		}
		res.Changes = append(res.Changes, checks.Change{
			Kind: checks.ChangeKind(replyString(d[1])), Reason: checks.AnnounceReason(replyString(d[2])),
			Finding: *f, State: st,
		})
	}
	return nil
}

// resolveMissing resolves the stored open findings this scan may speak for
// and did not report. It returns the fingerprints it resolved.
func (r *Redis) resolveMissing(ctx context.Context, in *scanInput, scope Scope, now time.Time, res *ReconcileResult) (map[string]bool, error) {
	if len(in.evaluated) == 0 {
		return nil, nil
	}
	// Every finding of the report is open now: if the index holds no more,
	// none is missing from the report, and there is nothing to read.
	n, err := r.rdb.HLen(ctx, r.kOpen()).Result()
	if err != nil {
		return nil, fmt.Errorf("reconcile: count open findings: %w", err)
	}
	if int(n) == res.New+res.Reopened+res.StillOpen {
		return nil, nil
	}
	var candidates []string
	entries := map[string]string{}
	err = r.scanHash(ctx, r.kOpen(), func(fp, entry string) {
		rule, account, region := parseIndexEntry(entry)
		if in.resolvable(fp, rule, account, region, scope) {
			candidates = append(candidates, fp)
			entries[fp] = entry
		}
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile: read open findings: %w", err)
	}
	maxlen, cut := r.auditArgs(now)
	resolved := map[string]bool{}
	for lo := 0; lo < len(candidates); lo += r.cfg.BatchSize {
		batch := candidates[lo:min(lo+r.cfg.BatchSize, len(candidates))]
		keys := []string{r.kOpen(), r.kPending(), r.kAudit()}
		args := []any{toMS(now), maxlen, cut, in.actor, r.cfg.ResolvedRetention.Milliseconds()}
		for _, fp := range batch {
			keys = append(keys, r.kFinding(fp), r.kSnapshot(fp))
			args = append(args, fp)
		}
		v, err := r.sc.resolve.Run(ctx, r.rdb, keys, args...).Slice()
		if err != nil {
			return nil, fmt.Errorf("reconcile: resolve %d findings: %w", len(batch), err)
		}
		for _, d := range v {
			d := replySlice(d)
			if len(d) != 2 {
				return nil, fmt.Errorf("reconcile: unexpected resolve reply of %d elements", len(d))
			}
			fp := replyString(d[0])
			st, err := stateFromReply(fp, replySlice(d[1]))
			if err != nil {
				return nil, err
			}
			if st.Finding == nil {
				// The snapshot was never written (the process died between
				// the two steps of its first reconcile): say what is known.
				f := &checks.Finding{Fingerprint: fp}
				f.RuleID, f.Account, f.Region = parseIndexEntry(entries[fp])
				st.Finding = f
			}
			resolved[fp] = true
			r.forgetDigest(fp)
			res.Resolved++
			res.Changes = append(res.Changes, resolvedChange(st))
		}
	}
	return resolved, nil
}

// pendingResolved adds the resolutions of earlier reconciles that were never
// marked announced (say the process died before delivering them).
func (r *Redis) pendingResolved(ctx context.Context, skip map[string]bool, res *ReconcileResult) error {
	fps, err := r.rdb.SMembers(ctx, r.kPending()).Result()
	if err != nil {
		return fmt.Errorf("reconcile: read pending resolutions: %w", err)
	}
	var todo []string
	for _, fp := range fps {
		if !skip[fp] {
			todo = append(todo, fp)
		}
	}
	states, err := r.readStates(ctx, todo)
	if err != nil {
		return fmt.Errorf("reconcile: read pending resolutions: %w", err)
	}
	found := make(map[string]bool, len(states))
	for _, st := range states {
		found[st.Fingerprint] = true
		if st.Status == checks.LifecycleResolved {
			res.Changes = append(res.Changes, resolvedChange(st))
		}
	}
	// Findings past their retention are gone: forget their announcements.
	var gone []any
	for _, fp := range todo {
		if !found[fp] {
			gone = append(gone, fp)
		}
	}
	if len(gone) > 0 {
		if err := r.rdb.SRem(ctx, r.kPending(), gone...).Err(); err != nil {
			return fmt.Errorf("reconcile: forget expired resolutions: %w", err)
		}
	}
	return nil
}

// readStates reads findings in pipelined batches; unknown ones are skipped.
func (r *Redis) readStates(ctx context.Context, fps []string) ([]checks.FindingState, error) {
	out := make([]checks.FindingState, 0, len(fps))
	for lo := 0; lo < len(fps); lo += r.cfg.BatchSize {
		batch := fps[lo:min(lo+r.cfg.BatchSize, len(fps))]
		states := make([]*redis.SliceCmd, len(batch))
		snaps := make([]*redis.StringCmd, len(batch))
		_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, fp := range batch {
				states[i] = p.HMGet(ctx, r.kFinding(fp), stateFields...)
				snaps[i] = p.Get(ctx, r.kSnapshot(fp))
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		for i, c := range states {
			for _, e := range []error{c.Err(), snaps[i].Err()} {
				if e != nil && !errors.Is(e, redis.Nil) {
					return nil, e
				}
			}
			vals := c.Val()
			if len(vals) == 0 || vals[0] == nil {
				continue
			}
			st, err := stateFromReply(batch[i], append(vals, snaps[i].Val()))
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// scanHash visits a hash with HSCAN, so a large index never blocks Redis.
// HSCAN may return a field twice; fn sees each once.
func (r *Redis) scanHash(ctx context.Context, key string, fn func(field, value string)) error {
	seen := map[string]bool{}
	var cursor uint64
	for {
		kv, next, err := r.rdb.HScan(ctx, key, cursor, "", 5000).Result()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if !seen[kv[i]] {
				seen[kv[i]] = true
				fn(kv[i], kv[i+1])
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// MarkAnnounced implements Findings: one script call per batch.
func (r *Redis) MarkAnnounced(ctx context.Context, anns ...Announcement) error {
	for _, a := range anns {
		if err := checkFingerprint("mark announced", a.Fingerprint); err != nil {
			return err
		}
	}
	now := r.now()
	var missing []string
	for lo := 0; lo < len(anns); lo += r.cfg.BatchSize {
		batch := anns[lo:min(lo+r.cfg.BatchSize, len(anns))]
		keys := make([]string, 1, 1+len(batch))
		keys[0] = r.kPending()
		args := make([]any, 0, 3*len(batch))
		for _, a := range batch {
			at := a.At
			if at.IsZero() {
				at = now
			}
			keys = append(keys, r.kFinding(a.Fingerprint))
			args = append(args, a.Fingerprint, toMS(at), a.Ref)
		}
		v, err := r.sc.markAnnounced.Run(ctx, r.rdb, keys, args...).StringSlice()
		if err != nil {
			return fmt.Errorf("mark %d findings announced: %w", len(batch), err)
		}
		missing = append(missing, v...)
	}
	return missingError(missing)
}

// Finding implements Findings.
func (r *Redis) Finding(ctx context.Context, fp string) (checks.FindingState, error) {
	sts, err := r.readStates(ctx, []string{fp})
	if err != nil {
		return checks.FindingState{}, fmt.Errorf("finding %s: %w", fp, err)
	}
	if len(sts) == 0 {
		return checks.FindingState{}, fmt.Errorf("finding %s: %w", fp, ErrNotFound)
	}
	return sts[0], nil
}

// OpenFindings implements Findings.
func (r *Redis) OpenFindings(ctx context.Context) ([]checks.FindingState, error) {
	var fps []string
	if err := r.scanHash(ctx, r.kOpen(), func(fp, _ string) { fps = append(fps, fp) }); err != nil {
		return nil, fmt.Errorf("open findings: %w", err)
	}
	sts, err := r.readStates(ctx, fps)
	if err != nil {
		return nil, fmt.Errorf("open findings: %w", err)
	}
	out := sts[:0]
	for _, st := range sts {
		if st.Status == checks.LifecycleOpen {
			out = append(out, st)
		}
	}
	sortStates(out)
	return out, nil
}

// Acknowledge implements Triage.
func (r *Redis) Acknowledge(ctx context.Context, fp, by, reason string) (checks.FindingState, error) {
	return r.triage(ctx, "acknowledge", "ack", fp, by, reason, time.Time{})
}

// Snooze implements Triage.
func (r *Redis) Snooze(ctx context.Context, fp, by, reason string, until time.Time) (checks.FindingState, error) {
	if until = ms(until); !until.After(r.now()) {
		return checks.FindingState{}, fmt.Errorf("snooze %s until %s: not in the future: %w", fp, until.Format(timeFormat), ErrInvalid)
	}
	return r.triage(ctx, "snooze", "snooze", fp, by, reason, until)
}

// Unsnooze implements Triage.
func (r *Redis) Unsnooze(ctx context.Context, fp, by string) (checks.FindingState, error) {
	return r.triage(ctx, "unsnooze", "unsnooze", fp, by, "", time.Time{})
}

func (r *Redis) triage(ctx context.Context, name, op, fp, by, reason string, until time.Time) (checks.FindingState, error) {
	if err := checkTriage(name, fp, by); err != nil {
		return checks.FindingState{}, err
	}
	now := r.now()
	maxlen, cut := r.auditArgs(now)
	untilText := ""
	if !until.IsZero() {
		untilText = until.Format(timeFormat)
	}
	v, err := r.sc.triage.Run(ctx, r.rdb, []string{r.kFinding(fp), r.kSnapshot(fp), r.kAudit()},
		toMS(now), maxlen, cut, op, fp, by, reason, toMS(until), untilText).Slice()
	if errors.Is(err, redis.Nil) {
		return checks.FindingState{}, fmt.Errorf("%s %s: %w", name, fp, ErrNotFound)
	}
	if err != nil {
		return checks.FindingState{}, fmt.Errorf("%s %s: %w", name, fp, err)
	}
	return stateFromReply(fp, v)
}

func unmarshalFinding(s string, f *checks.Finding) error {
	if err := json.Unmarshal([]byte(s), f); err != nil {
		return fmt.Errorf("decode stored finding: %w", err)
	}
	return nil
}

// forgetDigest drops a finding from the snapshot digest cache.
func (r *Redis) forgetDigest(fp string) {
	r.mu.Lock()
	delete(r.digests, fp)
	r.mu.Unlock()
}
