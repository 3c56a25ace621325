package aws

import (
	"context"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

const typeLoadBalancer = "aws.elbv2.load_balancer"

var elbv2ResourceTypes = []string{typeLoadBalancer}

// collectELBv2 lists a region's load balancers; listeners and attributes are
// per load balancer, tags come 20 load balancers a call.
func collectELBv2(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.elbv2(region)
	sc := a.scope("elbv2", region)
	var lbs []elbtypes.LoadBalancer
	p := elb.NewDescribeLoadBalancersPaginator(cl, &elb.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			res.fail(sc, elbv2ResourceTypes, "describe load balancers", err)
			return
		}
		lbs = append(lbs, out.LoadBalancers...)
	}
	tags := map[string]map[string]string{}
	for chunk := range slices.Chunk(lbs, 20) {
		arns := make([]string, len(chunk))
		for i, lb := range chunk {
			arns[i] = awssdk.ToString(lb.LoadBalancerArn)
		}
		out, err := cl.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns})
		if err != nil {
			res.fail(sc, elbv2ResourceTypes, "describe load balancer tags", err)
			return
		}
		for _, td := range out.TagDescriptions {
			m := map[string]string{}
			for _, t := range td.Tags {
				m[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
			}
			tags[awssdk.ToString(td.ResourceArn)] = m
		}
	}
	forEach(ctx, a.cl.concurrency, lbs, func(ctx context.Context, lb elbtypes.LoadBalancer) {
		arn := awssdk.ToString(lb.LoadBalancerArn)
		attrs := map[string]any{"lb_type": string(lb.Type), "scheme": string(lb.Scheme)}
		if ls, err := listeners(ctx, cl, lb.LoadBalancerArn); err != nil {
			if hasCode(err, "LoadBalancerNotFound") {
				return
			}
			res.detail(sc, "DescribeListeners", arn, err)
		} else {
			attrs["listeners"] = ls
		}
		out, err := cl.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
		if err != nil {
			if hasCode(err, "LoadBalancerNotFound") {
				return
			}
			res.detail(sc, "DescribeLoadBalancerAttributes", arn, err)
		} else {
			kv := map[string]string{}
			for _, at := range out.Attributes {
				kv[awssdk.ToString(at.Key)] = awssdk.ToString(at.Value)
			}
			attrs["access_logs_enabled"] = kv["access_logs.s3.enabled"] == "true"
			attrs["deletion_protection"] = kv["deletion_protection.enabled"] == "true"
			// Only ALBs have the setting; the others parse no HTTP headers.
			attrs["drop_invalid_headers"] = kv["routing.http.drop_invalid_header_fields.enabled"] == "true"
		}
		res.add(newResource(typeLoadBalancer, arn, a, region, awssdk.ToString(lb.LoadBalancerName), tags[arn], attrs))
	})
}

func listeners(ctx context.Context, cl *elb.Client, lbARN *string) ([]map[string]any, error) {
	out := []map[string]any{}
	p := elb.NewDescribeListenersPaginator(cl, &elb.DescribeListenersInput{LoadBalancerArn: lbARN})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range page.Listeners {
			redirect := slices.ContainsFunc(l.DefaultActions, func(a elbtypes.Action) bool {
				return a.Type == elbtypes.ActionTypeEnumRedirect && a.RedirectConfig != nil &&
					strings.EqualFold(awssdk.ToString(a.RedirectConfig.Protocol), "HTTPS")
			})
			policy := ""
			if l.Protocol == elbtypes.ProtocolEnumHttps || l.Protocol == elbtypes.ProtocolEnumTls {
				// Only these listeners negotiate TLS (moto reports a policy
				// on plain HTTP listeners too).
				policy = awssdk.ToString(l.SslPolicy)
			}
			out = append(out, map[string]any{
				"port":               int(awssdk.ToInt32(l.Port)),
				"protocol":           string(l.Protocol),
				"ssl_policy":         policy,
				"redirects_to_https": redirect,
			})
		}
	}
	return out, nil
}
