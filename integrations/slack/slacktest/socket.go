package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Ack is a Socket Mode acknowledgement the bot sent.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	Time       time.Time
}

// socketHub holds the Socket Mode connections and the acks received.
type socketHub struct {
	mu      sync.Mutex
	conns   []*wsConn
	acks    map[string]Ack
	changed chan struct{} // closed and replaced on every change
	seq     int
	closed  bool
}

type wsConn struct {
	mu   sync.Mutex // gorilla allows one writer at a time
	conn *websocket.Conn
}

func (c *wsConn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteJSON(v)
}

func newSocketHub() *socketHub {
	return &socketHub{acks: map[string]Ack{}, changed: make(chan struct{})}
}

// notify wakes waiters; call with h.mu held.
func (h *socketHub) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *socketHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, c := range h.conns {
		_ = c.conn.Close()
	}
	h.conns = nil
	h.notify()
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is the WebSocket apps.connections.open points to.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	s.record(Call{Method: "socket", Path: r.URL.Path})
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{conn: conn}
	h := s.socket
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		_ = conn.Close()
		return
	}
	h.conns = append(h.conns, c)
	h.notify()
	h.mu.Unlock()
	defer h.drop(c)

	hello := map[string]any{"type": "hello", "num_connections": 1,
		"debug_info": map[string]any{"host": "fake-slack"}, "connection_info": map[string]any{"app_id": "A0FAKE001"}}
	if c.write(hello) != nil {
		return
	}
	// Slack pings; the client reconnects when pings stop.
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.mu.Lock()
				err := c.conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		h.mu.Lock()
		h.acks[ack.EnvelopeID] = Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, Time: s.opts.Now()}
		h.notify()
		h.mu.Unlock()
	}
}

func (h *socketHub) drop(c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.conns {
		if x == c {
			h.conns = append(h.conns[:i], h.conns[i+1:]...)
			break
		}
	}
	_ = c.conn.Close()
	h.notify()
}

// WaitSocket waits until a Socket Mode client is connected.
func (s *Server) WaitSocket(ctx context.Context) error {
	h := s.socket
	for {
		h.mu.Lock()
		n, ch := len(h.conns), h.changed
		h.mu.Unlock()
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no socket mode connection: %w", ctx.Err())
		case <-ch:
		}
	}
}

// SendSocket sends an envelope of type ("slash_commands", "interactive",
// "events_api") to the newest Socket Mode connection and returns its id.
func (s *Server) SendSocket(typ string, payload any) (string, error) {
	h := s.socket
	h.mu.Lock()
	if len(h.conns) == 0 {
		h.mu.Unlock()
		return "", errors.New("no socket mode connection")
	}
	c := h.conns[len(h.conns)-1]
	h.seq++
	id := fmt.Sprintf("env-%06d", h.seq)
	h.mu.Unlock()
	env := map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""}
	if err := c.write(env); err != nil {
		return "", fmt.Errorf("send socket envelope: %w", err)
	}
	s.record(Call{Method: "socket." + typ})
	return id, nil
}

// SendSlashCommand sends a slash command over Socket Mode.
func (s *Server) SendSlashCommand(c SlashCommand) (string, SlashCommand, error) {
	c = s.CompleteSlashCommand(c)
	p := map[string]string{}
	for k, v := range c.Form() {
		p[k] = v[0]
	}
	id, err := s.SendSocket("slash_commands", p)
	return id, c, err
}

// WaitAck waits for the acknowledgement of an envelope.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	h := s.socket
	for {
		h.mu.Lock()
		a, ok := h.acks[envelopeID]
		ch := h.changed
		h.mu.Unlock()
		if ok {
			return a, nil
		}
		select {
		case <-ctx.Done():
			return Ack{}, fmt.Errorf("no ack for %s: %w", envelopeID, ctx.Err())
		case <-ch:
		}
	}
}
