package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is an HTTP client with a cookie jar that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestPageLoginSessionAndCSRF(t *testing.T) {
	f := newFixture(t)
	b := browser(t)
	resp, err := b.Get(f.srv.URL + "/")
	if err != nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("the page without a session: %v %v, want a redirect to /login", err, resp.Status)
	}
	resp, _ = b.PostForm(f.srv.URL+"/login", url.Values{"token": {"guess"}})
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error") {
		t.Errorf("a wrong token: redirected to %q", loc)
	}
	resp, _ = b.PostForm(f.srv.URL+"/login", url.Values{"token": {token}})
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want one HttpOnly SameSite=Strict cookie", cookies)
	}
	resp, _ = b.Get(f.srv.URL + "/")
	page := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(page)
	m := regexp.MustCompile(`name="csrf-token" content="([0-9a-f]{64})"`).FindStringSubmatch(page.String())
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("the page after login: %d, no CSRF token in it", resp.StatusCode)
	}
	csrf := m[1]

	// Reads work with the cookie; changes need the CSRF token too.
	if resp, _ := b.Get(f.srv.URL + "/api/calls"); resp.StatusCode != 200 {
		t.Errorf("GET /api/calls with the session: %d", resp.StatusCode)
	}
	put := func(csrfValue string) int {
		req, _ := http.NewRequest("PUT", f.srv.URL+"/api/absence/1000", strings.NewReader(`{"on":true}`))
		if csrfValue != "" {
			req.Header.Set(csrfHeader, csrfValue)
		}
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if code := put(""); code != http.StatusUnauthorized {
		t.Errorf("a change without the CSRF token: %d, want 401", code)
	}
	if code := put(strings.Repeat("0", 64)); code != http.StatusUnauthorized {
		t.Errorf("a change with a wrong CSRF token: %d, want 401", code)
	}
	if code := put(csrf); code != http.StatusOK {
		t.Errorf("a change with the CSRF token: %d, want 200", code)
	}

	// Live state streams as server-sent events.
	resp, err = b.Get(f.srv.URL + "/api/events")
	if err != nil || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", err, resp.Header)
	}
	r := bufio.NewReader(resp.Body)
	first, _ := r.ReadString('\n')
	data, _ := r.ReadString('\n')
	resp.Body.Close()
	if first != "event: state\n" || !strings.Contains(data, `"exten":"1000"`) {
		t.Errorf("first event %q %q: want the live call", first, data)
	}

	// After logout the old cookie is worthless, even sent again by hand.
	req, _ := http.NewRequest("POST", f.srv.URL+"/logout", nil)
	req.Header.Set(csrfHeader, csrf)
	b.Do(req)
	req, _ = http.NewRequest("GET", f.srv.URL+"/api/calls", nil)
	req.AddCookie(cookies[0])
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old cookie after logout: %d, want 401", resp.StatusCode)
	}
}

// The login page shows only its own messages, chosen by a code: a link cannot make it
// show a text of its own.
func TestLoginPageShowsOnlyItsOwnMessages(t *testing.T) {
	f := newFixture(t)
	page := func(query string) string {
		t.Helper()
		resp, err := http.Get(f.srv.URL + "/login" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return string(data)
	}
	if p := page("?error=Call+0899+123+456+to+unlock"); strings.Contains(p, "0899") || strings.Contains(p, `role="alert"`) {
		t.Errorf("the page shows a text from its link:\n%s", p)
	}
	for code, want := range map[string]string{"token": "Wrong token.", "session": "Your session has ended"} {
		if p := page("?error=" + code); !strings.Contains(p, want) {
			t.Errorf("?error=%s: the page lacks %q", code, want)
		}
	}
	resp, _ := browser(t).PostForm(f.srv.URL+"/login", url.Values{"token": {"guess"}})
	if loc := resp.Header.Get("Location"); loc != "/login?error=token" {
		t.Errorf("a wrong token: redirected to %q, want /login?error=token", loc)
	}
}

// The login form is small: a larger one is refused unread, even with the right token in it.
func TestLoginFormIsBounded(t *testing.T) {
	f := newFixture(t)
	form := url.Values{"token": {token}, "pad": {strings.Repeat("x", 8<<10)}}
	resp, err := browser(t).PostForm(f.srv.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || len(resp.Cookies()) != 0 {
		t.Errorf("an 8 KiB login form: %d, cookies %v; want 413 and no session", resp.StatusCode, resp.Cookies())
	}
}

// login logs b in and returns the page's CSRF token.
func login(t *testing.T, f *fixture, b *http.Client) string {
	t.Helper()
	resp, err := b.PostForm(f.srv.URL+"/login", url.Values{"token": {token}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", err, resp)
	}
	resp, err = b.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf-token" content="([0-9a-f]{64})"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return string(m[1])
}

// When the page's session has ended (it expired, or ariflow restarted: sessions live in
// memory), the live stream and every API call get a 401 that says so and names where to
// log in again; the login page then gives the reason. An API client without a cookie
// still hears it needs the bearer token.
func TestAnEndedSessionSendsThePageToLogIn(t *testing.T) {
	f := newFixture(t)
	for _, end := range []struct {
		name string
		end  func()
	}{
		{"restart", func() {
			f.server.sessions.mu.Lock()
			clear(f.server.sessions.byID)
			f.server.sessions.mu.Unlock()
		}},
		{"expiry", func() {
			f.server.sessions.mu.Lock()
			for id, sess := range f.server.sessions.byID {
				sess.expires = time.Now().Add(-time.Second)
				f.server.sessions.byID[id] = sess
			}
			f.server.sessions.mu.Unlock()
		}},
	} {
		t.Run(end.name, func(t *testing.T) {
			b := browser(t)
			csrf := login(t, f, b)
			end.end()
			for _, tc := range []struct{ method, path, body string }{
				{"GET", "/api/events", ""},
				{"GET", "/api/calls", ""},
				{"PUT", "/api/absence/1000", `{"on":true}`},
			} {
				req, _ := http.NewRequest(tc.method, f.srv.URL+tc.path, strings.NewReader(tc.body))
				req.Header.Set(csrfHeader, csrf)
				resp, err := b.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var e apiError
				err = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized || err != nil || e.Login != "/login?error=session" || !strings.Contains(e.Error, "session has ended") {
					t.Errorf("%s %s: %d %+v, want 401 naming /login?error=session", tc.method, tc.path, resp.StatusCode, e)
				}
			}
			resp, _ := b.Get(f.srv.URL + "/")
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "/login?error=session" {
				t.Errorf("the page itself, loaded again: redirected to %q, want /login?error=session", loc)
			}
			resp, _ = b.Get(f.srv.URL + "/login?error=session")
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(page), "Your session has ended") {
				t.Errorf("the login page does not say why:\n%s", page)
			}
		})
	}
	if code, body := f.do("GET", "/api/events", "", "", ""); code != http.StatusUnauthorized || !strings.Contains(body, "a bearer token is required") || strings.Contains(body, "login") {
		t.Errorf("an API client without a token: %d %s", code, body)
	}
}

// An open page's live stream ends when its session does (logged out in another tab,
// expired): the page then reconnects, hears 401, and goes to log in.
func TestTheLiveStreamEndsWithItsSession(t *testing.T) {
	f := newFixture(t)
	b := browser(t)
	csrf := login(t, f, b)
	resp, err := b.Get(f.srv.URL + "/api/events")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/logout", nil)
	req.Header.Set(csrfHeader, csrf)
	if _, err := b.Do(req); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, resp.Body); ended <- err }()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("the stream broke instead of ending: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the stream goes on after logout")
	}
}

// Shutdown ends the pages' live streams at once, instead of waiting its whole timeout for
// them and leaving them streaming; the streams have no write deadline, which would cut
// them every WriteTimeout.
func TestShutdownEndsTheLiveStreams(t *testing.T) {
	f := newFixture(t)
	srv := f.server.NewHTTPServer()
	srv.WriteTimeout = 300 * time.Millisecond // a stream outlives it
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for i := range 2 { // the second a second later, past WriteTimeout
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil || time.Since(start) > 2*time.Second {
		t.Errorf("Shutdown with a page open: %v after %s, want nil at once", err, time.Since(start))
	}
	ended := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, r); ended <- err }()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("the stream broke instead of ending: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Error("the stream goes on after Shutdown")
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
}
