package trello_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/trello"
	"github.com/comply-bot/comply/integrations/trello/trellotest"
)

const (
	key   = "k3y-abc"
	token = "t0ken-secret-xyz"
	board = "board1"
	open  = "listOpen"
	done  = "listDone"
)

func setup(t *testing.T) (*trellotest.Server, func() *trello.Receiver, *bytes.Buffer) {
	t.Helper()
	srv := trellotest.New(key, token, board, open, done)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	fresh := func() *trello.Receiver {
		r, err := trello.New(trello.Config{
			BaseURL: srv.URL, Key: key, Token: token, BoardID: board,
			OpenListID: open, DoneListID: done, LabelIDs: []string{"lab1"},
		}, srv.Client(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return srv, fresh, &logs
}

func change(fp string, kind checks.ChangeKind) checks.Change {
	return checks.Change{
		Kind: kind, Reason: checks.ReasonChange,
		Finding: checks.Finding{
			Fingerprint: fp, RuleID: "s3-public", Title: "Bucket is public", Severity: checks.SeverityHigh,
			ResourceID: "arn:aws:s3:::data", ResourceName: "data", Account: "111", Region: "eu-west-1",
			Message: "public ACL", Frameworks: map[string][]string{"cis": {"2.1.5"}},
		},
		State: checks.FindingState{Fingerprint: fp, TimesSeen: 3, LastSeen: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)},
	}
}

func count(calls []trellotest.Call, method, prefix string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			n++
		}
	}
	return n
}

func TestLifecycle(t *testing.T) {
	srv, fresh, logs := setup(t)
	ctx := context.Background()

	ref, err := fresh().Sync(ctx, change("fp1", checks.ChangeNew))
	if err != nil {
		t.Fatal(err)
	}
	cards := srv.Cards()
	if len(cards) != 1 || cards[0].IDList != open || ref != cards[0].ShortURL {
		t.Fatalf("after new: cards %+v ref %q", cards, ref)
	}
	if !strings.Contains(cards[0].Desc, "comply:fp1") || cards[0].IDLabels[0] != "lab1" {
		t.Fatalf("card lacks marker or label: %+v", cards[0])
	}

	// State wiped: a fresh receiver sees "new" again and finds the card.
	ref2, err := fresh().Sync(ctx, change("fp1", checks.ChangeNew))
	if err != nil {
		t.Fatal(err)
	}
	if ref2 != ref || len(srv.Cards()) != 1 {
		t.Fatalf("duplicate after wipe: %d cards, ref %q vs %q", len(srv.Cards()), ref2, ref)
	}

	// Reminder: one comment per call.
	if _, err := fresh().Sync(ctx, change("fp1", checks.ChangeStillOpen)); err != nil {
		t.Fatal(err)
	}
	if c := srv.Cards()[0].Comments; len(c) != 1 || !strings.Contains(c[0], "Still failing") {
		t.Fatalf("reminder comments %q", c)
	}

	// Resolve moves to done with a comment; a replay does nothing more.
	for range 2 {
		if _, err := fresh().Sync(ctx, change("fp1", checks.ChangeResolved)); err != nil {
			t.Fatal(err)
		}
	}
	c := srv.Cards()[0]
	if c.IDList != done || len(c.Comments) != 2 || !strings.HasPrefix(c.Comments[1], "Resolved") {
		t.Fatalf("after resolve: %+v", c)
	}
	if n := count(srv.Calls(), "PUT", "/1/cards/"); n != 1 {
		t.Fatalf("want 1 move, got %d", n)
	}

	// Regression, even after someone archived the card: back on the open list.
	srv.Archive(c.ID)
	if _, err := fresh().Sync(ctx, change("fp1", checks.ChangeReopened)); err != nil {
		t.Fatal(err)
	}
	c = srv.Cards()[0]
	if c.IDList != open || c.Closed || !strings.HasPrefix(c.Comments[2], "Reopened") || len(srv.Cards()) != 1 {
		t.Fatalf("after reopen: %+v", srv.Cards())
	}
	if n := count(srv.Calls(), "POST", "/1/cards"); n != 1+3 { // one create, three comments
		t.Fatalf("POSTs: %d", n)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), key) {
		t.Fatal("credentials in logs")
	}
}

func TestBaseURLWithVersion(t *testing.T) {
	srv := trellotest.New(key, token, board, open, done)
	defer srv.Close()
	r, err := trello.New(trello.Config{BaseURL: srv.URL + "/1/", Key: key, Token: token, BoardID: board, OpenListID: open, DoneListID: done}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(context.Background(), change("fp", checks.ChangeNew)); err != nil {
		t.Fatal(err)
	}
	if calls := srv.Calls(); len(calls) != 2 || calls[0].Path != "/1/boards/board1/cards/all" || calls[1].Path != "/1/cards" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestResolvedWithoutCardCreatesNothing(t *testing.T) {
	srv, fresh, _ := setup(t)
	ref, err := fresh().Sync(context.Background(), change("gone", checks.ChangeResolved))
	if err != nil || ref != "" || len(srv.Cards()) != 0 {
		t.Fatalf("ref %q err %v cards %d", ref, err, len(srv.Cards()))
	}
}

func TestMarkerNotSpoofable(t *testing.T) {
	srv, fresh, _ := setup(t)
	ctx := context.Background()
	// A finding whose message is another finding's marker must not be taken
	// for that finding's card.
	evil := change("fpA", checks.ChangeNew)
	evil.Finding.Message = "comply:fpB"
	if _, err := fresh().Sync(ctx, evil); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh().Sync(ctx, change("fpB", checks.ChangeNew)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Cards()); n != 2 {
		t.Fatalf("want 2 cards, got %d", n)
	}
}

func TestEscaping(t *testing.T) {
	srv, fresh, _ := setup(t)
	ch := change("fpX", checks.ChangeNew)
	ch.Finding.ResourceName = "[evil](http://x) **bold** @board"
	ch.Finding.Message = "line1\n# heading\n<script>"
	if _, err := fresh().Sync(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	desc := srv.Cards()[0].Desc
	for _, bad := range []string{"[evil](http://x)", "**bold**", "@board", "\n# heading", "<script>"} {
		if strings.Contains(desc, bad) {
			t.Errorf("description keeps markup %q:\n%s", bad, desc)
		}
	}
	if !strings.Contains(desc, `\[evil\]\(http\:`) {
		t.Errorf("description lost the escaped value:\n%s", desc)
	}
}

func TestCredentialsNeverInErrors(t *testing.T) {
	srv, fresh, _ := setup(t)
	srv.FailNext = 1 // the fake's 500 body echoes the token
	_, err := fresh().Sync(context.Background(), change("fp", checks.ChangeNew))
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("want a 500 error, got %v", err)
	}
	if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), key) {
		t.Fatalf("credentials leaked: %v", err)
	}

	// Wrong token: the fake's 401 echoes it; a dead server gives a url.Error.
	r, err := trello.New(trello.Config{BaseURL: srv.URL, Key: key, Token: "wrong-token-123", BoardID: board, OpenListID: open, DoneListID: done}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Sync(context.Background(), change("fp", checks.ChangeNew))
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-token-123") {
		t.Fatalf("401 error %v", err)
	}
	srv.Close()
	_, err = fresh().Sync(context.Background(), change("fp", checks.ChangeNew))
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), key) {
		t.Fatalf("network error %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []trello.Config{
		{Key: key, Token: token, BoardID: board, OpenListID: open},
		{Key: key, Token: token, BoardID: board, OpenListID: open, DoneListID: open},
		{Token: token, BoardID: board, OpenListID: open, DoneListID: done},
		{Key: key, Token: token, BoardID: board, OpenListID: open, DoneListID: done, BaseURL: "not a url"},
	} {
		if _, err := trello.New(cfg, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
