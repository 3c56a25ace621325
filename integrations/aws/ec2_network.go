package aws

import (
	"context"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/comply-bot/comply/checks"
)

const (
	typeSecurityGroup = "aws.ec2.security_group"
	typeNetworkACL    = "aws.ec2.network_acl"
	typeVPC           = "aws.ec2.vpc"
)

// portRange is the schema's (from, to) for a protocol: all ports for -1 and
// for protocols without ports; ICMP type and code as AWS gives them.
func portRange(proto string, from, to *int32) (int, int) {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		if from == nil && to == nil {
			if proto == "tcp" || proto == "udp" {
				return 0, 65535
			}
			return -1, -1
		}
		return int(awssdk.ToInt32(from)), int(awssdk.ToInt32(to))
	}
	// -1 and other protocols: AWS admits every port whatever is given.
	return 0, 65535
}

// flattenPermissions turns IpPermissions into one entry per (protocol, port
// range) holding every source it admits.
func flattenPermissions(perms []ec2types.IpPermission) []map[string]any {
	type key struct {
		proto    string
		from, to int
	}
	var order []key
	byKey := map[key]map[string]any{}
	for _, p := range perms {
		proto := checks.NormalizeProtocol(awssdk.ToString(p.IpProtocol))
		from, to := portRange(proto, p.FromPort, p.ToPort)
		k := key{proto, from, to}
		e := byKey[k]
		if e == nil {
			e = map[string]any{"protocol": proto, "from_port": from, "to_port": to,
				"ipv4_ranges": []string{}, "ipv6_ranges": []string{}, "prefix_lists": []string{}, "source_groups": []string{}}
			byKey[k] = e
			order = append(order, k)
		}
		for _, r := range p.IpRanges {
			e["ipv4_ranges"] = appendUnique(e["ipv4_ranges"].([]string), awssdk.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			e["ipv6_ranges"] = appendUnique(e["ipv6_ranges"].([]string), awssdk.ToString(r.CidrIpv6))
		}
		for _, r := range p.PrefixListIds {
			e["prefix_lists"] = appendUnique(e["prefix_lists"].([]string), awssdk.ToString(r.PrefixListId))
		}
		for _, g := range p.UserIdGroupPairs {
			e["source_groups"] = appendUnique(e["source_groups"].([]string), awssdk.ToString(g.GroupId))
		}
	}
	out := make([]map[string]any, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

func appendUnique(xs []string, x string) []string {
	if x == "" || slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// ec2Tags turns EC2 tags into a map and finds the Name tag.
func ec2Tags(tags []ec2types.Tag) (map[string]string, string) {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return m, m["Name"]
}

func collectSecurityGroups(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.ec2(region)
	sc := a.scope("ec2", region)
	// One listing of network interfaces answers attached_interfaces for
	// every group.
	attached := map[string]int{}
	attachedKnown := true
	ni := ec2.NewDescribeNetworkInterfacesPaginator(cl, &ec2.DescribeNetworkInterfacesInput{})
	for ni.HasMorePages() {
		out, err := ni.NextPage(ctx)
		if err != nil {
			res.detail(sc, "DescribeNetworkInterfaces", "attached_interfaces of every security group", err)
			attachedKnown = false
			break
		}
		for _, n := range out.NetworkInterfaces {
			for _, g := range n.Groups {
				attached[awssdk.ToString(g.GroupId)]++
			}
		}
	}
	p := ec2.NewDescribeSecurityGroupsPaginator(cl, &ec2.DescribeSecurityGroupsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeSecurityGroup}, "describe security groups", err)
			return
		}
		for _, g := range out.SecurityGroups {
			id := awssdk.ToString(g.GroupId)
			tags, _ := ec2Tags(g.Tags)
			attrs := map[string]any{
				"group_id":    id,
				"group_name":  awssdk.ToString(g.GroupName),
				"vpc_id":      awssdk.ToString(g.VpcId),
				"description": awssdk.ToString(g.Description),
				"is_default":  awssdk.ToString(g.GroupName) == "default",
				"ingress":     flattenPermissions(g.IpPermissions),
				"egress":      flattenPermissions(g.IpPermissionsEgress),
			}
			if attachedKnown {
				attrs["attached_interfaces"] = attached[id]
			}
			res.add(newResource(typeSecurityGroup, a.arn("ec2", region, "security-group/"+id), a, region,
				awssdk.ToString(g.GroupName), tags, attrs))
		}
	}
}

func collectNetworkACLs(ctx context.Context, a *account, region string, res *results) {
	p := ec2.NewDescribeNetworkAclsPaginator(a.cl.ec2(region), &ec2.DescribeNetworkAclsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(a.scope("ec2", region), []string{typeNetworkACL}, "describe network ACLs", err)
			return
		}
		for _, n := range out.NetworkAcls {
			id := awssdk.ToString(n.NetworkAclId)
			subnets := []string{}
			for _, as := range n.Associations {
				subnets = appendUnique(subnets, awssdk.ToString(as.SubnetId))
			}
			entries := []map[string]any{}
			for _, e := range n.Entries {
				num := int(awssdk.ToInt32(e.RuleNumber))
				if num == 32767 { // the implicit final deny (*)
					continue
				}
				proto := checks.NormalizeProtocol(awssdk.ToString(e.Protocol))
				var from, to int
				switch {
				case e.PortRange != nil:
					from, to = portRange(proto, e.PortRange.From, e.PortRange.To)
				case e.IcmpTypeCode != nil && (proto == "icmp" || proto == "icmpv6"):
					from, to = int(awssdk.ToInt32(e.IcmpTypeCode.Type)), int(awssdk.ToInt32(e.IcmpTypeCode.Code))
				default:
					from, to = portRange(proto, nil, nil)
				}
				entries = append(entries, map[string]any{
					"rule_number":     num,
					"egress":          awssdk.ToBool(e.Egress),
					"action":          strings.ToLower(string(e.RuleAction)),
					"protocol":        proto,
					"from_port":       from,
					"to_port":         to,
					"cidr_block":      awssdk.ToString(e.CidrBlock),
					"ipv6_cidr_block": awssdk.ToString(e.Ipv6CidrBlock),
				})
			}
			tags, name := ec2Tags(n.Tags)
			if name == "" {
				name = id
			}
			res.add(newResource(typeNetworkACL, a.arn("ec2", region, "network-acl/"+id), a, region, name, tags, map[string]any{
				"network_acl_id":     id,
				"vpc_id":             awssdk.ToString(n.VpcId),
				"is_default":         awssdk.ToBool(n.IsDefault),
				"associated_subnets": subnets,
				"entries":            entries,
			}))
		}
	}
}

func collectVPCs(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.ec2(region)
	sc := a.scope("ec2", region)
	// Flow logs of every VPC come from one listing.
	types := map[string][]string{}
	fl := ec2.NewDescribeFlowLogsPaginator(cl, &ec2.DescribeFlowLogsInput{})
	for fl.HasMorePages() {
		out, err := fl.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeVPC}, "describe flow logs", err)
			return
		}
		for _, f := range out.FlowLogs {
			if !strings.EqualFold(awssdk.ToString(f.FlowLogStatus), "ACTIVE") {
				continue
			}
			id := awssdk.ToString(f.ResourceId)
			types[id] = appendUnique(types[id], string(f.TrafficType))
		}
	}
	p := ec2.NewDescribeVpcsPaginator(cl, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, []string{typeVPC}, "describe VPCs", err)
			return
		}
		for _, v := range out.Vpcs {
			id := awssdk.ToString(v.VpcId)
			tt := slices.Clone(types[id])
			if tt == nil {
				tt = []string{}
			}
			slices.Sort(tt)
			tags, name := ec2Tags(v.Tags)
			if name == "" {
				name = id
			}
			res.add(newResource(typeVPC, a.arn("ec2", region, "vpc/"+id), a, region, name, tags, map[string]any{
				"vpc_id":                 id,
				"cidr_block":             awssdk.ToString(v.CidrBlock),
				"is_default":             awssdk.ToBool(v.IsDefault),
				"flow_logs_enabled":      len(tt) > 0,
				"flow_log_traffic_types": tt,
			}))
		}
	}
}
