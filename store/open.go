package store

import (
	"context"
	"log/slog"
)

// Open returns the Redis store when redisURL is set, else the in-memory one
// (logging that its state is neither shared nor durable).
func Open(ctx context.Context, redisURL string, opts Options, log *slog.Logger) (Store, error) {
	if redisURL == "" {
		return NewMemory(log, opts)
	}
	r, err := OpenRedis(ctx, redisURL, opts)
	if err != nil {
		return nil, err
	}
	if log != nil {
		log.Info("state store is redis", "addr", r.addr, "prefix", r.cfg.Prefix)
	}
	return r, nil
}
