package terraform

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// index holds a file's resource instances for the mappers: lookups by type
// and attribute value, joins of setting resources to the resource they
// configure, and each instance's account and region.
type index struct {
	all     []*instance
	byType  map[string][]*instance
	byLocal map[string][]*instance // module instance + "\x00" + type.name
	lookups map[string]map[string][]*instance
	// unresolved counts, per child type, instances whose parent could not be
	// determined (a plan where the parent's id is unknown until apply and the
	// configuration names no single resource).
	unresolved map[string]int
}

func newIndex(all []*instance) *index {
	ix := &index{
		all: all, byType: map[string][]*instance{}, byLocal: map[string][]*instance{},
		lookups: map[string]map[string][]*instance{}, unresolved: map[string]int{},
	}
	for _, in := range all {
		ix.byType[in.typ] = append(ix.byType[in.typ], in)
		k := in.module + "\x00" + in.typ + "." + in.name
		ix.byLocal[k] = append(ix.byLocal[k], in)
	}
	return ix
}

// of lists the instances of the given types, in file order per type.
func (ix *index) of(types ...string) []*instance {
	var out []*instance
	for _, t := range types {
		out = append(out, ix.byType[t]...)
	}
	return out
}

// lookup lists the instances of typ whose attribute attr is known and equals v.
func (ix *index) lookup(typ, attr, v string) []*instance {
	k := typ + "\x00" + attr
	m, ok := ix.lookups[k]
	if !ok {
		m = map[string][]*instance{}
		for _, in := range ix.byType[typ] {
			if s, ok := in.attrs.str(attr); ok && s != "" {
				m[s] = append(m[s], in)
			}
		}
		ix.lookups[k] = m
	}
	return m[v]
}

// join describes how a setting resource names the resource it configures:
// its attribute attr holds the value of one of keys on a parent of one of
// parents' types.
type join struct {
	attr    string
	parents []string
	keys    []string
}

// joined is the result of joining one child type to its parents.
type joined struct {
	by map[*instance][]*instance
	// unresolved: some child could not be placed, so a parent without a
	// child of this type cannot assume the setting is absent.
	unresolved bool
}

// of returns p's children, and whether "no child" is known to mean none.
func (j joined) of(p *instance) ([]*instance, bool) {
	kids := j.by[p]
	return kids, len(kids) > 0 || !j.unresolved
}

// children joins every instance of childType to its parent.
func (ix *index) children(childType string, j join) joined {
	out := joined{by: map[*instance][]*instance{}}
	for _, c := range ix.byType[childType] {
		p, ok := ix.parentOf(c, j)
		if !ok {
			out.unresolved = true
			ix.unresolved[childType]++
			continue
		}
		if p != nil {
			out.by[p] = append(out.by[p], c)
		}
	}
	return out
}

// parentOf finds c's parent. ok is false when the parent cannot be
// determined; a nil parent with ok means the parent is not in this file.
func (ix *index) parentOf(c *instance, j join) (*instance, bool) {
	if v, known := c.attrs.str(j.attr); known {
		if v == "" {
			return nil, true
		}
		var cands []*instance
		for _, pt := range j.parents {
			for _, k := range j.keys {
				cands = append(cands, ix.lookup(pt, k, v)...)
			}
		}
		return preferSameProvider(c, cands), true
	}
	return ix.parentByReference(c, j)
}

func preferSameProvider(c *instance, cands []*instance) *instance {
	for _, p := range cands {
		if p.provider == c.provider {
			return p
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return nil
}

// parentByReference resolves a value unknown until apply through the plan's
// configuration: `bucket = aws_s3_bucket.logs.id` names the parent even
// though its id does not exist yet.
func (ix *index) parentByReference(c *instance, j join) (*instance, bool) {
	refs, sameKey := c.attrRefs(j.attr)
	for _, s := range refs {
		r, ok := parseRef(s)
		if !ok || !slices.Contains(j.parents, r.typ) {
			continue
		}
		cands := ix.byLocal[c.module+"\x00"+r.typ+"."+r.name]
		var match []*instance
		for _, p := range cands {
			switch {
			case r.hasKey && p.key == r.key,
				!r.hasKey && len(cands) == 1,
				!r.hasKey && sameKey && p.key == c.key:
				match = append(match, p)
			}
		}
		if len(match) == 1 {
			return match[0], true
		}
	}
	return nil, false
}

// unresolvedWarnings explains, one line per type, setting resources whose
// target could not be determined.
func (ix *index) unresolvedWarnings() []string {
	var out []string
	for _, t := range sortedKeys(ix.unresolved) {
		out = append(out, fmt.Sprintf("%d %s resource(s) could not be matched to the resource they configure "+
			"(its id is unknown until apply and the configuration names no single resource): "+
			"the settings they manage are left unknown where no other %s applies", ix.unresolved[t], t, t))
	}
	return out
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	azRE      = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]+)`)
)

// arnParts splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func arnParts(s string) (partition, region, account string, ok bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" {
		return "", "", "", false
	}
	return p[1], p[3], p[4], true
}

// own finds an instance's account, region and partition from its own
// attributes: its ARN, owner or account id, region, availability zone.
func own(in *instance) (account, region, partition string) {
	for _, k := range [...]string{"arn", "db_snapshot_arn"} {
		if s, ok := in.attrs.str(k); ok {
			if p, r, a, ok := arnParts(s); ok {
				partition = p
				if accountRE.MatchString(a) && account == "" {
					account = a
				}
				if region == "" {
					region = r
				}
			}
		}
	}
	for _, k := range [...]string{"owner_id", "account_id"} {
		if s, ok := in.attrs.str(k); ok && account == "" && accountRE.MatchString(s) {
			account = s
		}
	}
	if s, ok := in.attrs.str("region"); ok && s != "" {
		region = s // provider v6 (every regional resource) and v5 aws_s3_bucket
	}
	if region == "" {
		if s, ok := in.attrs.str("availability_zone"); ok {
			if m := azRE.FindStringSubmatch(s); m != nil {
				region = m[1]
			}
		}
	}
	if region == "" {
		if s, ok := in.attrs.str("home_region"); ok {
			region = s
		}
	}
	return account, region, partition
}

// place sets every instance's account, region and partition: its own where
// its attributes tell; else its provider configuration's region (plans);
// else what every other instance of the same provider configuration agrees
// on (one provider configuration talks to one account and, before provider
// v6, one region).
func (ix *index) place() {
	type set map[string]bool
	accounts, regions, partitions := map[string]set{}, map[string]set{}, map[string]set{}
	add := func(m map[string]set, k, v string) {
		if v == "" {
			return
		}
		if m[k] == nil {
			m[k] = set{}
		}
		m[k][v] = true
	}
	for _, in := range ix.all {
		in.account, in.region, in.partition = own(in)
		add(accounts, in.provider, in.account)
		add(regions, in.provider, in.region)
		add(partitions, in.provider, in.partition)
	}
	only := func(s set) string {
		if len(s) != 1 {
			return ""
		}
		for v := range s {
			return v
		}
		return ""
	}
	for _, in := range ix.all {
		if in.account == "" {
			in.account = only(accounts[in.provider])
		}
		if in.region == "" {
			in.region = in.provRegion
		}
		if in.region == "" {
			in.region = only(regions[in.provider])
		}
		if in.partition == "" {
			in.partition = only(partitions[in.provider])
		}
		if in.partition == "" {
			in.partition = "aws"
		}
	}
}
