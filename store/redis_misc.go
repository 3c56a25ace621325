package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/comply-bot/comply/checks"
)

// AppendAudit implements Audit.
func (r *Redis) AppendAudit(ctx context.Context, e checks.AuditEntry) (checks.AuditEntry, error) {
	if err := checkAuditEntry(e); err != nil {
		return e, err
	}
	now := r.now()
	maxlen, cut := r.auditArgs(now)
	args := []any{toMS(now), maxlen, cut, e.Actor, e.Action, e.Fingerprint}
	// Sorted, so the stored field order does not depend on map order.
	for _, k := range slices.Sorted(maps.Keys(e.Details)) {
		args = append(args, k, e.Details[k])
	}
	id, err := r.sc.audit.Run(ctx, r.rdb, []string{r.kAudit()}, args...).Text()
	if err != nil {
		return e, fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	sid, err := parseStreamID(id)
	if err != nil {
		return e, err
	}
	e.ID, e.Time, e.Details = id, fromMS(sid.ms), nonEmpty(e.Details)
	return e, nil
}

// ReadAudit implements Audit.
func (r *Redis) ReadAudit(ctx context.Context, q AuditQuery) ([]checks.AuditEntry, error) {
	start, end := "-", "+"
	if !q.From.IsZero() {
		start = strconv.FormatInt(toMS(q.From), 10)
	}
	if q.After != "" {
		after, err := parseStreamID(q.After)
		if err != nil {
			return nil, err
		}
		if q.From.IsZero() || after.compare(streamID{ms: toMS(q.From)}) >= 0 {
			start = "(" + after.String()
		}
	}
	if !q.To.IsZero() {
		end = strconv.FormatInt(toMS(q.To), 10)
	}
	msgs, err := r.rdb.XRangeN(ctx, r.kAudit(), start, end, int64(auditLimit(q))).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]checks.AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		sid, err := parseStreamID(m.ID)
		if err != nil {
			return nil, err
		}
		e := checks.AuditEntry{ID: m.ID, Time: fromMS(sid.ms)}
		for k, v := range m.Values {
			s, _ := v.(string)
			switch {
			case k == "u":
				e.Actor = s
			case k == "a":
				e.Action = s
			case k == "f":
				e.Fingerprint = s
			case strings.HasPrefix(k, "d:"):
				if e.Details == nil {
					e.Details = map[string]string{}
				}
				e.Details[k[2:]] = s
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// AcquireLock implements Locks: SET NX PX with a random token.
func (r *Redis) AcquireLock(ctx context.Context, name string, ttl time.Duration) (Lease, error) {
	if err := checkLock(name, ttl); err != nil {
		return Lease{}, err
	}
	l := Lease{Name: name, Token: randomHex(16)}
	ok, err := r.rdb.SetNX(ctx, r.kLock(name), l.Token, ttl).Result()
	if err != nil {
		return Lease{}, fmt.Errorf("acquire lock %s: %w", name, err)
	}
	if !ok {
		return Lease{}, fmt.Errorf("acquire lock %s: %w", name, ErrLocked)
	}
	return l, nil
}

// ExtendLock implements Locks: compare the token, then PEXPIRE.
func (r *Redis) ExtendLock(ctx context.Context, l Lease, ttl time.Duration) error {
	if err := checkLock(l.Name, ttl); err != nil {
		return err
	}
	n, err := r.sc.lockExtend.Run(ctx, r.rdb, []string{r.kLock(l.Name)}, l.Token, ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("extend lock %s: %w", l.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("extend lock %s: %w", l.Name, ErrNotHeld)
	}
	return nil
}

// ReleaseLock implements Locks: compare the token, then DEL.
func (r *Redis) ReleaseLock(ctx context.Context, l Lease) error {
	n, err := r.sc.lockRelease.Run(ctx, r.rdb, []string{r.kLock(l.Name)}, l.Token).Int()
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("release lock %s: %w", l.Name, ErrNotHeld)
	}
	return nil
}

// RecordScan implements History.
func (r *Redis) RecordScan(ctx context.Context, rec ScanRecord) error {
	if rec.Scan.ID == "" {
		return fmt.Errorf("record scan: empty scan id: %w", ErrInvalid)
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("record scan %s: %w", rec.Scan.ID, err)
	}
	now := r.now()
	var cut int64
	if r.cfg.HistoryMaxAge > 0 {
		cut = toMS(now.Add(-r.cfg.HistoryMaxAge))
	}
	err = r.sc.history.Run(ctx, r.rdb, []string{r.kHistory(), r.kHistoryData()},
		rec.Scan.ID, toMS(recordTime(&rec, now)), data, r.cfg.HistoryMaxScans, cut).Err()
	if err != nil {
		return fmt.Errorf("record scan %s: %w", rec.Scan.ID, err)
	}
	return nil
}

// RecentScans implements History.
func (r *Redis) RecentScans(ctx context.Context, n int) ([]ScanRecord, error) {
	stop := int64(n) - 1
	if n <= 0 {
		stop = -1
	}
	ids, err := r.rdb.ZRevRange(ctx, r.kHistory(), 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("read scan history: %w", err)
	}
	return r.scanRecords(ctx, ids)
}

// ScansBetween implements History.
func (r *Redis) ScansBetween(ctx context.Context, from, to time.Time) ([]ScanRecord, error) {
	hi := int64(math.MaxInt64)
	if !to.IsZero() {
		hi = toMS(to)
	}
	ids, err := r.rdb.ZRangeByScore(ctx, r.kHistory(), &redis.ZRangeBy{
		Min: strconv.FormatInt(toMS(from), 10), Max: strconv.FormatInt(hi, 10),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("read scan history: %w", err)
	}
	return r.scanRecords(ctx, ids)
}

func (r *Redis) scanRecords(ctx context.Context, ids []string) ([]ScanRecord, error) {
	if len(ids) == 0 {
		return []ScanRecord{}, nil
	}
	vals, err := r.rdb.HMGet(ctx, r.kHistoryData(), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("read scan history: %w", err)
	}
	out := make([]ScanRecord, 0, len(ids))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // trimmed between the two reads
		}
		var rec ScanRecord
		if err := json.Unmarshal([]byte(s), &rec); err != nil {
			return nil, fmt.Errorf("decode scan record %s: %w", ids[i], err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// SeenOnce implements Replay: SET NX PX.
func (r *Redis) SeenOnce(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if key == "" || ttl < time.Millisecond {
		return false, fmt.Errorf("seen once %q for %v: key and a ttl of at least 1ms are required: %w", key, ttl, ErrInvalid)
	}
	ok, err := r.rdb.SetNX(ctx, r.kSeen(key), 1, ttl).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("replay cache: %w", err)
	}
	return !ok, nil
}
