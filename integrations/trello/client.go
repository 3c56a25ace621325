// Package trello keeps one Trello card per finding: created when the finding
// fails, commented on reminders, moved to a done list when it resolves and
// back when it regresses. The card is found again by a marker in its
// description, so a wiped state store never duplicates cards.
package trello

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultBaseURL is Trello's API host; TRELLO_API_URL overrides it (tests).
// A trailing "/1" (the API version) is accepted and ignored.
const DefaultBaseURL = "https://api.trello.com"

// Card is the part of a Trello card the receiver reads.
type Card struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Desc     string `json:"desc"`
	IDList   string `json:"idList"`
	Closed   bool   `json:"closed"`
	ShortURL string `json:"shortUrl"`
}

// Client is a small Trello REST client. The key and token travel as query
// parameters, as Trello documents, and so never appear in its errors: they
// name the method and path only, and response text is scrubbed of both.
type Client struct {
	base  string
	key   string
	token string
	http  *http.Client
}

// NewClient returns a client for base (DefaultBaseURL if empty). A nil hc
// means http.DefaultClient.
func NewClient(base, key, token string, hc *http.Client) (*Client, error) {
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("trello: base url must be an absolute http(s) URL")
	}
	if key == "" || token == "" {
		return nil, errors.New("trello: api key and token are required")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	// Accept the base with or without the API version (…/1), as written in
	// Trello's docs and in TRELLO_API_URL alike.
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/1")
	return &Client{base: base, key: key, token: token, http: hc}, nil
}

const cardFields = "id,name,desc,idList,closed,shortUrl"

// BoardCards lists every card on a board, archived ones included, so a card
// someone archived is found rather than duplicated.
func (c *Client) BoardCards(ctx context.Context, boardID string) ([]Card, error) {
	var cards []Card
	q := url.Values{"fields": {cardFields}}
	if err := c.do(ctx, http.MethodGet, "/1/boards/"+url.PathEscape(boardID)+"/cards/all", q, &cards); err != nil {
		return nil, err
	}
	return cards, nil
}

// Card reads one card.
func (c *Client) Card(ctx context.Context, id string) (Card, error) {
	var card Card
	err := c.do(ctx, http.MethodGet, "/1/cards/"+url.PathEscape(id), url.Values{"fields": {cardFields}}, &card)
	return card, err
}

// CreateCard adds a card to a list. labelIDs may be empty.
func (c *Client) CreateCard(ctx context.Context, listID, name, desc string, labelIDs []string) (Card, error) {
	p := url.Values{"idList": {listID}, "name": {name}, "desc": {desc}, "pos": {"top"}}
	if len(labelIDs) > 0 {
		p.Set("idLabels", strings.Join(labelIDs, ","))
	}
	var card Card
	err := c.do(ctx, http.MethodPost, "/1/cards", p, &card)
	return card, err
}

// MoveCard puts a card on a list and unarchives it.
func (c *Client) MoveCard(ctx context.Context, id, listID string) (Card, error) {
	var card Card
	err := c.do(ctx, http.MethodPut, "/1/cards/"+url.PathEscape(id), url.Values{"idList": {listID}, "closed": {"false"}}, &card)
	return card, err
}

// Comment adds a comment to a card.
func (c *Client) Comment(ctx context.Context, id, text string) error {
	return c.do(ctx, http.MethodPost, "/1/cards/"+url.PathEscape(id)+"/actions/comments", url.Values{"text": {text}}, nil)
}

// do sends params as the query (GET) or a form body, with the credentials in
// the query, and decodes a JSON answer into out when out is not nil.
func (c *Client) do(ctx context.Context, method, path string, params url.Values, out any) error {
	what := method + " " + path
	q := url.Values{"key": {c.key}, "token": {c.token}}
	var body io.Reader
	if method == http.MethodGet {
		for k, v := range params {
			q[k] = v
		}
	} else if len(params) > 0 {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), body)
	if err != nil {
		return fmt.Errorf("trello %s: build request", what) // its error would print the URL
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error prints the URL, credentials and all
		}
		return fmt.Errorf("trello %s: %s", what, c.redact(err.Error()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("trello %s: read answer: %s", what, c.redact(err.Error()))
	}
	if resp.StatusCode/100 != 2 {
		snippet := strings.TrimSpace(string(data))
		if len(snippet) > 300 {
			snippet = snippet[:300]
		}
		return fmt.Errorf("trello %s: status %d: %s", what, resp.StatusCode, c.redact(snippet))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("trello %s: decode answer: %w", what, err)
	}
	return nil
}

func (c *Client) redact(s string) string {
	for _, secret := range []string{c.token, c.key} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}
