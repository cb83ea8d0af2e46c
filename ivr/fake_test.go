package ivr_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/ivr"
)

// durations of the prompts the tests play, as in the lab; others last 1 s.
var durations = map[string]time.Duration{
	"sound:service1": 3 * time.Second,
	"sound:service2": 2700 * time.Millisecond,
	"sound:invalid":  4 * time.Second,
	"sound:goodbye":  time.Second,
}

// press is a caller pressing keys at a moment of virtual time since the call started.
type press struct {
	at   time.Duration
	keys string
}

// fakeCall is a caller on virtual time (run it inside synctest): prompts take their
// duration, keys arrive when the script says, and every event is noted with the moment
// it happened.
type fakeCall struct {
	t0       time.Time
	keys     chan string
	buffered []string
	hangup   bool
	answered int
	log      zerolog.Logger
	events   []string
}

// newFakeCall starts the caller's script: keys pressed at their moments, 200 ms apart
// within one press; hangupAt > 0 hangs up then.
func newFakeCall(t *testing.T, presses []press, hangupAt time.Duration) *fakeCall {
	c := &fakeCall{t0: time.Now(), keys: make(chan string, 64), log: zerolog.New(zerolog.NewTestWriter(t))}
	go func() {
		for _, p := range presses {
			time.Sleep(time.Until(c.t0.Add(p.at)))
			for i, k := range p.keys {
				if i > 0 {
					time.Sleep(200 * time.Millisecond)
				}
				c.keys <- string(k)
			}
		}
		if hangupAt > 0 {
			time.Sleep(time.Until(c.t0.Add(hangupAt)))
			close(c.keys)
		}
	}()
	return c
}

func (c *fakeCall) note(format string, args ...any) {
	c.events = append(c.events, fmt.Sprintf("%v %s", time.Since(c.t0), fmt.Sprintf(format, args...)))
}

func (c *fakeCall) Logger() *zerolog.Logger { return &c.log }
func (c *fakeCall) SetState(string)         {}

func (c *fakeCall) Answer(context.Context) error {
	if c.answered == 0 {
		c.note("answer")
	}
	c.answered++
	return nil
}

// receive takes a key that arrived; false when the caller hung up.
func (c *fakeCall) receive(k string, ok bool) bool {
	if !ok {
		c.hangup = true
		return false
	}
	c.buffered = append(c.buffered, k)
	return true
}

func (c *fakeCall) Play(ctx context.Context, interrupt bool, media ...string) (bool, error) {
	if c.hangup {
		return false, call.ErrHangup
	}
	if interrupt && len(c.buffered) > 0 {
		return true, nil
	}
	for _, m := range media {
		c.note("play %s", m)
		d, ok := durations[m]
		if !ok {
			d = time.Second
		}
		done := time.After(d)
	wait:
		for {
			select {
			case k, ok := <-c.keys:
				if !c.receive(k, ok) {
					return false, call.ErrHangup
				}
				if interrupt {
					c.note("stop %s (key %s)", m, k)
					return true, nil
				}
			case <-done:
				break wait
			}
		}
	}
	return false, nil
}

func (c *fakeCall) WaitDigit(ctx context.Context, timeout time.Duration) (string, error) {
	if c.hangup {
		return "", call.ErrHangup
	}
	if len(c.buffered) == 0 {
		select {
		case k, ok := <-c.keys:
			if !c.receive(k, ok) {
				return "", call.ErrHangup
			}
		case <-time.After(timeout):
			c.note("no key for %s", timeout)
			return "", nil
		}
	}
	k := c.buffered[0]
	c.buffered = c.buffered[1:]
	return k, nil
}

// runs records the actions the menus hand on.
type runs struct {
	c   *fakeCall
	got []string
}

func (r *runs) run(_ context.Context, a config.Action) error {
	r.c.note("run %s", ivr.Describe(a))
	r.got = append(r.got, ivr.Describe(a))
	return nil
}

// head is the start of every test routing file.
const head = `
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
extensions:
  "1000": {endpoint: PJSIP/1000}
  "2001": {endpoint: PJSIP/2001}
  "2002": {endpoint: PJSIP/2002}
`

func mustParse(t testing.TB, body string) *config.File {
	t.Helper()
	f, err := config.Parse("test.yaml", []byte(head+body))
	if err != nil {
		t.Fatalf("routing refused: %v", err)
	}
	return f
}

func handler(t *testing.T, body string) *ivr.Handler {
	t.Helper()
	h, err := ivr.New(mustParse(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}
