package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// errorKind sorts a failed call into what a user can act on.
type errorKind string

const (
	kindAccessDenied   errorKind = "access denied"
	kindThrottled      errorKind = "throttled after retries"
	kindRegionDisabled errorKind = "region not enabled"
	kindTimeout        errorKind = "timeout"
	kindOther          errorKind = "error"
)

// accessDeniedCodes are the codes AWS services use for a refused permission.
var accessDeniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthorizationError": true, "Forbidden": true, "UnauthorizedAccess": true,
	"AllAccessDisabled": true,
}

// regionDisabledCodes are what a call into a region the account has not
// opted into answers (the credentials are unknown there).
var regionDisabledCodes = map[string]bool{
	"OptInRequired": true, "AuthFailure": true, "UnrecognizedClientException": true,
	"InvalidClientTokenId": true, "InvalidToken": true,
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func hasCode(err error, codes ...string) bool {
	c := errorCode(err)
	for _, x := range codes {
		if c == x {
			return true
		}
	}
	return false
}

// classify names the kind of a failed call.
func classify(err error) errorKind {
	code := errorCode(err)
	switch {
	case accessDeniedCodes[code]:
		return kindAccessDenied
	case regionDisabledCodes[code]:
		return kindRegionDisabled
	}
	if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
		return kindThrottled
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return kindTimeout
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		// A region that does not exist (or is not in this partition) has no
		// endpoint to resolve.
		return kindRegionDisabled
	}
	return kindOther
}

// describe is a one-line message for a failed call: the kind, then the API's
// own code and message (or the transport error).
func describe(err error) string {
	kind := classify(err)
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		if msg == "" {
			return fmt.Sprintf("%s: %s", kind, ae.ErrorCode())
		}
		return fmt.Sprintf("%s: %s: %s", kind, ae.ErrorCode(), oneLine(msg))
	}
	return fmt.Sprintf("%s: %s", kind, oneLine(err.Error()))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 400
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// s3NotConfigured are the codes with which S3 says a bucket has no
// configuration of some kind: "not configured", never an error.
var s3NotConfigured = map[string]bool{
	"NoSuchBucketPolicy":                             true,
	"ServerSideEncryptionConfigurationNotFoundError": true,
	"NoSuchPublicAccessBlockConfiguration":           true,
	"ObjectLockConfigurationNotFoundError":           true,
	"OwnershipControlsNotFoundError":                 true,
	"NoSuchTagSet":                                   true,
	"NoSuchTagSetError":                              true,
	"NoSuchLifecycleConfiguration":                   true,
	"ReplicationConfigurationNotFoundError":          true,
	"NoSuchWebsiteConfiguration":                     true,
}

func isS3NotConfigured(err error) bool { return s3NotConfigured[errorCode(err)] }

// unsupportedOperation: the endpoint does not implement the operation at all.
// Only an endpoint override (an emulator) answers so: moto returns HTTP 500
// with an HTML page for an action it lacks, others 501. AWS itself never
// serves an HTML error page from an API endpoint.
func unsupportedOperation(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	switch re.HTTPStatusCode() {
	case 501:
		return true
	case 500:
		return strings.HasPrefix(re.Response.Header.Get("Content-Type"), "text/html")
	}
	return false
}
