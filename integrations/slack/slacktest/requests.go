package slacktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sign is the X-Slack-Signature value for a body sent at unix time ts:
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SignedRequestAt builds a POST of body to target, signed as sent at t. Like
// httptest.NewRequest it panics if target does not parse (a test bug).
func (s *Server) SignedRequestAt(target, contentType string, body []byte, t time.Time) *http.Request {
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic(fmt.Sprintf("slacktest: bad target %q: %v", target, err)) // a test bug, not input
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(t.Unix(), 10))
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, t.Unix(), body))
	return req
}

// SignedRequest builds a POST of body to target, signed now (by the
// server's clock).
func (s *Server) SignedRequest(target, contentType string, body []byte) *http.Request {
	return s.SignedRequestAt(target, contentType, body, s.opts.Now())
}

// SlashCommand is what Slack sends for /comply; empty fields get defaults.
type SlashCommand struct {
	Command     string // "/comply"
	Text        string
	UserID      string // "U0ALICE01"
	UserName    string
	ChannelID   string // DefaultChannel
	TeamID      string
	ResponseURL string // a new response URL for the user in the channel
	TriggerID   string
}

// Form is the command as Slack form-encodes it.
func (c SlashCommand) Form() url.Values {
	return url.Values{
		"token":        {"unused-verification-token"},
		"team_id":      {c.TeamID},
		"team_domain":  {"fake-comply"},
		"channel_id":   {c.ChannelID},
		"channel_name": {"compliance"},
		"user_id":      {c.UserID},
		"user_name":    {c.UserName},
		"command":      {c.Command},
		"text":         {c.Text},
		"api_app_id":   {"A0FAKE001"},
		"response_url": {c.ResponseURL},
		"trigger_id":   {c.TriggerID},
	}
}

// CompleteSlashCommand fills a command's empty fields.
func (s *Server) CompleteSlashCommand(c SlashCommand) SlashCommand {
	if c.Command == "" {
		c.Command = "/comply"
	}
	if c.UserID == "" {
		c.UserID = "U0ALICE01"
	}
	if c.UserName == "" {
		c.UserName = strings.ToLower(c.UserID)
	}
	if c.ChannelID == "" {
		c.ChannelID = DefaultChannel
	}
	if c.TeamID == "" {
		c.TeamID = TeamID
	}
	if c.ResponseURL == "" {
		c.ResponseURL = s.NewResponseURL(c.ChannelID, "", c.UserID)
	}
	if c.TriggerID == "" {
		c.TriggerID = s.newTriggerID()
	}
	return c
}

// SlashCommandRequest builds a signed slash command POST to target (your
// /slack/commands URL) and returns the command as sent.
func (s *Server) SlashCommandRequest(target string, c SlashCommand) (*http.Request, SlashCommand) {
	c = s.CompleteSlashCommand(c)
	return s.SignedRequest(target, "application/x-www-form-urlencoded", []byte(c.Form().Encode())), c
}

// InteractionRequest builds a signed interaction POST (payload=<json>).
func (s *Server) InteractionRequest(target string, payload any) (*http.Request, error) {
	js, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode interaction payload: %w", err)
	}
	body := url.Values{"payload": {string(js)}}.Encode()
	return s.SignedRequest(target, "application/x-www-form-urlencoded", []byte(body)), nil
}

// BlockActionsPayload is what Slack sends when user clicks the button with
// actionID on a stored message. Its response URL is bound to the message.
func (s *Server) BlockActionsPayload(channel, ts, user, actionID string) (map[string]any, error) {
	m, ok := s.Message(channel, ts)
	if !ok {
		return nil, fmt.Errorf("no message %s/%s", channel, ts)
	}
	button, blockID, ok := findButton(m.Blocks, actionID)
	if !ok {
		return nil, fmt.Errorf("message %s/%s has no button %q (has %v)", channel, ts, actionID, m.Buttons())
	}
	var blocks any
	_ = json.Unmarshal(m.Blocks, &blocks)
	return map[string]any{
		"type":         "block_actions",
		"user":         userObject(user),
		"api_app_id":   "A0FAKE001",
		"token":        "unused-verification-token",
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": m.Ephemeral},
		"trigger_id":   s.newTriggerID(),
		"team":         map[string]any{"id": TeamID, "domain": "fake-comply"},
		"channel":      map[string]any{"id": channel, "name": "compliance"},
		"message":      map[string]any{"type": "message", "ts": ts, "text": m.Text, "blocks": blocks},
		"response_url": s.NewResponseURL(channel, ts, user),
		"actions": []any{map[string]any{
			"type": "button", "action_id": actionID, "block_id": blockID,
			"text": button["text"], "value": button["value"], "style": button["style"],
			"action_ts": fmt.Sprintf("%d.000000", s.opts.Now().Unix()),
		}},
	}, nil
}

// ClickButton builds the signed request for a button click (see
// BlockActionsPayload).
func (s *Server) ClickButton(target, channel, ts, user, actionID string) (*http.Request, error) {
	p, err := s.BlockActionsPayload(channel, ts, user, actionID)
	if err != nil {
		return nil, err
	}
	return s.InteractionRequest(target, p)
}

// ViewSubmissionPayload is what Slack sends when user submits a modal
// opened earlier, with values by block id (each input block's element
// receives the value).
func (s *Server) ViewSubmissionPayload(v View, user string, values map[string]string) (map[string]any, error) {
	var view struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
			Element struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(v.JSON, &view); err != nil {
		return nil, fmt.Errorf("decode view %s: %w", v.ID, err)
	}
	state := map[string]any{}
	for _, b := range view.Blocks {
		if b.Type != "input" {
			continue
		}
		val, ok := values[b.BlockID]
		if !ok {
			continue
		}
		state[b.BlockID] = map[string]any{b.Element.ActionID: map[string]any{"type": b.Element.Type, "value": val}}
	}
	return map[string]any{
		"type":       "view_submission",
		"team":       map[string]any{"id": TeamID, "domain": "fake-comply"},
		"user":       userObject(user),
		"api_app_id": "A0FAKE001",
		"token":      "unused-verification-token",
		"trigger_id": s.newTriggerID(),
		"view": map[string]any{
			"id": v.ID, "type": "modal", "team_id": TeamID,
			"callback_id": view.CallbackID, "private_metadata": view.PrivateMetadata,
			"state": map[string]any{"values": state},
		},
		"response_urls": []any{},
	}, nil
}

func userObject(id string) map[string]any {
	name := strings.ToLower(id)
	return map[string]any{"id": id, "username": name, "name": name, "team_id": TeamID}
}

func (s *Server) newTriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%d.%d.fake-trigger", s.seq, s.opts.Now().Unix())
}

// findButton finds a button by action id in Block Kit JSON.
func findButton(raw json.RawMessage, actionID string) (map[string]any, string, bool) {
	var blocks []map[string]any
	if json.Unmarshal(raw, &blocks) != nil {
		return nil, "", false
	}
	for _, b := range blocks {
		blockID, _ := b["block_id"].(string)
		var candidates []any
		if els, ok := b["elements"].([]any); ok {
			candidates = els
		}
		if acc, ok := b["accessory"]; ok {
			candidates = append(candidates, acc)
		}
		for _, c := range candidates {
			e, ok := c.(map[string]any)
			if ok && e["type"] == "button" && e["action_id"] == actionID {
				return e, blockID, true
			}
		}
	}
	return nil, "", false
}
