package store

import (
	"strconv"

	"github.com/comply-bot/comply/checks"
)

// digest identifies the content of a finding's snapshot (everything but its
// evidence), so a rescan encodes and sends only the snapshots that changed.
// It reads the fields directly: encoding every finding to JSON at every scan
// only to compare would cost more than the rest of the reconcile. A test
// fails when checks.Finding gains a field this does not cover.
func digest(f *checks.Finding) string {
	h := newFNV()
	for _, s := range [...]string{f.Fingerprint, f.RuleID, f.Title, f.ResourceID, f.ResourceType, f.ResourceName,
		f.Account, f.Region, f.Message, f.Remediation, f.RemediationAction, f.Source.File} {
		h.str(s)
	}
	h.num(uint64(f.Severity))
	h.num(uint64(f.Source.Line))
	// Maps: an order-independent sum of one hash per entry; nil and empty
	// differ, as they do in JSON.
	if f.Frameworks == nil {
		h.num(^uint64(0))
	} else {
		var sum uint64
		for k, controls := range f.Frameworks {
			e := newFNV()
			e.str(k)
			e.num(uint64(len(controls)))
			for _, c := range controls {
				e.str(c)
			}
			sum += uint64(e)
		}
		h.num(uint64(len(f.Frameworks)))
		h.num(sum)
	}
	if f.Tags == nil {
		h.num(^uint64(0))
	} else {
		var sum uint64
		for k, v := range f.Tags {
			e := newFNV()
			e.str(k)
			e.str(v)
			sum += uint64(e)
		}
		h.num(uint64(len(f.Tags)))
		h.num(sum)
	}
	return strconv.FormatUint(uint64(h), 36)
}

// fnv is a 64-bit hash in the manner of FNV-1a, taking eight bytes per
// step: stable across processes (it is stored), allocation-free, and fast
// enough to run on every finding of every scan. It detects changes; it is
// not a cryptographic hash (a collision only delays a snapshot update).
type fnv uint64

func newFNV() fnv { return 14695981039346656037 }

func (h *fnv) num(n uint64) {
	x := (uint64(*h) ^ n) * 1099511628211
	*h = fnv(x ^ x>>29)
}

// str writes s with its length first, so ("ab","c") and ("a","bc") differ.
func (h *fnv) str(s string) {
	h.num(uint64(len(s)))
	for ; len(s) >= 8; s = s[8:] {
		h.num(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
	}
	var w uint64
	for i := range len(s) {
		w |= uint64(s[i]) << (8 * i)
	}
	h.num(w)
}
