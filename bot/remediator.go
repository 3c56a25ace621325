package bot

import (
	"context"

	"github.com/comply-bot/comply/checks"
)

// Remediator plans and applies automated fixes. Plan only reads; Apply is
// the one place comply changes a cloud resource, and the bot calls it only
// for an approved request, after planning again to re-check the resource.
type Remediator interface {
	// Supports reports whether the action is implemented.
	Supports(action string) bool
	// Plan reads the resource live and describes the change that fixes it.
	Plan(ctx context.Context, t checks.RemediationTarget) (checks.RemediationPlan, error)
	// Apply makes the planned change.
	Apply(ctx context.Context, p checks.RemediationPlan) error
}
