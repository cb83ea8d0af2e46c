package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari/aritest"
)

// lockedBuffer is serve's stderr, read while serve writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A restart asked through the admin API ends serve with status 75, not 0: a service
// manager that restarts only failures (systemd Restart=on-failure, compose's on-failure)
// starts it again.
func TestRestartThroughTheAPIExits75(t *testing.T) {
	t.Setenv("GOMAXPROCS", "2") // serve would lower the test process's otherwise
	srv := aritest.NewServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "routing.yaml")
	free, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the admin API
	if err != nil {
		t.Fatal(err)
	}
	free.Close()
	body := fmt.Sprintf("asterisk: {url: %q, username: %s, password: %s}\ndatabase: state.db\n"+
		"admin: {listen: %q, token: %s}\nnumbers: {\"7001\": {play: sound:hello}}\n",
		srv.URL, srv.Username, srv.Password, free.Addr().String(), testAdminToken)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	code := make(chan int, 1)
	go func() { code <- serve([]string{"--log-format", "json", "--drain", "1s", path}, logs) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "admin API serving"); {
		if time.Now().After(deadline) {
			t.Fatalf("the admin API did not start:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	addr := free.Addr().String()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/restart", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case c := <-code:
		if c != exitRestart {
			t.Errorf("serve exited %d after a restart, want %d:\n%s", c, exitRestart, logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop after POST /api/restart (%s):\n%s", resp.Status, logs)
	}
}
