package aws

import (
	"context"
	"maps"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// callCounter counts HTTP attempts per service label. A retried call counts
// once per attempt: that is the load the API saw.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
	ops    map[string]int // "service:Operation", for --verbose and benchmarks
}

func newCallCounter() *callCounter {
	return &callCounter{counts: map[string]int{}, ops: map[string]int{}}
}

func (c *callCounter) inc(service, op string) {
	c.mu.Lock()
	c.counts[service]++
	c.ops[service+":"+op]++
	c.mu.Unlock()
}

func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

func (c *callCounter) operations() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.ops)
}

// middleware counts in the finalize step after the retry middleware, so it
// runs once per attempt.
func (c *callCounter) middleware(service string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("comply.CountCalls",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				c.inc(service, awsmiddleware.GetOperationName(ctx))
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// limiter bounds the calls in flight to one service in one region of one
// account. It sits before the retry middleware: a throttled call keeps its
// slot while it backs off, which is the polite thing to do.
type limiter chan struct{}

func (l limiter) middleware(id string, pos middleware.RelativePosition) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc(id,
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				select {
				case l <- struct{}{}:
				case <-ctx.Done():
					return middleware.InitializeOutput{}, middleware.Metadata{}, ctx.Err()
				}
				defer func() { <-l }()
				return next.HandleInitialize(ctx, in)
			}), pos)
	}
}
