// Package aritest is a fake Asterisk ARI server for unit tests: an httptest server that
// answers the REST routes of Asterisk 22 with JSON captured from a real Asterisk, records
// every request, lets a test override any route, and serves the events websocket so a
// test can push events, drop connections and stop answering pings.
//
// The fake keeps no state: every known route succeeds (GET answers a plausible object,
// actions answer 204), and objects a request creates echo the ids it asked for
// (channelId, snoopId, bridgeId, playbackId, recording name). Use [Server.Handle] for
// errors (404 for a hung-up channel, ...) and for answers a test depends on.
package aritest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// Credentials the fake accepts.
const (
	Username = "aritest"
	Password = "aritest-secret"
)

// HandlerFunc answers one request with a status and a body: nil for none, []byte or
// json.RawMessage sent as is, a [Raw] with its content type, anything else as JSON.
// r's path values ({id}, ...) are set from the route pattern; r.Body can be read again.
type HandlerFunc func(r *http.Request) (status int, body any)

// Raw is a response body sent as is with its content type.
type Raw struct {
	ContentType string
	Body        []byte
}

// NoAnswer, returned as a handler's body, closes the connection without an answer: a
// request Asterisk may have carried out but whose answer was lost (a time-out, a reset).
var NoAnswer any = noAnswer{}

type noAnswer struct{}

// Message returns Asterisk's error body: {"message": msg}.
func Message(msg string) any { return map[string]string{"message": msg} }

// Request is one request the server received.
type Request struct {
	Method     string
	Path       string // escaped path below the base URL, e.g. "/recordings/stored/a%2Fb"
	RequestURI string // as received, e.g. "/ari/recordings/stored/a%2Fb?x=1"
	Query      url.Values
	Body       []byte
}

// Server is a fake ARI server. Create it with [NewServer]; it is closed when the test ends.
type Server struct {
	URL      string // base URL of the REST API, ending in "/ari"
	Username string // accepted basic-auth user
	Password string // accepted basic-auth password

	t       testing.TB
	srv     *httptest.Server
	closing context.Context
	stop    context.CancelFunc
	once    sync.Once
	wg      sync.WaitGroup // websocket handlers

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced when requests or conns change
	requests    []Request
	taken       []bool // requests returned by WaitRequest
	overrides   []routeEntry
	defaults    []routeEntry
	conns       map[*wsConn]struct{}
	accepting   int // events websockets whose handshake is under way, not yet in conns
	ignorePings bool
	nextID      int
}

// routeEntry is one route: a method and a pattern of path segments, "{name}" matching any.
type routeEntry struct {
	method  string
	pattern []string
	h       HandlerFunc
}

// NewServer starts a fake ARI server and closes it when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, Username: Username, Password: Password,
		changed: make(chan struct{}), conns: make(map[*wsConn]struct{})}
	s.closing, s.stop = context.WithCancel(context.Background())
	s.defaults = s.defaultRoutes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL + "/ari"
	t.Cleanup(s.Close)
	return s
}

// Close drops websocket connections, unblocks handlers waiting on their request's
// context, and shuts the server down. It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		s.stop()
		s.DropConnections()
		s.srv.Close()
		s.wg.Wait()
	})
}

// Handle overrides method+path: path is below the base URL, its segments either literal
// (escaped or not: "/recordings/stored/a%2Fb") or "{name}" wildcards whose values
// handlers read with r.PathValue. The latest Handle for a route wins over earlier ones
// and over the defaults.
func (s *Server) Handle(method, path string, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides = append([]routeEntry{{method, splitPattern(path), h}}, s.overrides...)
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitRequest returns the first request with method whose Path starts with pathPrefix
// that no earlier WaitRequest or WaitPath returned, waiting for it until ctx is done.
func (s *Server) WaitRequest(ctx context.Context, method, pathPrefix string) (Request, error) {
	return s.wait(ctx, func(r Request) bool { return r.Method == method && strings.HasPrefix(r.Path, pathPrefix) })
}

// WaitPath is WaitRequest for a request whose Path is path exactly.
func (s *Server) WaitPath(ctx context.Context, method, path string) (Request, error) {
	return s.wait(ctx, func(r Request) bool { return r.Method == method && r.Path == path })
}

// wait returns the first request not returned yet that match accepts, waiting for it
// until ctx is done.
func (s *Server) wait(ctx context.Context, match func(Request) bool) (Request, error) {
	for {
		s.mu.Lock()
		for i, r := range s.requests {
			if !s.taken[i] && match(r) {
				s.taken[i] = true
				s.mu.Unlock()
				return r, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Request{}, context.Cause(ctx)
		case <-ch:
		}
	}
}

// notifyLocked wakes the waiters; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// serveHTTP records the request, checks basic auth and dispatches it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	if i := strings.IndexByte(r.RequestURI, '?'); i >= 0 {
		escaped = r.RequestURI[:i]
	} else if r.RequestURI != "" {
		escaped = r.RequestURI
	}
	rel, ok := strings.CutPrefix(escaped, "/ari")
	if !ok || (rel != "" && rel[0] != '/') {
		writeResponse(w, http.StatusNotFound, Message("Resource not found"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: rel, RequestURI: r.RequestURI,
		Query: r.URL.Query(), Body: body})
	s.taken = append(s.taken, false)
	s.notifyLocked()
	s.mu.Unlock()

	if u, p, ok := r.BasicAuth(); !ok || u != s.Username || p != s.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeResponse(w, http.StatusUnauthorized, Message("Authentication required"))
		return
	}
	if r.Method == http.MethodGet && rel == "/events" {
		s.serveEvents(w, r)
		return
	}
	h, ok := s.match(r, rel)
	if !ok {
		writeResponse(w, http.StatusNotFound, Message("Resource not found"))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.closing, cancel)()
	status, resp := h(r.WithContext(ctx))
	if resp == NoAnswer {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	writeResponse(w, status, resp)
}

// match finds the handler for r, overrides first, and sets r's path values.
func (s *Server) match(r *http.Request, rel string) (HandlerFunc, bool) {
	segs := strings.Split(strings.TrimPrefix(rel, "/"), "/")
	for i, seg := range segs {
		if v, err := url.PathUnescape(seg); err == nil {
			segs[i] = v
		}
	}
	s.mu.Lock()
	routes := append(append([]routeEntry(nil), s.overrides...), s.defaults...)
	s.mu.Unlock()
	for _, rt := range routes {
		if rt.method != r.Method || len(rt.pattern) != len(segs) {
			continue
		}
		ok := true
		for i, p := range rt.pattern {
			if !isWildcard(p) && p != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for i, p := range rt.pattern {
			if isWildcard(p) {
				r.SetPathValue(p[1:len(p)-1], segs[i])
			}
		}
		return rt.h, true
	}
	return nil, false
}

// splitPattern splits a route pattern into unescaped segments.
func splitPattern(path string) []string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, seg := range segs {
		if v, err := url.PathUnescape(seg); err == nil && !isWildcard(seg) {
			segs[i] = v
		}
	}
	return segs
}

// isWildcard reports whether a pattern segment is "{name}".
func isWildcard(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// writeResponse writes status and body as HandlerFunc describes.
func writeResponse(w http.ResponseWriter, status int, body any) {
	if status == 0 {
		status = http.StatusOK
	}
	var b []byte
	ctype := "application/json"
	switch v := body.(type) {
	case nil:
	case Raw:
		b, ctype = v.Body, v.ContentType
	case json.RawMessage:
		b = v
	case []byte:
		b = v
		if !json.Valid(v) {
			ctype = "application/octet-stream"
		}
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			status, b = http.StatusInternalServerError, []byte(`{"message":"aritest: cannot encode response"}`)
		}
	}
	if b != nil {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// wsConn is one events websocket.
type wsConn struct {
	c    *websocket.Conn
	app  string
	done chan struct{}
}
