package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/comply-bot/comply/checks"
)

// luaRemPrelude: reading a request back, and closing its active slot.
const luaRemPrelude = luaPrelude + `
local function rem_reply(code, req, ok)
  return {code, redis.call('HGETALL', req), redis.call('HGETALL', ok)}
end

-- deactivate closes a request: frees the finding's active-request slot if
-- it is this request's and takes it out of the open index
local function deactivate(prefix, req, id)
  local fp = redis.call('HGET', req, 'fp')
  if fp and redis.call('GET', prefix .. 'rem:active:' .. fp) == id then
    redis.call('DEL', prefix .. 'rem:active:' .. fp)
  end
  redis.call('ZREM', prefix .. 'rem:open', id)
end

-- expire_if_due writes down an expiry found on the way: 'written' if it did
-- now, 'was' if it was written before, nil while the request is not expired
local function expire_if_due(prefix, req, id, now, stream, maxlen, cut)
  local st = redis.call('HMGET', req, 'status', 'expires', 'fp')
  if st[1] == 'expired' then return 'was' end
  if st[1] == 'requested' and now >= tonumber(st[2]) then
    redis.call('HSET', req, 'status', 'expired', 'updated', now)
    deactivate(prefix, req, id)
    audit(stream, maxlen, audit_ms(stream, now), 'comply', 'remediation.expired', st[3], {'request', id})
    audit_trim(stream, cut)
    return 'written'
  end
  return nil
end
`

// luaRemCreate: KEYS request, approvals, active slot, audit, open index. ARGV prefix,
// now, maxlen, cut, id, fingerprint, rule, action, requester, plan, required
// approvals, expiry.
const luaRemCreate = luaRemPrelude + `
local prefix, now, maxlen, cut = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id = ARGV[5]
local cur = redis.call('GET', KEYS[3])
if cur then
  local st = redis.call('HMGET', prefix .. 'rem:' .. cur, 'status', 'expires')
  if (st[1] == 'requested' or st[1] == 'approved') and now < (tonumber(st[2]) or 0) then
    return {'conflict', cur}
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[1], 'fp', ARGV[6], 'rule', ARGV[7], 'action', ARGV[8], 'requester', ARGV[9],
  'plan', ARGV[10], 'need', ARGV[11], 'status', 'requested', 'created', now, 'updated', now, 'expires', ARGV[12])
redis.call('SET', KEYS[3], id)
redis.call('ZADD', KEYS[5], ARGV[12], id)
audit(KEYS[4], maxlen, audit_ms(KEYS[4], now), ARGV[9], 'remediation.requested', ARGV[6],
  {'request', id, 'rule', ARGV[7], 'action', ARGV[8], 'required_approvals', ARGV[11], 'expires_at', ARGV[13]})
audit_trim(KEYS[4], cut)
return {'ok'}
`

// luaRemApprove: KEYS request, approvals, audit. ARGV prefix, now, maxlen,
// cut, id, approver.
const luaRemApprove = luaRemPrelude + `
local prefix, now, maxlen, cut = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id, approver = ARGV[5], ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
if expire_if_due(prefix, KEYS[1], id, now, KEYS[3], maxlen, cut) then return rem_reply('expired', KEYS[1], KEYS[2]) end
local st = redis.call('HMGET', KEYS[1], 'status', 'requester', 'need', 'fp')
if st[1] ~= 'requested' then return rem_reply('transition', KEYS[1], KEYS[2]) end
if approver == st[2] then return rem_reply('self', KEYS[1], KEYS[2]) end
if redis.call('HSETNX', KEYS[2], approver, now) == 0 then return rem_reply('duplicate', KEYS[1], KEYS[2]) end
redis.call('HSET', KEYS[1], 'updated', now)
local n, need = redis.call('HLEN', KEYS[2]), tonumber(st[3])
local t = audit_ms(KEYS[3], now)
audit(KEYS[3], maxlen, t, approver, 'remediation.approval', st[4],
  {'request', id, 'approvals', tostring(n), 'required_approvals', tostring(need)})
local code = 'ok'
if n >= need then
  redis.call('HSET', KEYS[1], 'status', 'approved')
  audit(KEYS[3], maxlen, t, approver, 'remediation.approved', st[4], {'request', id})
  code = 'approved'
end
audit_trim(KEYS[3], cut)
return rem_reply(code, KEYS[1], KEYS[2])
`

// luaRemTransition moves a request from one status to a final one.
// KEYS request, approvals, audit. ARGV prefix, now, maxlen, cut, id, from
// status (requested: its expiry is checked), to status, audit action, actor,
// note.
const luaRemTransition = luaRemPrelude + `
local prefix, now, maxlen, cut = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id, from, to, action, by, note = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
if from == 'requested' and expire_if_due(prefix, KEYS[1], id, now, KEYS[3], maxlen, cut) then
  return rem_reply('expired', KEYS[1], KEYS[2])
end
if redis.call('HGET', KEYS[1], 'status') ~= from then return rem_reply('transition', KEYS[1], KEYS[2]) end
redis.call('HSET', KEYS[1], 'status', to, 'closed_by', by, 'note', note, 'updated', now)
deactivate(prefix, KEYS[1], id)
local fp = redis.call('HGET', KEYS[1], 'fp')
local key = 'reason'
if to == 'applied' or to == 'failed' then key = 'note' end
audit(KEYS[3], maxlen, audit_ms(KEYS[3], now), by, action, fp, {'request', id, key, note})
audit_trim(KEYS[3], cut)
return rem_reply('ok', KEYS[1], KEYS[2])
`

// luaRemExpire writes down a due expiry. KEYS request, approvals, audit.
// ARGV prefix, now, maxlen, cut, id.
const luaRemExpire = luaRemPrelude + `
local prefix, now, maxlen, cut = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
local done = expire_if_due(prefix, KEYS[1], ARGV[5], now, KEYS[3], maxlen, cut)
if done == 'written' then return rem_reply('expired', KEYS[1], KEYS[2]) end
if done == 'was' then return rem_reply('was', KEYS[1], KEYS[2]) end
return rem_reply('transition', KEYS[1], KEYS[2])
`

// CreateRemediation implements Remediations.
func (r *Redis) CreateRemediation(ctx context.Context, req checks.RemediationRequest) (checks.RemediationRequest, error) {
	now := r.now()
	req, err := checkNewRemediation(req, now)
	if err != nil {
		return req, err
	}
	maxlen, cut := r.auditArgs(now)
	v, err := r.sc.remCreate.Run(ctx, r.rdb,
		[]string{r.kRem(req.ID), r.kRemOK(req.ID), r.kRemActive(req.Fingerprint), r.kAudit(), r.kRemOpen()},
		r.cfg.Prefix, toMS(now), maxlen, cut, req.ID, req.Fingerprint, req.RuleID, req.Action, req.Requester,
		req.PlannedChange, req.RequiredApprovals, toMS(req.ExpiresAt), req.ExpiresAt.Format(timeFormat)).Slice()
	if err != nil {
		return checks.RemediationRequest{}, fmt.Errorf("create remediation for %s: %w", req.Fingerprint, err)
	}
	switch code := replyString(v[0]); code {
	case "ok":
		req.Approvals = []checks.Approval{}
		return req, nil
	case "conflict":
		return checks.RemediationRequest{}, fmt.Errorf("create remediation for %s: %w (%s)", req.Fingerprint, ErrConflict, replyString(v[1]))
	case "exists":
		return checks.RemediationRequest{}, fmt.Errorf("create remediation %s: id in use: %w", req.ID, ErrInvalid)
	default:
		return checks.RemediationRequest{}, fmt.Errorf("create remediation: unexpected reply %q", code)
	}
}

// Remediation implements Remediations.
func (r *Redis) Remediation(ctx context.Context, id string) (checks.RemediationRequest, error) {
	var reqCmd, okCmd *redis.MapStringStringCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		reqCmd = p.HGetAll(ctx, r.kRem(id))
		okCmd = p.HGetAll(ctx, r.kRemOK(id))
		return nil
	})
	if err != nil {
		return checks.RemediationRequest{}, fmt.Errorf("remediation %s: %w", id, err)
	}
	if len(reqCmd.Val()) == 0 {
		return checks.RemediationRequest{}, fmt.Errorf("remediation %s: %w", id, ErrNotFound)
	}
	req := requestFromMaps(id, reqCmd.Val(), okCmd.Val())
	req.Status = req.StatusAt(r.now())
	return req, nil
}

// ActiveRemediation implements Remediations.
func (r *Redis) ActiveRemediation(ctx context.Context, fp string) (checks.RemediationRequest, error) {
	id, err := r.rdb.Get(ctx, r.kRemActive(fp)).Result()
	if errors.Is(err, redis.Nil) {
		return checks.RemediationRequest{}, fmt.Errorf("active remediation for %s: %w", fp, ErrNotFound)
	}
	if err != nil {
		return checks.RemediationRequest{}, fmt.Errorf("active remediation for %s: %w", fp, err)
	}
	req, err := r.Remediation(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !req.Active(r.now())) {
		return checks.RemediationRequest{}, fmt.Errorf("active remediation for %s: %w", fp, ErrNotFound)
	}
	return req, err
}

// ApproveRemediation implements Remediations.
func (r *Redis) ApproveRemediation(ctx context.Context, id, approver string) (checks.RemediationRequest, bool, error) {
	if approver == "" {
		return checks.RemediationRequest{}, false, fmt.Errorf("approve remediation %s: empty approver: %w", id, ErrInvalid)
	}
	now := r.now()
	maxlen, cut := r.auditArgs(now)
	v, err := r.sc.remApprove.Run(ctx, r.rdb, []string{r.kRem(id), r.kRemOK(id), r.kAudit()},
		r.cfg.Prefix, toMS(now), maxlen, cut, id, approver).Slice()
	if err != nil {
		return checks.RemediationRequest{}, false, fmt.Errorf("approve remediation %s: %w", id, err)
	}
	req, code, err := remReply(id, v)
	if err != nil {
		return req, false, fmt.Errorf("approve remediation %s: %w", id, err)
	}
	op := fmt.Sprintf("approve remediation %s by %s", id, approver)
	switch code {
	case "approved":
		return req, true, nil
	case "ok":
		return req, false, nil
	case "self":
		return req, false, fmt.Errorf("%s: %w", op, ErrSelfApproval)
	case "duplicate":
		return req, false, fmt.Errorf("%s: %w", op, ErrAlreadyApproved)
	}
	return req, false, remError(op, code, req)
}

// RejectRemediation implements Remediations.
func (r *Redis) RejectRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return r.transition(ctx, "reject", id, checks.RemediationRequested, checks.RemediationRejected, checks.AuditRemediationRejected, by, reason)
}

// CancelRemediation implements Remediations.
func (r *Redis) CancelRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return r.transition(ctx, "cancel", id, checks.RemediationRequested, checks.RemediationCancelled, checks.AuditRemediationCancelled, by, reason)
}

// CompleteRemediation implements Remediations.
func (r *Redis) CompleteRemediation(ctx context.Context, id, by string, applied bool, note string) (checks.RemediationRequest, error) {
	to, action := checks.RemediationFailed, checks.AuditRemediationFailed
	if applied {
		to, action = checks.RemediationApplied, checks.AuditRemediationApplied
	}
	return r.transition(ctx, "complete", id, checks.RemediationApproved, to, action, by, note)
}

// CancelApprovedRemediation implements Remediations.
func (r *Redis) CancelApprovedRemediation(ctx context.Context, id, by, reason string) (checks.RemediationRequest, error) {
	return r.transition(ctx, "cancel approved", id, checks.RemediationApproved, checks.RemediationCancelled, checks.AuditRemediationCancelled, by, reason)
}

// ExpireRemediation implements Remediations.
func (r *Redis) ExpireRemediation(ctx context.Context, id string) (checks.RemediationRequest, bool, error) {
	op := "expire remediation " + id
	now := r.now()
	maxlen, cut := r.auditArgs(now)
	v, err := r.sc.remExpire.Run(ctx, r.rdb, []string{r.kRem(id), r.kRemOK(id), r.kAudit()},
		r.cfg.Prefix, toMS(now), maxlen, cut, id).Slice()
	if err != nil {
		return checks.RemediationRequest{}, false, fmt.Errorf("%s: %w", op, err)
	}
	req, code, err := remReply(id, v)
	if err != nil {
		return req, false, fmt.Errorf("%s: %w", op, err)
	}
	req.Status = req.StatusAt(now)
	switch code {
	case "expired":
		return req, true, nil
	case "was":
		return req, false, nil
	}
	return req, false, remError(op, code, req)
}

// OpenRemediations implements Remediations.
func (r *Redis) OpenRemediations(ctx context.Context) ([]checks.RemediationRequest, error) {
	ids, err := r.rdb.ZRange(ctx, r.kRemOpen(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("open remediations: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	reqs := make([]*redis.MapStringStringCmd, len(ids))
	oks := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			reqs[i], oks[i] = p.HGetAll(ctx, r.kRem(id)), p.HGetAll(ctx, r.kRemOK(id))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("open remediations: %w", err)
	}
	now := r.now()
	out := make([]checks.RemediationRequest, 0, len(ids))
	for i, id := range ids {
		if len(reqs[i].Val()) == 0 {
			continue // closed and trimmed between the two reads
		}
		req := requestFromMaps(id, reqs[i].Val(), oks[i].Val())
		if req.Status.Final() {
			continue // closed between the two reads
		}
		req.Status = req.StatusAt(now)
		out = append(out, req)
	}
	return out, nil
}

func (r *Redis) transition(ctx context.Context, name, id string, from, to checks.RemediationStatus, action, by, note string) (checks.RemediationRequest, error) {
	op := name + " remediation " + id
	if by == "" {
		return checks.RemediationRequest{}, fmt.Errorf("%s: empty actor: %w", op, ErrInvalid)
	}
	now := r.now()
	maxlen, cut := r.auditArgs(now)
	v, err := r.sc.remTransition.Run(ctx, r.rdb, []string{r.kRem(id), r.kRemOK(id), r.kAudit()},
		r.cfg.Prefix, toMS(now), maxlen, cut, id, string(from), string(to), action, by, note).Slice()
	if err != nil {
		return checks.RemediationRequest{}, fmt.Errorf("%s: %w", op, err)
	}
	req, code, err := remReply(id, v)
	if err != nil {
		return req, fmt.Errorf("%s: %w", op, err)
	}
	if code == "ok" {
		return req, nil
	}
	req.Status = req.StatusAt(now)
	return req, remError(op, code, req)
}

func remError(op, code string, req checks.RemediationRequest) error {
	switch code {
	case "expired":
		return fmt.Errorf("%s: %w", op, ErrExpired)
	case "transition":
		return fmt.Errorf("%s (%s): %w", op, req.Status, ErrTransition)
	}
	return fmt.Errorf("%s: unexpected reply %q", op, code)
}

// remReply reads {code, request hash, approvals hash}.
func remReply(id string, v []any) (checks.RemediationRequest, string, error) {
	if len(v) == 0 {
		return checks.RemediationRequest{}, "", errors.New("empty script reply")
	}
	code := replyString(v[0])
	if code == "notfound" {
		return checks.RemediationRequest{}, code, ErrNotFound
	}
	if len(v) != 3 {
		return checks.RemediationRequest{}, code, fmt.Errorf("unexpected script reply of %d elements", len(v))
	}
	return requestFromMaps(id, flatMap(v[1]), flatMap(v[2])), code, nil
}

func flatMap(v any) map[string]string {
	s := replySlice(v)
	m := make(map[string]string, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		m[replyString(s[i])] = replyString(s[i+1])
	}
	return m
}

func requestFromMaps(id string, h, approvals map[string]string) checks.RemediationRequest {
	i := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	req := checks.RemediationRequest{
		ID: id, Fingerprint: h["fp"], RuleID: h["rule"], Action: h["action"], Requester: h["requester"],
		PlannedChange: h["plan"], RequiredApprovals: int(i("need")), Status: checks.RemediationStatus(h["status"]),
		CreatedAt: fromMS(i("created")), UpdatedAt: fromMS(i("updated")), ExpiresAt: fromMS(i("expires")),
		ClosedBy: h["closed_by"], Note: h["note"], Approvals: []checks.Approval{},
	}
	for who, at := range approvals {
		n, _ := strconv.ParseInt(at, 10, 64)
		req.Approvals = append(req.Approvals, checks.Approval{Approver: who, At: fromMS(n)})
	}
	sortApprovals(req.Approvals)
	return req
}
