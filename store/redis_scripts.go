package store

import "github.com/redis/go-redis/v9"

// The Lua scripts that make each state change atomic, together with the
// audit entry that records it. Times are unix milliseconds. Redis >= 7.0 is
// required: audit entries are added with explicit "<ms>-*" ids.
//
// The remediation scripts also touch keys derived from stored values (the
// finding's active-request key), so the store works on standalone Redis (or a
// failover pair), not on Redis Cluster.

// luaPrelude is shared by every script that writes the audit log.
const luaPrelude = `
local FIELDS = {'status','first','last','seen','opened','resolved','change','reopens','ann','ref',
  'ack_by','ack_reason','ack_at','snz_by','snz_reason','snz_at','snz_until','sd'}

-- state: a finding's fields in FIELDS order, its snapshot in place of 'sd'
local function state(key, skey)
  local s = redis.call('HMGET', key, unpack(FIELDS, 1, 17))
  s[18] = redis.call('GET', skey)
  return s
end
local SEV = {'info','low','medium','high','critical'}

-- audit_ms: the id time of the next audit entry, never before the last one
local function audit_ms(stream, now)
  local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if top[1] then
    local last = tonumber(string.match(top[1][1], '^(%d+)'))
    if last > now then return last end
  end
  return now
end

-- audit: append one entry; details is a flat list of key, value
local function audit(stream, maxlen, t, actor, action, fp, details)
  local args = {stream}
  if maxlen > 0 then
    args[#args+1] = 'MAXLEN'; args[#args+1] = '~'; args[#args+1] = maxlen
  end
  args[#args+1] = string.format('%d-*', t)
  args[#args+1] = 'u'; args[#args+1] = actor
  args[#args+1] = 'a'; args[#args+1] = action
  if fp ~= '' then args[#args+1] = 'f'; args[#args+1] = fp end
  for i = 1, #details, 2 do
    if details[i+1] and details[i+1] ~= '' then
      args[#args+1] = 'd:' .. details[i]; args[#args+1] = details[i+1]
    end
  end
  return redis.call('XADD', unpack(args))
end

local function audit_trim(stream, cut)
  if cut > 0 then redis.call('XTRIM', stream, 'MINID', '~', cut) end
end
`

// luaReconcile records a batch of failing findings.
// KEYS: open index, pending-resolved set, audit stream. ARGV: now, snooze
// lead, audit maxlen, audit cut, actor, reminder interval for severity 1..5,
// key prefix, n, then one argument per finding (one, not eight: each costs
// Redis as much as a small command): fingerprint, severity, snapshot digest,
// k, resource id, rule id, account, region, joined by \x1f; then the
// snapshots sent, the finding's k-th after those n. The caller sends a
// snapshot unless it knows the stored one is current.
// Returns {new, reopened, still open, due, snap} where due lists i (the
// position in the batch, from 1) for a new finding and {i, kind, reason,
// state} for others due for announcement, and snap lists the i whose
// snapshot was not sent but differs from the stored one: the caller writes
// it, with its digest (field sd).
const luaReconcile = luaPrelude + `
local now, lead = tonumber(ARGV[1]), tonumber(ARGV[2])
local maxlen, cut, actor = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local intervals = {tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])}
local prefix = ARGV[11]
local counts = {0, 0, 0}
local due, snaps = {}, {}

-- announce mirrors announcement() in reconcile.go; it takes the HOT values
-- of an open finding (strings or false)
local function announce(opened, change, ann, ack, snz_at, snz_until, interval)
  if ack then return nil end
  ann = tonumber(ann) or 0
  local su = tonumber(snz_until)
  if su and now < su then
    if lead > 0 then
      local l = math.min(lead, math.floor((su - (tonumber(snz_at) or su)) / 4))
      if l > 0 and now >= su - l and ann < su - l then return 'still-open', 'snooze-ending' end
    end
    return nil
  end
  if ann < (tonumber(opened) or 0) then
    if change == 'reopened' then return 'reopened', 'change' end
    return 'new', 'change'
  end
  if su and ann < su then return 'still-open', 'snooze-expired' end
  if interval > 0 and now - ann >= interval then return 'still-open', 'reminder' end
  return nil
end

-- HOT: the fields a decision needs, fewer than FIELDS: hash lookups are
-- what a still-open finding costs.
local HOT = {'status','opened','change','ann','ack_at','snz_at','snz_until','seen','sd'}
local index = {}
local id = nil
-- log: audit() without its table, for the one entry per new or reopened finding
local function log(action, fp, sev, rest)
  if not id then id = string.format('%d-*', audit_ms(KEYS[3], now)) end
  local res, rule = string.match(rest, '^([^\31]*)\31([^\31]*)')
  if maxlen > 0 then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, id, 'u', actor, 'a', action, 'f', fp,
      'd:rule', rule, 'd:severity', SEV[sev] or '', 'd:resource', res)
  else
    redis.call('XADD', KEYS[3], id, 'u', actor, 'a', action, 'f', fp,
      'd:rule', rule, 'd:severity', SEV[sev] or '', 'd:resource', res)
  end
end

local n = tonumber(ARGV[12])
for i = 1, n do
  local fp, sev, digest, k, rest = string.match(ARGV[12 + i], '^([^\31]*)\31(%d)\31([^\31]*)\31(%d+)\31(.*)$')
  sev, k = tonumber(sev), tonumber(k)
  local snap = k > 0 and ARGV[12 + n + k]
  local key = prefix .. 'f:' .. fp
  local h = redis.call('HMGET', key, unpack(HOT))
  if not h[1] then
    -- absent fields have their defaults: last = first, change = new, reopens = 0
    if snap then
      redis.call('HSET', key, 'status', 'open', 'first', now, 'seen', 1, 'opened', now, 'sd', digest)
      redis.call('SET', prefix .. 'snap:' .. fp, snap)
    else
      redis.call('HSET', key, 'status', 'open', 'first', now, 'seen', 1, 'opened', now)
      snaps[#snaps+1] = i
    end
    index[#index+1] = fp; index[#index+1] = string.match(rest, '^[^\31]*\31(.*)$')
    counts[1] = counts[1] + 1
    log('finding.new', fp, sev, rest)
    due[#due+1] = i
  else
    local seen = (tonumber(h[8]) or 0) + 1
    if h[1] == 'resolved' then
      h[1], h[2], h[3], h[5] = 'open', now, 'reopened', false
      redis.call('HSET', key, 'status', 'open', 'last', now, 'seen', seen, 'opened', now, 'change', 'reopened')
      redis.call('HINCRBY', key, 'reopens', 1)
      redis.call('HDEL', key, 'resolved', 'ack_by', 'ack_reason', 'ack_at')
      redis.call('PERSIST', key)
      redis.call('PERSIST', prefix .. 'snap:' .. fp)
      index[#index+1] = fp; index[#index+1] = string.match(rest, '^[^\31]*\31(.*)$')
      redis.call('SREM', KEYS[2], fp)
      counts[2] = counts[2] + 1
      log('finding.reopened', fp, sev, rest)
    else
      redis.call('HSET', key, 'last', now, 'seen', seen)
      counts[3] = counts[3] + 1
    end
    if h[9] ~= digest then
      if snap then
        redis.call('SET', prefix .. 'snap:' .. fp, snap)
        redis.call('HSET', key, 'sd', digest)
      else
        snaps[#snaps+1] = i
      end
    end
    local kind, reason = nil, nil
    if h[1] == 'open' then kind, reason = announce(h[2], h[3], h[4], h[5], h[6], h[7], intervals[sev] or 0) end
    if kind then due[#due+1] = {i, kind, reason, redis.call('HMGET', key, unpack(FIELDS, 1, 17))} end
  end
end
-- in chunks: unpack() is limited to a few thousand values
for j = 1, #index, 2000 do
  redis.call('HSET', KEYS[1], unpack(index, j, math.min(j + 1999, #index)))
end
if id then audit_trim(KEYS[3], cut) end
return {counts[1], counts[2], counts[3], due, snaps}
`

// luaResolve resolves a batch of open findings the scan no longer reports.
// KEYS: open index, pending-resolved set, audit stream, then per finding its
// state key and snapshot key. ARGV: now, audit maxlen, audit cut, actor,
// retention of resolved findings in ms (0: forever), then the fingerprints.
// Returns {{fp, state}...} for those it resolved.
const luaResolve = luaPrelude + `
local now, maxlen, cut, actor = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local keep = tonumber(ARGV[5])
local out = {}
local t = nil
for i = 1, (#KEYS - 3) / 2 do
  local key, skey, fp = KEYS[2 + 2 * i], KEYS[3 + 2 * i], ARGV[5 + i]
  local s = state(key, skey)
  if s[1] == 'open' then
    redis.call('HSET', key, 'status', 'resolved', 'resolved', now, 'change', 'resolved')
    if keep > 0 then
      redis.call('PEXPIRE', key, keep)
      redis.call('PEXPIRE', skey, keep)
    end
    redis.call('HDEL', KEYS[1], fp)
    redis.call('SADD', KEYS[2], fp)
    s[1], s[6], s[7] = 'resolved', now, 'resolved'
    local details = {}
    local ok, f = pcall(cjson.decode, s[18] or '')
    if ok and type(f) == 'table' then
      details = {'rule', tostring(f['rule_id'] or ''), 'severity', tostring(f['severity'] or ''), 'resource', tostring(f['resource_id'] or '')}
    end
    t = t or audit_ms(KEYS[3], now)
    audit(KEYS[3], maxlen, t, actor, 'finding.resolved', fp, details)
    out[#out+1] = {fp, s}
  else
    -- a stale index entry (the finding is gone or already resolved)
    redis.call('HDEL', KEYS[1], fp)
  end
end
if t then audit_trim(KEYS[3], cut) end
return out
`

// luaMarkAnnounced records deliveries. KEYS: pending-resolved set, then
// one finding key per announcement. ARGV: per announcement fingerprint, time,
// ref. Returns the fingerprints it did not know.
const luaMarkAnnounced = `
local missing = {}
for i = 1, #KEYS - 1 do
  local key, b = KEYS[1 + i], (i - 1) * 3
  local fp, at, ref = ARGV[b+1], tonumber(ARGV[b+2]), ARGV[b+3]
  local s = redis.call('HMGET', key, 'status', 'ann')
  if not s[1] then
    missing[#missing+1] = fp
  else
    if at > (tonumber(s[2]) or 0) then redis.call('HSET', key, 'ann', at) end
    if ref ~= '' then redis.call('HSET', key, 'ref', ref) end
    if s[1] == 'resolved' then redis.call('SREM', KEYS[1], fp) end
  end
end
return missing
`

// luaTriage acknowledges, snoozes or unsnoozes a finding.
// KEYS: finding key, snapshot key, audit stream. ARGV: now, audit maxlen,
// audit cut, op (ack, snooze, unsnooze), fingerprint, actor, reason, until
// (ms and as text for the audit entry).
// Returns the state, or nil if the finding is unknown.
const luaTriage = luaPrelude + `
local now, maxlen, cut, op = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local fp, by, reason, untl = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local action, details = nil, {}
if op == 'ack' then
  redis.call('HSET', KEYS[1], 'ack_by', by, 'ack_reason', reason, 'ack_at', now)
  action, details = 'finding.acknowledged', {'reason', reason}
elseif op == 'snooze' then
  redis.call('HSET', KEYS[1], 'snz_by', by, 'snz_reason', reason, 'snz_at', now, 'snz_until', untl)
  action, details = 'finding.snoozed', {'reason', reason, 'until', ARGV[9]}
elseif redis.call('HEXISTS', KEYS[1], 'snz_until') == 1 then
  redis.call('HDEL', KEYS[1], 'snz_by', 'snz_reason', 'snz_at', 'snz_until')
  action = 'finding.unsnoozed'
end
if action then
  audit(KEYS[3], maxlen, audit_ms(KEYS[3], now), by, action, fp, details)
  audit_trim(KEYS[3], cut)
end
return state(KEYS[1], KEYS[2])
`

// luaAudit appends one caller entry. KEYS: audit stream. ARGV: now, maxlen,
// cut, actor, action, fingerprint, then detail key, value pairs.
const luaAudit = luaPrelude + `
local now, maxlen, cut = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local details = {}
for i = 7, #ARGV do details[#details+1] = ARGV[i] end
local id = audit(KEYS[1], maxlen, audit_ms(KEYS[1], now), ARGV[4], ARGV[5], ARGV[6], details)
audit_trim(KEYS[1], cut)
return id
`

// Lock scripts: KEYS lock key; ARGV token (and ttl in ms to extend).
const (
	luaLockRelease = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`
	luaLockExtend = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`
)

// luaHistory records a scan and trims the history.
// KEYS: sorted set (scan id by time), data hash (scan id -> JSON).
// ARGV: scan id, time, JSON, max scans (0: no limit), cut time (0: none).
const luaHistory = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local function drop(ids)
  for i = 1, #ids, 500 do
    redis.call('HDEL', KEYS[2], unpack(ids, i, math.min(i + 499, #ids)))
  end
end
local max, cut = tonumber(ARGV[4]), tonumber(ARGV[5])
if max > 0 then
  local n = redis.call('ZCARD', KEYS[1])
  if n > max then
    drop(redis.call('ZRANGE', KEYS[1], 0, n - max - 1))
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
  end
end
if cut > 0 then
  drop(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cut))
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. cut)
end
return 1
`

// scripts are the compiled scripts; go-redis runs them by SHA and loads
// them on NOSCRIPT.
type scripts struct {
	reconcile, resolve, markAnnounced, triage, audit *redis.Script
	lockRelease, lockExtend, history                 *redis.Script
	remCreate, remApprove, remTransition, remExpire  *redis.Script
	deliveries                                       *redis.Script
}

func newScripts() *scripts {
	return &scripts{
		reconcile:     redis.NewScript(luaReconcile),
		resolve:       redis.NewScript(luaResolve),
		markAnnounced: redis.NewScript(luaMarkAnnounced),
		triage:        redis.NewScript(luaTriage),
		audit:         redis.NewScript(luaAudit),
		lockRelease:   redis.NewScript(luaLockRelease),
		lockExtend:    redis.NewScript(luaLockExtend),
		history:       redis.NewScript(luaHistory),
		remCreate:     redis.NewScript(luaRemCreate),
		remApprove:    redis.NewScript(luaRemApprove),
		remTransition: redis.NewScript(luaRemTransition),
		remExpire:     redis.NewScript(luaRemExpire),
		deliveries:    redis.NewScript(luaRecordDeliveries),
	}
}
