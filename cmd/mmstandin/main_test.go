package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ariflow/ariflow/notify/mmtest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeFlags(t *testing.T) {
	const token, channel = "secrettoken0000000000000000", "chan0000000000000000000000"
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	ready, exit := make(chan string, 1), make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-listen", "127.0.0.1:0", "-token", token, "-channel", channel}, &stdout, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-exit:
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	base := "http://" + addr
	send := func(tok, ch string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v4/posts",
			strings.NewReader(`{"channel_id":"`+ch+`","message":"call from 2000\nfor 1000"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(token, channel); s != 201 {
		t.Errorf("post with the flag's token and channel: %d", s)
	}
	if s := send(mmtest.DefaultToken, channel); s != 401 {
		t.Errorf("post with the default token: %d, want 401", s)
	}
	if s := send(token, mmtest.DefaultChannelID); s != 403 {
		t.Errorf("post to the default channel: %d, want 403", s)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "call from 2000") {
		t.Errorf("page does not show the post:\n%s", page)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d after cancel: %s", code, stderr.String())
	}
	out := stdout.String()
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 ||
		!strings.Contains(lines[0], `message="call from 2000\nfor 1000"`) || !strings.Contains(lines[0], "channel="+channel) {
		t.Errorf("want one log line for the accepted post, got:\n%s", out)
	}
	if strings.Contains(out+stderr.String(), token) {
		t.Errorf("the token was logged:\n%s%s", out, stderr.String())
	}
}

func TestTokenFromEnv(t *testing.T) {
	t.Setenv("MMSTANDIN_TOKEN", "envtoken")
	ctx, cancel := context.WithCancel(t.Context())
	ready, exit := make(chan string, 1), make(chan int, 1)
	go func() { exit <- run(ctx, []string{"-listen", "127.0.0.1:0"}, io.Discard, io.Discard, ready) }()
	addr := <-ready
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v4/channels/"+mmtest.DefaultChannelID+"/posts", nil)
	req.Header.Set("Authorization", "Bearer envtoken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("read with $MMSTANDIN_TOKEN: %d", resp.StatusCode)
	}
	cancel()
	<-exit
}

func TestBadFlags(t *testing.T) {
	if code := run(t.Context(), []string{"-nope"}, io.Discard, io.Discard, nil); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code := run(t.Context(), []string{"extra"}, io.Discard, io.Discard, nil); code != 2 {
		t.Errorf("argument: exit %d, want 2", code)
	}
}
