package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const maxRequestBytes = 4 << 20

// api serves POST /api/{method}.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	call := Call{Method: method, Path: r.URL.Path}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		body, err := io.ReadAll(r.Body)
		if len(body) == 0 {
			body = []byte("{}") // apps.connections.open sends no body
		}
		if err != nil || !json.Valid(body) {
			s.record(call)
			writeJSON(w, http.StatusOK, apiError("invalid_json"))
			return
		}
		call.JSON = body
	} else {
		if err := r.ParseForm(); err != nil {
			s.record(call)
			writeJSON(w, http.StatusOK, apiError("invalid_form_data"))
			return
		}
		call.Params = r.PostForm
		if t := call.Params.Get("token"); t != "" {
			token = t
		}
		call.Params.Del("token")
	}
	call.Token = token
	s.record(call)

	if f, ok := s.takeFailure(method); ok {
		if f.status != 0 && f.status != http.StatusOK {
			if f.status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			http.Error(w, f.code, f.status)
			return
		}
		writeJSON(w, http.StatusOK, apiError(f.code))
		return
	}
	want := s.opts.BotToken
	if method == "apps.connections.open" {
		want = s.opts.AppToken
	}
	switch token {
	case "":
		writeJSON(w, http.StatusOK, apiError("not_authed"))
		return
	case want:
	default:
		writeJSON(w, http.StatusOK, apiError("invalid_auth"))
		return
	}

	var resp map[string]any
	switch method {
	case "auth.test":
		resp = map[string]any{"url": "https://fake-comply.slack.com/", "team": "Fake Comply", "user": "comply",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID}
	case "chat.postMessage":
		resp = s.postMessage(call, false)
	case "chat.postEphemeral":
		resp = s.postMessage(call, true)
	case "chat.update":
		resp = s.update(call)
	case "views.open":
		resp = s.openView(call)
	case "usergroups.users.list":
		resp = s.userGroupUsers(call)
	case "files.getUploadURLExternal":
		resp = s.uploadURL(call)
	case "files.completeUploadExternal":
		resp = s.completeUpload(call)
	case "apps.connections.open":
		resp = map[string]any{"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/socket"}
	default:
		resp = apiError("unknown_method")
	}
	if _, failed := resp["error"]; !failed {
		resp["ok"] = true
	}
	writeJSON(w, http.StatusOK, resp)
}

func apiError(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) takeFailure(method string) (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.failures[method]
	if len(fs) == 0 {
		return failure{}, false
	}
	s.failures[method] = fs[1:]
	return fs[0], true
}

// resolveChannel maps a channel parameter to a channel id; a user id opens a
// DM. Call with s.mu held.
func (s *Server) resolveChannel(ch string) (string, bool) {
	switch {
	case s.channels[ch]:
		return ch, true
	case userID(ch):
		return "D" + ch[1:], true
	}
	return "", false
}

func userID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// content reads and checks text and blocks as chat methods take them.
func content(call Call) (string, json.RawMessage, string) {
	text := call.Params.Get("text")
	blocks := json.RawMessage(call.Params.Get("blocks"))
	if len(blocks) == 0 {
		blocks = nil
	}
	if text == "" && blocks == nil {
		return "", nil, "no_text"
	}
	if blocks != nil {
		if err := ValidateBlocks(blocks); err != nil {
			return "", nil, "invalid_blocks"
		}
	}
	return text, blocks, ""
}

func (s *Server) postMessage(call Call, ephemeral bool) map[string]any {
	text, blocks, bad := content(call)
	if bad != "" {
		return apiError(bad)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.resolveChannel(call.Params.Get("channel"))
	if !ok {
		return apiError("channel_not_found")
	}
	user := call.Params.Get("user")
	if ephemeral && !userID(user) {
		return apiError("user_not_in_channel")
	}
	thread := call.Params.Get("thread_ts")
	if thread != "" {
		// Replies hang off a top-level message of the same channel.
		if parent, ok := s.messages[ch+"/"+thread]; !ok || parent.Ephemeral || parent.ThreadTS != "" {
			return apiError("thread_not_found")
		}
	}
	ts := s.nextTS()
	m := &Message{Channel: ch, TS: ts, Text: text, Blocks: blocks, Ephemeral: ephemeral, User: user,
		ThreadTS: thread, Broadcast: thread != "" && call.Params.Get("reply_broadcast") == "true",
		Revisions: []Revision{{Via: call.Method, Text: text, Blocks: blocks, Time: s.opts.Now()}}}
	s.messages[ch+"/"+ts] = m
	s.order = append(s.order, ch+"/"+ts)
	if ephemeral {
		return map[string]any{"message_ts": ts}
	}
	return map[string]any{"channel": ch, "ts": ts, "message": map[string]any{"type": "message", "text": text, "ts": ts, "bot_id": BotID}}
}

func (s *Server) update(call Call) map[string]any {
	text, blocks, bad := content(call)
	if bad != "" {
		return apiError(bad)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ts := call.Params.Get("channel"), call.Params.Get("ts")
	if !s.channels[ch] && !strings.HasPrefix(ch, "D") {
		return apiError("channel_not_found")
	}
	m, ok := s.messages[ch+"/"+ts]
	if !ok || m.Ephemeral {
		return apiError("message_not_found")
	}
	m.Text, m.Blocks = text, blocks
	m.Revisions = append(m.Revisions, Revision{Via: call.Method, Text: text, Blocks: blocks, Time: s.opts.Now()})
	return map[string]any{"channel": ch, "ts": ts, "text": text}
}

func (s *Server) openView(call Call) map[string]any {
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(call.JSON, &req); err != nil || len(req.View) == 0 {
		return apiError("invalid_arguments")
	}
	if req.TriggerID == "" || strings.HasPrefix(req.TriggerID, "expired") {
		return apiError("expired_trigger_id")
	}
	var view struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(req.View, &view) != nil || view.Type != "modal" || ValidateBlocks(view.Blocks) != nil {
		return apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("V%06d", s.seq)
	s.views = append(s.views, View{ID: id, TriggerID: req.TriggerID, JSON: req.View})
	return map[string]any{"view": map[string]any{"id": id, "type": "modal"}}
}

func (s *Server) uploadURL(call Call) map[string]any {
	name := call.Params.Get("filename")
	n, err := strconv.Atoi(call.Params.Get("length"))
	if name == "" || err != nil || n <= 0 {
		return apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("F%06d", s.seq)
	s.uploads[id] = &upload{name: name, length: n}
	return map[string]any{"upload_url": s.URL + "/upload/" + id, "file_id": id}
}

// upload serves the upload URL (a multipart form with a "file" part).
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.record(Call{Method: "upload", Path: r.URL.Path})
	if err := r.ParseMultipartForm(maxRequestBytes); err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	u.content = data
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK - " + strconv.Itoa(len(data))))
}

func (s *Server) completeUpload(call Call) map[string]any {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(call.Params.Get("files")), &files); err != nil || len(files) == 0 {
		return apiError("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := call.Params.Get("channel_id"); ch != "" {
		if _, ok := s.resolveChannel(ch); !ok {
			return apiError("channel_not_found")
		}
	}
	var out []map[string]any
	for _, f := range files {
		u, ok := s.uploads[f.ID]
		if !ok || u.content == nil {
			return apiError("file_not_found")
		}
		if len(u.content) != u.length {
			return apiError("file_size_mismatch")
		}
		u.done = true
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	return map[string]any{"files": out}
}

// respond serves response URLs.
func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	s.record(Call{Method: "response_url", Path: r.URL.Path, JSON: body})
	if err != nil || !json.Valid(body) {
		writeJSON(w, http.StatusBadRequest, apiError("invalid_payload"))
		return
	}
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
	}
	_ = json.Unmarshal(body, &msg)
	if len(msg.Blocks) > 0 && ValidateBlocks(msg.Blocks) != nil {
		writeJSON(w, http.StatusBadRequest, apiError("invalid_blocks"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.responses[id]
	// Slack allows five uses within 30 minutes.
	if !ok || t.Uses >= 5 {
		writeJSON(w, http.StatusNotFound, apiError("expired_url"))
		return
	}
	t.Uses++
	s.responses[id] = t
	rev := Revision{Via: "response_url", Text: msg.Text, Blocks: msg.Blocks, Time: s.opts.Now()}
	if msg.ReplaceOriginal && t.TS != "" {
		m, ok := s.messages[t.Channel+"/"+t.TS]
		if !ok {
			writeJSON(w, http.StatusNotFound, apiError("message_not_found"))
			return
		}
		m.Text, m.Blocks = msg.Text, msg.Blocks
		m.Revisions = append(m.Revisions, rev)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		return
	}
	ts := s.nextTS()
	m := &Message{Channel: t.Channel, TS: ts, Text: msg.Text, Blocks: msg.Blocks,
		Ephemeral: msg.ResponseType != "in_channel", User: t.User, Revisions: []Revision{rev}}
	s.messages[t.Channel+"/"+ts] = m
	s.order = append(s.order, t.Channel+"/"+ts)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
