package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/store"
)

// SweepRemediations marks the requests whose approval window closed
// without enough approvals as expired, even if nobody clicks: the store
// writes each expiry (and its audit entry, actor store.SystemActor) once,
// and the replica that wrote it updates the plan message (no buttons, says
// expired) and the finding's message. comply serve runs it every minute,
// on one replica at a time.
func (b *Bot) SweepRemediations(ctx context.Context) error {
	open, err := b.opts.Store.OpenRemediations(ctx)
	if err != nil {
		return fmt.Errorf("sweep remediation requests: %w", err)
	}
	var errs []error
	for _, r := range open {
		if r.Status != checks.RemediationExpired {
			continue // waiting within its window, or approved and being applied
		}
		got, expired, err := b.opts.Store.ExpireRemediation(ctx, r.ID)
		switch {
		case errors.Is(err, store.ErrTransition), errors.Is(err, store.ErrNotFound):
			continue // decided or gone since the listing
		case err != nil:
			errs = append(errs, fmt.Errorf("expire remediation request %s: %w", r.ID, err))
			continue
		case !expired:
			continue // written by a click, which showed it
		}
		b.log.Info("remediation request expired", "request", got.ID, "fingerprint", got.Fingerprint)
		rec := decodeRecord(got)
		b.showClosed(ctx, viewOf(got, rec, b.requestFinding(ctx, got)), rec)
	}
	return errors.Join(errs...)
}

// showClosed updates a finished request's message and its finding's
// message (which no longer shows the fix as pending).
func (b *Bot) showClosed(ctx context.Context, v checks.RemediationView, rec remediationRecord) {
	b.showRequest(ctx, v, rec)
	b.refreshFinding(ctx, v.Request.Fingerprint)
}

// refreshFinding updates a finding's own message, if it has one.
func (b *Bot) refreshFinding(ctx context.Context, fp string) {
	st, err := b.opts.Store.Finding(ctx, fp)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			b.log.Warn("finding not read for its message", "fingerprint", fp, "error", err)
		}
		return
	}
	b.refreshMessage(ctx, st)
}
