// Package admin is ariflow's admin HTTP API: live calls, originate, redirect, hang up,
// recordings, absence, office hours, the routing file (check, reload, simulate), Asterisk
// module reloads, health, readiness and Prometheus metrics. It answers JSON, or XML when
// the client asks (`Accept: application/xml`, as the seed's Flask clients did). Every route
// but /healthz and /readyz needs the bearer token; the server listens on loopback unless
// configured otherwise, and every change is logged with who made it.
package admin

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// Config configures the server.
type Config struct {
	Listen string // host:port; default 127.0.0.1:5001
	Token  string // the bearer token every route but health needs; required
	Logger zerolog.Logger
}

// Server is the admin API.
type Server struct {
	cfg      Config
	deps     Deps
	token    [32]byte
	log      zerolog.Logger
	mux      *http.ServeMux
	metrics  *metrics
	sessions sessions
	failures authFailures // wrong tokens by client, for the lock-out
}

// New builds the server. It refuses an empty or short token (config.MinAdminToken) and a listen address that is not
// host:port.
func New(cfg Config, deps Deps) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("admin: a token is required (admin.token_env in the routing file)")
	}
	if msg := config.TokenTooShort(cfg.Token); msg != "" {
		return nil, errors.New("admin: token " + msg)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:5001"
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return nil, fmt.Errorf("admin: listen %q: %w", cfg.Listen, err)
	}
	if err := deps.check(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, token: sha256.Sum256([]byte(cfg.Token)), log: cfg.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(deps)
	for _, r := range s.routes() {
		h := r.handler
		if !r.public {
			h = s.authenticated(h)
		}
		s.mux.Handle(r.method+" "+r.pattern, s.instrument(r.pattern, h))
	}
	for pattern, h := range s.webRoutes() {
		s.mux.Handle(pattern, h)
	}
	s.mux.HandleFunc(apiPrefix, s.noRoute)
	return s, nil
}

// apiPrefix is where the API is; what no route takes there is answered by noRoute.
const apiPrefix = "/api/"

// noRoute answers, in the API's format, a request to /api/ that no route takes: 405 with
// the methods the path has (Allow), else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != apiPrefix {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		writeError(w, r, http.StatusNotFound, "", "no such API route (see /api/openapi.json)")
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, r, http.StatusMethodNotAllowed, "", r.Method+" is not allowed here, only "+strings.Join(allowed, ", "))
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen is the address the server is configured for.
func (s *Server) Listen() string { return s.cfg.Listen }

// NewHTTPServer wraps the handler with the timeouts a small admin API wants. Its Shutdown
// ends the pages' event streams (GET /api/events), which would else keep it waiting for
// its whole timeout, and go on streaming after it.
func (s *Server) NewHTTPServer() *http.Server {
	down, shutdown := context.WithCancel(context.Background())
	srv := &http.Server{Addr: s.cfg.Listen, Handler: s.mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 5 * time.Minute, IdleTimeout: time.Minute,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), shutdownKey{}, down.Done())
		}}
	srv.RegisterOnShutdown(shutdown)
	return srv
}

// shutdownKey is the key of a request context's value that is closed when the server
// made by NewHTTPServer shuts down. It is not the context's Done: the other requests may
// finish their work during the shutdown.
type shutdownKey struct{}

// shuttingDown is closed when the server that took r shuts down; nil (never closed) for
// a server NewHTTPServer did not make.
func shuttingDown(r *http.Request) <-chan struct{} {
	down, _ := r.Context().Value(shutdownKey{}).(<-chan struct{})
	return down
}

// authenticated lets a request through only with the right bearer token, compared in
// constant time, or from the logged-in web page (session cookie, and its CSRF token for
// changes); a wrong token is logged (never the token itself) and slowed down, and a client
// that sent too many is refused (429) for a while, its token unread (authFailures). The
// page's request that its session no longer allows gets a 401 naming where to log in again.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && hasSessionCookie(r) {
			if s.sessionAllows(r) {
				next.ServeHTTP(w, r)
			} else {
				s.sessionRefused(w, r)
			}
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ariflow"`)
			writeError(w, r, http.StatusUnauthorized, "", "a bearer token is required")
			return
		}
		right, lockedFor := s.checkToken(r, got)
		if lockedFor > 0 {
			writeError(w, r, http.StatusTooManyRequests, "", fmt.Sprintf("too many wrong tokens from this address: try again in %d s", retryAfter(w, lockedFor)))
			return
		}
		if !right {
			s.log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("admin: wrong token")
			time.Sleep(200 * time.Millisecond) // slow guessing down
			w.Header().Set("WWW-Authenticate", `Bearer realm="ariflow"`)
			writeError(w, r, http.StatusUnauthorized, "", "a bearer token is required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkToken reports whether token is the API's, compared in constant time, counting a
// wrong one against the client; or, when the client is locked out, for how long, its
// token unread.
func (s *Server) checkToken(r *http.Request, token string) (right bool, lockedFor time.Duration) {
	key := clientKey(r)
	if wait, ok := s.failures.begin(key); !ok {
		return false, wait
	}
	sum := sha256.Sum256([]byte(token))
	right = subtle.ConstantTimeCompare(sum[:], s.token[:]) == 1
	if s.failures.end(key, right) {
		s.log.Warn().Str("remote", r.RemoteAddr).Int("wrong_tokens", maxAuthFailures).Dur("for", authWindow).
			Msg("admin: too many wrong tokens, the address is locked out")
	}
	return right, 0
}

// who names the client in the change log: its address (the token is shared).
func who(r *http.Request) string { return "admin@" + r.RemoteAddr }

// apiError is the body of every 4xx and 5xx answer.
type apiError struct {
	XMLName xml.Name `json:"-" xml:"error"`
	Error   string   `json:"error" xml:"message"`
	Field   string   `json:"field,omitempty" xml:"field,omitempty"`
	// Login, in a 401 to the page, is where it logs in again.
	Login string `json:"login,omitempty" xml:"login,omitempty"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, field, msg string) {
	write(w, r, status, apiError{Error: msg, Field: field})
}

// ariStatus maps an error of Asterisk's to an HTTP status. What Asterisk refuses (4xx: an
// unknown module, an endpoint it cannot ring) is the client's to fix: 404 for its 404, 400
// for the others. Asterisk failing (5xx) or not answering is 502, and so is Asterisk
// refusing ariflow's own ARI user (401, 403): the client can do nothing about it.
func ariStatus(err error) int {
	switch st := ari.StatusOf(err); {
	case st == http.StatusNotFound:
		return http.StatusNotFound
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return http.StatusBadGateway
	case st >= 400 && st < 500:
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

// writeAppError answers an operation's error with errStatus's status; a 4xx names field,
// the part of the request at fault, a 5xx none. When Asterisk refused the request, the
// reason is Asterisk's own.
func writeAppError(w http.ResponseWriter, r *http.Request, err error, field string) {
	code := errStatus(err)
	if code >= 500 {
		field = ""
	}
	msg := err.Error()
	var e *ari.Error
	if code < 500 && errors.As(err, &e) {
		msg = "Asterisk: " + cmp.Or(e.Message, http.StatusText(e.Status))
	}
	writeError(w, r, code, field, msg)
}

// write answers v as XML when the client asks for it, else as JSON.
func write(w http.ResponseWriter, r *http.Request, status int, v any) {
	if wantsXML(r) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		_ = enc.Encode(v)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func wantsXML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/xml") || strings.Contains(accept, "text/xml")
}

// decode reads a JSON request body of at most 1 MiB into v, refusing unknown fields and
// anything after the JSON value.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, after := dec.Token(); after != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		field := ""
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field = typeErr.Field
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(f, `"`)
		}
		writeError(w, r, http.StatusBadRequest, field, "bad JSON body: "+err.Error())
		return false
	}
	return true
}
