package admin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// serve sends a request straight to the handler from addr (ip:port) with the token auth.
func serve(h http.Handler, addr, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/api/calls", nil)
	req.RemoteAddr = addr
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Guessing the token from one address, however parallel, gets 429 after maxAuthFailures
// wrong tokens: then even the right token from there is refused unread (else the lock
// would tell a right guess from a wrong one), until the window passes. Other addresses
// are not affected, and their right tokens do not clear the guesser's count.
func TestWrongTokensLockTheAddressOut(t *testing.T) {
	f := newFixture(t)
	logs := &syncLog{}
	s, err := New(Config{Token: token, Logger: zerolog.New(logs)}, f.server.deps)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	const guesser, other = "192.0.2.7:40000", "198.51.100.3:40001"
	codes := make([]int, maxAuthFailures+1)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			rec := serve(h, guesser, "guess-"+strconv.Itoa(i))
			codes[i] = rec.Code
			if rec.Code == http.StatusTooManyRequests {
				if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 || s > int(authWindow/time.Second) {
					t.Errorf("429 with Retry-After %q", rec.Header().Get("Retry-After"))
				}
				if !strings.Contains(rec.Body.String(), "too many") {
					t.Errorf("429 without a reason: %s", rec.Body.String())
				}
			}
		})
	}
	wg.Wait()
	n401, n429 := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			n401++
		case http.StatusTooManyRequests:
			n429++
		}
	}
	if n401 != maxAuthFailures || n429 != 1 {
		t.Fatalf("%d parallel wrong tokens: %v, want %d 401s and one 429", len(codes), codes, maxAuthFailures)
	}
	if rec := serve(h, "192.0.2.7:40002", token); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("the right token from the locked-out address: %d, want 429 with Retry-After", rec.Code)
	}
	if rec := serve(h, other, token); rec.Code != http.StatusOK {
		t.Errorf("the right token from another address: %d, want 200", rec.Code)
	}
	if rec := serve(h, other, "wrong"); rec.Code != http.StatusUnauthorized {
		t.Errorf("a wrong token from another address: %d, want 401", rec.Code)
	}
	if rec := serve(h, guesser, token); rec.Code != http.StatusTooManyRequests {
		t.Errorf("after another address's right token, the guesser: %d, want still 429", rec.Code)
	}
	// The page's login form counts with the bearer token and is refused too.
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = guesser
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || len(rec.Result().Cookies()) != 0 {
		t.Errorf("the login form from the locked-out address: %d %v, want 429 and no session", rec.Code, rec.Result().Cookies())
	}

	// Once the window has passed, the address may try again.
	if n := strings.Count(logs.String(), "locked out"); n != 1 {
		t.Errorf("the lock-out logged %d times, want once:\n%s", n, logs.String())
	}
	s.failures.now = func() time.Time { return time.Now().Add(authWindow + time.Second) }
	if rec := serve(h, guesser, token); rec.Code != http.StatusOK {
		t.Errorf("the right token after the window: %d, want 200", rec.Code)
	}
}

// syncLog is a log many handlers may write at once.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The failure counts stay bounded whatever the number of addresses guessing.
func TestAuthFailuresAreBounded(t *testing.T) {
	var l authFailures
	l.now = time.Now
	for i := range maxTrackedAddrs + 500 {
		key := "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
		if _, ok := l.begin(key); !ok {
			t.Fatalf("%s refused at its first attempt", key)
		}
		l.end(key, false)
	}
	if n := len(l.byAddr); n > maxTrackedAddrs {
		t.Errorf("%d addresses tracked, at most %d", n, maxTrackedAddrs)
	}
}

// The key of a client is its address; IPv6 clients are counted by /64, a network any one
// client has all of.
func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:40000":                  "192.0.2.7",
		"[::ffff:192.0.2.7]:1":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":       "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1%eth0]:8080": "2001:db8:1:2::/64",
		"not an address":                   "not an address",
	} {
		if got := clientKey(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", addr, got, want)
		}
	}
}
