package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/comply-bot/comply/checks"
)

const (
	worldV4 = "0.0.0.0/0"
	worldV6 = "::/0"
)

// ingressFilter says which world-open permissions a rule finds: those of
// its protocols that cover one of its ports. No ports: every port; no
// protocols: tcp and udp when ports are given, else every protocol.
type ingressFilter struct {
	ports     []int
	protocols []string
}

func newIngressFilter(params map[string]any) (ingressFilter, error) {
	ports, hasPorts, err := paramList(params, "ports", func(v any) (int, bool) {
		n, ok := toInt(v)
		return n, ok && n >= 0 && n <= 65535
	})
	if err != nil {
		return ingressFilter{}, err
	}
	protos, hasProtos, err := paramList(params, "protocols", func(v any) (string, bool) {
		s, ok := v.(string)
		if !ok {
			n, isInt := toInt(v) // a protocol number such as 6 or -1
			s, ok = fmt.Sprint(n), isInt
		}
		return checks.NormalizeProtocol(s), ok
	})
	if err != nil {
		return ingressFilter{}, err
	}
	if hasPorts && !hasProtos {
		protos = []string{"tcp", "udp"}
	}
	return ingressFilter{ports: ports, protocols: protos}, nil
}

// matches: the permission admits one of the filter's (protocol, port).
func (f ingressFilter) matches(proto string, from, to int) bool {
	if len(f.protocols) > 0 && !slices.ContainsFunc(f.protocols, func(want string) bool { return proto == "-1" || proto == want }) {
		return false
	}
	if len(f.ports) == 0 || proto == "-1" {
		return true
	}
	if proto == "icmp" || proto == "icmpv6" {
		return false // type and code, not ports
	}
	return slices.ContainsFunc(f.ports, func(port int) bool { return from <= port && port <= to })
}

func (f ingressFilter) String() string {
	var parts []string
	if len(f.protocols) > 0 {
		parts = append(parts, "protocols "+strings.Join(f.protocols, ", "))
	}
	if len(f.ports) > 0 {
		parts = append(parts, "ports "+strings.Trim(fmt.Sprint(f.ports), "[]"))
	}
	if len(parts) == 0 {
		return "any protocol or port"
	}
	return strings.Join(parts, ", ")
}

func actRevokePublicIngress() remediationAction {
	return remediationAction{
		types:  []string{typeSecurityGroup},
		params: []string{"ports", "protocols"},
		apis:   map[string]executor{"ec2:RevokeSecurityGroupIngress": revokeIngress},
		plan:   planRevokeIngress,
	}
}

// planRevokeIngress revokes, from each offending permission, only its
// 0.0.0.0/0 and ::/0 ranges, with the permission's protocol and ports as
// they are (a wider range such as 0-65535 must be revoked whole): its other
// CIDRs, prefix lists and group references stay.
func planRevokeIngress(ctx context.Context, p *planner) error {
	f, err := newIngressFilter(p.t.Params)
	if err != nil {
		return err
	}
	id, err := p.arnResource("security-group/")
	if err != nil {
		return err
	}
	out, err := p.cl.ec2(p.region).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return callError("ec2 DescribeSecurityGroups "+id, err)
	}
	if len(out.SecurityGroups) != 1 {
		return fmt.Errorf("security group %s not found in %s", id, p.region)
	}
	perms := out.SecurityGroups[0].IpPermissions
	var revoke []any
	var kept []ec2types.IpPermission
	for _, perm := range perms {
		proto := checks.NormalizeProtocol(awssdk.ToString(perm.IpProtocol))
		from, to := portRange(proto, perm.FromPort, perm.ToPort)
		v4 := slices.ContainsFunc(perm.IpRanges, func(r ec2types.IpRange) bool { return awssdk.ToString(r.CidrIp) == worldV4 })
		v6 := slices.ContainsFunc(perm.Ipv6Ranges, func(r ec2types.Ipv6Range) bool { return awssdk.ToString(r.CidrIpv6) == worldV6 })
		if !(v4 || v6) || !f.matches(proto, from, to) {
			kept = append(kept, perm)
			continue
		}
		r := map[string]any{"IpProtocol": awssdk.ToString(perm.IpProtocol)}
		if perm.FromPort != nil {
			r["FromPort"] = int(*perm.FromPort)
		}
		if perm.ToPort != nil {
			r["ToPort"] = int(*perm.ToPort)
		}
		rest := perm
		if v4 {
			r["IpRanges"] = []any{map[string]any{"CidrIp": worldV4}}
			rest.IpRanges = slices.DeleteFunc(slices.Clone(perm.IpRanges), func(r ec2types.IpRange) bool { return awssdk.ToString(r.CidrIp) == worldV4 })
		}
		if v6 {
			r["Ipv6Ranges"] = []any{map[string]any{"CidrIpv6": worldV6}}
			rest.Ipv6Ranges = slices.DeleteFunc(slices.Clone(perm.Ipv6Ranges), func(r ec2types.Ipv6Range) bool { return awssdk.ToString(r.CidrIpv6) == worldV6 })
		}
		revoke = append(revoke, r)
		if len(rest.IpRanges)+len(rest.Ipv6Ranges)+len(rest.PrefixListIds)+len(rest.UserIdGroupPairs) > 0 {
			kept = append(kept, rest)
		}
	}
	if len(revoke) == 0 {
		p.noop("security group %s admits nothing from %s or %s on %s", id, worldV4, worldV6, f)
		return nil
	}
	p.change("ingress", flattenPermissions(perms), flattenPermissions(kept))
	p.call("ec2:RevokeSecurityGroupIngress", map[string]any{"GroupId": id, "IpPermissions": revoke})
	return nil
}

// revokeIngress revokes the permissions in one call. EC2 refuses the whole
// call if one of them is already gone (InvalidPermission.NotFound): then each
// range is revoked on its own, and those already gone are skipped, so that
// applying twice or after a partial manual fix still succeeds.
func revokeIngress(ctx context.Context, cl *clients, region string, params map[string]any) error {
	whole := op((*clients).ec2, (*ec2.Client).RevokeSecurityGroupIngress)
	err := whole(ctx, cl, region, params)
	if err == nil || !hasCode(err, "InvalidPermission.NotFound") {
		return err
	}
	var in ec2.RevokeSecurityGroupIngressInput
	if err := decodeParams(params, &in); err != nil {
		return err
	}
	one := tolerate(whole, "InvalidPermission.NotFound")
	for _, perm := range in.IpPermissions {
		for _, single := range splitRanges(perm) {
			sp := map[string]any{"GroupId": awssdk.ToString(in.GroupId), "IpPermissions": []any{single}}
			if err := one(ctx, cl, region, sp); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitRanges is a permission as one permission per IP range.
func splitRanges(perm ec2types.IpPermission) []ec2types.IpPermission {
	var out []ec2types.IpPermission
	base := ec2types.IpPermission{IpProtocol: perm.IpProtocol, FromPort: perm.FromPort, ToPort: perm.ToPort}
	for _, r := range perm.IpRanges {
		p := base
		p.IpRanges = []ec2types.IpRange{r}
		out = append(out, p)
	}
	for _, r := range perm.Ipv6Ranges {
		p := base
		p.Ipv6Ranges = []ec2types.Ipv6Range{r}
		out = append(out, p)
	}
	return out
}

func actEBSDefaultEncryption() remediationAction {
	return remediationAction{
		types: []string{typeEBSDefault},
		apis:  map[string]executor{"ec2:EnableEbsEncryptionByDefault": op((*clients).ec2, (*ec2.Client).EnableEbsEncryptionByDefault)},
		plan: func(ctx context.Context, p *planner) error {
			out, err := p.cl.ec2(p.region).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
			if err != nil {
				return callError("ec2 GetEbsEncryptionByDefault in "+p.region, err)
			}
			if awssdk.ToBool(out.EbsEncryptionByDefault) {
				p.noop("EBS encryption by default is already on in %s", p.region)
				return nil
			}
			p.change("enabled", false, true)
			p.call("ec2:EnableEbsEncryptionByDefault", map[string]any{})
			return nil
		},
	}
}
