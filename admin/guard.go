package admin

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Wrong tokens, from the bearer header or the page's login form, lock a client out.
const (
	maxAuthFailures = 10              // wrong tokens a client may send within authWindow...
	authWindow      = 5 * time.Minute // ...counted from its first: then 429 until the window passes
	maxTrackedAddrs = 4096            // clients counted at most; when full, the oldest count goes
)

// authFailures counts each client's wrong tokens. A client that sent maxAuthFailures
// within authWindow of the first is refused, its token unread (a lock-out that let the
// right token through would tell a guesser when it is right), until that window passes.
// Attempts being checked count with the failures, so parallel guesses cannot all slip in
// before the first is counted. A right token clears nothing: a client sharing the address
// (all of them, behind a proxy on loopback) does not reset a guesser's count.
type authFailures struct {
	mu     sync.Mutex
	byAddr map[string]*authCount
	now    func() time.Time // time.Now when nil
}

type authCount struct {
	failed  int       // wrong tokens since since
	pending int       // tokens being checked
	since   time.Time // the first counted failure; zero when failed is 0
}

func (l *authFailures) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// expire forgets c's failures once their window has passed.
func (c *authCount) expire(now time.Time) {
	if c.failed > 0 && !now.Before(c.since.Add(authWindow)) {
		c.failed, c.since = 0, time.Time{}
	}
}

// begin starts checking a token from client key; when key is locked out it answers
// ok false and how long it stays so. Every begin that answers ok needs its end.
func (l *authFailures) begin(key string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	c := l.entry(key, now)
	c.expire(now)
	if c.failed+c.pending >= maxAuthFailures {
		if c.failed == 0 { // only attempts being checked: they end in a moment
			return time.Second, false
		}
		return c.since.Add(authWindow).Sub(now), false
	}
	c.pending++
	return 0, true
}

// end finishes the check begin started: right or wrong. It reports whether this wrong
// token locked the client out.
func (l *authFailures) end(key string, right bool) (lockedOut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	c := l.entry(key, now) // evicted meanwhile: counted again from here
	if c.pending > 0 {
		c.pending--
	}
	c.expire(now)
	if !right {
		if c.failed == 0 {
			c.since = now
		}
		c.failed++
	}
	if c.failed == 0 && c.pending == 0 {
		delete(l.byAddr, key) // clients that send the right token leave nothing behind
	}
	return !right && c.failed == maxAuthFailures
}

// entry is key's count, made if need be; with maxTrackedAddrs counted, it first drops
// the counts whose window has passed, else the oldest one.
func (l *authFailures) entry(key string, now time.Time) *authCount {
	if c, ok := l.byAddr[key]; ok {
		return c
	}
	if l.byAddr == nil {
		l.byAddr = map[string]*authCount{}
	}
	if len(l.byAddr) >= maxTrackedAddrs {
		oldest := ""
		for k, c := range l.byAddr {
			c.expire(now)
			if c.failed == 0 && c.pending == 0 {
				delete(l.byAddr, k)
				continue
			}
			if oldest == "" || c.since.Before(l.byAddr[oldest].since) {
				oldest = k
			}
		}
		if len(l.byAddr) >= maxTrackedAddrs {
			delete(l.byAddr, oldest)
		}
	}
	c := &authCount{}
	l.byAddr[key] = c
	return c
}

// clientKey names the client whose wrong tokens are counted: the address of the
// connection (a forwarded-for header is the client's to write, so it is not read), an
// IPv6 one by its /64, a network one client has all of.
func clientKey(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			return host
		}
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// retryAfter sets the Retry-After header to wait, in whole seconds (at least 1), and
// returns them.
func retryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}
