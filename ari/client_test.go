package ari_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/ari/aritest"
)

// newClient returns a client of a new fake server; opts fields that are set override the
// defaults.
func newClient(t *testing.T, opts ari.Options) (*ari.Client, *aritest.Server) {
	t.Helper()
	s := aritest.NewServer(t)
	opts.BaseURL = s.URL
	if opts.Username == "" {
		opts.Username, opts.Password = s.Username, s.Password
	}
	if opts.Application == "" {
		opts.Application = "ariflow"
	}
	opts.Logger = zerolog.New(zerolog.NewTestWriter(t))
	c, err := ari.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// lastRequest returns the last request the fake received.
func lastRequest(t *testing.T, s *aritest.Server) aritest.Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request received")
	}
	return reqs[len(reqs)-1]
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    ari.Options
		wantErr []string
	}{
		{name: "ok", opts: ari.Options{BaseURL: "http://127.0.0.1:18088/ari", Application: "ariflow"}},
		{name: "trailing slash", opts: ari.Options{BaseURL: "https://pbx/ari/", Application: "a"}},
		{name: "empty", opts: ari.Options{}, wantErr: []string{"BaseURL is empty", "Application is empty"}},
		{name: "scheme", opts: ari.Options{BaseURL: "ws://pbx/ari", Application: "a"}, wantErr: []string{"scheme"}},
		{name: "query", opts: ari.Options{BaseURL: "http://pbx/ari?x=1", Application: "a"}, wantErr: []string{"query"}},
		{name: "negative durations", opts: ari.Options{BaseURL: "http://pbx/ari", Application: "a",
			RequestTimeout: -1, PingInterval: -1}, wantErr: []string{"RequestTimeout", "PingInterval"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ari.New(tc.opts)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New: no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPathEscaping(t *testing.T) {
	const stored = "monitor/1000-2023:06:10_10h30m20s"
	tests := []struct {
		name string
		call func(ctx context.Context, c *ari.Client) error
		want string // escaped path below /ari
	}{
		{"stored recording with slash and colons", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Recordings.StoredGet(ctx, stored)
			return err
		}, "/recordings/stored/monitor%2F1000-2023:06:10_10h30m20s"},
		{"stored recording file", func(ctx context.Context, c *ari.Client) error {
			rc, err := c.Recordings.File(ctx, stored)
			if err == nil {
				rc.Close()
			}
			return err
		}, "/recordings/stored/monitor%2F1000-2023:06:10_10h30m20s/file"},
		{"live recording stop", func(ctx context.Context, c *ari.Client) error {
			return c.Recordings.LiveStop(ctx, "queue/sales 1")
		}, "/recordings/live/queue%2Fsales%201/stop"},
		{"channel id with question mark", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.Answer(ctx, "id?x=1")
		}, "/channels/id%3Fx=1/answer"},
		{"percent sign", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Bridges.Get(ctx, "br%41")
			return err
		}, "/bridges/br%2541"},
		{"device name", func(ctx context.Context, c *ari.Client) error {
			return c.DeviceStates.Update(ctx, "Stasis:queue/sales", ari.DeviceBusy)
		}, "/deviceStates/Stasis:queue%2Fsales"},
		{"sound in a folder", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Sounds.Get(ctx, "custom/closed")
			return err
		}, "/sounds/custom%2Fclosed"},
		{"endpoint", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Endpoints.Get(ctx, "PJSIP", "1000#a")
			return err
		}, "/endpoints/PJSIP/1000%23a"},
	}
	c, s := newClient(t, ari.Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			r := lastRequest(t, s)
			if r.Path != tc.want {
				t.Errorf("path %q, want %q", r.Path, tc.want)
			}
			if !strings.HasPrefix(r.RequestURI, "/ari"+tc.want) {
				t.Errorf("RequestURI %q, want prefix /ari%s", r.RequestURI, tc.want)
			}
		})
	}
}

func TestEmptyIDRejected(t *testing.T) {
	c, s := newClient(t, ari.Options{})
	err := c.Channels.Answer(t.Context(), "")
	if err == nil || !strings.Contains(err.Error(), "empty id") {
		t.Fatalf("Answer(\"\"): %v, want an empty id error", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       any
		wantStatus int
		wantMsg    string
		notFound   bool
	}{
		{"not found", http.StatusNotFound, aritest.Message("Channel not found"), 404, "Channel not found", true},
		{"conflict", http.StatusConflict, aritest.Message("Channel not in Stasis application"), 409,
			"Channel not in Stasis application", false},
		{"bad request", http.StatusBadRequest, aritest.Message("Direction is required"), 400, "Direction is required", false},
		{"plain text body", http.StatusInternalServerError, []byte("boom"), 500, "boom", false},
		{"no body", http.StatusServiceUnavailable, nil, 503, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newClient(t, ari.Options{})
			s.Handle("POST", "/channels/{id}/answer", func(*http.Request) (int, any) { return tc.status, tc.body })
			err := c.Channels.Answer(t.Context(), "chan-1")
			var e *ari.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *ari.Error", err, err)
			}
			want := ari.Error{Method: "POST", Path: "/channels/chan-1/answer", Status: tc.wantStatus, Message: tc.wantMsg}
			if *e != want {
				t.Errorf("error %+v, want %+v", *e, want)
			}
			if got := ari.StatusOf(err); got != tc.wantStatus {
				t.Errorf("StatusOf = %d, want %d", got, tc.wantStatus)
			}
			if got := ari.IsNotFound(err); got != tc.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tc.notFound)
			}
			if ari.Unanswered(err) {
				t.Errorf("Unanswered = true for a request Asterisk refused with %d", tc.status)
			}
		})
	}
}

// A request whose answer is lost (the connection closed, the time-out passed) may have
// been carried out: Unanswered says so, and the bridge is there all the same.
func TestUnansweredRequestMayHaveBeenCarriedOut(t *testing.T) {
	c, s := newClient(t, ari.Options{RequestTimeout: 300 * time.Millisecond})
	var mu sync.Mutex
	made := map[string]bool{}
	s.Handle("POST", "/bridges", func(r *http.Request) (int, any) {
		mu.Lock()
		made[r.URL.Query().Get("bridgeId")] = true
		mu.Unlock()
		if r.URL.Query().Get("bridgeId") == "slow" {
			<-r.Context().Done() // the answer comes after the client gave up
		}
		return http.StatusOK, aritest.NoAnswer
	})
	for _, id := range []string{"lost", "slow"} {
		_, err := c.Bridges.Create(t.Context(), ari.BridgeCreate{ID: id, Type: "mixing"})
		if err == nil || !ari.Unanswered(err) {
			t.Errorf("%s: Create = %v, want an error Unanswered reports", id, err)
		}
		mu.Lock()
		if !made[id] {
			t.Errorf("%s: the server never got the request", id)
		}
		mu.Unlock()
	}
	if ari.Unanswered(nil) {
		t.Error("Unanswered(nil) = true")
	}
}

func TestStatusOfOtherErrors(t *testing.T) {
	for _, err := range []error{nil, errors.New("x"), context.DeadlineExceeded} {
		if got := ari.StatusOf(err); got != 0 {
			t.Errorf("StatusOf(%v) = %d, want 0", err, got)
		}
		if ari.IsNotFound(err) {
			t.Errorf("IsNotFound(%v) = true", err)
		}
	}
}

func TestBadCredentials(t *testing.T) {
	c, _ := newClient(t, ari.Options{Username: "intruder", Password: "x"})
	_, err := c.Asterisk.Ping(t.Context())
	if got := ari.StatusOf(err); got != http.StatusUnauthorized {
		t.Fatalf("Ping: %v, want status 401", err)
	}
}

func TestRequestDeadline(t *testing.T) {
	tests := []struct {
		name           string
		requestTimeout time.Duration
		ctx            func(t *testing.T) context.Context
	}{
		{"request timeout when ctx has no deadline", 50 * time.Millisecond, func(t *testing.T) context.Context {
			return t.Context()
		}},
		{"request timeout when ctx deadline is later", 50 * time.Millisecond, func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
			t.Cleanup(cancel)
			return ctx
		}},
		{"ctx deadline when earlier", time.Hour, func(t *testing.T) context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newClient(t, ari.Options{RequestTimeout: tc.requestTimeout})
			s.Handle("POST", "/channels/{id}/answer", func(r *http.Request) (int, any) {
				<-r.Context().Done() // hang until the client gives up
				return http.StatusNoContent, nil
			})
			done := make(chan error, 1)
			go func() { done <- c.Channels.Answer(tc.ctx(t), "chan-1") }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Answer: %v, want context.DeadlineExceeded", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("Answer did not return: no deadline applied")
			}
		})
	}
}

func TestRecordingFile(t *testing.T) {
	c, s := newClient(t, ari.Options{})
	want := aritest.WAV(20 * time.Millisecond)
	s.Handle("GET", "/recordings/stored/{name}/file", func(*http.Request) (int, any) {
		return http.StatusOK, aritest.Raw{ContentType: "audio/wav", Body: want}
	})
	rc, err := c.Recordings.File(t.Context(), "vm/1000/msg0001")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("file: %d bytes, want %d", len(got), len(want))
	}

	s.Handle("GET", "/recordings/stored/{name}/file", func(*http.Request) (int, any) {
		return http.StatusNotFound, aritest.Message("Recording not found")
	})
	if _, err := c.Recordings.File(t.Context(), "missing"); !ari.IsNotFound(err) {
		t.Errorf("File(missing): %v, want not found", err)
	}
}

// A bridge's recording whose answer was lost is asked about: begun when Asterisk records
// it on that bridge, an error when it does not (or records it elsewhere).
func TestBridgeRecordingWithoutAnAnswer(t *testing.T) {
	for _, tc := range []struct {
		name, live string // live: the target of the live recording Asterisk has, "" for none
		begun      bool
	}{{"recording", "bridge:b1", true}, {"not recording", "", false}, {"recording another bridge", "bridge:b2", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newClient(t, ari.Options{})
			s.Handle("POST", "/bridges/{id}/record", func(*http.Request) (int, any) { return http.StatusOK, aritest.NoAnswer })
			s.Handle("GET", "/recordings/live/{name}", func(r *http.Request) (int, any) {
				if tc.live == "" {
					return http.StatusNotFound, aritest.Message("Recording not found")
				}
				return http.StatusOK, map[string]any{"name": r.PathValue("name"), "target_uri": tc.live, "state": "recording"}
			})
			rec, err := c.Bridges.Record(t.Context(), "b1", ari.RecordRequest{Name: "monitor/1000-x", Format: "wav"})
			if begun := err == nil && rec != nil && rec.Name == "monitor/1000-x"; begun != tc.begun {
				t.Errorf("Record = %+v, %v; want begun %v", rec, err, tc.begun)
			}
			if !tc.begun && !ari.Unanswered(err) {
				t.Errorf("error %v, want the lost answer's", err)
			}
		})
	}
}
