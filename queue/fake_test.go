package queue

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// fakeCall is a caller as the queue sees it, in virtual time: a playback takes a second
// per media, ringing takes what ring decides, and the caller hangs up when told.
type fakeCall struct {
	id, number string
	start      time.Time
	ring       func(c *fakeCall, opts call.RingOptions) (call.RingResult, error)
	hangup     chan struct{}
	log        zerolog.Logger
	devices    map[string]string // Asterisk's device states; NOT_INUSE when absent

	mu     sync.Mutex
	events []string // what the caller went through, each "at <offset>: <what>"
}

func newFakeCall(id, number string) *fakeCall {
	return &fakeCall{id: id, number: number, start: time.Now(), hangup: make(chan struct{}), log: zerolog.Nop()}
}

func (c *fakeCall) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("%s: %s", time.Since(c.start), fmt.Sprintf(format, args...)))
}

// Events is what the caller went through, in order.
func (c *fakeCall) Events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func (c *fakeCall) hungUp() bool {
	select {
	case <-c.hangup:
		return true
	default:
		return false
	}
}

func (c *fakeCall) ID() string                    { return c.id }
func (c *fakeCall) Caller() (string, string)      { return c.number, "" }
func (c *fakeCall) Exten() string                 { return "600" }
func (c *fakeCall) Logger() *zerolog.Logger       { return &c.log }
func (c *fakeCall) SetState(string)               {}
func (c *fakeCall) Answer(context.Context) error  { c.note("answer"); return nil }
func (c *fakeCall) StopMOH(context.Context) error { return nil }

func (c *fakeCall) DeviceState(_ context.Context, device string) (string, error) {
	if st, ok := c.devices[device]; ok {
		return st, nil
	}
	return "NOT_INUSE", nil
}

func (c *fakeCall) StartMOH(_ context.Context, class string) error {
	if c.hungUp() {
		return call.ErrHangup
	}
	c.note("music %s", class)
	return nil
}

func (c *fakeCall) Play(_ context.Context, _ bool, media ...string) (bool, error) {
	c.note("play %s", strings.Join(media, " "))
	select {
	case <-c.hangup:
		return false, call.ErrHangup
	case <-time.After(time.Duration(len(media)) * time.Second):
		return false, nil
	}
}

func (c *fakeCall) Idle(ctx context.Context, d time.Duration, wake <-chan struct{}) (bool, error) {
	var timer <-chan time.Time
	if d > 0 {
		timer = time.After(d)
	}
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-c.hangup:
		return false, call.ErrHangup
	case <-timer:
		return false, nil
	case <-wake:
		return true, nil
	}
}

func (c *fakeCall) RingMany(_ context.Context, opts call.RingOptions) (call.RingResult, error) {
	c.note("ring %s for %s", strings.Join(opts.Endpoints, ","), opts.Timeout)
	return c.ring(c, opts)
}

// nobodyAnswers rings until the timeout or the caller's hang-up.
func nobodyAnswers(c *fakeCall, opts call.RingOptions) (call.RingResult, error) {
	res := call.RingResult{Missed: map[string]call.Unanswered{}}
	select {
	case <-c.hangup:
		return res, call.ErrHangup
	case <-time.After(opts.Timeout):
	}
	for _, ep := range opts.Endpoints {
		res.Missed[ep] = call.Unanswered{Status: call.DialNoAnswer}
	}
	return res, nil
}

// answersAfter makes the first endpoint answer after ring, talk for talk, then hang up.
func answersAfter(ring, talk time.Duration) func(*fakeCall, call.RingOptions) (call.RingResult, error) {
	return func(c *fakeCall, opts call.RingOptions) (call.RingResult, error) {
		time.Sleep(ring)
		res := call.RingResult{Winner: opts.Endpoints[0], Answered: time.Now(), Missed: map[string]call.Unanswered{}}
		opts.OnAnswer(res.Winner)
		c.note("connected %s", res.Winner)
		time.Sleep(talk)
		res.Talk, res.MemberHungUp = talk, true
		return res, nil
	}
}

// testQueue is the seed's queue with the settings a test changes.
func testQueue(change func(*config.Queue)) config.Queue {
	q := config.Queue{Name: "sales", Strategy: "ringall", MemberTimeout: 20 * time.Second, Retry: 5 * time.Second,
		MusicClass: "classic", Answer: true, JoinEmpty: true, Members: []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}}
	if change != nil {
		change(&q)
	}
	return q
}

// newHandler builds a handler for q on a manager with a database in dir.
func newHandler(t *testing.T, db *store.DB, q config.Queue) (*Handler, *Manager) {
	t.Helper()
	m := NewManager(db, zerolog.Nop())
	file := &config.File{Timezone: "UTC", Queues: map[string]config.Queue{q.Name: q}}
	h, err := New(file, Deps{Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	return h, m
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// events lists the log's event names for queue, with the member when there is one.
func events(t *testing.T, m *Manager, queue string) []string {
	t.Helper()
	entries, err := m.Log(queue, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		s := e.Event
		if e.Member != "" {
			s += " " + e.Member
		}
		out = append(out, s)
	}
	return out
}
