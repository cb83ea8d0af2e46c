package ari_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
)

// dtmf returns a DTMF event on channel id carrying seq as its duration.
func dtmf(id string, seq int) *ari.ChannelDtmfReceived {
	return &ari.ChannelDtmfReceived{EventBase: ari.EventBase{Type: "ChannelDtmfReceived"}, Digit: "1",
		DurationMs: seq, Channel: ari.Channel{ID: id}}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, for logs.
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

// drain returns the events buffered in sub without waiting.
func drain(sub *ari.Subscription) []ari.Event {
	var evs []ari.Event
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		default:
			return evs
		}
	}
}

func TestBusOrderPerKey(t *testing.T) {
	b := ari.NewBus(zerolog.Nop())
	const publishers, perPublisher = 4, 300
	sub := b.Subscribe(publishers * perPublisher)
	for p := range publishers {
		sub.Add(fmt.Sprintf("channel:c%d", p))
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range perPublisher {
				b.Publish(dtmf(fmt.Sprintf("c%d", p), i))
			}
		})
	}
	wg.Wait()
	next := map[string]int{}
	for _, ev := range drain(sub) {
		e := ev.(*ari.ChannelDtmfReceived)
		if e.DurationMs != next[e.Channel.ID] {
			t.Fatalf("channel %s: event %d, want %d", e.Channel.ID, e.DurationMs, next[e.Channel.ID])
		}
		next[e.Channel.ID]++
	}
	for p := range publishers {
		if got := next[fmt.Sprintf("c%d", p)]; got != perPublisher {
			t.Errorf("channel c%d: %d events, want %d", p, got, perPublisher)
		}
	}
	if st := b.Stats(); st != (ari.BusStats{Delivered: publishers * perPublisher}) {
		t.Errorf("stats %+v", st)
	}
}

func TestBusOverflowCountedAndLogged(t *testing.T) {
	var logs syncBuffer
	b := ari.NewBus(zerolog.New(&logs))
	sub := b.Subscribe(2, "channel:a")
	for i := range 5 {
		b.Publish(dtmf("a", i))
	}
	if st := b.Stats(); st != (ari.BusStats{Delivered: 2, Dropped: 3}) {
		t.Errorf("stats %+v, want 2 delivered, 3 dropped", st)
	}
	if got := sub.Dropped(); got != 3 {
		t.Errorf("sub.Dropped() = %d, want 3", got)
	}
	evs := drain(sub)
	if len(evs) != 2 || evs[0].(*ari.ChannelDtmfReceived).DurationMs != 0 || evs[1].(*ari.ChannelDtmfReceived).DurationMs != 1 {
		t.Errorf("buffered %v, want the first two events", evs)
	}
	out := logs.String()
	if n := strings.Count(out, `"event":"ChannelDtmfReceived"`); n != 3 {
		t.Errorf("%d drop logs with the event type, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, `"key":"channel:a"`) {
		t.Errorf("drop log has no key:\n%s", out)
	}
}

func TestBusRouting(t *testing.T) {
	dial := &ari.Dial{EventBase: ari.EventBase{Type: "Dial"}, Peer: ari.Channel{ID: "peer"}, Caller: &ari.Channel{ID: "caller"}}
	tests := []struct {
		name      string
		subs      [][]string // keys of each subscription
		ev        ari.Event
		want      []int // events each subscription receives
		wantStats ari.BusStats
	}{
		{"one key", [][]string{{"channel:a"}}, dtmf("a", 0), []int{1}, ari.BusStats{Delivered: 1}},
		{"other key", [][]string{{"channel:b"}}, dtmf("a", 0), []int{0}, ari.BusStats{Unrouted: 1}},
		{"two subscribers", [][]string{{"channel:a"}, {"channel:a", "bridge:x"}}, dtmf("a", 0), []int{1, 1},
			ari.BusStats{Delivered: 2}},
		{"two matching keys delivered once", [][]string{{"channel:peer", "channel:caller"}}, dial, []int{1},
			ari.BusStats{Delivered: 1}},
		{"each side of a dial", [][]string{{"channel:peer"}, {"channel:caller"}}, dial, []int{1, 1},
			ari.BusStats{Delivered: 2}},
		{"event without keys", [][]string{{"channel:a"}}, &ari.ApplicationReplaced{}, []int{0}, ari.BusStats{Unrouted: 1}},
		{"no subscribers", nil, dtmf("a", 0), nil, ari.BusStats{Unrouted: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := ari.NewBus(zerolog.Nop())
			var subs []*ari.Subscription
			for _, keys := range tc.subs {
				subs = append(subs, b.Subscribe(4, keys...))
			}
			b.Publish(tc.ev)
			for i, s := range subs {
				if got := len(drain(s)); got != tc.want[i] {
					t.Errorf("subscription %d got %d events, want %d", i, got, tc.want[i])
				}
			}
			if st := b.Stats(); st != tc.wantStats {
				t.Errorf("stats %+v, want %+v", st, tc.wantStats)
			}
		})
	}
}

func TestBusAddRemove(t *testing.T) {
	b := ari.NewBus(zerolog.Nop())
	sub := b.Subscribe(10, "channel:a")
	sub.Add("channel:b", "channel:b")
	b.Publish(dtmf("b", 0))
	sub.Remove("channel:a", "channel:unknown")
	b.Publish(dtmf("a", 1))
	b.Publish(dtmf("b", 2))
	var got []int
	for _, ev := range drain(sub) {
		got = append(got, ev.(*ari.ChannelDtmfReceived).DurationMs)
	}
	if fmt.Sprint(got) != "[0 2]" {
		t.Errorf("events %v, want [0 2]", got)
	}
	if st := b.Stats(); st != (ari.BusStats{Delivered: 2, Unrouted: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestBusCancel(t *testing.T) {
	b := ari.NewBus(zerolog.Nop())
	sub := b.Subscribe(10, "channel:a")
	b.Publish(dtmf("a", 0))
	sub.Cancel()
	sub.Cancel() // idempotent
	sub.Add("channel:a")
	b.Publish(dtmf("a", 1))
	evs := drain(sub)
	if len(evs) != 1 || evs[0].(*ari.ChannelDtmfReceived).DurationMs != 0 {
		t.Errorf("after cancel: %v, want the event buffered before", evs)
	}
	if _, ok := <-sub.C(); ok {
		t.Error("C not closed after Cancel")
	}
	if st := b.Stats(); st != (ari.BusStats{Delivered: 1, Unrouted: 1}) {
		t.Errorf("stats %+v", st)
	}
}

// TestBusConcurrentCancel runs publishers against subscriptions being added, removed and
// canceled; the race detector and "send on closed channel" panics are the checks.
func TestBusConcurrentCancel(t *testing.T) {
	b := ari.NewBus(zerolog.Nop())
	const publishers, perPublisher = 2, 3000
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range perPublisher {
				b.Publish(dtmf(fmt.Sprintf("c%d", i%4), p))
			}
		})
	}
	for w := range 4 {
		wg.Go(func() {
			for i := range 300 {
				sub := b.Subscribe(1, fmt.Sprintf("channel:c%d", (w+i)%4))
				sub.Add("channel:c0")
				go drain(sub)
				if i%2 == 0 {
					sub.Remove("channel:c0")
				}
				sub.Cancel()
				go sub.Cancel()
			}
		})
	}
	wg.Wait()
	st := b.Stats()
	// Every publish is unrouted or reaches at least one subscription.
	if total := uint64(publishers * perPublisher); st.Unrouted > total || st.Delivered+st.Dropped+st.Unrouted < total {
		t.Errorf("stats %+v for %d publishes", st, total)
	}
	if n := b.Publish(dtmf("c0", 0)); n != 0 {
		t.Errorf("Publish after every Cancel reached %d subscriptions", n)
	}
}
