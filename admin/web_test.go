package admin

import (
	"bufio"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
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
