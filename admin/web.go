package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// hasSessionCookie reports whether r comes from the page: it has a session cookie, valid
// or not.
func hasSessionCookie(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

// sessionLogin is where the page logs in again when its session has ended; the page goes
// there on any 401.
const sessionLogin = "/login?error=session"

// sessionRefused answers a page's request its session does not allow: 401 with the
// reason, and where to log in again. Sessions live in memory: a restart ends them all.
func (s *Server) sessionRefused(w http.ResponseWriter, r *http.Request) {
	msg := "the session has ended (it expired, or ariflow restarted): log in again"
	if _, ok := s.sessions.get(r); ok {
		msg = "the page's CSRF token is missing or wrong: load the page again"
	}
	write(w, r, http.StatusUnauthorized, apiError{Error: msg, Login: sessionLogin})
}

// webRoutes are the page's routes; they are not part of the API document.
func (s *Server) webRoutes() map[string]http.HandlerFunc {
	static, _ := fs.Sub(webFiles, "web/static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return map[string]http.HandlerFunc{
		"GET /{$}":     s.index,
		"GET /login":   s.loginPage,
		"POST /login":  s.login,
		"POST /logout": s.logout,
		"GET /static/": files.ServeHTTP,
	}
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessions.get(r)
	if !ok {
		to := "/login"
		if hasSessionCookie(r) {
			to = sessionLogin
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'")
	_ = pages.ExecuteTemplate(w, "index.html", map[string]string{"CSRF": sess.csrf})
}

// loginMessages are what the login page says, by the code in its ?error=: only these, so
// that no link can make the page show a text of its own ("call this number...").
var loginMessages = map[string]string{
	"token":   "Wrong token.",
	"session": "Your session has ended (it expired, or ariflow restarted): log in again.",
}

// maxLoginForm bounds the login form: a token and little else.
const maxLoginForm = 4 << 10

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "login.html", map[string]string{"Error": loginMessages[r.URL.Query().Get("error")]})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "the login form is too large", http.StatusRequestEntityTooLarge)
			return
		}
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
		http.Redirect(w, r, "/login?error=token", http.StatusSeeOther)
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

// events streams the page's state once a second (server-sent events) until the page
// goes, its session ends (the page then finds it must log in again), or the server shuts
// down. The stream has no write deadline: the server's WriteTimeout would cut it.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // not supported by test recorders: they have none
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	byPage := r.Header.Get("Authorization") == "" // authenticated by its session
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		data, _ := json.Marshal(s.state(r.Context()))
		if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-shuttingDown(r):
			return
		case <-tick.C:
		}
		if byPage && !s.sessionAllows(r) {
			return
		}
	}
}
