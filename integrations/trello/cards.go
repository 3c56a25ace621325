package trello

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Config configures the Trello receiver.
type Config struct {
	BaseURL    string // TRELLO_API_URL; default DefaultBaseURL
	Key        string // TRELLO_API_KEY
	Token      string // TRELLO_TOKEN
	BoardID    string // the board holding both lists; searched for existing cards
	OpenListID string // where failing findings' cards live
	DoneListID string // where resolved findings' cards go
	LabelIDs   []string
}

// Receiver syncs finding changes to Trello cards.
type Receiver struct {
	cfg    Config
	client *Client
	log    *slog.Logger
}

// New checks cfg and returns a receiver. A nil hc means http.DefaultClient; a
// nil log discards.
func New(cfg Config, hc *http.Client, log *slog.Logger) (*Receiver, error) {
	if cfg.BoardID == "" || cfg.OpenListID == "" || cfg.DoneListID == "" {
		return nil, errors.New("trello: board, open list and done list ids are required")
	}
	if cfg.OpenListID == cfg.DoneListID {
		return nil, errors.New("trello: open and done lists must differ")
	}
	c, err := NewClient(cfg.BaseURL, cfg.Key, cfg.Token, hc)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{cfg: cfg, client: c, log: log}, nil
}

// Marker is the line in a card's description that ties it to a fingerprint.
func Marker(fingerprint string) string { return "comply:" + fingerprint }

// Find returns the card carrying fingerprint's marker, if any. When several
// do (someone copied a card), the oldest-listed open one wins.
func (r *Receiver) Find(ctx context.Context, fingerprint string) (Card, bool, error) {
	cards, err := r.client.BoardCards(ctx, r.cfg.BoardID)
	if err != nil {
		return Card{}, false, fmt.Errorf("find card for %s: %w", fingerprint, err)
	}
	var found *Card
	for i := range cards {
		if !hasMarker(cards[i].Desc, fingerprint) {
			continue
		}
		if found == nil || (found.Closed && !cards[i].Closed) {
			found = &cards[i]
		}
	}
	if found == nil {
		return Card{}, false, nil
	}
	return *found, true, nil
}

func hasMarker(desc, fingerprint string) bool {
	want := Marker(fingerprint)
	for line := range strings.SplitSeq(desc, "\n") {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}

// Sync brings the finding's card in line with change and returns the card's
// short URL (its id when Trello gave no URL); empty when a resolved finding
// never had a card. It is idempotent: replaying a change does not create a
// second card or move it twice. A still-open change adds a reminder comment
// every time it is called: the caller spaces reminders.
func (r *Receiver) Sync(ctx context.Context, change checks.Change) (string, error) {
	fp := change.Finding.Fingerprint
	if fp == "" {
		return "", errors.New("trello: change without fingerprint")
	}
	card, ok, err := r.Find(ctx, fp)
	if err != nil {
		return "", fmt.Errorf("trello: %w", err)
	}
	if !ok {
		if change.Kind == checks.ChangeResolved {
			return "", nil // nothing was ever filed; nothing to close
		}
		card, err = r.client.CreateCard(ctx, r.cfg.OpenListID, cardName(change.Finding), cardDesc(change.Finding), r.cfg.LabelIDs)
		if err != nil {
			return "", fmt.Errorf("trello: create card for %s: %w", fp, err)
		}
		r.log.InfoContext(ctx, "trello card created", "fingerprint", fp, "card", card.ID)
		return ref(card), nil
	}
	open := card.IDList == r.cfg.OpenListID && !card.Closed
	switch change.Kind {
	case checks.ChangeResolved:
		if card.IDList == r.cfg.DoneListID && !card.Closed {
			return ref(card), nil
		}
		return r.move(ctx, card, r.cfg.DoneListID, "Resolved: the check passes again.")
	case checks.ChangeNew, checks.ChangeReopened:
		if open {
			return ref(card), nil // already where it belongs (a replay, or state was wiped)
		}
		return r.move(ctx, card, r.cfg.OpenListID, "Reopened: the finding fails again.\n\n"+escape(change.Finding.Message))
	case checks.ChangeStillOpen:
		if !open {
			return r.move(ctx, card, r.cfg.OpenListID, "Still failing, moved back to the open list.\n\n"+escape(change.Finding.Message))
		}
		if err := r.client.Comment(ctx, card.ID, change.ReminderNote()); err != nil {
			return "", fmt.Errorf("trello: comment on card for %s: %w", fp, err)
		}
		return ref(card), nil
	default:
		return "", fmt.Errorf("trello: unknown change kind %q", change.Kind)
	}
}

// move moves first and comments second: a retry after a failed comment then
// sees the card in place and does not comment twice.
func (r *Receiver) move(ctx context.Context, card Card, listID, comment string) (string, error) {
	moved, err := r.client.MoveCard(ctx, card.ID, listID)
	if err != nil {
		return "", fmt.Errorf("trello: move card %s: %w", card.ID, err)
	}
	if moved.ID == "" {
		moved = card
	}
	if err := r.client.Comment(ctx, card.ID, comment); err != nil {
		return "", fmt.Errorf("trello: comment on card %s: %w", card.ID, err)
	}
	r.log.InfoContext(ctx, "trello card moved", "card", card.ID, "list", listID)
	return ref(moved), nil
}

func ref(c Card) string {
	if c.ShortURL != "" {
		return c.ShortURL
	}
	return c.ID
}
