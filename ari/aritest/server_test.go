package aritest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari/aritest"
)

// do sends an authenticated request to the fake and returns status and body. It may be
// called from any goroutine: it reports errors with t.Errorf.
func do(t *testing.T, s *aritest.Server, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(`{"variables":{"A":"1"}}`))
	if err != nil {
		t.Errorf("request: %v", err)
		return 0, ""
	}
	req.SetBasicAuth(s.Username, s.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantBody   string // substring
	}{
		{"originate echoes channelId", "POST", "/channels?endpoint=PJSIP/1000&channelId=out-1&app=ariflow&appArgs=a,b",
			200, `"id":"out-1"`},
		{"originate with id in path", "POST", "/channels/out-2?endpoint=PJSIP/1000", 200, `"id":"out-2"`},
		{"originate needs an endpoint", "POST", "/channels?app=ariflow", 400, "Endpoint must be specified"},
		{"create echoes channelId", "POST", "/channels/create?endpoint=PJSIP/1000&app=a&channelId=leg-1", 200, `"id":"leg-1"`},
		{"snoop echoes snoopId", "POST", "/channels/c1/snoop?app=a&snoopId=spy-1", 200, `"id":"spy-1"`},
		{"snoop id in path", "POST", "/channels/c1/snoop/spy-2?app=a", 200, `"name":"Snoop/c1-00000000"`},
		{"play echoes playbackId", "POST", "/channels/c1/play?media=sound:a,sound:b&playbackId=pb-1", 201,
			`"id":"pb-1","language":"en","media_uri":"sound:a","next_media_uri":"sound:b","state":"queued","target_uri":"channel:c1"`},
		{"bridge play id in path", "POST", "/bridges/b1/play/pb-2?media=sound:a", 201, `"target_uri":"bridge:b1"`},
		{"bridge create echoes bridgeId", "POST", "/bridges?bridgeId=b1&type=mixing,dtmf_events&name=conf", 200, `"id":"b1"`},
		{"holding bridge", "POST", "/bridges/b2?type=holding", 200, `"bridge_type":"holding"`},
		{"record", "POST", "/channels/c1/record?name=vm/1&format=wav", 201, `"name":"vm/1"`},
		{"get channel", "GET", "/channels/c%2F1", 200, `"id":"c/1"`},
		{"stored recording with escaped slash", "GET", "/recordings/stored/a%2Fb", 200, `"name":"a/b"`},
		{"action", "POST", "/channels/c1/answer", 204, ""},
		{"unknown route", "GET", "/nothing/here", 404, "Resource not found"},
		{"wrong method", "PATCH", "/channels/c1", 404, "Resource not found"},
		{"outside the api", "GET", "/../other", 404, ""},
	}
	s := aritest.NewServer(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, s, tc.method, tc.path)
			if status != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Errorf("%s %s = %d %s, want %d with %s", tc.method, tc.path, status, body, tc.wantStatus, tc.wantBody)
			}
			if status/100 == 2 && len(body) > 0 && !json.Valid([]byte(body)) {
				t.Errorf("invalid JSON %s", body)
			}
		})
	}
}

func TestAuthRequired(t *testing.T) {
	s := aritest.NewServer(t)
	resp, err := http.Get(s.URL + "/channels")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}

func TestHandleOverrides(t *testing.T) {
	s := aritest.NewServer(t)
	s.Handle("GET", "/channels/{channelId}", func(r *http.Request) (int, any) {
		return http.StatusNotFound, aritest.Message("Channel not found: " + r.PathValue("channelId"))
	})
	s.Handle("GET", "/channels/special%2Fone", func(r *http.Request) (int, any) {
		b, _ := io.ReadAll(r.Body)
		return http.StatusOK, json.RawMessage(b)
	})
	if status, body := do(t, s, "GET", "/channels/gone"); status != 404 || !strings.Contains(body, "Channel not found: gone") {
		t.Errorf("override: %d %s", status, body)
	}
	if status, body := do(t, s, "GET", "/channels/special%2Fone"); status != 200 || body != `{"variables":{"A":"1"}}` {
		t.Errorf("latest override with the request body: %d %s", status, body)
	}
}

func TestWaitRequest(t *testing.T) {
	s := aritest.NewServer(t)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		do(t, s, "POST", "/channels/c1/answer")
		do(t, s, "POST", "/channels/c1/play?media=sound:a")
		do(t, s, "POST", "/channels/c1/play?media=sound:b")
	}()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, want := range []string{"sound:a", "sound:b"} {
		r, err := s.WaitRequest(ctx, "POST", "/channels/c1/play")
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Query.Get("media"); got != want {
			t.Errorf("media %q, want %q", got, want)
		}
		if string(r.Body) != `{"variables":{"A":"1"}}` {
			t.Errorf("body %q", r.Body)
		}
	}
	// The server records a request before it answers: the last one may still be waiting
	// for its answer, which must come before the test ends (and its context with it).
	<-sent
	short, cancel2 := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel2()
	if _, err := s.WaitRequest(short, "POST", "/channels/c1/play"); err == nil {
		t.Error("WaitRequest returned a request twice")
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d requests recorded, want 3", n)
	}
}

func TestPushWithoutClients(t *testing.T) {
	s := aritest.NewServer(t)
	if n := s.Push(aritest.StasisStart("ariflow", "c1")); n != 0 {
		t.Errorf("Push reached %d clients, want 0", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := s.WaitConnected(ctx); err == nil {
		t.Error("WaitConnected without clients returned nil")
	}
}

func TestWAV(t *testing.T) {
	b := aritest.WAV(time.Second)
	if len(b) != 44+16000 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Errorf("WAV: %d bytes, header %q", len(b), b[:12])
	}
}
