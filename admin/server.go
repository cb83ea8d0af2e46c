// Package admin is ariflow's admin HTTP API: live calls, originate, redirect, hang up,
// recordings, absence, office hours, the routing file (check, reload, simulate), Asterisk
// module reloads, health, readiness and Prometheus metrics. It answers JSON, or XML when
// the client asks (`Accept: application/xml`, as the seed's Flask clients did). Every route
// but /healthz and /readyz needs the bearer token; the server listens on loopback unless
// configured otherwise, and every change is logged with who made it.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
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
}

// New builds the server. It refuses an empty token and a listen address that is not
// host:port.
func New(cfg Config, deps Deps) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("admin: a token is required (admin.token_env in the routing file)")
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
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen is the address the server is configured for.
func (s *Server) Listen() string { return s.cfg.Listen }

// NewHTTPServer wraps the handler with the timeouts a small admin API wants.
func (s *Server) NewHTTPServer() *http.Server {
	return &http.Server{Addr: s.cfg.Listen, Handler: s.mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 5 * time.Minute, IdleTimeout: time.Minute}
}

// authenticated lets a request through only with the right bearer token, compared in
// constant time, or from the logged-in web page (session cookie, and its CSRF token for
// changes); a wrong token is logged (never the token itself) and slowed down.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && s.sessionAllows(r) {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 {
			if ok {
				s.log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("admin: wrong token")
				time.Sleep(200 * time.Millisecond) // slow guessing down
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="ariflow"`)
			writeError(w, r, http.StatusUnauthorized, "", "a bearer token is required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// who names the client in the change log: its address (the token is shared).
func who(r *http.Request) string { return "admin@" + r.RemoteAddr }

// apiError is the body of every 4xx and 5xx answer.
type apiError struct {
	XMLName xml.Name `json:"-" xml:"error"`
	Error   string   `json:"error" xml:"message"`
	Field   string   `json:"field,omitempty" xml:"field,omitempty"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, field, msg string) {
	write(w, r, status, apiError{Error: msg, Field: field})
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

// decode reads a JSON request body of at most 1 MiB into v, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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
