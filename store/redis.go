package store

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/comply-bot/comply/checks"
)

var _ Store = (*Redis)(nil)

// Redis is the shared, durable store. See docs/state.md for the key layout.
type Redis struct {
	rdb redis.UniversalClient
	cfg Config
	sc  *scripts
	// addr is "host:port/db" for logs (never the password).
	addr string

	// digests caches the snapshot digest Redis holds per fingerprint, as
	// this process last wrote or saw it, so a rescan sends only the
	// snapshots that changed. A stale entry costs a second round trip (the
	// script asks for the snapshot), never a stale snapshot.
	mu      sync.Mutex
	digests map[string]string
}

// OpenRedis connects to the Redis at url (redis://[user:pass@]host:port/db,
// or rediss:// for TLS), checks it answers and is at least 7.0.
func OpenRedis(ctx context.Context, url string, opts Options) (*Redis, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		// A *url.Error quotes the whole URL, password included: keep only
		// what went wrong.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("parse REDIS_URL (want redis://[user:password@]host:port/db): %w", err)
	}
	rdb := redis.NewClient(o)
	r, err := NewRedis(rdb, opts)
	if err == nil {
		err = r.checkServer(ctx)
	}
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis at %s db %d: %w", o.Addr, o.DB, err)
	}
	r.addr = fmt.Sprintf("%s/%d", o.Addr, o.DB)
	return r, nil
}

// NewRedis uses an existing client; Close closes it.
func NewRedis(rdb redis.UniversalClient, opts Options) (*Redis, error) {
	cfg, err := opts.Resolve()
	if err != nil {
		return nil, err
	}
	return &Redis{rdb: rdb, cfg: cfg, sc: newScripts(), digests: map[string]string{}}, nil
}

// checkServer pings and checks the version: audit ids "<ms>-*" need 7.0.
func (r *Redis) checkServer(ctx context.Context) error {
	info, err := r.rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	for line := range strings.Lines(info) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:")
		if !ok {
			continue
		}
		major, _, _ := strings.Cut(v, ".")
		if n, err := strconv.Atoi(major); err == nil && n < 7 {
			return fmt.Errorf("version %s: Redis 7.0 or later is required", v)
		}
	}
	return nil
}

// Prefix is the key prefix this store works under.
func (r *Redis) Prefix() string { return r.cfg.Prefix }

// Ping implements Store.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Close closes the client.
func (r *Redis) Close() error { return r.rdb.Close() }

func (r *Redis) now() time.Time { return ms(r.cfg.Now()) }

// Keys, all under the configured prefix.
func (r *Redis) kFinding(fp string) string   { return r.cfg.Prefix + "f:" + fp }
func (r *Redis) kSnapshot(fp string) string  { return r.cfg.Prefix + "snap:" + fp }
func (r *Redis) kOpen() string               { return r.cfg.Prefix + "open" }
func (r *Redis) kPending() string            { return r.cfg.Prefix + "resolved:pending" }
func (r *Redis) kAudit() string              { return r.cfg.Prefix + "audit" }
func (r *Redis) kRem(id string) string       { return r.cfg.Prefix + "rem:" + id }
func (r *Redis) kRemOK(id string) string     { return r.cfg.Prefix + "rem:" + id + ":approvals" }
func (r *Redis) kRemActive(fp string) string { return r.cfg.Prefix + "rem:active:" + fp }
func (r *Redis) kRemOpen() string            { return r.cfg.Prefix + "rem:open" }
func (r *Redis) kLock(name string) string    { return r.cfg.Prefix + "lock:" + name }
func (r *Redis) kSeen(key string) string     { return r.cfg.Prefix + "seen:" + key }
func (r *Redis) kHistory() string            { return r.cfg.Prefix + "history" }
func (r *Redis) kHistoryData() string        { return r.cfg.Prefix + "history:data" }

// auditArgs are the audit retention arguments every writing script takes:
// max length and the cut time (0: none).
func (r *Redis) auditArgs(now time.Time) (maxlen, cut int64) {
	if r.cfg.AuditMaxAge > 0 {
		cut = toMS(now.Add(-r.cfg.AuditMaxAge))
	}
	return r.cfg.AuditMaxLen, cut
}

// indexEntry is the open index's value for a finding: what resolution needs
// to know without reading the finding.
func indexEntry(f *checks.Finding) string {
	return f.RuleID + "\x1f" + f.Account + "\x1f" + f.Region
}

func parseIndexEntry(v string) (rule, account, region string) {
	parts := strings.SplitN(v, "\x1f", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// Helpers to read script replies: integers come back as int64, strings as
// string, Lua false as nil.

func replyInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func replyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

func replySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// stateFromReply builds a state from values in the scripts' FIELDS order
// (the snapshot, when present, last).
func stateFromReply(fp string, s []any) (checks.FindingState, error) {
	at := func(i int) any {
		if i < len(s) {
			return s[i]
		}
		return nil
	}
	st := checks.FindingState{
		Fingerprint:     fp,
		Status:          checks.Lifecycle(replyString(at(0))),
		FirstSeen:       fromMS(replyInt(at(1))),
		LastSeen:        fromMS(replyInt(at(2))),
		TimesSeen:       int(replyInt(at(3))),
		OpenedAt:        fromMS(replyInt(at(4))),
		ResolvedAt:      fromMS(replyInt(at(5))),
		LastChange:      checks.ChangeKind(replyString(at(6))),
		Reopens:         int(replyInt(at(7))),
		AnnouncedAt:     fromMS(replyInt(at(8))),
		AnnouncementRef: replyString(at(9)),
	}
	// A new finding's hash leaves out fields at their defaults.
	if st.LastSeen.IsZero() {
		st.LastSeen = st.FirstSeen
	}
	if st.LastChange == "" {
		st.LastChange = checks.ChangeNew
	}
	if at(12) != nil {
		st.Ack = &checks.Acknowledgement{By: replyString(at(10)), Reason: replyString(at(11)), At: fromMS(replyInt(at(12)))}
	}
	if at(16) != nil {
		st.Snooze = &checks.Snooze{By: replyString(at(13)), Reason: replyString(at(14)), At: fromMS(replyInt(at(15))), Until: fromMS(replyInt(at(16)))}
	}
	if snap := replyString(at(17)); snap != "" {
		st.Finding = new(checks.Finding)
		if err := unmarshalFinding(snap, st.Finding); err != nil {
			return st, fmt.Errorf("finding %s: %w", fp, err)
		}
	}
	return st, nil
}

// stateFields are FIELDS in luaPrelude without the snapshot digest, for
// reads outside scripts.
var stateFields = []string{"status", "first", "last", "seen", "opened", "resolved", "change", "reopens", "ann", "ref",
	"ack_by", "ack_reason", "ack_at", "snz_by", "snz_reason", "snz_at", "snz_until"}
