package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestFlattenPermissions(t *testing.T) {
	cidr := func(c string) ec2types.IpRange { return ec2types.IpRange{CidrIp: awssdk.String(c)} }
	perms := []ec2types.IpPermission{
		{IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(20), ToPort: awssdk.Int32(25), IpRanges: []ec2types.IpRange{cidr("0.0.0.0/0")}},
		{IpProtocol: awssdk.String("-1"), FromPort: awssdk.Int32(-1), ToPort: awssdk.Int32(-1),
			Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: awssdk.String("::/0")}}},
		{IpProtocol: awssdk.String("6"), FromPort: awssdk.Int32(20), ToPort: awssdk.Int32(25), IpRanges: []ec2types.IpRange{cidr("10.0.0.0/8"), cidr("0.0.0.0/0")},
			PrefixListIds: []ec2types.PrefixListId{{PrefixListId: awssdk.String("pl-1")}}},
		{IpProtocol: awssdk.String("icmp"), FromPort: awssdk.Int32(8), ToPort: awssdk.Int32(-1), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: awssdk.String("sg-1")}}},
		{IpProtocol: awssdk.String("50")},
	}
	want := []map[string]any{
		{"protocol": "tcp", "from_port": 20, "to_port": 25, "ipv4_ranges": []string{"0.0.0.0/0", "10.0.0.0/8"},
			"ipv6_ranges": []string{}, "prefix_lists": []string{"pl-1"}, "source_groups": []string{}},
		{"protocol": "-1", "from_port": 0, "to_port": 65535, "ipv4_ranges": []string{},
			"ipv6_ranges": []string{"::/0"}, "prefix_lists": []string{}, "source_groups": []string{}},
		{"protocol": "icmp", "from_port": 8, "to_port": -1, "ipv4_ranges": []string{},
			"ipv6_ranges": []string{}, "prefix_lists": []string{}, "source_groups": []string{"sg-1"}},
		{"protocol": "50", "from_port": 0, "to_port": 65535, "ipv4_ranges": []string{},
			"ipv6_ranges": []string{}, "prefix_lists": []string{}, "source_groups": []string{}},
	}
	if got := flattenPermissions(perms); !reflect.DeepEqual(got, want) {
		t.Errorf("flattenPermissions:\n got %v\nwant %v", got, want)
	}
	if got := flattenPermissions(nil); got == nil || len(got) != 0 {
		t.Errorf("no permissions: got %#v, want an empty list", got)
	}
}

func TestManagementEvents(t *testing.T) {
	f := func(field string, eq ...string) types.AdvancedFieldSelector {
		return types.AdvancedFieldSelector{Field: awssdk.String(field), Equals: eq}
	}
	mgmt := f("eventCategory", "Management")
	cases := []struct {
		name     string
		basic    []types.EventSelector
		advanced []types.AdvancedEventSelector
		want     bool
	}{
		{"no selectors: default", nil, nil, true},
		{"basic all", []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: awssdk.Bool(true)}}, nil, true},
		{"basic write only", []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly, IncludeManagementEvents: awssdk.Bool(true)}}, nil, false},
		{"basic read and write selectors", []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly}, {ReadWriteType: types.ReadWriteTypeReadOnly}}, nil, true},
		{"basic management excluded", []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: awssdk.Bool(false)}}, nil, false},
		{"advanced all", nil, []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{mgmt}}}, true},
		{"advanced read only", nil, []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{mgmt, f("readOnly", "true")}}}, false},
		{"advanced read + write", nil, []types.AdvancedEventSelector{
			{FieldSelectors: []types.AdvancedFieldSelector{mgmt, f("readOnly", "true")}},
			{FieldSelectors: []types.AdvancedFieldSelector{mgmt, f("readOnly", "false")}}}, true},
		{"advanced data only", nil, []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{f("eventCategory", "Data")}}}, false},
		// Leaving out KMS or RDS Data API events is not recording all
		// management events.
		{"basic all but KMS events", []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: awssdk.Bool(true),
			ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}, nil, false},
		{"advanced all but KMS events", nil, []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{mgmt,
			{Field: awssdk.String("eventSource"), NotEquals: []string{"kms.amazonaws.com"}}}}}, false},
		{"advanced readOnly not true (write only)", nil, []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{mgmt,
			{Field: awssdk.String("readOnly"), NotEquals: []string{"true"}}}}}, false},
		{"advanced narrowed plus a full selector", nil, []types.AdvancedEventSelector{
			{FieldSelectors: []types.AdvancedFieldSelector{mgmt, {Field: awssdk.String("eventSource"), NotEquals: []string{"rdsdata.amazonaws.com"}}}},
			{FieldSelectors: []types.AdvancedFieldSelector{mgmt}}}, true},
	}
	for _, tc := range cases {
		if got := recordsAllManagementEvents(tc.basic, tc.advanced); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "msg " + code}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want errorKind
	}{
		{apiErr("AccessDenied"), kindAccessDenied},
		{fmt.Errorf("wrapped: %w", apiErr("AccessDeniedException")), kindAccessDenied},
		{apiErr("UnauthorizedOperation"), kindAccessDenied},
		{apiErr("Throttling"), kindThrottled},
		{apiErr("RequestLimitExceeded"), kindThrottled},
		{apiErr("SlowDown"), kindThrottled},
		{apiErr("OptInRequired"), kindRegionDisabled},
		{apiErr("UnrecognizedClientException"), kindRegionDisabled},
		{apiErr("AuthFailure"), kindRegionDisabled},
		{context.DeadlineExceeded, kindTimeout},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), kindTimeout},
		{apiErr("InternalError"), kindOther},
		{errors.New("boom"), kindOther},
	}
	for _, tc := range cases {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := describe(apiErr("AccessDenied")); got != "access denied: AccessDenied: msg AccessDenied" {
		t.Errorf("describe: %q", got)
	}
	if got := describe(errors.New("line\nbreak")); strings.Contains(got, "\n") {
		t.Errorf("describe kept a line break: %q", got)
	}
}

func TestUnsupportedOperation(t *testing.T) {
	resp := func(status int, ctype string) error {
		h := http.Header{}
		h.Set("Content-Type", ctype)
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: h}}, Err: errors.New("x")}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{resp(500, "text/html; charset=utf-8"), true},
		{resp(501, "application/xml"), true},
		{resp(500, "application/xml"), false},
		{resp(403, "text/html"), false},
		{apiErr("AccessDenied"), false},
	} {
		if got := unsupportedOperation(tc.err); got != tc.want {
			t.Errorf("unsupportedOperation(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// The S3 Control resolver must keep an emulator's host: "ACCOUNT.127.0.0.1"
// does not resolve.
func TestKeepHostResolver(t *testing.T) {
	r := keepHostResolver{s3control.NewDefaultEndpointResolverV2()}
	ep, err := r.ResolveEndpoint(context.Background(), s3control.EndpointParameters{
		Region: awssdk.String("us-east-1"), Endpoint: awssdk.String("http://127.0.0.1:5000"),
		AccountId: awssdk.String("123456789012"), RequiresAccountId: awssdk.Bool(true), UseFIPS: awssdk.Bool(false), UseDualStack: awssdk.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := url.Parse("http://127.0.0.1:5000")
	if ep.URI.Host != want.Host {
		t.Errorf("host = %q, want %q", ep.URI.Host, want.Host)
	}
}

func TestValidateOptions(t *testing.T) {
	good := []Options{
		{},
		{Regions: []string{"us-east-1", "eu-west-1", "us-gov-west-1"}},
		{Regions: []string{"all"}},
		{Accounts: []AccountRole{{RoleARN: "arn:aws:iam::111122223333:role/scanner", ExternalID: "x"}}, SkipDefault: true},
	}
	for _, o := range good {
		if err := validate(o); err != nil {
			t.Errorf("validate(%+v): %v", o, err)
		}
	}
	bad := []Options{
		{Regions: []string{"all", "us-east-1"}},
		{Regions: []string{"US East"}},
		{Accounts: []AccountRole{{RoleARN: "arn:aws:iam::1:user/x"}}},
		{SkipDefault: true},
	}
	for _, o := range bad {
		if err := validate(o); err == nil {
			t.Errorf("validate(%+v): want an error", o)
		}
	}
}
