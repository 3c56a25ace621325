package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/comply-bot/comply/checks"
)

// AppendAudit implements Audit.
func (m *Memory) AppendAudit(_ context.Context, e checks.AuditEntry) (checks.AuditEntry, error) {
	if err := checkAuditEntry(e); err != nil {
		return e, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appendAudit(m.now(), e.Actor, e.Action, e.Fingerprint, e.Details), nil
}

// appendAudit adds an entry with the next id at or after now, as Redis would
// (ids never go backwards), then trims to retention. Callers hold m.mu.
func (m *Memory) appendAudit(now time.Time, actor, action, fp string, details map[string]string) checks.AuditEntry {
	id := streamID{ms: max(toMS(now), m.lastAudit.ms)}
	if id.ms == m.lastAudit.ms {
		id.seq = m.lastAudit.seq + 1
	}
	m.lastAudit = id
	e := checks.AuditEntry{ID: id.String(), Time: fromMS(id.ms), Actor: actor, Action: action, Fingerprint: fp, Details: nonEmpty(details)}
	m.audit = append(m.audit, e)
	if n := m.cfg.AuditMaxLen; n > 0 && int64(len(m.audit)) > n {
		m.audit = slices.Delete(m.audit, 0, len(m.audit)-int(n))
	}
	if age := m.cfg.AuditMaxAge; age > 0 {
		cut := toMS(now.Add(-age))
		i, _ := slices.BinarySearchFunc(m.audit, cut, func(e checks.AuditEntry, t int64) int { return cmp.Compare(toMS(e.Time), t) })
		m.audit = slices.Delete(m.audit, 0, i)
	}
	return copyEntry(e)
}

// nonEmpty drops empty detail values, as the Redis stream does not keep them.
func nonEmpty(d map[string]string) map[string]string {
	var out map[string]string
	for k, v := range d {
		if v == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(d))
		}
		out[k] = v
	}
	return out
}

// ReadAudit implements Audit.
func (m *Memory) ReadAudit(_ context.Context, q AuditQuery) ([]checks.AuditEntry, error) {
	var after streamID
	if q.After != "" {
		var err error
		if after, err = parseStreamID(q.After); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	limit := auditLimit(q)
	var out []checks.AuditEntry
	for _, e := range m.audit {
		id, _ := parseStreamID(e.ID)
		switch {
		case q.After != "" && id.compare(after) <= 0,
			!q.From.IsZero() && e.Time.Before(ms(q.From)),
			!q.To.IsZero() && e.Time.After(ms(q.To)):
			continue
		}
		out = append(out, copyEntry(e))
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func copyEntry(e checks.AuditEntry) checks.AuditEntry {
	e.Details = maps.Clone(e.Details)
	return e
}

// AcquireLock implements Locks.
func (m *Memory) AcquireLock(_ context.Context, name string, ttl time.Duration) (Lease, error) {
	if err := checkLock(name, ttl); err != nil {
		return Lease{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	if l, ok := m.locks[name]; ok && now.Before(l.expires) {
		return Lease{}, fmt.Errorf("acquire lock %s: %w", name, ErrLocked)
	}
	lease := Lease{Name: name, Token: randomHex(16)}
	m.locks[name] = memLock{token: lease.Token, expires: now.Add(ttl)}
	return lease, nil
}

// ExtendLock implements Locks.
func (m *Memory) ExtendLock(_ context.Context, l Lease, ttl time.Duration) error {
	if err := checkLock(l.Name, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	if cur, ok := m.locks[l.Name]; !ok || cur.token != l.Token || !now.Before(cur.expires) {
		return fmt.Errorf("extend lock %s: %w", l.Name, ErrNotHeld)
	}
	m.locks[l.Name] = memLock{token: l.Token, expires: now.Add(ttl)}
	return nil
}

// ReleaseLock implements Locks.
func (m *Memory) ReleaseLock(_ context.Context, l Lease) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.locks[l.Name]; !ok || cur.token != l.Token || !m.cfg.Now().Before(cur.expires) {
		return fmt.Errorf("release lock %s: %w", l.Name, ErrNotHeld)
	}
	delete(m.locks, l.Name)
	return nil
}

func checkLock(name string, ttl time.Duration) error {
	if name == "" || ttl < time.Millisecond {
		return fmt.Errorf("lock %q for %v: name and a ttl of at least 1ms are required: %w", name, ttl, ErrInvalid)
	}
	return nil
}

// RecordScan implements History.
func (m *Memory) RecordScan(_ context.Context, r ScanRecord) error {
	if r.Scan.ID == "" {
		return fmt.Errorf("record scan: empty scan id: %w", ErrInvalid)
	}
	// Kept encoded, as in Redis: what is read back is a copy, alike in both.
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("record scan %s: %w", r.Scan.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.history[r.Scan.ID] = histEntry{id: r.Scan.ID, at: toMS(recordTime(&r, now)), data: data}
	sorted := m.sortedHistory()
	if n := m.cfg.HistoryMaxScans; n > 0 && len(sorted) > n {
		for _, old := range sorted[:len(sorted)-n] {
			delete(m.history, old.id)
		}
	}
	if age := m.cfg.HistoryMaxAge; age > 0 {
		cut := toMS(now.Add(-age))
		maps.DeleteFunc(m.history, func(_ string, h histEntry) bool { return h.at < cut })
	}
	return nil
}

type histEntry struct {
	id   string
	at   int64 // unix ms
	data []byte
}

// sortedHistory orders records oldest first, as the Redis sorted set does
// (ties by scan id).
func (m *Memory) sortedHistory() []histEntry {
	out := slices.Collect(maps.Values(m.history))
	slices.SortFunc(out, func(a, b histEntry) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id)) })
	return out
}

func decodeRecords(hs []histEntry) ([]ScanRecord, error) {
	out := make([]ScanRecord, 0, len(hs))
	for _, h := range hs {
		var r ScanRecord
		if err := json.Unmarshal(h.data, &r); err != nil {
			return nil, fmt.Errorf("decode scan record %s: %w", h.id, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// RecentScans implements History.
func (m *Memory) RecentScans(_ context.Context, n int) ([]ScanRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs := m.sortedHistory()
	slices.Reverse(hs)
	if n > 0 && len(hs) > n {
		hs = hs[:n]
	}
	return decodeRecords(hs)
}

// ScansBetween implements History.
func (m *Memory) ScansBetween(_ context.Context, from, to time.Time) ([]ScanRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lo, hi := toMS(from), int64(math.MaxInt64)
	if !to.IsZero() {
		hi = toMS(to)
	}
	hs := slices.DeleteFunc(m.sortedHistory(), func(h histEntry) bool { return h.at < lo || h.at > hi })
	return decodeRecords(hs)
}

// SeenOnce implements Replay.
func (m *Memory) SeenOnce(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if key == "" || ttl < time.Millisecond {
		return false, fmt.Errorf("seen once %q for %v: key and a ttl of at least 1ms are required: %w", key, ttl, ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	if m.seenCalls++; m.seenCalls%1024 == 0 {
		maps.DeleteFunc(m.seen, func(_ string, exp time.Time) bool { return !now.Before(exp) })
	}
	if exp, ok := m.seen[key]; ok && now.Before(exp) {
		return true, nil
	}
	m.seen[key] = now.Add(ttl)
	return false, nil
}
