package terraform

import (
	"slices"

	"github.com/comply-bot/comply/checks"
)

// EC2: security groups (inline rules and the separate rule resources),
// network ACLs, EBS volumes and encryption by default, VPCs and flow logs.

func mapEC2(m *mapper) {
	mapSecurityGroups(m)
	mapNetworkACLs(m)
	mapVolumes(m)
	mapEBSDefaults(m)
	mapVPCs(m)
}

// ports reads a rule's port range as the live collector reports it: every
// port for -1 and for protocols without ports (and for TCP/UDP rules that
// set none); ICMP type and code for ICMP, -1 when not set.
func ports(o obj, proto, fromKey, toKey string) (from, to int, ok bool) {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
	default:
		return 0, 65535, true
	}
	fv, fok := o.raw(fromKey)
	tv, tok := o.raw(toKey)
	if !fok || !tok {
		return 0, 0, false
	}
	if fv == nil && tv == nil {
		if proto == "tcp" || proto == "udp" {
			return 0, 65535, true
		}
		return -1, -1, true
	}
	from, fok = portOf(o, fromKey)
	to, tok = portOf(o, toKey)
	return from, to, fok && tok
}

func portOf(o obj, k string) (int, bool) {
	v, ok := o.raw(k)
	if !ok {
		return 0, false
	}
	if v == nil {
		return -1, true
	}
	return asInt(v)
}

func mapNetworkACLs(m *mapper) {
	ix := m.ix
	aclTypes := []string{"aws_network_acl", "aws_default_network_acl"}
	keys := []string{"id", "default_network_acl_id"}
	rules := ix.children("aws_network_acl_rule", join{attr: "network_acl_id", parents: aclTypes, keys: keys})
	assocs := ix.children("aws_network_acl_association", join{attr: "network_acl_id", parents: aclTypes, keys: keys})
	for _, a := range ix.of(aclTypes...) {
		attrs := map[string]any{"is_default": a.typ == "aws_default_network_acl"}
		id, idOK := a.attrs.str("id")
		setIf(attrs, "network_acl_id", id, idOK)
		vpc, ok := a.attrs.str("vpc_id")
		setIf(attrs, "vpc_id", vpc, ok)

		subnets, sok := a.attrs.strs("subnet_ids")
		kids, known := assocs.of(a)
		for _, as := range kids {
			s, ok := as.attrs.str("subnet_id")
			sok = sok && ok
			subnets = append(subnets, s)
		}
		setIf(attrs, "associated_subnets", uniq(subnets), sok && known)

		entries, eok := naclInline(a)
		rk, known := rules.of(a)
		for _, r := range rk {
			e, ok := naclRule(r)
			eok = eok && ok
			entries = append(entries, e)
		}
		if eok && known {
			attrs["entries"] = dedupeEntries(entries)
		}
		arn := arnOr(a, "arn", func() (string, bool) {
			return "arn:" + a.partition + ":ec2:" + a.region + ":" + a.account + ":network-acl/" + id,
				idOK && id != "" && a.region != "" && a.account != ""
		})
		m.emit(a, "aws.ec2.network_acl", arn, displayName(a, id), attrs, false)
	}
}

func naclInline(a *instance) ([]map[string]any, bool) {
	var out []map[string]any
	for _, dir := range [...]string{"ingress", "egress"} {
		blocks, ok := a.attrs.blocks(dir)
		if !ok && a.unsetOnCreate(dir) {
			continue // a new ACL has only the implicit deny
		}
		if !ok {
			return nil, false
		}
		for _, b := range blocks {
			e, ok := naclEntry(b, dir == "egress", "rule_no", "action")
			if !ok {
				return nil, false
			}
			out = append(out, e)
		}
	}
	return out, true
}

func naclRule(r *instance) (map[string]any, bool) {
	egress, ok := r.attrs.boolean("egress")
	if !ok {
		return nil, false
	}
	return naclEntry(r.attrs, egress, "rule_number", "rule_action")
}

func naclEntry(o obj, egress bool, numKey, actionKey string) (map[string]any, bool) {
	num, nok := o.integer(numKey)
	action, aok := o.str(actionKey)
	p, pok := o.str("protocol")
	proto := checks.NormalizeProtocol(p)
	fromKey, toKey := "from_port", "to_port"
	if proto == "icmp" || proto == "icmpv6" {
		fromKey, toKey = "icmp_type", "icmp_code" // as AWS reports ICMP entries
	}
	from, to, portOK := ports(o, proto, fromKey, toKey)
	v4, ok4 := o.str("cidr_block")
	v6, ok6 := o.str("ipv6_cidr_block")
	if !nok || !aok || !pok || !portOK || !ok4 || !ok6 {
		return nil, false
	}
	return map[string]any{
		"rule_number": num, "egress": egress, "action": lower(action), "protocol": proto,
		"from_port": from, "to_port": to, "cidr_block": v4, "ipv6_cidr_block": v6,
	}, true
}

// dedupeEntries keeps one entry per (direction, rule number): a refreshed
// aws_network_acl also lists the entries its aws_network_acl_rule resources
// created.
func dedupeEntries(entries []map[string]any) []map[string]any {
	type k struct {
		egress bool
		n      int
	}
	seen := map[k]bool{}
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		key := k{e["egress"].(bool), e["rule_number"].(int)}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		ea, eb := a["egress"].(bool), b["egress"].(bool)
		if ea != eb {
			if !ea {
				return -1
			}
			return 1
		}
		return a["rule_number"].(int) - b["rule_number"].(int)
	})
	return out
}

func mapVolumes(m *mapper) {
	ix := m.ix
	att := ix.children("aws_volume_attachment", join{attr: "volume_id", parents: []string{"aws_ebs_volume"}, keys: []string{"id"}})
	for _, v := range ix.of("aws_ebs_volume") {
		attrs := map[string]any{}
		id, idOK := v.attrs.str("id")
		setIf(attrs, "volume_id", id, idOK)
		enc, ok := v.attrs.boolean("encrypted")
		setIf(attrs, "encrypted", enc, ok)
		key, ok := v.attrs.str("kms_key_id")
		setIf(attrs, "kms_key_id", key, ok)
		size, ok := v.attrs.integer("size")
		setIf(attrs, "size_gib", size, ok)
		vt, ok := v.attrs.str("type")
		setIf(attrs, "volume_type", vt, ok)
		created, ok := v.attrs.timeAt("create_time")
		setIf(attrs, "created_at", created, ok)
		// state (available, in-use ...) is runtime status Terraform does not hold.
		kids, known := att.of(v)
		instances, iok := []string{}, known
		for _, a := range kids {
			s, ok := a.attrs.str("instance_id")
			iok = iok && ok
			instances = append(instances, s)
		}
		setIf(attrs, "attached_instances", uniq(instances), iok)
		arn := arnOr(v, "arn", func() (string, bool) {
			return "arn:" + v.partition + ":ec2:" + v.region + ":" + v.account + ":volume/" + id,
				idOK && id != "" && v.region != "" && v.account != ""
		})
		m.emit(v, "aws.ec2.volume", arn, displayName(v, id), attrs, false)
	}
}

// mapEBSDefaults: aws_ebs_encryption_by_default (+ aws_ebs_default_kms_key of
// the same account and region) is the account's setting in one region.
func mapEBSDefaults(m *mapper) {
	keys := m.ix.of("aws_ebs_default_kms_key")
	for _, e := range m.ix.of("aws_ebs_encryption_by_default") {
		attrs := map[string]any{}
		en, ok := e.attrs.boolean("enabled")
		setIf(attrs, "enabled", en, ok)
		for _, k := range keys {
			if k.account == e.account && k.region == e.region && k.provider == e.provider {
				arn, ok := k.attrs.str("key_arn")
				setIf(attrs, "default_kms_key_id", arn, ok)
				break
			}
		}
		id := arnOr(e, "", func() (string, bool) {
			return "arn:" + e.partition + ":ec2:" + e.region + ":" + e.account + ":ebs-encryption-by-default",
				e.region != "" && e.account != ""
		})
		m.emit(e, "aws.ec2.ebs_encryption_default", id, "ebs-encryption-by-default", attrs, false)
	}
}

func mapVPCs(m *mapper) {
	ix := m.ix
	vpcTypes := []string{"aws_vpc", "aws_default_vpc"}
	flows := ix.children("aws_flow_log", join{attr: "vpc_id", parents: vpcTypes, keys: []string{"id"}})
	for _, v := range ix.of(vpcTypes...) {
		attrs := map[string]any{"is_default": v.typ == "aws_default_vpc"}
		id, idOK := v.attrs.str("id")
		setIf(attrs, "vpc_id", id, idOK)
		cidr, ok := v.attrs.str("cidr_block")
		setIf(attrs, "cidr_block", cidr, ok)
		kids, known := flows.of(v)
		var types []string
		tok := known
		for _, f := range kids {
			t, ok := f.attrs.str("traffic_type")
			tok = tok && ok
			types = append(types, t)
		}
		setIf(attrs, "flow_logs_enabled", len(kids) > 0, known)
		setIf(attrs, "flow_log_traffic_types", uniq(types), tok)
		arn := arnOr(v, "arn", func() (string, bool) {
			return "arn:" + v.partition + ":ec2:" + v.region + ":" + v.account + ":vpc/" + id,
				idOK && id != "" && v.region != "" && v.account != ""
		})
		m.emit(v, "aws.ec2.vpc", arn, displayName(v, id), attrs, false)
	}
}
