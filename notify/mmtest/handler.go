// Package mmtest is a stand-in for the parts of Mattermost's REST API v4 that ariflow uses,
// for tests and for the lab (there is no Mattermost server there). It checks what Mattermost
// checks: the path, the method, the bearer token (401 with Mattermost's JSON error), the JSON
// body, the channel (400 for a malformed id, 403 for one the token may not post to, as
// Mattermost does), and answers like Mattermost (201 and the post). It also takes file
// uploads (POST /api/v4/files) and incoming webhooks (POST /hooks/<key>), records every
// post, and, as Mattermost does, answers a post whose pending_post_id it saw within
// PendingPostWindow with the first post instead of making another. It can misbehave on
// demand: answer an error slowly, make the post but answer late, hang, refuse connections.
//
// A main() can serve it: http.ListenAndServe(addr, mmtest.NewHandler(mmtest.Options{...})).
// GET / lists the posts received, GET /api/v4/system/ping answers {"status":"OK"}, and
// GET /api/v4/channels/{channel_id}/posts (bearer token) reads a channel's posts back in
// Mattermost's PostList shape, so a client checks notices as it would on Mattermost.
package mmtest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Defaults of [Options].
const (
	DefaultToken     = "mmtestbottoken0000000000000" // what a test's client should send
	DefaultChannelID = "y6qktfy6ht8e9gf6i3rxmst7no"  // examples/office.yaml's channel
	DefaultHookKey   = "mmtesthook00000000000000000" // POST /hooks/<DefaultHookKey>
	DefaultUserID    = "mmtestbotuser0000000000000"  // the user posts are made as
	// DefaultMaxFileSize is Mattermost's default FileSettings.MaxFileSize (100 MB).
	DefaultMaxFileSize = 100 << 20
	// PendingPostWindow is how long Mattermost remembers a post's pending_post_id
	// (pendingPostIDsCacheTTL): a post with the same one within it gets the first post back.
	PendingPostWindow = 30 * time.Second
)

// Options configure a [Handler]. Zero values mean the defaults.
type Options struct {
	Token       string            // the one valid token
	Channels    []string          // channel ids the token may post to; DefaultChannelID
	Hooks       map[string]string // webhook key -> channel id; DefaultHookKey -> first channel
	UserID      string            // author of API posts
	MaxFileSize int64             // larger uploads get 413
	// OnPost, when set, is called with every post accepted (API or webhook), after it is
	// recorded, from the request's goroutine.
	OnPost func(RecordedPost)
}

// RecordedPost is a post the stand-in accepted.
type RecordedPost struct {
	ID        string
	CreateAt  int64 // milliseconds since the epoch
	UserID    string
	ChannelID string
	Message   string
	Props     map[string]any
	FileIDs   []string
	Token     string // the token it was made with; "" through a webhook
	Hook      string // the webhook key, for webhook posts
	Channel   string // a webhook's "channel" override
	Username  string // a webhook's "username" override
	// PendingPostID is the client's pending_post_id: within PendingPostWindow of this post,
	// another post with the same one is answered with this post and not recorded.
	PendingPostID string
}

// RecordedFile is an uploaded file.
type RecordedFile struct {
	ID        string
	ChannelID string
	Name      string
	Data      []byte
}

// Fault makes the stand-in misbehave on posts, uploads and webhooks.
type Fault struct {
	Status int           // answer this status (500, 429, 400...) instead of doing the work; 0: do it
	Delay  time.Duration // wait first (cut short when the client gives up)
	// AnswerDelay: do the work at once (the post is made), then wait this long before
	// answering, as a slow Mattermost does; a client that gives up first never sees the
	// answer. Mattermost's 500 for a second post while the first one is still being saved
	// is not modelled: here the first one is saved at once.
	AnswerDelay time.Duration
	Hang        bool   // never answer, until the client gives up or the handler is closed
	Count       int    // requests it applies to, then it clears; 0: until SetFault(Fault{})
	Path        string // only requests to this path ("/api/v4/posts"); "": all
}

// Handler is the stand-in, an http.Handler. Safe for concurrent use.
type Handler struct {
	opts     Options
	channels map[string]bool
	stop     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	fault    Fault
	posts    []RecordedPost
	files    map[string]RecordedFile
	fileList []string
	pending  map[string]RecordedPost // by pending_post_id, for PendingPostWindow
	requests int
	changed  chan struct{} // closed and replaced on every change
}

// NewHandler returns a stand-in with opts.
func NewHandler(opts Options) *Handler {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if len(opts.Channels) == 0 {
		opts.Channels = []string{DefaultChannelID}
	}
	if opts.Hooks == nil {
		opts.Hooks = map[string]string{DefaultHookKey: opts.Channels[0]}
	}
	if opts.UserID == "" {
		opts.UserID = DefaultUserID
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	h := &Handler{opts: opts, channels: map[string]bool{}, stop: make(chan struct{}),
		files: map[string]RecordedFile{}, pending: map[string]RecordedPost{}, changed: make(chan struct{})}
	for _, c := range opts.Channels {
		h.channels[c] = true
	}
	return h
}

// SetFault sets how the next requests misbehave; Fault{} heals.
func (h *Handler) SetFault(f Fault) {
	h.mu.Lock()
	h.fault = f
	h.mu.Unlock()
}

// Close releases hung requests; the handler still answers afterwards.
func (h *Handler) Close() { h.stopOnce.Do(func() { close(h.stop) }) }

// Posts returns the posts accepted so far, oldest first.
func (h *Handler) Posts() []RecordedPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]RecordedPost(nil), h.posts...)
}

// Files returns the files uploaded so far, oldest first.
func (h *Handler) Files() []RecordedFile {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]RecordedFile, 0, len(h.fileList))
	for _, id := range h.fileList {
		out = append(out, h.files[id])
	}
	return out
}

// Requests counts the posts, uploads and webhook calls received, faulty answers included.
func (h *Handler) Requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// WaitPosts waits until at least n posts were accepted, and returns them all.
func (h *Handler) WaitPosts(ctx context.Context, n int) ([]RecordedPost, error) {
	err := h.wait(ctx, func() bool { return len(h.posts) >= n })
	return h.Posts(), err
}

// WaitRequests waits until at least n requests were received (see Requests).
func (h *Handler) WaitRequests(ctx context.Context, n int) error {
	return h.wait(ctx, func() bool { return h.requests >= n })
}

func (h *Handler) wait(ctx context.Context, cond func() bool) error {
	for {
		h.mu.Lock()
		ok, ch := cond(), h.changed
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// accepted reports a recorded post to Options.OnPost.
func (h *Handler) accepted(p RecordedPost) {
	if h.opts.OnPost != nil {
		h.opts.OnPost(p)
	}
}

// changedLocked wakes the waiters; h.mu is held.
func (h *Handler) changedLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// ServeHTTP routes like Mattermost for the endpoints the stand-in knows.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := NewID()
	w.Header().Set("X-Request-Id", reqID)
	w.Header().Set("X-Version-Id", "mmtest")
	p := r.URL.Path
	switch {
	case p == "/" || p == "":
		h.servePage(w, r, reqID)
		return
	case p == "/api/v4/system/ping":
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
		return
	}
	if channelID, ok := channelPostsPath(p); ok {
		switch {
		case r.Method != http.MethodGet:
			writeError(w, reqID, http.StatusMethodNotAllowed, "api.context.405.app_error", "Method not allowed.", "")
		case !h.authorized(r):
			writeError(w, reqID, http.StatusUnauthorized, "api.context.session_expired.app_error",
				"Invalid or expired session, please login again.", "")
		default:
			h.serveChannelPosts(w, r, reqID, channelID)
		}
		return
	}
	switch {
	case p != "/api/v4/posts" && p != "/api/v4/files" && !strings.HasPrefix(p, "/hooks/"):
		writeError(w, reqID, http.StatusNotFound, "api.context.404.app_error", "Sorry, we could not find the page.", "")
		return
	case r.Method != http.MethodPost:
		writeError(w, reqID, http.StatusMethodNotAllowed, "api.context.405.app_error", "Method not allowed.", "")
		return
	}
	f, ok := h.applyFault(w, r, reqID)
	switch {
	case !ok:
	case f.AnswerDelay > 0:
		h.answerLate(w, r, reqID, f.AnswerDelay)
	default:
		h.serveWork(w, r, reqID)
	}
}

// answerLate serves the request at once, and answers after delay, unless the client gave
// up meanwhile.
func (h *Handler) answerLate(w http.ResponseWriter, r *http.Request, reqID string, delay time.Duration) {
	rec := httptest.NewRecorder()
	h.serveWork(rec, r, reqID)
	if !h.pause(r, delay) {
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// serveWork serves a post, an upload or a webhook call.
func (h *Handler) serveWork(w http.ResponseWriter, r *http.Request, reqID string) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/hooks/"):
		h.serveHook(w, r, reqID, strings.TrimPrefix(p, "/hooks/"))
	case !h.authorized(r):
		writeError(w, reqID, http.StatusUnauthorized, "api.context.session_expired.app_error",
			"Invalid or expired session, please login again.", "")
	case p == "/api/v4/posts":
		h.servePost(w, r, reqID)
	default:
		h.serveFile(w, r, reqID)
	}
}

// applyFault counts the request and applies the fault; it returns the fault and true when
// the request should then be served.
func (h *Handler) applyFault(w http.ResponseWriter, r *http.Request, reqID string) (Fault, bool) {
	h.mu.Lock()
	h.requests++
	f := h.fault
	if f.Path != "" && f.Path != r.URL.Path {
		f = Fault{}
	} else if f.Count > 0 {
		if h.fault.Count--; h.fault.Count == 0 {
			h.fault = Fault{}
		}
	}
	h.changedLocked()
	h.mu.Unlock()
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-h.stop:
		}
		return f, false
	}
	if f.Delay > 0 && !h.pause(r, f.Delay) {
		return f, false
	}
	switch {
	case f.Status == 0:
		return f, true
	case f.Status == http.StatusTooManyRequests:
		// Mattermost's rate limiter answers in plain text, with these headers.
		w.Header().Set("X-Ratelimit-Limit", "10")
		w.Header().Set("X-Ratelimit-Remaining", "0")
		w.Header().Set("X-Ratelimit-Reset", "1")
		w.Header().Set("Retry-After", "1")
		http.Error(w, "limit exceeded", f.Status)
	default:
		writeError(w, reqID, f.Status, "mmtest.fault.app_error", http.StatusText(f.Status), "fault injected by mmtest")
	}
	return f, false
}

// pause waits d, cut short by Close; it returns false when the client gave up first.
func (h *Handler) pause(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return false
	case <-h.stop:
	}
	return true
}

// authorized accepts the token as Mattermost reads it: "Authorization: Bearer <t>" or
// "Token <t>" (any case), or ?access_token=<t>.
func (h *Handler) authorized(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(requestToken(r)), []byte(h.opts.Token)) == 1
}

func requestToken(r *http.Request) string {
	a := r.Header.Get("Authorization")
	for _, scheme := range []string{"bearer ", "token "} {
		if len(a) > len(scheme) && strings.EqualFold(a[:len(scheme)], scheme) {
			return strings.TrimSpace(a[len(scheme):])
		}
	}
	return r.URL.Query().Get("access_token")
}

// idAlphabet is Mattermost's id encoding: base32 with this alphabet, no padding.
const idAlphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"

// NewID returns a new id shaped like Mattermost's: 26 characters from its alphabet.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 26)
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, idAlphabet[(acc>>bits)&31])
		}
	}
	return string(append(out, idAlphabet[(acc<<(5-bits))&31]))
}

// validID reports whether s has the shape of a Mattermost id.
func validID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
