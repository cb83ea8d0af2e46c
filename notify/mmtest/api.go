package mmtest

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"time"
	"unicode/utf8"
)

// maxPostRunes is Mattermost's maximum message length (PostMessageMaxRunesV2).
const maxPostRunes = 16383

// maxJSONBody bounds a post or webhook body.
const maxJSONBody = 1 << 20

type postBody struct {
	ChannelID     string         `json:"channel_id"`
	Message       string         `json:"message"`
	RootID        string         `json:"root_id"`
	Props         map[string]any `json:"props"`
	FileIDs       []string       `json:"file_ids"`
	PendingPostID string         `json:"pending_post_id"`
}

// postJSON is the post as Mattermost returns it.
type postJSON struct {
	ID            string         `json:"id"`
	CreateAt      int64          `json:"create_at"`
	UpdateAt      int64          `json:"update_at"`
	EditAt        int64          `json:"edit_at"`
	DeleteAt      int64          `json:"delete_at"`
	IsPinned      bool           `json:"is_pinned"`
	UserID        string         `json:"user_id"`
	ChannelID     string         `json:"channel_id"`
	RootID        string         `json:"root_id"`
	OriginalID    string         `json:"original_id"`
	Message       string         `json:"message"`
	Type          string         `json:"type"`
	Props         map[string]any `json:"props"`
	Hashtags      string         `json:"hashtags"`
	FileIDs       []string       `json:"file_ids,omitempty"`
	PendingPostID string         `json:"pending_post_id"`
	Metadata      map[string]any `json:"metadata"`
}

func (h *Handler) servePost(w http.ResponseWriter, r *http.Request, reqID string) {
	var in postBody
	if !isJSON(r) || decodeJSON(w, r, &in) != nil {
		writeError(w, reqID, http.StatusBadRequest, "api.context.invalid_body_param.app_error",
			"Invalid or missing post in request body.", "")
		return
	}
	switch n := utf8.RuneCountInString(in.Message); {
	case !validID(in.ChannelID):
		writeError(w, reqID, http.StatusBadRequest, "model.post.is_valid.channel_id.app_error", "Invalid channel id.", "")
		return
	case !h.channels[in.ChannelID]:
		writeError(w, reqID, http.StatusForbidden, "api.context.permissions.app_error",
			"You do not have the appropriate permissions.", "")
		return
	case (n == 0 && len(in.FileIDs) == 0) || n > maxPostRunes:
		writeError(w, reqID, http.StatusBadRequest, "model.post.is_valid.msg.app_error", "Invalid Message.", "")
		return
	case len(in.FileIDs) > 5:
		writeError(w, reqID, http.StatusBadRequest, "model.post.is_valid.file_ids.app_error", "Invalid file ids.", "")
		return
	}
	now := time.Now().UnixMilli()
	h.mu.Lock()
	if first, ok := h.seenLocked(in.PendingPostID, now); ok {
		h.mu.Unlock()
		// As Mattermost: 201 and the post made then, read back, so without pending_post_id.
		writeJSON(w, http.StatusCreated, postJSONOf(first))
		return
	}
	var fileIDs []string // like Mattermost, ids of files not uploaded to this channel are ignored
	for _, id := range in.FileIDs {
		if f, ok := h.files[id]; ok && f.ChannelID == in.ChannelID {
			fileIDs = append(fileIDs, id)
		}
	}
	rec := RecordedPost{ID: NewID(), CreateAt: now, UserID: h.opts.UserID, ChannelID: in.ChannelID,
		Message: in.Message, Props: in.Props, FileIDs: fileIDs, Token: requestToken(r), PendingPostID: in.PendingPostID}
	h.posts = append(h.posts, rec)
	if rec.PendingPostID != "" {
		h.pending[rec.PendingPostID] = rec
	}
	h.changedLocked()
	h.mu.Unlock()
	h.accepted(rec)
	out := postJSONOf(rec)
	out.RootID, out.PendingPostID = in.RootID, in.PendingPostID
	writeJSON(w, http.StatusCreated, out)
}

// seenLocked returns the post made with pendingID within PendingPostWindow before now (in
// milliseconds), forgetting older ones; h.mu is held.
func (h *Handler) seenLocked(pendingID string, now int64) (RecordedPost, bool) {
	for id, p := range h.pending {
		if now-p.CreateAt >= PendingPostWindow.Milliseconds() {
			delete(h.pending, id)
		}
	}
	p, ok := h.pending[pendingID]
	return p, ok && pendingID != ""
}

type fileInfoJSON struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	ChannelID string `json:"channel_id"`
	PostID    string `json:"post_id"`
	CreateAt  int64  `json:"create_at"`
	UpdateAt  int64  `json:"update_at"`
	DeleteAt  int64  `json:"delete_at"`
	Name      string `json:"name"`
	Extension string `json:"extension"`
	Size      int64  `json:"size"`
	MimeType  string `json:"mime_type"`
}

// serveFile takes a multipart upload: fields channel_id and files (one or more).
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, reqID string) {
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxFileSize+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, reqID, http.StatusRequestEntityTooLarge, "api.file.upload_file.too_large_detailed.app_error",
				"Unable to upload file. File is too large.", "")
			return
		}
		writeError(w, reqID, http.StatusBadRequest, "api.file.upload_file.bad_parse.app_error",
			"Unable to upload file. Header cannot be parsed.", "")
		return
	}
	defer r.MultipartForm.RemoveAll()
	channelID := r.FormValue("channel_id")
	switch {
	case !validID(channelID):
		writeError(w, reqID, http.StatusBadRequest, "api.context.invalid_url_param.app_error", "Invalid or missing channel_id parameter in request URL.", "")
		return
	case !h.channels[channelID]:
		writeError(w, reqID, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.", "")
		return
	case len(r.MultipartForm.File["files"]) == 0:
		writeError(w, reqID, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing files in request body.", "")
		return
	}
	now := time.Now().UnixMilli()
	var infos []fileInfoJSON
	var recs []RecordedFile
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size > h.opts.MaxFileSize {
			writeError(w, reqID, http.StatusRequestEntityTooLarge, "api.file.upload_file.too_large_detailed.app_error",
				"Unable to upload file. File is too large.", "")
			return
		}
		f, err := fh.Open()
		if err != nil {
			writeError(w, reqID, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "Unable to read the file.", "")
			return
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			writeError(w, reqID, http.StatusBadRequest, "api.file.upload_file.read_request.app_error", "Unable to read the file.", "")
			return
		}
		rec := RecordedFile{ID: NewID(), ChannelID: channelID, Name: fh.Filename, Data: data}
		recs = append(recs, rec)
		ext, mt := extension(fh.Filename), fh.Header.Get("Content-Type")
		infos = append(infos, fileInfoJSON{ID: rec.ID, UserID: h.opts.UserID, ChannelID: channelID, CreateAt: now,
			UpdateAt: now, Name: fh.Filename, Extension: ext, Size: int64(len(data)), MimeType: mt})
	}
	h.mu.Lock()
	for _, rec := range recs {
		h.files[rec.ID] = rec
		h.fileList = append(h.fileList, rec.ID)
	}
	h.changedLocked()
	h.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"file_infos": infos, "client_ids": []string{}})
}

func extension(name string) string {
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return ""
}

// serveHook is an incoming webhook: JSON {"text", "channel", "username", "props"}, or a
// form field payload=<json>; answers 200 "ok".
func (h *Handler) serveHook(w http.ResponseWriter, r *http.Request, reqID, key string) {
	channelID, ok := h.opts.Hooks[key]
	if !ok {
		writeError(w, reqID, http.StatusBadRequest, "web.incoming_webhook.invalid.app_error", "Invalid webhook.", "")
		return
	}
	var in struct {
		Text     string         `json:"text"`
		Channel  string         `json:"channel"`
		Username string         `json:"username"`
		Props    map[string]any `json:"props"`
	}
	var err error
	if isJSON(r) {
		err = decodeJSON(w, r, &in)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		err = json.Unmarshal([]byte(r.FormValue("payload")), &in)
	}
	if err != nil {
		writeError(w, reqID, http.StatusBadRequest, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.", "")
		return
	}
	if in.Text == "" || utf8.RuneCountInString(in.Text) > maxPostRunes {
		writeError(w, reqID, http.StatusBadRequest, "web.incoming_webhook.text.app_error", "No text specified.", "")
		return
	}
	rec := RecordedPost{ID: NewID(), CreateAt: time.Now().UnixMilli(), UserID: h.opts.UserID,
		ChannelID: channelID, Message: in.Text, Props: in.Props, Hook: key, Channel: in.Channel, Username: in.Username}
	h.mu.Lock()
	h.posts = append(h.posts, rec)
	h.changedLocked()
	h.mu.Unlock()
	h.accepted(rec)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody)).Decode(v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers Mattermost's AppError JSON.
func writeError(w http.ResponseWriter, reqID string, status int, id, msg, detail string) {
	writeJSON(w, status, map[string]any{"id": id, "message": msg, "detailed_error": detail,
		"request_id": reqID, "status_code": status})
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Mattermost stand-in</title></head>
<body><h1>Posts received ({{len .}})</h1>
<table border="1" cellpadding="4"><tr><th>time</th><th>channel</th><th>via</th><th>message</th><th>files</th></tr>
{{range .}}<tr><td>{{.Time}}</td><td>{{.ChannelID}}</td><td>{{.Via}}</td><td><pre>{{.Message}}</pre></td><td>{{len .FileIDs}}</td></tr>
{{end}}</table></body></html>
`))

// servePage lists the posts received, newest first. It shows no token.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, reqID string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, reqID, http.StatusMethodNotAllowed, "api.context.405.app_error", "Method not allowed.", "")
		return
	}
	type row struct {
		Time, ChannelID, Via, Message string
		FileIDs                       []string
	}
	posts := h.Posts()
	rows := make([]row, 0, len(posts))
	for i := len(posts) - 1; i >= 0; i-- {
		p, via := posts[i], "api"
		if p.Hook != "" {
			via = "webhook"
		}
		rows = append(rows, row{time.UnixMilli(p.CreateAt).UTC().Format(time.RFC3339), p.ChannelID, via, p.Message, p.FileIDs})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, rows)
}
