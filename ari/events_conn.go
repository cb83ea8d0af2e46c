package ari

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Reconnection back-off of [Client.Run]: the delay before attempt n+1 is
// backoffBase*2^(n-1), at most backoffMax, then +-backoffJitter of itself. A connection that
// stayed up for stableAfter resets the count, and the next attempt is immediate.
const (
	backoffBase   = 250 * time.Millisecond
	backoffMax    = 10 * time.Second
	backoffJitter = 0.2
	stableAfter   = 10 * time.Second
	eventMaxBytes = 4 << 20 // read limit of one websocket message
)

// ErrDeadConnection is the cause reported when the events websocket did not answer a ping
// within [Options.PingInterval].
var ErrDeadConnection = errors.New("ari: events connection dead: ping not answered")

// ErrReplaced is the cause reported when Asterisk gave the application to another
// websocket (ApplicationReplaced): this connection gets no more events. Run reconnects,
// after the usual back-off, and so takes the application back. That other websocket may
// be a handshake Asterisk completed after the client had given up on it (seen while
// Asterisk starts), which would otherwise swallow every event.
var ErrReplaced = errors.New("ari: events: another connection took over the application")

// Run connects the events websocket (app=Options.Application, subscribeAll=false) and calls
// onEvent for each decoded event, synchronously and in order, from one goroutine. The
// connection is read by another goroutine, so a slow onEvent does not stall pings; events
// wait in an unbounded queue meanwhile. Run pings the server every PingInterval, treats an
// unanswered ping as a dead connection, reconnects with exponential back-off and jitter,
// and reports every change to Options.OnState (called from Run's connection goroutine).
// Messages that do not decode are logged and skipped. Run returns ctx.Err() once ctx is
// done, and at once if the client is already running.
func (c *Client) Run(ctx context.Context, onEvent func(Event)) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("ari: Run: already running")
	}
	defer c.running.Store(false)
	q := &eventQueue{ready: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	wg.Go(func() { c.connectLoop(ctx, q) })
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-q.ready:
			for _, ev := range q.take() {
				if ctx.Err() != nil {
					break
				}
				onEvent(ev)
			}
		}
	}
}

// connectLoop keeps one connection at a time until ctx is done.
func (c *Client) connectLoop(ctx context.Context, q *eventQueue) {
	attempt := 0
	for {
		attempt++
		start := time.Now()
		conn, err := c.dial(ctx)
		if ctx.Err() != nil {
			if conn != nil {
				conn.CloseNow()
			}
			return
		}
		if err != nil {
			c.log.Warn().Err(err).Int("attempt", attempt).Msg("ari events: connect failed")
			c.report(ConnState{Err: err, Attempt: attempt})
		} else {
			c.epoch.Add(1)
			c.log.Info().Int("attempt", attempt).Msg("ari events: connected")
			c.report(ConnState{Up: true, Attempt: attempt})
			err = c.serve(ctx, conn, q)
			c.log.Warn().Err(err).Dur("up", time.Since(start)).Msg("ari events: connection lost")
			c.report(ConnState{Err: err, Attempt: attempt})
			if ctx.Err() != nil {
				return
			}
			if time.Since(start) >= stableAfter {
				attempt = 0
				continue
			}
		}
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff returns the delay after attempt failed attempts (n >= 1).
func backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	return time.Duration(float64(d) * (1 + backoffJitter*(2*rand.Float64()-1)))
}

// report calls OnState when set.
func (c *Client) report(s ConnState) {
	if c.opts.OnState != nil {
		c.opts.OnState(s)
	}
}

// eventsURL returns the websocket URL: ws(s)://host/<base>/events?app=...&subscribeAll=false.
func (c *Client) eventsURL() string {
	u := *c.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path = c.base.Path + "/events"
	u.RawPath = c.base.EscapedPath() + "/events"
	u.RawQuery = url.Values{"app": {c.opts.Application}, "subscribeAll": {"false"}}.Encode()
	return u.String()
}

// dial opens the events websocket with basic auth, within RequestTimeout.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	auth := base64.StdEncoding.EncodeToString([]byte(c.opts.Username + ":" + c.opts.Password))
	conn, resp, err := websocket.Dial(dctx, c.eventsURL(), &websocket.DialOptions{
		HTTPClient: c.http,
		HTTPHeader: http.Header{"Authorization": {"Basic " + auth}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, newError(http.MethodGet, "/events", resp)
		}
		return nil, fmt.Errorf("ari: events: dial: %w", err)
	}
	conn.SetReadLimit(eventMaxBytes)
	return conn, nil
}

// serve reads events from conn into q and pings the server until the connection fails or
// ctx is done; it returns why it ended.
func (c *Client) serve(ctx context.Context, conn *websocket.Conn, q *eventQueue) error {
	ctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel(nil)
		conn.CloseNow()
		wg.Wait()
	}()
	wg.Go(func() {
		interval := c.opts.PingInterval
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(ctx, interval)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				if ctx.Err() == nil {
					cancel(fmt.Errorf("%w within %v: %w", ErrDeadConnection, interval, err))
					conn.CloseNow()
				}
				return
			}
		}
	})
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			if cause := context.Cause(ctx); cause != nil {
				return cause
			}
			return fmt.Errorf("ari: events: read: %w", err)
		}
		if typ != websocket.MessageText {
			continue
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			c.log.Warn().Err(err).Str("data", truncate(data, 512)).Msg("ari events: message skipped")
			continue
		}
		q.push(ev)
		if _, ok := ev.(*ApplicationReplaced); ok {
			c.log.Warn().Str("app", c.opts.Application).Msg("ari events: another connection took over the application; reconnecting to take it back")
			return ErrReplaced
		}
	}
}

// truncate returns b as a string of at most n bytes.
func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// eventQueue is the unbounded FIFO between the connection reader and Run's callback.
type eventQueue struct {
	mu     sync.Mutex
	events []Event
	ready  chan struct{} // capacity 1: "events is not empty"
}

// push appends ev and signals ready.
func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	q.events = append(q.events, ev)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take returns and clears the queued events.
func (q *eventQueue) take() []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.events
	q.events = nil
	return evs
}
