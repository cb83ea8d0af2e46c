package ari_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// Many requests at once (hundreds of calls starting together) share at most
// DefaultMaxConns connections to Asterisk, which refuses connections past its session
// limit, or Options.MaxConns when set, and all succeed.
func TestConcurrentRequestsShareBoundedConnections(t *testing.T) {
	for _, tc := range []struct {
		name            string
		maxConns, limit int
	}{
		{"default", 0, ari.DefaultMaxConns},
		{"configured", 8, 8},
		{"configured above the default", 2 * ari.DefaultMaxConns, 2 * ari.DefaultMaxConns},
	} {
		t.Run(tc.name, func(t *testing.T) { testBoundedConnections(t, tc.maxConns, tc.limit) })
	}
}

func testBoundedConnections(t *testing.T, maxConns, limit int) {
	var open, peak, inflight atomic.Int64
	full := make(chan struct{}) // closed once limit requests are in Asterisk's hands at once
	var fullOnce sync.Once
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inflight.Add(1) >= int64(limit) {
			fullOnce.Do(func() { close(full) })
		}
		select { // hold the connection as a slow answer would, until the bound is reached
		case <-full:
		case <-time.After(2 * time.Second):
		}
		inflight.Add(-1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"system":{"version":"22.10.1"}}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			if n := open.Add(1); n > peak.Load() {
				peak.Store(n)
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := ari.New(ari.Options{BaseURL: srv.URL + "/ari", Username: "u", Password: "p", Application: "ariflow", MaxConns: maxConns})
	if err != nil {
		t.Fatal(err)
	}
	requests := 4 * limit
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range requests {
		wg.Go(func() {
			if _, err := c.Asterisk.Info(context.Background()); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed", n, requests)
	}
	if p := peak.Load(); p != int64(limit) {
		t.Errorf("%d connections open at once, want %d: as many as the requests need, and no more", p, limit)
	}
}
