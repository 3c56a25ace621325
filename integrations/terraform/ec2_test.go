package terraform

import (
	"testing"
	"time"
)

// sgInline is an inline rule block of aws_security_group.
func sgInline(proto string, from, to int, cidrs, v6 []string, groups []string, self bool) map[string]any {
	if cidrs == nil {
		cidrs = []string{}
	}
	if v6 == nil {
		v6 = []string{}
	}
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{"protocol": proto, "from_port": from, "to_port": to, "cidr_blocks": cidrs, "ipv6_cidr_blocks": v6,
		"prefix_list_ids": []string{}, "security_groups": groups, "self": self, "description": ""}
}

func sgJSON(id string, ingress, egress []map[string]any) string {
	return jsonString(map[string]any{"id": id, "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/" + id, "name": "g-" + id,
		"description": "desc", "vpc_id": "vpc-1", "owner_id": acct, "tags": map[string]string{"Name": "named " + id},
		"ingress": ingress, "egress": egress})
}

func TestSecurityGroups(t *testing.T) {
	const sgID = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1"
	world := []string{"0.0.0.0/0"}
	cases := []struct {
		name  string
		state []tfres
		want  map[string]any
	}{
		{"inline rules, protocols normalized, -1 is every port", []tfres{r("aws_security_group", "g", sgJSON("sg-1",
			[]map[string]any{sgInline("6", 22, 22, world, nil, nil, false), sgInline("all", 0, 0, []string{"10.0.0.0/8"}, nil, nil, false),
				sgInline("17", 53, 53, world, []string{"::/0"}, nil, false), sgInline("1", 8, 0, world, nil, nil, false)},
			[]map[string]any{sgInline("-1", 0, 0, world, nil, nil, false)}))},
			map[string]any{
				"ingress": []map[string]any{wantPerm("-1", 0, 65535, "10.0.0.0/8"), wantPerm("icmp", 8, 0, "0.0.0.0/0"),
					wantPerm("tcp", 22, 22, "0.0.0.0/0"), with(wantPerm("udp", 53, 53, "0.0.0.0/0"), "ipv6_ranges", []string{"::/0"})},
				"egress":   []map[string]any{wantPerm("-1", 0, 65535, "0.0.0.0/0")},
				"group_id": "sg-1", "group_name": "g-sg-1", "vpc_id": "vpc-1", "description": "desc", "is_default": false,
				"attached_interfaces": absent,
			}},
		{"rules with the same port range merge, sources deduplicated", []tfres{
			r("aws_security_group", "g", sgJSON("sg-1", []map[string]any{sgInline("tcp", 443, 443, []string{"10.0.0.0/8"}, nil, nil, false)}, nil)),
			r("aws_security_group_rule", "a", `{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp", "from_port": 443, "to_port": 443,
				"cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"], "ipv6_cidr_blocks": null, "prefix_list_ids": ["pl-1"], "source_security_group_id": null, "self": false}`),
			r("aws_vpc_security_group_ingress_rule", "b", `{"security_group_id": "sg-1", "ip_protocol": "6", "from_port": 443, "to_port": 443,
				"cidr_ipv4": null, "cidr_ipv6": "::/0", "prefix_list_id": null, "referenced_security_group_id": "sg-9"}`),
			r("aws_security_group_rule", "out", `{"type": "egress", "security_group_id": "sg-1", "protocol": "-1", "from_port": 0, "to_port": 0,
				"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "source_security_group_id": null, "self": false}`),
			r("aws_vpc_security_group_egress_rule", "dns", `{"security_group_id": "sg-1", "ip_protocol": "udp", "from_port": 53, "to_port": 53,
				"cidr_ipv4": "10.0.0.2/32", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
		}, map[string]any{
			"ingress": []map[string]any{{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": []string{"0.0.0.0/0", "10.0.0.0/8"},
				"ipv6_ranges": []string{"::/0"}, "prefix_lists": []string{"pl-1"}, "source_groups": []string{"sg-9"}}},
			"egress": []map[string]any{wantPerm("-1", 0, 65535, "0.0.0.0/0"), wantPerm("udp", 53, 53, "10.0.0.2/32")},
		}},
		{"self and referenced groups", []tfres{
			r("aws_security_group", "g", sgJSON("sg-1", []map[string]any{sgInline("tcp", 5432, 5432, nil, nil, []string{"sg-7"}, true)}, []map[string]any{})),
			r("aws_security_group_rule", "self", `{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp", "from_port": 0, "to_port": 65535,
				"cidr_blocks": null, "ipv6_cidr_blocks": null, "prefix_list_ids": null, "source_security_group_id": null, "self": true}`),
		}, map[string]any{
			"ingress": []map[string]any{with(wantPerm("tcp", 0, 65535), "source_groups", []string{"sg-1"}),
				with(wantPerm("tcp", 5432, 5432), "source_groups", []string{"sg-1", "sg-7"})},
			"egress": []map[string]any{},
		}},
		{"vpc rule with all protocols has no ports in state", []tfres{
			r("aws_security_group", "g", sgJSON("sg-1", nil, nil)),
			r("aws_vpc_security_group_ingress_rule", "all", `{"security_group_id": "sg-1", "ip_protocol": "-1", "from_port": null, "to_port": null,
				"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
		}, map[string]any{"ingress": []map[string]any{wantPerm("-1", 0, 65535, "0.0.0.0/0")}, "egress": []map[string]any{}}},
		{"port ranges as AWS reports them", []tfres{
			r("aws_security_group", "g", sgJSON("sg-1", nil, nil)),
			r("aws_vpc_security_group_ingress_rule", "esp", `{"security_group_id": "sg-1", "ip_protocol": "50", "from_port": null, "to_port": null,
				"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
			r("aws_vpc_security_group_ingress_rule", "icmp", `{"security_group_id": "sg-1", "ip_protocol": "icmp", "from_port": null, "to_port": null,
				"cidr_ipv4": "10.0.0.0/8", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
			r("aws_vpc_security_group_ingress_rule", "ping", `{"security_group_id": "sg-1", "ip_protocol": "1", "from_port": 8, "to_port": 0,
				"cidr_ipv4": "10.0.0.0/8", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
		}, map[string]any{"ingress": []map[string]any{wantPerm("50", 0, 65535, "0.0.0.0/0"), wantPerm("icmp", -1, -1, "10.0.0.0/8"),
			wantPerm("icmp", 8, 0, "10.0.0.0/8")}}},
		{"rule of another group is not joined", []tfres{
			r("aws_security_group", "g", sgJSON("sg-1", nil, nil)),
			r("aws_vpc_security_group_ingress_rule", "x", `{"security_group_id": "sg-2", "ip_protocol": "tcp", "from_port": 22, "to_port": 22,
				"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`),
		}, map[string]any{"ingress": []map[string]any{}}},
		{"inline rules missing from an old state: unknown", []tfres{
			r("aws_security_group", "g", `{"id": "sg-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1", "name": "g", "egress": []}`)},
			map[string]any{"ingress": absent, "egress": []map[string]any{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := parseOK(t, stateJSON(t, c.state...))
			g := find(t, res, "aws.ec2.security_group", sgID)
			checkAttrs(t, g, c.want)
			if g.Account != acct || g.Region != "eu-west-1" {
				t.Errorf("placed %q/%q", g.Account, g.Region)
			}
		})
	}

	t.Run("default security group", func(t *testing.T) {
		res, _ := parseOK(t, stateJSON(t, r("aws_default_security_group", "d", `{"id": "sg-d", "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-d",
			"name": "default", "vpc_id": "vpc-1", "description": "default VPC security group", "tags": {},
			"ingress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": true}],
			"egress": []}`)))
		g := find(t, res, "aws.ec2.security_group", "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-d")
		checkAttrs(t, g, map[string]any{"is_default": true, "group_name": "default",
			"ingress": []map[string]any{with(wantPerm("-1", 0, 65535), "source_groups", []string{"sg-d"})}, "egress": []map[string]any{}})
		if g.Name != "default" {
			t.Errorf("name %q", g.Name)
		}
	})
}

func TestNetworkACLs(t *testing.T) {
	entry := func(n int, egress bool, action, proto string, from, to int, cidr string) map[string]any {
		return map[string]any{"rule_number": n, "egress": egress, "action": action, "protocol": proto, "from_port": from, "to_port": to,
			"cidr_block": cidr, "ipv6_cidr_block": ""}
	}
	res, _ := parseOK(t, stateJSON(t,
		r("aws_network_acl", "a", `{"id": "acl-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-1", "vpc_id": "vpc-1", "subnet_ids": ["subnet-2"],
			"ingress": [{"rule_no": 200, "action": "allow", "protocol": "6", "from_port": 443, "to_port": 443, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0},
			            {"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "10.0.0.0/8", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}],
			"egress": [], "tags": {}}`),
		r("aws_network_acl_rule", "deny_ssh", `{"network_acl_id": "acl-1", "rule_number": 50, "egress": false, "protocol": "tcp", "rule_action": "deny",
			"cidr_block": "0.0.0.0/0", "ipv6_cidr_block": null, "from_port": 22, "to_port": 22}`),
		r("aws_network_acl_rule", "dup", `{"network_acl_id": "acl-1", "rule_number": 100, "egress": false, "protocol": "-1", "rule_action": "allow",
			"cidr_block": "10.0.0.0/8", "ipv6_cidr_block": "", "from_port": 0, "to_port": 0}`),
		r("aws_network_acl_association", "s1", `{"network_acl_id": "acl-1", "subnet_id": "subnet-1"}`),
		r("aws_network_acl_rule", "ping", `{"network_acl_id": "acl-1", "rule_number": 300, "egress": false, "protocol": "1", "rule_action": "allow",
			"cidr_block": "0.0.0.0/0", "ipv6_cidr_block": null, "from_port": null, "to_port": null, "icmp_type": 8, "icmp_code": -1}`),
		r("aws_default_network_acl", "d", `{"id": "acl-d", "default_network_acl_id": "acl-d", "arn": "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-d",
			"vpc_id": "vpc-1", "subnet_ids": [], "egress": [],
			"ingress": [{"rule_no": 100, "action": "allow", "protocol": "all", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": ""}]}`),
	))
	a := find(t, res, "aws.ec2.network_acl", "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-1")
	checkAttrs(t, a, map[string]any{
		"network_acl_id": "acl-1", "vpc_id": "vpc-1", "is_default": false, "associated_subnets": []string{"subnet-1", "subnet-2"},
		"entries": []map[string]any{entry(50, false, "deny", "tcp", 22, 22, "0.0.0.0/0"), entry(100, false, "allow", "-1", 0, 65535, "10.0.0.0/8"),
			entry(200, false, "allow", "tcp", 443, 443, "0.0.0.0/0"), entry(300, false, "allow", "icmp", 8, -1, "0.0.0.0/0")},
	})
	d := find(t, res, "aws.ec2.network_acl", "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-d")
	checkAttrs(t, d, map[string]any{"is_default": true, "associated_subnets": []string{},
		"entries": []map[string]any{entry(100, false, "allow", "-1", 0, 65535, "0.0.0.0/0")}})
}

func TestVolumesAndEBSDefault(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		r("aws_ebs_volume", "v", `{"id": "vol-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1", "availability_zone": "eu-west-1b",
			"encrypted": true, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k", "size": 20, "type": "gp3", "create_time": "2024-05-06T07:08:09Z", "tags": {"Name": "data"}}`),
		r("aws_ebs_volume", "bare", `{"id": "vol-2", "availability_zone": "eu-west-1a", "encrypted": false, "kms_key_id": "", "size": 8, "type": "gp2", "tags": {}}`),
		r("aws_volume_attachment", "a", `{"volume_id": "vol-1", "instance_id": "i-1", "device_name": "/dev/sdf"}`),
		r("aws_ebs_encryption_by_default", "on", `{"id": "terraform-1", "enabled": true}`),
		r("aws_ebs_default_kms_key", "k", `{"id": "k", "key_arn": "arn:aws:kms:eu-west-1:111122223333:key/k"}`),
	))
	v := find(t, res, "aws.ec2.volume", "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1")
	checkAttrs(t, v, map[string]any{"volume_id": "vol-1", "encrypted": true, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k",
		"size_gib": 20, "volume_type": "gp3", "attached_instances": []string{"i-1"},
		"created_at": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), "state": absent})
	if v.Name != "data" {
		t.Errorf("volume name %q, want its Name tag", v.Name)
	}
	// No ARN in state: built from the id, the availability zone's region and
	// the account the provider's other resources tell.
	bare := find(t, res, "aws.ec2.volume", "arn:aws:ec2:eu-west-1:111122223333:volume/vol-2")
	checkAttrs(t, bare, map[string]any{"encrypted": false, "attached_instances": []string{}, "created_at": absent})
	e := find(t, res, "aws.ec2.ebs_encryption_default", "arn:aws:ec2:eu-west-1:111122223333:ebs-encryption-by-default")
	checkAttrs(t, e, map[string]any{"enabled": true, "default_kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k"})
}

func TestVPCsAndFlowLogs(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		r("aws_vpc", "a", `{"id": "vpc-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1", "cidr_block": "10.0.0.0/16", "tags": {}}`),
		r("aws_vpc", "b", `{"id": "vpc-2", "arn": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-2", "cidr_block": "10.1.0.0/16", "tags": {"Name": "b"}}`),
		r("aws_default_vpc", "d", `{"id": "vpc-d", "arn": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-d", "cidr_block": "172.31.0.0/16", "tags": {}}`),
		r("aws_flow_log", "a1", `{"id": "fl-1", "vpc_id": "vpc-1", "traffic_type": "REJECT"}`),
		r("aws_flow_log", "a2", `{"id": "fl-2", "vpc_id": "vpc-1", "traffic_type": "ALL"}`),
		r("aws_flow_log", "eni", `{"id": "fl-3", "vpc_id": null, "eni_id": "eni-1", "traffic_type": "ALL"}`),
	))
	checkAttrs(t, find(t, res, "aws.ec2.vpc", "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1"), map[string]any{
		"vpc_id": "vpc-1", "cidr_block": "10.0.0.0/16", "is_default": false, "flow_logs_enabled": true, "flow_log_traffic_types": []string{"ALL", "REJECT"}})
	checkAttrs(t, find(t, res, "aws.ec2.vpc", "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-2"), map[string]any{
		"flow_logs_enabled": false, "flow_log_traffic_types": []string{}})
	checkAttrs(t, find(t, res, "aws.ec2.vpc", "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-d"), map[string]any{"is_default": true})
}
