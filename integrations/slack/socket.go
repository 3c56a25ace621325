package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// SocketRunner receives slash commands and interactions over Socket Mode (a
// WebSocket the bot opens, so no public URL is needed) and hands them to the
// same Handler as HTTP mode.
type SocketRunner struct {
	sm *socketmode.Client
	d  dispatcher
}

// NewSocketRunner connects with an app-level token (xapp-…, scope
// connections:write). opts.APIURL and opts.HTTPClient apply to the
// connection request.
func NewSocketRunner(appToken string, opts ClientOptions, h Handler) (*SocketRunner, error) {
	if !strings.HasPrefix(appToken, "xapp-") {
		return nil, errors.New("slack app token must be an app-level token (xapp-…)")
	}
	opts, base, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	log, hc := opts.Log, opts.HTTPClient
	api := slackgo.New("", slackgo.OptionAppLevelToken(appToken), slackgo.OptionAPIURL(base.String()),
		slackgo.OptionHTTPClient(hc), slackgo.OptionLog(slogOutput{log}))
	sm := socketmode.New(api, socketmode.OptionLog(slogOutput{log}))
	return &SocketRunner{sm: sm, d: dispatcher{ack: sm, h: h, log: log}}, nil
}

// Run connects and dispatches until ctx ends (then it returns nil) or the
// connection fails for good (bad token, say).
func (r *SocketRunner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-r.sm.Events:
			r.d.dispatch(ctx, evt)
		}
	}
}

// acker acknowledges an envelope (socketmode.Client does).
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

type dispatcher struct {
	ack acker
	h   Handler
	log *slog.Logger
}

// dispatch acknowledges an envelope at once and hands its content to the
// handler. Only a form submission waits for the handler, whose verdict (a
// FormError) must travel in the acknowledgement.
func (d dispatcher) dispatch(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting, socketmode.EventTypeConnected, socketmode.EventTypeHello:
		d.log.Debug("slack socket mode", "event", evt.Type)
		return
	case socketmode.EventTypeDisconnect:
		d.log.Info("slack socket mode: Slack asked to reconnect")
		return
	case socketmode.EventTypeInvalidAuth, socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError,
		socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		d.log.Warn("slack socket mode", "event", evt.Type, "error", eventError(evt.Data))
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		d.log.Debug("slack socket mode: event without envelope", "event", evt.Type)
		return
	}
	req := *evt.Request
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		d.doAck(req, nil)
		c, err := slashCommandFromJSON(req.Payload)
		if err != nil {
			d.log.Warn("bad slash command", "error", err)
			return
		}
		if err := d.h.HandleCommand(ctx, c); err != nil {
			d.log.Warn("slash command not taken", "user", c.UserID, "error", err)
		}
	case socketmode.EventTypeInteractive:
		in, err := DecodeInteraction(req.Payload)
		if err != nil {
			d.doAck(req, nil)
			if errors.Is(err, ErrNotOurs) {
				d.log.Debug("interaction ignored", "error", err)
			} else {
				d.log.Warn("bad interaction", "error", err)
			}
			return
		}
		if in.Type != InteractionViewSubmission {
			d.doAck(req, nil)
			if err := d.h.HandleInteraction(ctx, in); err != nil {
				d.log.Warn("interaction not taken", "user", in.UserID, "error", err)
			}
			return
		}
		d.doAck(req, interactionReply(d.log, in, d.h.HandleInteraction(ctx, in)))
	default:
		// Events API and anything newer: we subscribe to none.
		d.doAck(req, nil)
		d.log.Debug("slack socket mode: ignored", "event", evt.Type)
	}
}

func (d dispatcher) doAck(req socketmode.Request, payload any) {
	var err error
	if payload == nil {
		err = d.ack.Ack(req)
	} else {
		err = d.ack.Ack(req, payload)
	}
	if err != nil {
		d.log.Warn("slack socket mode: ack failed", "envelope", req.EnvelopeID, "error", err)
	}
}

// slashCommandFromJSON reads a slash command as Socket Mode sends it: the
// fields of the HTTP form as a JSON object.
func slashCommandFromJSON(payload json.RawMessage) (SlashCommand, error) {
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return SlashCommand{}, badf("slash command JSON: %v", err)
	}
	form := url.Values{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			form.Set(k, s)
		}
	}
	return DecodeSlashCommand(form)
}

func eventError(data any) string {
	switch v := data.(type) {
	case error:
		return v.Error()
	case *socketmode.ErrorBadMessage:
		return v.Cause.Error()
	case *socketmode.ErrorWriteFailed:
		return v.Cause.Error()
	case nil:
		return ""
	}
	return fmt.Sprintf("%T", data)
}
