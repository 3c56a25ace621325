// Package evidence is comply's tamper-evident evidence store: every scan's
// full report and every audit entry, appended as records of a hash chain.
// Each record carries the hash of the one before it, so an edited, deleted,
// inserted or reordered record breaks the chain at that point, and Verify
// names the first broken link.
//
// The directory backend (Dir) writes one JSON Lines file per UTC day
// (YYYY-MM-DD.jsonl). See docs/evidence.md.
package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Kind is what a record holds.
type Kind string

// Record kinds.
const (
	KindScan  Kind = "scan"  // payload: a checks.ScanReport
	KindAudit Kind = "audit" // payload: a checks.AuditEntry
)

func (k Kind) valid() bool { return k == KindScan || k == KindAudit }

// GenesisHash is the prev_hash of the first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashVersion is hashed first, so a change to the canonical form can never
// be mistaken for the old one.
const hashVersion = "comply-evidence-v1"

// Record is one link of the chain, as stored (one JSON line).
type Record struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	Payload  []byte    `json:"-"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ComputeHash is the record's hash: sha256 over its canonical bytes,
//
//	"comply-evidence-v1\n" seq "\n" time "\n" kind "\n" prev_hash "\n" payload
//
// with time in RFC 3339 (nanoseconds, UTC) and payload the compact JSON
// exactly as stored. Every field before the payload is free of newlines, so
// the encoding is unambiguous.
func (r *Record) ComputeHash() string {
	h := sha256.New()
	h.Write([]byte(hashVersion + "\n"))
	h.Write([]byte(strconv.FormatUint(r.Seq, 10) + "\n"))
	h.Write([]byte(formatTime(r.Time) + "\n"))
	h.Write([]byte(string(r.Kind) + "\n"))
	h.Write([]byte(r.PrevHash + "\n"))
	h.Write(r.Payload)
	return hex.EncodeToString(h.Sum(nil))
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// dayFile is the file a record of time t belongs to.
func dayFile(t time.Time) string { return t.UTC().Format(time.DateOnly) + ".jsonl" }
