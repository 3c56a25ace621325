package aws

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

const typeConfigRecorder = "aws.config.recorder"

var configResourceTypes = []string{typeConfigRecorder}

// collectConfig reports AWS Config's recording in a region, also where no
// recorder exists (that absence is what rules look for).
func collectConfig(ctx context.Context, a *account, region string, res *results) {
	cl := a.cl.config(region)
	sc := a.scope("config", region)
	fail := func(what string, err error) { res.fail(sc, configResourceTypes, what, err) }

	recs, err := cl.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		fail("describe configuration recorders", err)
		return
	}
	attrs := map[string]any{"exists": false, "recording": false, "all_supported": false,
		"include_global_resources": false, "last_status": ""}
	if rec := customerRecorder(recs.ConfigurationRecorders); rec != nil {
		attrs["exists"] = true
		if g := rec.RecordingGroup; g != nil {
			attrs["all_supported"] = g.AllSupported
			attrs["include_global_resources"] = g.IncludeGlobalResourceTypes
		}
		st, err := cl.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{
			ConfigurationRecorderNames: []string{awssdk.ToString(rec.Name)}})
		if err != nil {
			fail("describe configuration recorder status", err)
			return
		}
		for _, s := range st.ConfigurationRecordersStatus {
			attrs["recording"] = s.Recording
			attrs["last_status"] = string(s.LastStatus)
		}
	}
	ch, err := cl.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		fail("describe delivery channels", err)
		return
	}
	attrs["delivery_channel"] = len(ch.DeliveryChannels) > 0
	res.add(newResource(typeConfigRecorder, a.arn("config", region, "config-recorder"), a, region, "config-recorder", nil, attrs))
}

// customerRecorder picks the account's own recorder: service-linked
// recorders (which record only for one AWS service) do not count.
func customerRecorder(recs []cfgtypes.ConfigurationRecorder) *cfgtypes.ConfigurationRecorder {
	for i := range recs {
		if awssdk.ToString(recs[i].ServicePrincipal) == "" {
			return &recs[i]
		}
	}
	return nil
}
