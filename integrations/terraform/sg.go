package terraform

import (
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Security groups: inline rules and the separate rule resources, flattened
// to the schema's permission entries.

// permSet merges rules into the schema's permission entries: one per
// (protocol, port range), holding every source it admits.
type permSet struct {
	order []permKey
	by    map[permKey]*perm
}

type permKey struct {
	proto    string
	from, to int
}

type perm struct{ v4, v6, prefixLists, groups []string }

func (s *permSet) add(k permKey, p perm) {
	if s.by == nil {
		s.by = map[permKey]*perm{}
	}
	cur, ok := s.by[k]
	if !ok {
		cur = &perm{}
		s.by[k] = cur
		s.order = append(s.order, k)
	}
	cur.v4 = append(cur.v4, p.v4...)
	cur.v6 = append(cur.v6, p.v6...)
	cur.prefixLists = append(cur.prefixLists, p.prefixLists...)
	cur.groups = append(cur.groups, p.groups...)
}

func (s *permSet) entries() []map[string]any {
	keys := slices.Clone(s.order)
	slices.SortFunc(keys, func(a, b permKey) int {
		if c := strings.Compare(a.proto, b.proto); c != 0 {
			return c
		}
		if a.from != b.from {
			return a.from - b.from
		}
		return a.to - b.to
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		p := s.by[k]
		out = append(out, map[string]any{
			"protocol": k.proto, "from_port": k.from, "to_port": k.to,
			"ipv4_ranges": uniq(p.v4), "ipv6_ranges": uniq(p.v6),
			"prefix_lists": uniq(p.prefixLists), "source_groups": uniq(p.groups),
		})
	}
	return out
}

func uniq(s []string) []string {
	out := make([]string, 0, len(s))
	for _, e := range s {
		if e != "" {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// groupRef names a security group: its id, or, for a group whose id exists
// only after apply, its Terraform address (the plan's name for it).
func groupRef(g *instance) string {
	if id, ok := g.attrs.str("id"); ok && id != "" {
		return id
	}
	return g.addr
}

// sgRules accumulates one direction of one group; known turns false as soon
// as any contributing value is unknown until apply.
type sgRules struct {
	set   permSet
	known bool
}

func mapSecurityGroups(m *mapper) {
	ix := m.ix
	groupTypes := []string{"aws_security_group", "aws_default_security_group"}
	bySG := func(child string) joined {
		return ix.children(child, join{attr: "security_group_id", parents: groupTypes, keys: []string{"id"}})
	}
	legacy := bySG("aws_security_group_rule")
	vpcIn := bySG("aws_vpc_security_group_ingress_rule")
	vpcOut := bySG("aws_vpc_security_group_egress_rule")
	for _, g := range ix.of(groupTypes...) {
		isDefault := g.typ == "aws_default_security_group"
		in, out := sgRules{known: true}, sgRules{known: true}
		m.inlineRules(g, "ingress", &in)
		m.inlineRules(g, "egress", &out)
		kids, known := legacy.of(g)
		in.known = in.known && known
		out.known = out.known && known
		for _, r := range kids {
			dir, ok := r.attrs.str("type")
			switch {
			case !ok:
				in.known, out.known = false, false
			case dir == "ingress":
				m.legacyRule(g, r, &in)
			case dir == "egress":
				m.legacyRule(g, r, &out)
			}
		}
		for _, d := range []struct {
			j   joined
			acc *sgRules
		}{{vpcIn, &in}, {vpcOut, &out}} {
			kids, known := d.j.of(g)
			d.acc.known = d.acc.known && known
			for _, r := range kids {
				m.vpcRule(r, d.acc)
			}
		}

		attrs := map[string]any{"is_default": isDefault}
		id, idOK := g.attrs.str("id")
		setIf(attrs, "group_id", id, idOK)
		gname, nok := g.attrs.str("name")
		if isDefault {
			gname, nok = "default", true
		}
		setIf(attrs, "group_name", gname, nok)
		vpc, ok := g.attrs.str("vpc_id")
		setIf(attrs, "vpc_id", vpc, ok)
		desc, ok := g.attrs.str("description")
		setIf(attrs, "description", desc, ok)
		setIf(attrs, "ingress", in.set.entries(), in.known)
		setIf(attrs, "egress", out.set.entries(), out.known)
		// attached_interfaces: network interfaces are not in Terraform's view.
		arn := arnOr(g, "arn", func() (string, bool) {
			return "arn:" + g.partition + ":ec2:" + g.region + ":" + g.account + ":security-group/" + id,
				idOK && id != "" && g.region != "" && g.account != ""
		})
		m.emit(g, "aws.ec2.security_group", arn, gname, attrs, false) // named by group name, as the live collector does
	}
}

// inlineRules reads aws_security_group's ingress/egress blocks.
func (m *mapper) inlineRules(g *instance, dir string, acc *sgRules) {
	rules, ok := g.attrs.blocks(dir)
	if !ok && g.unsetOnCreate(dir) {
		// Terraform creates the group without rules (it even revokes AWS's
		// default egress rule); the separate rule resources add the rest.
		return
	}
	if !ok {
		acc.known = false
		return
	}
	for _, r := range rules {
		p, pok := r.str("protocol")
		proto := checks.NormalizeProtocol(p)
		from, to, portOK := ports(r, proto, "from_port", "to_port")
		v4, ok4 := r.strs("cidr_blocks")
		v6, ok6 := r.strs("ipv6_cidr_blocks")
		pl, okp := r.strs("prefix_list_ids")
		groups, okg := r.strs("security_groups")
		self, oks := r.boolean("self")
		if !pok || !portOK || !ok4 || !ok6 || !okp || !okg || !oks {
			acc.known = false
			return
		}
		if self {
			groups = append(groups, groupRef(g))
		}
		acc.set.add(permKey{proto, from, to}, perm{v4, v6, pl, groups})
	}
}

// legacyRule reads aws_security_group_rule.
func (m *mapper) legacyRule(g, r *instance, acc *sgRules) {
	p, pok := r.attrs.str("protocol")
	proto := checks.NormalizeProtocol(p)
	from, to, portOK := ports(r.attrs, proto, "from_port", "to_port")
	v4, ok4 := r.attrs.strs("cidr_blocks")
	v6, ok6 := r.attrs.strs("ipv6_cidr_blocks")
	pl, okp := r.attrs.strs("prefix_list_ids")
	self, oks := r.attrs.boolean("self")
	src, okg := r.attrs.str("source_security_group_id")
	if !okg {
		if ref := m.refGroup(r, "source_security_group_id"); ref != "" {
			src, okg = ref, true
		}
	}
	if !pok || !portOK || !ok4 || !ok6 || !okp || !oks || !okg {
		acc.known = false
		return
	}
	var groups []string
	if src != "" {
		groups = append(groups, src)
	}
	if self {
		groups = append(groups, groupRef(g))
	}
	acc.set.add(permKey{proto, from, to}, perm{v4, v6, pl, groups})
}

// vpcRule reads aws_vpc_security_group_ingress_rule / _egress_rule: one
// source per rule.
func (m *mapper) vpcRule(r *instance, acc *sgRules) {
	p, pok := r.attrs.str("ip_protocol")
	proto := checks.NormalizeProtocol(p)
	from, to, portOK := ports(r.attrs, proto, "from_port", "to_port")
	v4, ok4 := r.attrs.str("cidr_ipv4")
	v6, ok6 := r.attrs.str("cidr_ipv6")
	pl, okp := r.attrs.str("prefix_list_id")
	src, okg := r.attrs.str("referenced_security_group_id")
	if !okg {
		if ref := m.refGroup(r, "referenced_security_group_id"); ref != "" {
			src, okg = ref, true
		}
	}
	if !pok || !portOK || !ok4 || !ok6 || !okp || !okg {
		acc.known = false
		return
	}
	acc.set.add(permKey{proto, from, to}, perm{[]string{v4}, []string{v6}, []string{pl}, []string{src}})
}

// refGroup names the security group a rule's unknown group-id argument
// refers to in a plan (its address), or "".
func (m *mapper) refGroup(r *instance, attr string) string {
	p, ok := m.ix.parentByReference(r, join{attr: attr, parents: []string{"aws_security_group", "aws_default_security_group"}})
	if !ok || p == nil {
		return ""
	}
	return groupRef(p)
}
