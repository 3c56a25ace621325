package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Errors of Pool.Submit.
var (
	ErrBusy     = errors.New("the work queue is full")
	ErrStopping = errors.New("comply is shutting down")
)

// Pool runs jobs on a fixed number of workers from a bounded queue, so Slack
// is acknowledged at once and a burst of requests cannot exhaust the
// process.
type Pool struct {
	jobs   chan func(context.Context)
	ctx    context.Context // jobs run with it; cancelled when shutdown runs out of time
	cancel context.CancelFunc
	log    *slog.Logger

	mu      sync.RWMutex // guards closed against sends on a closed channel
	closed  bool
	wg      sync.WaitGroup
	pending atomic.Int64 // queued or running
}

// NewPool starts workers that take jobs from a queue of the given size.
func NewPool(workers, queue int, log *slog.Logger) *Pool {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{jobs: make(chan func(context.Context), max(queue, 0)), ctx: ctx, cancel: cancel, log: log}
	for range max(workers, 1) {
		p.wg.Go(p.work)
	}
	return p
}

func (p *Pool) work() {
	for job := range p.jobs {
		p.run(job)
	}
}

// run executes one job; a panic is logged, not fatal, so one bad request
// cannot take a worker (or the process) down.
func (p *Pool) run(job func(context.Context)) {
	defer p.pending.Add(-1)
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("job panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	job(p.ctx)
}

// Submit queues a job without waiting: ErrBusy if the queue is full,
// ErrStopping after Shutdown began. The job gets a context that ends only
// when shutdown runs out of time.
func (p *Pool) Submit(job func(context.Context)) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrStopping
	}
	p.pending.Add(1)
	select {
	case p.jobs <- job:
		return nil
	default:
		p.pending.Add(-1)
		return ErrBusy
	}
}

// Pending is the number of jobs queued or running.
func (p *Pool) Pending() int { return int(p.pending.Load()) }

// Shutdown stops taking jobs and waits for the queued and running ones. When
// ctx ends first, the jobs' context is cancelled and Shutdown returns
// ctx.Err() once they have returned.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		return ctx.Err()
	}
}
