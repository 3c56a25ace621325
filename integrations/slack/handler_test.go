package slack

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// recordingHandler is a Handler that records what it is given; errFor
// makes it refuse.
type recordingHandler struct {
	mu           sync.Mutex
	commands     []SlashCommand
	interactions []Interaction
	err          error
	got          chan struct{}
}

func newRecordingHandler() *recordingHandler {
	return &recordingHandler{got: make(chan struct{}, 100)}
}

func (h *recordingHandler) HandleCommand(_ context.Context, c SlashCommand) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.commands = append(h.commands, c)
	h.got <- struct{}{}
	return h.err
}

func (h *recordingHandler) HandleInteraction(_ context.Context, in Interaction) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.interactions = append(h.interactions, in)
	h.got <- struct{}{}
	if in.Type == InteractionViewSubmission && in.Snooze != nil && in.Snooze.Duration == "forever" {
		return &FormError{Field: "duration", Message: "Like 12h, 7d or 2w."}
	}
	return h.err
}

func (h *recordingHandler) snapshot() ([]SlashCommand, []Interaction) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SlashCommand(nil), h.commands...), append([]Interaction(nil), h.interactions...)
}

var errBusy = errors.New("queue full")

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
