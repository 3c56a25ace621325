package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

var _ Deliveries = (*Redis)(nil)

// kDeliveries is a finding's delivery records: a hash with, per receiver,
// the field <receiver> (the record as JSON) and <receiver>\x1fref (its
// reference, kept when a record brings none).
func (r *Redis) kDeliveries(fp string) string { return r.cfg.Prefix + "dlv:" + fp }

// refSuffix marks the reference field of a receiver; receiver names never
// hold control characters.
const refSuffix = "\x1fref"

// luaRecordDeliveries writes records and gives each hash the finding's own
// expiry (none while it is open, the resolved retention once resolved), so
// the records go with the state they belong to; a record with its own TTL
// (a digest group's) sets that instead.
// KEYS: pairs of dlv:<fp>, f:<fp>. ARGV[1]: receiver; then triples of record
// JSON, reference (empty: keep) and TTL in ms (0: the finding's).
const luaRecordDeliveries = `
local rcv = ARGV[1]
for i = 1, #KEYS / 2 do
  local k, f, a = KEYS[2*i-1], KEYS[2*i], 3*i - 1
  redis.call('HSET', k, rcv, ARGV[a])
  if ARGV[a+1] ~= '' then
    redis.call('HSET', k, rcv .. '\31ref', ARGV[a+1])
  end
  local ttl = tonumber(ARGV[a+2])
  if ttl <= 0 then ttl = redis.call('PTTL', f) end
  if ttl > 0 then
    redis.call('PEXPIRE', k, ttl)
  else
    redis.call('PERSIST', k)
  end
end
return #KEYS / 2
`

// RecordDeliveries implements Deliveries: one script call per batch.
func (r *Redis) RecordDeliveries(ctx context.Context, receiver string, ds ...Delivery) error {
	if err := checkDeliveries(receiver, ds); err != nil {
		return err
	}
	const batch = 500
	for len(ds) > 0 {
		n := min(batch, len(ds))
		keys := make([]string, 0, 2*n)
		args := make([]any, 0, 1+3*n)
		args = append(args, receiver)
		for _, d := range ds[:n] {
			d = normDelivery(d)
			rec, err := json.Marshal(d)
			if err != nil {
				return fmt.Errorf("record deliveries to %s: %w", receiver, err)
			}
			keys = append(keys, r.kDeliveries(d.Fingerprint), r.kFinding(d.Fingerprint))
			var ttl int64
			if d.TTL > 0 {
				ttl = max(d.TTL.Milliseconds(), 1)
			}
			args = append(args, string(rec), d.Ref, ttl)
		}
		if err := r.sc.deliveries.Run(ctx, r.rdb, keys, args...).Err(); err != nil {
			return fmt.Errorf("record deliveries to %s: %w", receiver, err)
		}
		ds = ds[n:]
	}
	return nil
}

// Deliveries implements Deliveries: one pipelined HGETALL per fingerprint.
func (r *Redis) Deliveries(ctx context.Context, fps ...string) (map[string]map[string]Delivery, error) {
	out := map[string]map[string]Delivery{}
	if len(fps) == 0 {
		return out, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(fps))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, fp := range fps {
			cmds[i] = p.HGetAll(ctx, r.kDeliveries(fp))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	for i, fp := range fps {
		fields := cmds[i].Val()
		for name, v := range fields {
			if strings.HasSuffix(name, refSuffix) {
				continue
			}
			var d Delivery
			if err := json.Unmarshal([]byte(v), &d); err != nil {
				return nil, fmt.Errorf("read deliveries of %s to %s: %w", fp, name, err)
			}
			d.Fingerprint = fp
			d.Ref = fields[name+refSuffix]
			if out[fp] == nil {
				out[fp] = map[string]Delivery{}
			}
			out[fp][name] = d
		}
	}
	return out, nil
}
