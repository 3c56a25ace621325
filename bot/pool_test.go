package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolRunsJobsAndRefusesWhenFull(t *testing.T) {
	p := NewPool(2, 3, nil)
	release := make(chan struct{})
	var ran atomic.Int32
	block := func(context.Context) { <-release; ran.Add(1) }
	for range 2 { // both workers busy
		if err := p.Submit(block); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "workers to take the jobs", func() bool { return len(p.jobs) == 0 })
	for range 3 { // the queue fills
		if err := p.Submit(block); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(block); !errors.Is(err, ErrBusy) {
		t.Fatalf("full pool: %v, want ErrBusy", err)
	}
	if p.Pending() != 5 {
		t.Errorf("pending %d, want 5", p.Pending())
	}
	close(release)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 5 || p.Pending() != 0 {
		t.Errorf("ran %d, pending %d", ran.Load(), p.Pending())
	}
	if err := p.Submit(block); !errors.Is(err, ErrStopping) {
		t.Errorf("after shutdown: %v, want ErrStopping", err)
	}
}

func TestPoolShutdownFinishesQueuedWork(t *testing.T) {
	p := NewPool(1, 10, nil)
	var done atomic.Int32
	for range 5 {
		_ = p.Submit(func(ctx context.Context) {
			time.Sleep(5 * time.Millisecond)
			if ctx.Err() == nil {
				done.Add(1)
			}
		})
	}
	if err := p.Shutdown(context.Background()); err != nil || done.Load() != 5 {
		t.Errorf("shutdown %v; %d of 5 jobs finished with a live context", err, done.Load())
	}
}

func TestPoolShutdownTimeoutCancelsJobs(t *testing.T) {
	p := NewPool(1, 1, nil)
	cancelled := make(chan struct{})
	_ = p.Submit(func(ctx context.Context) {
		<-ctx.Done()
		close(cancelled)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown: %v, want deadline exceeded", err)
	}
	select {
	case <-cancelled:
	default:
		t.Error("the running job's context was not cancelled")
	}
}

func TestPoolSurvivesPanics(t *testing.T) {
	p := NewPool(1, 2, nil)
	var ran atomic.Bool
	_ = p.Submit(func(context.Context) { panic("boom") })
	_ = p.Submit(func(context.Context) { ran.Store(true) })
	if err := p.Shutdown(context.Background()); err != nil || !ran.Load() {
		t.Errorf("after a panic: %v, next job ran %v", err, ran.Load())
	}
}
