// Package evidence is comply's tamper-evident evidence store: every scan's
// full report and every audit entry, appended as records of a hash chain.
// Each record carries the hash of the one before it, so an edited, deleted,
// inserted or reordered record breaks the chain at that point, and Verify
// names the first broken link.
//
// The chain logic (Store) runs over a small storage backend: a directory
// (OpenDir: one JSON Lines file per UTC day, YYYY-MM-DD.jsonl) or an S3
// bucket (OpenS3: one object per record, keyed by seq). See docs/evidence.md.
package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// encodeLine writes the record by hand so the payload bytes stored are
// exactly the bytes hashed (encoding/json would re-escape them).
func encodeLine(r *Record) []byte {
	var b bytes.Buffer
	b.WriteString(`{"seq":`)
	b.WriteString(strconv.FormatUint(r.Seq, 10))
	b.WriteString(`,"time":"` + formatTime(r.Time) + `","kind":"` + string(r.Kind))
	b.WriteString(`","prev_hash":"` + r.PrevHash + `","hash":"` + r.Hash + `","payload":`)
	b.Write(r.Payload)
	b.WriteString("}\n")
	return b.Bytes()
}

type wireRecord struct {
	Seq      *uint64         `json:"seq"`
	Time     string          `json:"time"`
	Kind     Kind            `json:"kind"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	Payload  json.RawMessage `json:"payload"`
}

// decodeLine parses one stored line.
func decodeLine(line []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, fmt.Errorf("not a record: %w", err)
	}
	if w.Seq == nil || w.Time == "" || w.Kind == "" || w.Hash == "" || w.PrevHash == "" || w.Payload == nil {
		return Record{}, errors.New("not a record: a field is missing")
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return Record{}, fmt.Errorf("bad time: %w", err)
	}
	return Record{Seq: *w.Seq, Time: t, Kind: w.Kind, Payload: w.Payload, PrevHash: w.PrevHash, Hash: w.Hash}, nil
}
