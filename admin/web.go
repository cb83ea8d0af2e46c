package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/ariflow/ariflow/conference"
)

//go:embed web
var webFiles embed.FS

var pages = template.Must(template.ParseFS(webFiles, "web/*.html"))

const (
	sessionCookie = "ariflow_session"
	sessionTTL    = 12 * time.Hour
	csrfHeader    = "X-CSRF-Token"
)

// sessions are the web page's logins: a cookie names one, and its CSRF token must come
// back with every change the page asks for.
type sessions struct {
	mu   sync.Mutex
	byID map[string]session
}

type session struct {
	csrf    string
	expires time.Time
}

func randomHex() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *sessions) create() (id string, sess session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = map[string]session{}
	}
	now := time.Now()
	for k, v := range s.byID {
		if now.After(v.expires) {
			delete(s.byID, k)
		}
	}
	id, sess = randomHex(), session{csrf: randomHex(), expires: now.Add(sessionTTL)}
	s.byID[id] = sess
	return id, sess
}

func (s *sessions) get(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[c.Value]
	if !ok || time.Now().After(sess.expires) {
		return session{}, false
	}
	return sess, true
}

func (s *sessions) remove(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

// sessionAllows reports whether a request is made by a logged-in page: a session cookie,
// and for anything but a read, the session's CSRF token in the X-CSRF-Token header.
func (s *Server) sessionAllows(r *http.Request) bool {
	sess, ok := s.sessions.get(r)
	if !ok {
		return false
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(sess.csrf)) == 1
}

// webRoutes are the page's routes; they are not part of the API document.
func (s *Server) webRoutes() map[string]http.HandlerFunc {
	static, _ := fs.Sub(webFiles, "web/static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return map[string]http.HandlerFunc{
		"GET /{$}":            s.index,
		"GET /login":          s.loginPage,
		"POST /login":         s.login,
		"POST /logout":        s.logout,
		"GET /static/":        files.ServeHTTP,
		"GET /api/events":     s.authenticated(http.HandlerFunc(s.events)).ServeHTTP,
		"GET /api/page/state": s.authenticated(http.HandlerFunc(s.pageState)).ServeHTTP,
	}
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessions.get(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'")
	_ = pages.ExecuteTemplate(w, "index.html", map[string]string{"CSRF": sess.csrf})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "login.html", map[string]string{"Error": r.URL.Query().Get("error")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	right, lockedFor := s.checkToken(r, r.PostFormValue("token"))
	if lockedFor > 0 {
		secs := retryAfter(w, lockedFor)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = pages.ExecuteTemplate(w, "login.html", map[string]string{"Error": fmt.Sprintf("too many wrong tokens from this address: try again in %d s", secs)})
		return
	}
	if !right {
		s.log.Warn().Str("remote", r.RemoteAddr).Msg("admin: failed page login")
		time.Sleep(500 * time.Millisecond) // slow guessing down
		http.Redirect(w, r, "/login?error=wrong+token", http.StatusSeeOther)
		return
	}
	id, _ := s.sessions.create()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())})
	s.log.Info().Str("by", who(r)).Msg("admin: page login")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.sessionAllows(r) {
		http.Error(w, "not logged in", http.StatusUnauthorized)
		return
	}
	s.sessions.remove(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// pageState is what the page shows and refreshes: live calls, queues and rooms.
type pageState struct {
	XMLName struct{}              `json:"-" xml:"state"`
	Calls   []callInfo            `json:"calls" xml:"call"`
	Queues  []queueInfo           `json:"queues" xml:"queue"`
	Rooms   []conference.RoomInfo `json:"rooms" xml:"room"`
	At      time.Time             `json:"at" xml:"at"`
}

func (s *Server) state(ctx context.Context) pageState {
	st := pageState{Calls: []callInfo{}, Queues: []queueInfo{}, Rooms: []conference.RoomInfo{}, At: time.Now()}
	st.Calls = s.liveCalls(ctx)
	if s.deps.Queues != nil {
		for _, name := range s.deps.Queues.Queues() {
			if q, err := s.queueInfo(name); err == nil {
				st.Queues = append(st.Queues, q)
			}
		}
	}
	if s.deps.Rooms != nil {
		st.Rooms = s.rooms()
	}
	return st
}

func (s *Server) pageState(w http.ResponseWriter, r *http.Request) {
	write(w, r, http.StatusOK, s.state(r.Context()))
}

// events streams the page's state once a second (server-sent events) until the page goes.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		data, _ := json.Marshal(s.state(r.Context()))
		if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", data); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
