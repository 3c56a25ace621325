package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Policy is an IAM policy document (identity, bucket or key policy). Live
// collectors and Terraform read policies through it, so the attributes it
// derives (policy_public, policy_denies_insecure_transport, admin_access,
// allows_full_admin) mean the same whatever the source.
type Policy struct {
	Statement statements `json:"Statement"`
}

type statement struct {
	Effect       string                           `json:"Effect"`
	Principal    *principal                       `json:"Principal"`
	NotPrincipal *principal                       `json:"NotPrincipal"`
	Action       stringList                       `json:"Action"`
	NotAction    stringList                       `json:"NotAction"`
	Resource     stringList                       `json:"Resource"`
	NotResource  stringList                       `json:"NotResource"`
	Condition    map[string]map[string]stringList `json:"Condition"`
}

// statements accepts a single statement object as well as a list.
type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = statements{one}
		return nil
	}
	var many []statement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// stringList accepts a string, a list of strings, and (in condition values)
// booleans and numbers, which policies may hold unquoted.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	one := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case bool, float64:
			return fmt.Sprint(t), nil
		}
		return "", fmt.Errorf("want a string, got %T", x)
	}
	switch t := v.(type) {
	case nil:
		*l = nil
	case []any:
		out := make(stringList, 0, len(t))
		for _, x := range t {
			s, err := one(x)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*l = out
	default:
		s, err := one(t)
		if err != nil {
			return err
		}
		*l = stringList{s}
	}
	return nil
}

// has reports whether the list holds want, ignoring case (actions and
// condition values such as "false" are case-insensitive).
func (l stringList) has(want string) bool {
	for _, s := range l {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

// principal is "*" or a map such as {"AWS": ["arn:..."], "Service": "..."}.
type principal struct {
	wildcard bool
	aws      stringList
}

func (p *principal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		p.wildcard = s == "*"
		return nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("principal: %w", err)
	}
	for k, v := range m {
		if strings.EqualFold(k, "AWS") {
			p.aws = append(p.aws, v...)
		}
	}
	return nil
}

// everyone: the principal is "*" or {"AWS": "*"}.
func (p *principal) everyone() bool {
	return p != nil && (p.wildcard || p.aws.has("*"))
}

// ParsePolicy decodes a policy document. IAM returns documents URL-encoded
// (RFC 3986); S3 and KMS return plain JSON.
func ParsePolicy(doc string) (*Policy, error) {
	s := strings.TrimSpace(doc)
	if s == "" {
		return &Policy{}, nil
	}
	if !strings.HasPrefix(s, "{") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("decode policy document: %w", err)
		}
		s = strings.TrimSpace(u)
	}
	var p Policy
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("parse policy document: %w", err)
	}
	return &p, nil
}

func isAllow(s statement) bool { return strings.EqualFold(s.Effect, "Allow") }
func isDeny(s statement) bool  { return strings.EqualFold(s.Effect, "Deny") }

// AllowsFullAdmin: some Allow statement grants Action "*" on Resource "*"
// (each as a string or within a list). Conditions are not weighed: an admin
// grant behind a condition is still an admin grant to review.
func (p *Policy) AllowsFullAdmin() bool {
	for _, s := range p.Statement {
		if isAllow(s) && s.Action.has("*") && s.Resource.has("*") {
			return true
		}
	}
	return false
}

// restrictingKey reports whether a condition key (lower-case: keys are
// case-insensitive) ties a wildcard principal to known callers or networks;
// kms adds the key-policy key that pins callers to an account.
func restrictingKey(k string, kms bool) bool {
	switch k {
	case "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourcearn",
		"aws:principalorgid", "aws:principalaccount":
		return true
	case "kms:calleraccount":
		return kms
	}
	return false
}

// restricted reports whether a statement's condition limits who it applies to:
// a positive operator (not Not*, not ...IfExists, not Null) on a restricting
// key with a value that is not itself a wildcard.
func (s statement) restricted(kms bool) bool {
	for op, keys := range s.Condition {
		lop := strings.ToLower(op)
		if strings.Contains(lop, "not") || strings.HasSuffix(lop, "ifexists") || lop == "null" {
			continue
		}
		for k, vals := range keys {
			lk := strings.ToLower(k)
			if !restrictingKey(lk, kms) {
				continue
			}
			if len(vals) > 0 && !vals.has("*") {
				return true
			}
		}
	}
	return false
}

// publicAllow: some Allow statement applies to every principal (a wildcard
// Principal, or any NotPrincipal) without a restricting condition.
func (p *Policy) publicAllow(kms bool) bool {
	for _, s := range p.Statement {
		if !isAllow(s) {
			continue
		}
		if (s.Principal.everyone() || s.NotPrincipal != nil) && !s.restricted(kms) {
			return true
		}
	}
	return false
}

// BucketPublic is policy_public of aws.s3.bucket.
func (p *Policy) BucketPublic() bool { return p.publicAllow(false) }

// KeyPublic is policy_public of aws.kms.key.
func (p *Policy) KeyPublic() bool { return p.publicAllow(true) }

// DeniesInsecureTransport: a Deny for every principal on s3:* (or *) when
// aws:SecureTransport is false.
func (p *Policy) DeniesInsecureTransport() bool {
	for _, s := range p.Statement {
		if !isDeny(s) || !s.Principal.everyone() {
			continue
		}
		if !s.Action.has("s3:*") && !s.Action.has("*") {
			continue
		}
		for op, keys := range s.Condition {
			lop := strings.ToLower(op)
			if lop != "bool" && lop != "boolifexists" {
				continue
			}
			for k, vals := range keys {
				if strings.EqualFold(k, "aws:SecureTransport") && len(vals) == 1 && strings.EqualFold(vals[0], "false") {
					return true
				}
			}
		}
	}
	return false
}

// NormalizeProtocol spells an IP protocol as the schema does: tcp, udp, icmp,
// icmpv6 by name, -1 for all, any other number as itself.
func NormalizeProtocol(p string) string {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "6", "tcp":
		return "tcp"
	case "17", "udp":
		return "udp"
	case "1", "icmp":
		return "icmp"
	case "58", "icmpv6":
		return "icmpv6"
	case "-1", "all", "":
		return "-1"
	}
	return strings.ToLower(strings.TrimSpace(p))
}
