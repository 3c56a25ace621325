package checks

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/expr-lang/expr"
)

// Helper functions available to every rule. They encode AWS semantics that are
// easy to get subtly wrong in a one-line expression (port ranges, protocol -1,
// network ACL rule order), so every rule gets them right the same way.
// Documented in docs/rules.md.
func ruleFunctions() []expr.Option {
	return []expr.Option{
		expr.Function("open_to_world", func(p ...any) (any, error) {
			return openToWorld(p[0].([]map[string]any), p[1].(string), p[2].(int)), nil
		}, new(func([]map[string]any, string, int) bool)),
		expr.Function("all_traffic_from_world", func(p ...any) (any, error) {
			return allTrafficFromWorld(p[0].([]map[string]any)), nil
		}, new(func([]map[string]any) bool)),
		expr.Function("nacl_allows_from_world", func(p ...any) (any, error) {
			return naclAllowsFromWorld(p[0].([]map[string]any), p[1].(string), p[2].(int)), nil
		}, new(func([]map[string]any, string, int) bool)),
		expr.Function("days", func(p ...any) (any, error) {
			return p[0].(time.Duration).Hours() / 24, nil
		}, new(func(time.Duration) float64)),
		expr.Function("is_set", func(p ...any) (any, error) {
			return !p[0].(time.Time).IsZero(), nil
		}, new(func(time.Time) bool)),
		expr.Function("is_world", func(p ...any) (any, error) {
			return isWorld(p[0].(string)), nil
		}, new(func(string) bool)),
	}
}

func isWorld(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }
func num(m map[string]any, k string) int    { n, _ := m[k].(int); return n }
func strs(m map[string]any, k string) []string {
	s, _ := m[k].([]string)
	return s
}

// protoCovers reports whether a rule's protocol admits proto; "-1" is all
// protocols. Protocols are normalized to lower-case names (tcp, udp, icmp).
func protoCovers(ruleProto, proto string) bool {
	return ruleProto == "-1" || ruleProto == proto
}

// portCovers reports whether a rule's port range holds port. For protocol -1
// AWS ignores the range (it reports -1/-1), so all ports are covered.
func portCovers(m map[string]any, port int) bool {
	if str(m, "protocol") == "-1" {
		return true
	}
	return num(m, "from_port") <= port && port <= num(m, "to_port")
}

// openToWorld: some security-group rule admits proto/port from 0.0.0.0/0 or ::/0.
func openToWorld(rules []map[string]any, proto string, port int) bool {
	for _, r := range rules {
		if !protoCovers(str(r, "protocol"), proto) || !portCovers(r, port) {
			continue
		}
		if slices.ContainsFunc(strs(r, "ipv4_ranges"), isWorld) || slices.ContainsFunc(strs(r, "ipv6_ranges"), isWorld) {
			return true
		}
	}
	return false
}

// allTrafficFromWorld: some rule admits every protocol and port from anywhere.
func allTrafficFromWorld(rules []map[string]any) bool {
	for _, r := range rules {
		if str(r, "protocol") != "-1" {
			continue
		}
		if slices.ContainsFunc(strs(r, "ipv4_ranges"), isWorld) || slices.ContainsFunc(strs(r, "ipv6_ranges"), isWorld) {
			return true
		}
	}
	return false
}

// naclAllowsFromWorld evaluates a network ACL's inbound entries the way AWS
// does: in rule-number order, the first entry that matches decides. A packet
// from an arbitrary internet address only surely matches entries whose CIDR is
// the whole address space, so narrower entries are passed over. It answers for
// IPv4 (0.0.0.0/0) and IPv6 (::/0) separately and is true if either allows.
func naclAllowsFromWorld(entries []map[string]any, proto string, port int) bool {
	inbound := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		if b, _ := e["egress"].(bool); !b {
			inbound = append(inbound, e)
		}
	}
	sort.SliceStable(inbound, func(i, j int) bool { return num(inbound[i], "rule_number") < num(inbound[j], "rule_number") })
	for _, field := range [...]string{"cidr_block", "ipv6_cidr_block"} {
		for _, e := range inbound {
			if !isWorld(str(e, field)) || !protoCovers(str(e, "protocol"), proto) || !portCovers(e, port) {
				continue
			}
			if str(e, "action") == "allow" {
				return true
			}
			break
		}
	}
	return false
}

// String forms for evidence and messages.
func formatValue(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return "never"
		}
		return x.Format(time.RFC3339)
	case nil:
		return "unknown"
	}
	return fmt.Sprint(v)
}
