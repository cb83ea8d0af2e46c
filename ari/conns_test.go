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

// Many requests at once (hundreds of calls starting together) share at most MaxConns
// connections to Asterisk, which refuses connections past its session limit, and all
// succeed.
func TestConcurrentRequestsShareBoundedConnections(t *testing.T) {
	var open, peak atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
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
	c, err := ari.New(ari.Options{BaseURL: srv.URL + "/ari", Username: "u", Password: "p", Application: "ariflow"})
	if err != nil {
		t.Fatal(err)
	}
	const requests = 4 * ari.MaxConns
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
	if p := peak.Load(); p > ari.MaxConns {
		t.Errorf("%d connections open at once, want at most %d", p, ari.MaxConns)
	}
}
