package ari_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/ari/aritest"
)

// runner runs a client's Run in the background and collects its events and states.
type runner struct {
	c      *ari.Client
	s      *aritest.Server
	events chan ari.Event
	states chan ari.ConnState
	cancel context.CancelFunc
	done   chan error
}

// startRun starts Run on a client of a new fake server with opts, after calling setup
// (if any) on the server.
func startRun(t *testing.T, opts ari.Options, setup ...func(*aritest.Server)) *runner {
	t.Helper()
	r := &runner{events: make(chan ari.Event, 100), states: make(chan ari.ConnState, 100), done: make(chan error, 1)}
	opts.OnState = func(s ari.ConnState) { r.states <- s }
	r.c, r.s = newClient(t, opts)
	for _, f := range setup {
		f(r.s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.c.Run(ctx, func(ev ari.Event) { r.events <- ev }) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it to return ctx's error.
func (r *runner) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(time.Minute):
		t.Error("Run did not return after cancel")
	}
}

// waitState returns the next state, failing the test after a generous minute.
func (r *runner) waitState(t *testing.T) ari.ConnState {
	t.Helper()
	select {
	case s := <-r.states:
		return s
	case <-time.After(time.Minute):
		t.Fatal("no connection state reported")
		return ari.ConnState{}
	}
}

// waitUp skips states until the connection is up, and waits for the server to have
// registered it (the client may report up first).
func (r *runner) waitUp(t *testing.T) ari.ConnState {
	t.Helper()
	for {
		if s := r.waitState(t); s.Up {
			if err := r.s.WaitConnected(t.Context()); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
}

// waitEvent returns the next event delivered to onEvent.
func (r *runner) waitEvent(t *testing.T) ari.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(time.Minute):
		t.Fatal("no event delivered")
		return nil
	}
}

// noPings makes ping-based dead detection irrelevant to a test.
const noPings = time.Hour

func TestRunConnectsWithAppAndAuth(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	if s := r.waitState(t); !s.Up || s.Attempt != 1 || s.Err != nil {
		t.Fatalf("first state %+v, want up on attempt 1", s)
	}
	req, err := r.s.WaitRequest(t.Context(), "GET", "/events")
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Query.Get("app"); got != "ariflow" {
		t.Errorf("app=%q, want ariflow", got)
	}
	if got := req.Query.Get("subscribeAll"); got != "false" {
		t.Errorf("subscribeAll=%q, want false", got)
	}
}

func TestRunReportsAuthFailure(t *testing.T) {
	r := startRun(t, ari.Options{Username: "nobody", Password: "x", PingInterval: noPings})
	for attempt := 1; attempt <= 2; attempt++ {
		s := r.waitState(t)
		if s.Up || s.Attempt != attempt || ari.StatusOf(s.Err) != http.StatusUnauthorized {
			t.Fatalf("state %+v (err %v), want down on attempt %d with status 401", s, s.Err, attempt)
		}
	}
}

func TestRunDeliversEventsInOrder(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	files := []string{"StasisStart", "ChannelStateChange", "ChannelDtmfReceived", "PlaybackStarted",
		"PlaybackFinished", "ChannelHangupRequest", "StasisEnd", "ChannelDestroyed", "Unknown_FutureEvent"}
	for _, f := range files {
		if n := r.s.Push(readEvent(t, f)); n != 1 {
			t.Fatalf("Push reached %d clients, want 1", n)
		}
	}
	want := []string{"StasisStart", "ChannelStateChange", "ChannelDtmfReceived", "PlaybackStarted",
		"PlaybackFinished", "ChannelHangupRequest", "StasisEnd", "ChannelDestroyed", "FutureEvent"}
	for i, w := range want {
		if got := r.waitEvent(t).Base().Type; got != w {
			t.Fatalf("event %d: %s, want %s", i, got, w)
		}
	}
}

func TestRunSkipsUndecodableMessages(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	r.s.Push("not json")
	r.s.Push(`{"no":"type"}`)
	r.s.Push(aritest.StasisStart("ariflow", "chan-9", "200"))
	ev := r.waitEvent(t)
	ss, ok := ev.(*ari.StasisStart)
	if !ok || ss.Channel.ID != "chan-9" || ss.Args[0] != "200" || ss.Application != "ariflow" {
		t.Fatalf("first delivered event %#v, want the StasisStart", ev)
	}
}

func TestRunReconnectsAfterDrop(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	for i := range 2 {
		if n := r.s.DropConnections(); n != 1 {
			t.Fatalf("dropped %d connections, want 1", n)
		}
		down := r.waitState(t)
		if down.Up || down.Err == nil {
			t.Fatalf("drop %d: state %+v, want down with an error", i, down)
		}
		up := r.waitState(t)
		if !up.Up || up.Attempt != down.Attempt+1 {
			t.Fatalf("drop %d: state %+v after %+v, want up on the next attempt", i, up, down)
		}
		if err := r.s.WaitConnected(t.Context()); err != nil {
			t.Fatal(err)
		}
		r.s.Push(aritest.StasisStart("ariflow", "after-drop"))
		if ev := r.waitEvent(t); ev.(*ari.StasisStart).Channel.ID != "after-drop" {
			t.Fatalf("event after reconnect: %#v", ev)
		}
	}
}

func TestRunDetectsDeadConnection(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: 100 * time.Millisecond}, func(s *aritest.Server) { s.AnswerPings(false) })
	r.waitUp(t)
	down := r.waitState(t)
	if down.Up || !errors.Is(down.Err, ari.ErrDeadConnection) {
		t.Fatalf("state %+v (err %v), want down with ErrDeadConnection", down, down.Err)
	}
	r.s.AnswerPings(true)
	r.s.DropConnections() // connections accepted before AnswerPings(true) stay deaf
	r.waitUp(t)
}

func TestRunAlreadyRunning(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	if err := r.c.Run(t.Context(), func(ari.Event) {}); err == nil {
		t.Fatal("second Run: no error")
	}
}

func TestRunReturnsWhenCanceled(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	r.stop(t)
	if s := r.waitState(t); s.Up || !errors.Is(s.Err, context.Canceled) {
		t.Errorf("final state %+v, want down with context.Canceled", s)
	}
}

// When Asterisk hands the application to another websocket, the connection gets no more
// events: the client delivers the ApplicationReplaced, reconnects and takes it back.
func TestRunTakesTheApplicationBackWhenReplaced(t *testing.T) {
	r := startRun(t, ari.Options{PingInterval: noPings})
	r.waitUp(t)
	r.s.Push(aritest.Event("ApplicationReplaced", map[string]any{"application": "ariflow"}))
	if _, ok := r.waitEvent(t).(*ari.ApplicationReplaced); !ok {
		t.Fatal("the ApplicationReplaced event was not delivered")
	}
	if down := r.waitState(t); down.Up || !errors.Is(down.Err, ari.ErrReplaced) {
		t.Fatalf("state %+v (err %v), want down with ErrReplaced", down, down.Err)
	}
	r.waitUp(t)
}
