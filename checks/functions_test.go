package checks

import "testing"

func perm(proto string, from, to int, v4, v6 []string) map[string]any {
	return map[string]any{"protocol": proto, "from_port": from, "to_port": to,
		"ipv4_ranges": v4, "ipv6_ranges": v6, "prefix_lists": []string{}, "source_groups": []string{}}
}

func TestOpenToWorld(t *testing.T) {
	world := []string{"0.0.0.0/0"}
	tests := []struct {
		name  string
		rules []map[string]any
		port  int
		want  bool
	}{
		{"exact port", []map[string]any{perm("tcp", 22, 22, world, nil)}, 22, true},
		{"range covers", []map[string]any{perm("tcp", 20, 25, world, nil)}, 22, true},
		{"range misses", []map[string]any{perm("tcp", 23, 25, world, nil)}, 22, false},
		{"all protocols", []map[string]any{perm("-1", -1, -1, world, nil)}, 3389, true},
		{"ipv6 world", []map[string]any{perm("tcp", 22, 22, nil, []string{"::/0"})}, 22, true},
		{"private only", []map[string]any{perm("tcp", 22, 22, []string{"10.0.0.0/8"}, nil)}, 22, false},
		{"udp not tcp", []map[string]any{perm("udp", 0, 65535, world, nil)}, 22, false},
		{"none", nil, 22, false},
	}
	for _, tt := range tests {
		if got := openToWorld(tt.rules, "tcp", tt.port); got != tt.want {
			t.Errorf("%s: got %v want %v", tt.name, got, tt.want)
		}
	}
	if !allTrafficFromWorld([]map[string]any{perm("-1", 0, 65535, nil, []string{"::/0"})}) {
		t.Error("protocol -1 from ::/0 is all traffic")
	}
	if allTrafficFromWorld([]map[string]any{perm("tcp", 0, 65535, world, nil)}) {
		t.Error("all TCP ports is not all traffic")
	}
}

func entry(n int, action, proto string, from, to int, cidr, cidr6 string, egress bool) map[string]any {
	return map[string]any{"rule_number": n, "action": action, "protocol": proto, "from_port": from,
		"to_port": to, "cidr_block": cidr, "ipv6_cidr_block": cidr6, "egress": egress}
}

func TestNACLAllowsFromWorld(t *testing.T) {
	tests := []struct {
		name    string
		entries []map[string]any
		want    bool
	}{
		{"allow all", []map[string]any{entry(100, "allow", "-1", 0, 65535, "0.0.0.0/0", "", false)}, true},
		{"deny first wins", []map[string]any{
			entry(200, "allow", "-1", 0, 65535, "0.0.0.0/0", "", false),
			entry(100, "deny", "tcp", 22, 22, "0.0.0.0/0", "", false)}, false},
		{"narrow deny does not protect", []map[string]any{
			entry(50, "deny", "tcp", 22, 22, "1.2.3.0/24", "", false),
			entry(100, "allow", "tcp", 0, 1024, "0.0.0.0/0", "", false)}, true},
		{"egress ignored", []map[string]any{entry(100, "allow", "-1", 0, 65535, "0.0.0.0/0", "", true)}, false},
		{"ipv6 allowed while ipv4 denied", []map[string]any{
			entry(100, "deny", "-1", 0, 65535, "0.0.0.0/0", "", false),
			entry(101, "allow", "tcp", 22, 22, "", "::/0", false)}, true},
		{"other port", []map[string]any{entry(100, "allow", "tcp", 443, 443, "0.0.0.0/0", "", false)}, false},
		{"empty: implicit deny", nil, false},
	}
	for _, tt := range tests {
		if got := naclAllowsFromWorld(tt.entries, "tcp", 22); got != tt.want {
			t.Errorf("%s: got %v want %v", tt.name, got, tt.want)
		}
	}
}
