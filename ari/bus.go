package ari

import (
	"sync"

	"github.com/rs/zerolog"
)

// Bus routes events to subscriptions by their routing keys ([Keys]). Publish never blocks:
// an event a subscription has no room for is counted and logged, never silently dropped.
// Events reach a subscription in the order they were published. A Bus is safe for
// concurrent use.
type Bus struct {
	log zerolog.Logger

	mu      sync.Mutex
	byKey   map[string]map[*Subscription]struct{}
	targets []*Subscription // scratch for Publish, guarded by mu
	stats   BusStats
}

// BusStats counts what a [Bus] did with published events.
type BusStats struct {
	Delivered uint64 // events handed to a subscription (once per subscription and event)
	Dropped   uint64 // events a subscription had no buffer room for
	Unrouted  uint64 // events no subscription held a key of
}

// Subscription receives the events whose keys it holds, on C. Cancel it when done.
type Subscription struct {
	bus     *Bus
	ch      chan Event
	keys    map[string]struct{} // guarded by bus.mu
	dropped uint64              // guarded by bus.mu
	closed  bool                // guarded by bus.mu
}

// NewBus returns an empty bus that logs drops to logger.
func NewBus(logger zerolog.Logger) *Bus {
	return &Bus{log: logger, byKey: make(map[string]map[*Subscription]struct{})}
}

// Subscribe returns a subscription for keys (more can be added later) whose channel
// buffers buffer events. A subscriber that falls buffer events behind loses the next
// ones (counted in [BusStats.Dropped] and logged); size the buffer for bursts.
func (b *Bus) Subscribe(buffer int, keys ...string) *Subscription {
	s := &Subscription{bus: b, ch: make(chan Event, buffer), keys: make(map[string]struct{}, len(keys))}
	s.Add(keys...)
	return s
}

// C returns the channel events are delivered on; it is closed by Cancel.
func (s *Subscription) C() <-chan Event { return s.ch }

// Add adds routing keys to the subscription. It does nothing after Cancel.
func (s *Subscription) Add(keys ...string) {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.closed {
		return
	}
	for _, k := range keys {
		if _, ok := s.keys[k]; ok {
			continue
		}
		s.keys[k] = struct{}{}
		subs := b.byKey[k]
		if subs == nil {
			subs = make(map[*Subscription]struct{}, 1)
			b.byKey[k] = subs
		}
		subs[s] = struct{}{}
	}
}

// Remove removes routing keys from the subscription.
func (s *Subscription) Remove(keys ...string) {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		s.removeLocked(k)
	}
}

// removeLocked removes key k; b.mu must be held.
func (s *Subscription) removeLocked(k string) {
	if _, ok := s.keys[k]; !ok {
		return
	}
	delete(s.keys, k)
	subs := s.bus.byKey[k]
	delete(subs, s)
	if len(subs) == 0 {
		delete(s.bus.byKey, k)
	}
}

// Dropped returns how many events this subscription lost to a full buffer.
func (s *Subscription) Dropped() uint64 {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Cancel removes the subscription from the bus and closes C. It is idempotent and safe to
// call concurrently with Publish; events already buffered stay readable from C.
func (s *Subscription) Cancel() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for k := range s.keys {
		s.removeLocked(k)
	}
	close(s.ch) // under b.mu: no Publish is sending to it
}

// Publish delivers ev once to every subscription holding any of its keys, without
// blocking. It returns how many subscriptions received it.
func (b *Bus) Publish(ev Event) int {
	keys := Keys(ev)
	b.mu.Lock()
	defer b.mu.Unlock()
	targets := b.targets[:0]
	for _, k := range keys {
		for s := range b.byKey[k] {
			if !contains(targets, s) {
				targets = append(targets, s)
			}
		}
	}
	if len(targets) == 0 {
		b.stats.Unrouted++
		b.log.Debug().Str("event", ev.Base().Type).Strs("keys", keys).Msg("ari bus: event has no subscriber")
		return 0
	}
	n := 0
	for i, s := range targets {
		select {
		case s.ch <- ev:
			n++
			b.stats.Delivered++
		default:
			s.dropped++
			b.stats.Dropped++
			b.log.Warn().Str("event", ev.Base().Type).Str("key", s.firstKey(keys)).Int("buffer", cap(s.ch)).
				Uint64("dropped", s.dropped).Msg("ari bus: subscriber buffer full, event dropped")
		}
		targets[i] = nil
	}
	b.targets = targets[:0]
	return n
}

// Stats returns the bus counters so far.
func (b *Bus) Stats() BusStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// firstKey returns the first of keys that s holds; b.mu must be held.
func (s *Subscription) firstKey(keys []string) string {
	for _, k := range keys {
		if _, ok := s.keys[k]; ok {
			return k
		}
	}
	return ""
}

// contains reports whether s is in subs.
func contains(subs []*Subscription, s *Subscription) bool {
	for _, t := range subs {
		if t == s {
			return true
		}
	}
	return false
}
