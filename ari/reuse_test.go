package ari_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// asterisk is a stand-in for Asterisk's HTTP server that counts the connections opened to
// it; handle answers each request.
func asterisk(t *testing.T, handle http.HandlerFunc, configure func(*http.Server)) (*ari.Client, *atomic.Int64) {
	t.Helper()
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(handle)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := ari.New(ari.Options{BaseURL: srv.URL + "/ari", Username: "u", Password: "p", Application: "ariflow"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &opened
}

func answerOK(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ari/channels/missing/answer" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"Channel not found"}`))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Requests one after another, answered or refused, travel on one connection: Asterisk
// gets no new connection (and thread) per request.
func TestRequestsShareOneConnection(t *testing.T) {
	c, opened := asterisk(t, answerOK, nil)
	ctx := context.Background()
	for i := range 20 {
		id := "chan-1"
		if i%5 == 4 {
			id = "missing"
		}
		err := c.Channels.Answer(ctx, id)
		var ae *ari.Error
		switch {
		case id == "missing" && !(errors.As(err, &ae) && ae.Status == http.StatusNotFound):
			t.Fatalf("request %d: %v, want a 404", i, err)
		case id != "missing" && err != nil:
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("%d connections opened for 20 requests one after another, want 1", n)
	}
}

// Asterisk closes a connection that stays idle (http.conf session_keep_alive): the next
// request, which finds it closed, is sent again on a new connection and succeeds.
func TestAConnectionClosedWhileIdleFailsNoRequest(t *testing.T) {
	c, opened := asterisk(t, answerOK, func(s *http.Server) { s.IdleTimeout = 20 * time.Millisecond })
	ctx := context.Background()
	for i := range 3 {
		if err := c.Channels.Answer(ctx, "chan-1"); err != nil {
			t.Fatalf("request %d after the connection was closed: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond) // the server closes the idle connection meanwhile
	}
	if n := opened.Load(); n != 3 {
		t.Errorf("%d connections opened, want 3: one for each request after an idle close", n)
	}
}

// A request given up while Asterisk has not answered ends with the context's error, and
// the connection it was on is not reused for the next request, which succeeds.
func TestCanceledRequestSpoilsNoOtherRequest(t *testing.T) {
	release := make(chan struct{})
	c, opened := asterisk(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ari/channels/slow/answer" {
			<-release
		}
		answerOK(w, r)
	}, nil)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Channels.Answer(ctx, "slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("answer left unanswered: %v, want context.DeadlineExceeded", err)
	}
	if err := c.Channels.Answer(context.Background(), "chan-1"); err != nil {
		t.Fatalf("the next request: %v", err)
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("%d connections opened, want 2: the abandoned one is not reused", n)
	}
}

// A response saying Connection: close is read in full and its connection not reused.
func TestConnectionCloseIsHonoured(t *testing.T) {
	c, opened := asterisk(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		answerOK(w, r)
	}, nil)
	for i := range 3 {
		if err := c.Channels.Answer(context.Background(), "chan-1"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := opened.Load(); n != 3 {
		t.Errorf("%d connections opened, want 3", n)
	}
}
