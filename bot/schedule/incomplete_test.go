package schedule

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A job that ran but could not see everything is a monitoring failure of
// its own kind, told apart from a failed run.
func TestIncompleteRunIsAMonitoringFailure(t *testing.T) {
	job := func(context.Context, Spec) error {
		return fmt.Errorf("%w: 1 error: aws s3 us-east-1: AccessDenied", ErrIncomplete)
	}
	var fails failures
	var outcomes []Outcome
	s, err := New([]Spec{spec(t, "nightly", "0 6 * * *", "")}, job, newMemory(t), Options{
		OnMonitoringFailure: func(sp Spec, o Outcome, reason string) {
			outcomes = append(outcomes, o)
			fails.add(sp, o, reason)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.Tick(t.Context(), "nightly", time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC))
	if err != nil || o != OutcomeIncomplete {
		t.Fatalf("tick: %v, %v; want incomplete", o, err)
	}
	got := fails.list()
	if len(got) != 1 || len(outcomes) != 1 || outcomes[0] != OutcomeIncomplete ||
		!strings.Contains(got[0], "run was incomplete: 1 error: aws s3 us-east-1: AccessDenied") {
		t.Errorf("failures %q, outcomes %v", got, outcomes)
	}
}
