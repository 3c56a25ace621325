package checks

import (
	"crypto/sha256"
	"encoding/hex"
)

// FingerprintLen is the length in hex characters of a fingerprint.
const FingerprintLen = 32

// Fingerprint is the stable identity of a (rule, resource) pair. It keys the
// stored state, Slack messages, tickets, approvals and evidence, so its formula
// must never change:
//
//	hex(sha256("comply/v1" 0x00 ruleID 0x00 account 0x00 region 0x00 resourceID))[:32]
//
// The NUL separators keep ("a","bc") and ("ab","c") apart.
func Fingerprint(ruleID, account, region, resourceID string) string {
	h := sha256.New()
	for i, part := range [...]string{"comply/v1", ruleID, account, region, resourceID} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(part))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))[:FingerprintLen]
}
