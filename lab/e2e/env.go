package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
)

// observerApp is the suite's own ARI application: it is subscribed to the channels it
// watches (talk detection on a phone's leg), never to the app's callers' Stasis.
const observerApp = "ariflow-e2e"

// env is the suite's connections, shared by the scenarios.
type env struct {
	cfg    *config
	http   *http.Client
	ari    *ari.Client
	bus    *ari.Bus
	stop   context.CancelFunc
	done   chan struct{}
	portMu sync.Mutex
	ports  map[int]bool
}

func newEnv(ctx context.Context, cfg *config, stderr io.Writer) (*env, error) {
	e := &env{cfg: cfg, http: &http.Client{Timeout: 10 * time.Second}, ports: map[int]bool{}, done: make(chan struct{})}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).Level(zerolog.ErrorLevel)
	e.bus = ari.NewBus(log)
	c, err := ari.New(ari.Options{BaseURL: cfg.ARIURL, Username: cfg.ARIUser, Password: cfg.ARIPassword,
		Application: observerApp, Logger: log})
	if err != nil {
		return nil, err
	}
	e.ari = c
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.Asterisk.Info(cctx); err != nil {
		return nil, fmt.Errorf("ARI at %s does not answer: %w", cfg.ARIURL, err)
	}
	var ready struct{ Status string }
	if status, err := e.admin(http.MethodGet, "/readyz", "", &ready); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("ariflow's admin API at %s is not ready (%d %s): %v", cfg.AdminURL, status, ready.Status, err)
	}
	if _, err := e.posts(); err != nil {
		return nil, fmt.Errorf("the Mattermost stand-in at %s: %w", cfg.MMURL, err)
	}
	rctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	go func() {
		defer close(e.done)
		_ = c.Run(rctx, func(ev ari.Event) { e.bus.Publish(ev) })
	}()
	return e, nil
}

func (e *env) close() {
	e.stop()
	<-e.done
}

// scenario is one row of the table: run plays it and reports through the scene.
type scenario struct {
	name     string
	expected string
	run      func(ctx context.Context, s *scene)
}

// scene is one scenario being played: its SIPps, what was seen, what went wrong.
type scene struct {
	e      *env
	name   string
	dir    string
	seq    int
	procs  []*proc
	seen   []string
	errors []string
}

// see notes what a user would have noticed, for the seen column.
func (s *scene) see(format string, args ...any) {
	s.seen = append(s.seen, fmt.Sprintf(format, args...))
}

// failf notes a failure (and shows it in the seen column).
func (s *scene) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.errors = append(s.errors, msg)
	s.seen = append(s.seen, "FAIL: "+msg)
}

// check notes a failure unless ok.
func (s *scene) check(ok bool, format string, args ...any) bool {
	if !ok {
		s.failf(format, args...)
	}
	return ok
}

// play runs one scenario, then checks that no call, channel or bridge is left; it keeps
// the scenario's logs when it failed.
func (e *env) play(ctx context.Context, sc scenario) outcome {
	s := &scene{e: e, name: sc.name, dir: filepath.Join(e.cfg.Logs, sc.name)}
	_ = os.RemoveAll(s.dir)
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.failf("panic: %v", r)
			}
		}()
		sc.run(ctx, s)
	}()
	for _, p := range s.procs {
		if select1(p.Done()) {
			continue
		}
		p.Kill()
		s.failf("SIPp %s was still running", p.name)
	}
	s.leftovers(ctx)
	o := outcome{name: sc.name, expected: sc.expected, seen: strings.Join(s.seen, "; "), ok: len(s.errors) == 0,
		took: time.Since(start), logs: s.dir}
	if o.ok {
		_ = os.RemoveAll(s.dir)
	} else {
		_ = os.WriteFile(filepath.Join(s.dir, "failures.txt"), []byte(strings.Join(s.errors, "\n")+"\n"), 0o644)
	}
	return o
}

func select1(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// leftovers fails the scene when ARI still lists channels or bridges, or the app calls,
// 8 s after the scenario's calls ended.
func (s *scene) leftovers(ctx context.Context) {
	deadline := time.Now().Add(8 * time.Second)
	for {
		var what []string
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		chans, err1 := s.e.ari.Channels.List(cctx)
		bridges, err2 := s.e.ari.Bridges.List(cctx)
		cancel()
		for _, c := range chans {
			what = append(what, "channel "+c.Name)
		}
		for _, b := range bridges {
			what = append(what, "bridge "+b.ID)
		}
		calls, err3 := s.e.calls()
		for _, c := range calls {
			what = append(what, "app call "+c.Channel+" "+c.State)
		}
		if err := firstErr(err1, err2, err3); err != nil {
			s.failf("leftover check: %v", err)
			return
		}
		if len(what) == 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.failf("left over: %s", strings.Join(what, ", "))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// admin does one admin API request with the token; out, when not nil, gets the JSON answer.
func (e *env) admin(method, path, body string, out any) (int, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, strings.TrimRight(e.cfg.AdminURL, "/")+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+e.cfg.AdminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(req, out)
}

func (e *env) do(req *http.Request, out any) (int, error) {
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return resp.StatusCode, nil
}

// liveCall is one call of GET /api/calls.
type liveCall struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Caller  string `json:"caller"`
	Exten   string `json:"exten"`
	State   string `json:"state"`
}

func (e *env) calls() ([]liveCall, error) {
	var out struct {
		Calls []liveCall `json:"calls"`
	}
	_, err := e.admin(http.MethodGet, "/api/calls", "", &out)
	return out.Calls, err
}

// post is a Mattermost post as GET /api/v4/channels/{id}/posts gives it.
type post struct {
	ID       string   `json:"id"`
	CreateAt int64    `json:"create_at"`
	Message  string   `json:"message"`
	FileIDs  []string `json:"file_ids"`
}

// posts reads the channel's posts, newest first, as a client of Mattermost would.
func (e *env) posts() ([]post, error) {
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(e.cfg.MMURL, "/")+"/api/v4/channels/"+e.cfg.MMChannel+"/posts?per_page=200", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.cfg.MMToken)
	var list struct {
		Order []string        `json:"order"`
		Posts map[string]post `json:"posts"`
	}
	if _, err := e.do(req, &list); err != nil {
		return nil, err
	}
	out := make([]post, 0, len(list.Order))
	for _, id := range list.Order {
		out = append(out, list.Posts[id])
	}
	return out, nil
}

// postsSince returns, oldest first, the posts created at or after t whose message is
// text; it waits up to timeout for at least one.
func (s *scene) postsSince(t time.Time, text string, timeout time.Duration) []post {
	deadline := time.Now().Add(timeout)
	for {
		all, err := s.e.posts()
		if err != nil {
			s.failf("reading Mattermost: %v", err)
			return nil
		}
		var out []post
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].CreateAt >= t.UnixMilli() && all[i].Message == text {
				out = append(out, all[i])
			}
		}
		if len(out) > 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}
