package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Handler receives what users do in Slack, from either transport (HTTP mode
// or Socket Mode), already verified and decoded. Slack wants an answer
// within 3 seconds, so both methods must return at once: queue the work and
// reply later through the response URL or the Web API. ctx ends when the
// request is answered; queued work must not use it. An error means the
// request was not taken: HTTP mode then shows a slash command's user
// BusyText; anything else is only logged, so reply through the response URL
// when you can.
type Handler interface {
	HandleCommand(ctx context.Context, c SlashCommand) error
	HandleInteraction(ctx context.Context, in Interaction) error
}

// FormError rejects a submitted form: Slack shows Message under the input
// Field (for the snooze form: "duration" or "reason") and keeps the form
// open. Return it from HandleInteraction for a view submission.
type FormError struct {
	Field   string
	Message string
}

func (e *FormError) Error() string { return e.Field + ": " + e.Message }

// BusyText is shown when the handler cannot take a command.
const BusyText = "comply could not take this request right now; please try again in a moment."

// NewHTTPHandler serves Slack's HTTP mode: POST /slack/commands,
// /slack/interactions and /slack/events, each checked by v first.
func NewHTTPHandler(v *Verifier, h Handler, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := httpServer{h: h, log: log}
	mux := http.NewServeMux()
	mux.Handle("/slack/commands", v.Middleware(http.HandlerFunc(s.commands)))
	mux.Handle("/slack/interactions", v.Middleware(http.HandlerFunc(s.interactions)))
	mux.Handle("/slack/events", v.Middleware(http.HandlerFunc(s.events)))
	return mux
}

type httpServer struct {
	h   Handler
	log *slog.Logger
}

func (s httpServer) commands(w http.ResponseWriter, r *http.Request) {
	body, _ := VerifiedBody(r.Context())
	c, err := ParseSlashCommand(body)
	if err != nil {
		s.log.Warn("bad slash command", "error", err)
		http.Error(w, "bad slash command", http.StatusBadRequest)
		return
	}
	if err := s.h.HandleCommand(r.Context(), c); err != nil {
		s.log.Warn("slash command not taken", "user", c.UserID, "error", err)
		writeJSON(w, map[string]string{"response_type": "ephemeral", "text": BusyText})
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s httpServer) interactions(w http.ResponseWriter, r *http.Request) {
	body, _ := VerifiedBody(r.Context())
	in, err := ParseInteraction(body)
	switch {
	case errors.Is(err, ErrNotOurs):
		s.log.Debug("interaction ignored", "error", err)
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		s.log.Warn("bad interaction", "error", err)
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	if reply := interactionReply(s.log, in, s.h.HandleInteraction(r.Context(), in)); reply != nil {
		writeJSON(w, reply)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// interactionReply is the body that acknowledges an interaction: nil, or
// the errors of a rejected form.
func interactionReply(log *slog.Logger, in Interaction, err error) any {
	if err == nil {
		return nil
	}
	var fe *FormError
	if in.Type == InteractionViewSubmission && errors.As(err, &fe) {
		return map[string]any{"response_action": "errors", "errors": map[string]string{fe.Field: truncateRunes(fe.Message, 150)}}
	}
	log.Warn("interaction not taken", "user", in.UserID, "type", in.Type, "error", err)
	return nil
}

func (s httpServer) events(w http.ResponseWriter, r *http.Request) {
	body, _ := VerifiedBody(r.Context())
	ev, err := DecodeEvent(body)
	if err != nil {
		s.log.Warn("bad event", "error", err)
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if ev.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(ev.Challenge))
		return
	}
	// We subscribe to no events; acknowledge whatever comes.
	s.log.Debug("event ignored", "type", ev.Type, "id", ev.EventID)
	w.WriteHeader(http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
