// Package trellotest is an in-memory fake of the parts of Trello's REST API
// the trello receiver uses, recording every call.
package trellotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Call is one recorded request, without the credentials.
type Call struct {
	Method string
	Path   string
	Params url.Values // query and form values, key and token removed
}

// Card is a card as the fake stores it.
type Card struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Desc     string   `json:"desc"`
	IDList   string   `json:"idList"`
	IDBoard  string   `json:"idBoard"`
	Closed   bool     `json:"closed"`
	ShortURL string   `json:"shortUrl"`
	IDLabels []string `json:"idLabels"`
	Comments []string `json:"-"`
}

// Server is the fake. Lists map list id to board id.
type Server struct {
	*httptest.Server
	Key, Token string

	mu    sync.Mutex
	lists map[string]string
	cards []*Card
	calls []Call
	next  int
	// FailNext makes the next n requests answer 500 (after recording them).
	FailNext int
}

// New starts a fake knowing the given board and its lists.
func New(key, token, board string, lists ...string) *Server {
	s := &Server{Key: key, Token: token, lists: map[string]string{}}
	for _, l := range lists {
		s.lists[l] = board
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /1/boards/{board}/cards/{filter}", s.boardCards)
	mux.HandleFunc("GET /1/boards/{board}/cards", s.boardCards)
	mux.HandleFunc("GET /1/cards/{id}", s.getCard)
	mux.HandleFunc("POST /1/cards", s.createCard)
	mux.HandleFunc("PUT /1/cards/{id}", s.updateCard)
	mux.HandleFunc("POST /1/cards/{id}/actions/comments", s.comment)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		q := r.URL.Query()
		// Trello answers 401 with a plain-text body; echo the token to catch
		// a client that would print the answer unredacted.
		if q.Get("key") != s.Key || q.Get("token") != s.Token {
			http.Error(w, "invalid token "+q.Get("token"), http.StatusUnauthorized)
			return
		}
		params := url.Values{}
		for k, v := range r.Form {
			if k != "key" && k != "token" {
				params[k] = v
			}
		}
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Params: params})
		fail := s.FailNext > 0
		if fail {
			s.FailNext--
		}
		s.mu.Unlock()
		if fail {
			http.Error(w, "server error for token "+s.Token, http.StatusInternalServerError)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return s
}

// Calls returns the recorded calls.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Cards returns copies of the stored cards.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Card, 0, len(s.cards))
	for _, c := range s.cards {
		cc := *c
		cc.Comments = slices.Clone(c.Comments)
		out = append(out, cc)
	}
	return out
}

func (s *Server) find(id string) *Card {
	for _, c := range s.cards {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) boardCards(w http.ResponseWriter, r *http.Request) {
	board := r.PathValue("board")
	filter := r.PathValue("filter")
	if filter == "" {
		filter = r.Form.Get("filter")
	}
	if filter == "" {
		filter = "visible"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Card{}
	for _, c := range s.cards {
		if c.IDBoard != board {
			continue
		}
		if (filter == "open" || filter == "visible") && c.Closed || filter == "closed" && !c.Closed {
			continue
		}
		out = append(out, *c)
	}
	writeJSON(w, out)
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.find(r.PathValue("id"))
	if c == nil {
		http.Error(w, "The requested resource was not found.", http.StatusNotFound)
		return
	}
	writeJSON(w, c)
}

func (s *Server) createCard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := r.Form.Get("idList")
	board, ok := s.lists[list]
	if !ok {
		http.Error(w, "invalid value for idList", http.StatusBadRequest)
		return
	}
	s.next++
	id := fmt.Sprintf("card%04d", s.next)
	c := &Card{
		ID: id, Name: r.Form.Get("name"), Desc: r.Form.Get("desc"), IDList: list, IDBoard: board,
		ShortURL: s.URL + "/c/" + id,
	}
	if l := r.Form.Get("idLabels"); l != "" {
		c.IDLabels = strings.Split(l, ",")
	}
	s.cards = append(s.cards, c)
	writeJSON(w, c)
}

func (s *Server) updateCard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.find(r.PathValue("id"))
	if c == nil {
		http.Error(w, "The requested resource was not found.", http.StatusNotFound)
		return
	}
	if l := r.Form.Get("idList"); l != "" {
		if _, ok := s.lists[l]; !ok {
			http.Error(w, "invalid value for idList", http.StatusBadRequest)
			return
		}
		c.IDList = l
	}
	if v := r.Form.Get("closed"); v != "" {
		c.Closed = v == "true"
	}
	writeJSON(w, c)
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.find(r.PathValue("id"))
	if c == nil {
		http.Error(w, "The requested resource was not found.", http.StatusNotFound)
		return
	}
	c.Comments = append(c.Comments, r.Form.Get("text"))
	writeJSON(w, map[string]any{"id": fmt.Sprintf("action%d", len(c.Comments)), "type": "commentCard"})
}

// Archive closes a card, as a person might in the UI.
func (s *Server) Archive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.find(id); c != nil {
		c.Closed = true
	}
}
