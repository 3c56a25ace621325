package aws

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
	"github.com/aws/smithy-go/middleware"
)

// requestTimeout bounds one HTTP attempt, so a hung connection becomes a
// timeout error instead of a scan that never ends.
const requestTimeout = 60 * time.Second

// loadConfig loads the default credential chain with the adaptive retry
// mode and an HTTP transport sized for concurrent calls.
func loadConfig(ctx context.Context, opts Options) (awssdk.Config, error) {
	hc := awshttp.NewBuildableClient().
		WithTimeout(requestTimeout).
		WithTransportOptions(func(t *http.Transport) {
			// Every service of a region shares a host name with an emulator,
			// and per-region hosts otherwise: keep enough idle connections
			// that concurrent calls do not re-dial.
			t.MaxIdleConns = 512
			t.MaxIdleConnsPerHost = max(64, opts.Concurrency*8)
		})
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRetryMode(awssdk.RetryModeAdaptive),
		config.WithRetryMaxAttempts(opts.MaxAttempts),
		config.WithHTTPClient(hc),
	)
	if err != nil {
		return awssdk.Config{}, err
	}
	if opts.Endpoint != "" {
		cfg.BaseEndpoint = awssdk.String(opts.Endpoint)
	}
	if cfg.BaseEndpoint != nil {
		// An emulator's "not implemented" answer will not change on retry.
		noRetry := retry.IsErrorRetryableFunc(func(err error) awssdk.Ternary {
			if unsupportedOperation(err) {
				return awssdk.FalseTernary
			}
			return awssdk.UnknownTernary
		})
		cfg.Retryer = func() awssdk.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = opts.MaxAttempts
					so.Retryables = append([]retry.IsErrorRetryable{noRetry}, so.Retryables...)
				})
			})
		}
	}
	return cfg, nil
}

// clients builds and caches the service clients of one account. Each client
// is bound to a region and carries the call counter and the limiter of its
// (service, region).
type clients struct {
	cfg         awssdk.Config
	concurrency int
	calls       *callCounter
	global      limiter // nil: no bound across services
	endpoint    bool    // an endpoint override is in use (emulator, private endpoint)

	mu    sync.Mutex
	cache map[string]any
}

func newClients(cfg awssdk.Config, concurrency int, calls *callCounter, global limiter) *clients {
	return &clients{cfg: cfg, concurrency: concurrency, calls: calls, global: global,
		endpoint: cfg.BaseEndpoint != nil, cache: map[string]any{}}
}

func getClient[T any](c *clients, service, region string, build func(cfg awssdk.Config) T) T {
	key := service + "/" + region
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.cache[key]; ok {
		return cl.(T)
	}
	cfg := c.cfg.Copy()
	cfg.Region = region
	lim := make(limiter, c.concurrency)
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), c.calls.middleware(service), lim.middleware("comply.LimitService", middleware.Before))
	if c.global != nil {
		// Last in the step, so taken after the service's slot: a call
		// waiting for its service holds no global slot.
		cfg.APIOptions = append(cfg.APIOptions, c.global.middleware("comply.LimitGlobal", middleware.After))
	}
	cl := build(cfg)
	c.cache[key] = cl
	return cl
}

func (c *clients) sts(region string) *sts.Client {
	return getClient(c, "sts", region, func(cfg awssdk.Config) *sts.Client { return sts.NewFromConfig(cfg) })
}

func (c *clients) iam(region string) *iam.Client {
	return getClient(c, "iam", region, func(cfg awssdk.Config) *iam.Client { return iam.NewFromConfig(cfg) })
}

func (c *clients) s3(region string) *s3.Client {
	return getClient(c, "s3", region, func(cfg awssdk.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			// Emulators and private endpoints serve buckets by path, not by
			// virtual host name.
			o.UsePathStyle = c.endpoint
		})
	})
}

func (c *clients) s3control(region string) *s3control.Client {
	return getClient(c, "s3control", region, func(cfg awssdk.Config) *s3control.Client {
		return s3control.NewFromConfig(cfg, func(o *s3control.Options) {
			if c.endpoint {
				o.EndpointResolverV2 = keepHostResolver{s3control.NewDefaultEndpointResolverV2()}
			}
		})
	})
}

func (c *clients) ec2(region string) *ec2.Client {
	return getClient(c, "ec2", region, func(cfg awssdk.Config) *ec2.Client { return ec2.NewFromConfig(cfg) })
}

func (c *clients) rds(region string) *rds.Client {
	return getClient(c, "rds", region, func(cfg awssdk.Config) *rds.Client { return rds.NewFromConfig(cfg) })
}

func (c *clients) kms(region string) *kms.Client {
	return getClient(c, "kms", region, func(cfg awssdk.Config) *kms.Client { return kms.NewFromConfig(cfg) })
}

func (c *clients) cloudtrail(region string) *cloudtrail.Client {
	return getClient(c, "cloudtrail", region, func(cfg awssdk.Config) *cloudtrail.Client { return cloudtrail.NewFromConfig(cfg) })
}

func (c *clients) config(region string) *configservice.Client {
	return getClient(c, "config", region, func(cfg awssdk.Config) *configservice.Client { return configservice.NewFromConfig(cfg) })
}

func (c *clients) elbv2(region string) *elasticloadbalancingv2.Client {
	return getClient(c, "elbv2", region, func(cfg awssdk.Config) *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(cfg)
	})
}

// keepHostResolver undoes the S3 Control rule that prefixes the account id to
// the host name ("123456789012.s3-control..."): with an endpoint override
// (an emulator on 127.0.0.1, a private endpoint) that name cannot resolve,
// and the account id travels in the x-amz-account-id header anyway.
type keepHostResolver struct{ base s3control.EndpointResolverV2 }

func (r keepHostResolver) ResolveEndpoint(ctx context.Context, p s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	ep, err := r.base.ResolveEndpoint(ctx, p)
	if err != nil || p.AccountId == nil {
		return ep, err
	}
	if prefix := *p.AccountId + "."; strings.HasPrefix(ep.URI.Host, prefix) {
		u := ep.URI
		u.Host = strings.TrimPrefix(u.Host, prefix)
		ep.URI = u
	}
	return ep, nil
}
