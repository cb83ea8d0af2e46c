package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// MembersBucket is the database bucket of members' login and pause state.
const MembersBucket = "queue_members"

// Errors of Join and of the member operations.
var (
	ErrFull          = errors.New("queue: full")
	ErrEmpty         = errors.New("queue: no member can take calls")
	ErrUnknownQueue  = errors.New("queue: no such queue")
	ErrUnknownMember = errors.New("queue: not a member of this queue")
)

// Manager is the live state of every queue: who waits where, what each member is doing,
// the round-robin memory and call counts. One Manager serves the app for its whole life,
// across routing reloads; it is safe for concurrent use.
type Manager struct {
	db  *store.DB
	log zerolog.Logger
	rnd func(int) int

	mu      sync.Mutex
	queues  map[string]*queueState
	members map[string]*memberState // by endpoint: a phone on a call is busy for every queue
}

type queueState struct {
	name     string
	members  []string // the current routing file's list
	waiting  []*Waiter
	lastRung int           // rrmemory: index of the member rung last, -1 none
	holdtime time.Duration // average wait of the callers connected so far
	per      map[string]*queueMember
}

// queueMember is a member's state in one queue; LoggedOut and Paused are persisted.
type queueMember struct {
	LoggedOut   bool      `json:"logged_out"`
	Paused      bool      `json:"paused"`
	PauseReason string    `json:"pause_reason,omitempty"`
	calls       int       // calls taken from this queue
	lastCall    time.Time // when the last one ended
}

type memberState struct {
	ringing   int
	inCall    int
	wrapUntil time.Time
}

// Waiter is one caller waiting in a queue.
type Waiter struct {
	CallID string
	Caller string
	Queue  string
	Joined time.Time
	wake   chan struct{}
	tried  map[string]bool // members rung in this round
	rung   []string        // members ringing for it now, marked by Pick
	active bool            // ringing members now
}

// Wake is signalled when something that may let this caller through changed.
func (w *Waiter) Wake() <-chan struct{} { return w.wake }

// NewManager makes the queues' state, keeping the queue log and members' login state in
// db (nil: kept in memory only).
func NewManager(db *store.DB, log zerolog.Logger) *Manager {
	return &Manager{db: db, log: log, rnd: rand.IntN, queues: map[string]*queueState{}, members: map[string]*memberState{}}
}

// Configure takes the queues of a (re)loaded routing file: their member lists from now on.
// Callers waiting keep their place. A queue the file no longer has is forgotten once
// nobody waits in it (the admin API no longer lists it nor logs members in to it).
func (m *Manager) Configure(queues map[string]config.Queue) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, q := range queues {
		qs := m.queueLocked(name)
		qs.members = slices.Clone(q.Members)
		for _, ep := range q.Members {
			m.memberLocked(qs, ep)
		}
	}
	for name, qs := range m.queues {
		if _, kept := queues[name]; !kept && len(qs.waiting) == 0 {
			delete(m.queues, name)
		}
	}
}

// MemberList is queue's members now: the latest routing file's, which callers who joined
// before a reload are rung from too.
func (m *Manager) MemberList(queue string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if qs, ok := m.queues[queue]; ok {
		return slices.Clone(qs.members)
	}
	return nil
}

func (m *Manager) queueLocked(name string) *queueState {
	qs, ok := m.queues[name]
	if !ok {
		qs = &queueState{name: name, lastRung: -1, per: map[string]*queueMember{}}
		m.queues[name] = qs
	}
	return qs
}

// memberLocked returns ep's state in qs, reading its login state from the database once.
func (m *Manager) memberLocked(qs *queueState, ep string) *queueMember {
	if pm, ok := qs.per[ep]; ok {
		return pm
	}
	pm := &queueMember{}
	if m.db != nil {
		if err := m.db.GetJSON(MembersBucket, qs.name+" "+ep, pm); err != nil && !errors.Is(err, store.ErrNotFound) {
			m.log.Error().Err(err).Str("queue", qs.name).Str("member", ep).Msg("member state unreadable; logged in")
		}
	}
	qs.per[ep] = pm
	if _, ok := m.members[ep]; !ok {
		m.members[ep] = &memberState{}
	}
	return pm
}

// reachableLocked counts the members logged in and not paused.
func (m *Manager) reachableLocked(qs *queueState) int {
	n := 0
	for _, ep := range qs.members {
		if pm := m.memberLocked(qs, ep); !pm.LoggedOut && !pm.Paused {
			n++
		}
	}
	return n
}

// Join puts a caller at the end of queue q and returns its place (1 = next).
// It refuses with ErrFull or ErrEmpty, as q says; the refusal is logged.
func (m *Manager) Join(q config.Queue, callID, caller string) (*Waiter, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs := m.queueLocked(q.Name)
	if qs.members == nil {
		qs.members = slices.Clone(q.Members)
	}
	entry := Entry{Queue: q.Name, CallID: callID, Caller: caller}
	if q.MaxLength > 0 && len(qs.waiting) >= q.MaxLength {
		entry.Event = EvFull
		m.logEntry(entry)
		return nil, 0, ErrFull
	}
	if !q.JoinEmpty && m.reachableLocked(qs) == 0 {
		entry.Event = EvJoinEmpty
		m.logEntry(entry)
		return nil, 0, ErrEmpty
	}
	w := &Waiter{CallID: callID, Caller: caller, Queue: q.Name, Joined: time.Now(), wake: make(chan struct{}, 1), tried: map[string]bool{}}
	qs.waiting = append(qs.waiting, w)
	entry.Event, entry.Position = EvEnterQueue, len(qs.waiting)
	m.logEntry(entry)
	return w, len(qs.waiting), nil
}

// Position is the caller's place in its queue (1 = next), 0 once it has left.
func (m *Manager) Position(w *Waiter) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.positionLocked(w)
}

func (m *Manager) positionLocked(w *Waiter) int {
	qs := m.queues[w.Queue]
	if i := slices.Index(qs.waiting, w); i >= 0 {
		return i + 1
	}
	return 0
}

// MayRing reports whether w may ring members now: it is first in line, or every caller
// ahead of it is ringing members already (so free members do not wait for them).
func (m *Manager) MayRing(w *Waiter) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs := m.queues[w.Queue]
	for _, ahead := range qs.waiting {
		if ahead == w {
			return true
		}
		if !ahead.active {
			return false
		}
	}
	return false
}

// Reachable reports whether some member of the queue is logged in and not paused.
func (m *Manager) Reachable(queue string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reachableLocked(m.queueLocked(queue)) > 0
}

// Holdtime is the average wait of the queue's callers who were connected so far.
func (m *Manager) Holdtime(queue string) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.queueLocked(queue).holdtime
}

// Leave takes a waiting caller out of its queue and logs why (EvAbandon,
// EvExitWithTimeout, EvExitEmpty, EvExitWithError with reason).
func (m *Manager) Leave(w *Waiter, event, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pos := m.positionLocked(w)
	if pos == 0 {
		return
	}
	qs := m.queues[w.Queue]
	qs.waiting = slices.Delete(qs.waiting, pos-1, pos)
	m.logEntry(Entry{Queue: w.Queue, CallID: w.CallID, Caller: w.Caller, Event: event, Position: pos, Wait: since(w.Joined), Reason: reason})
	m.wakeLocked()
}

// candidatesLocked lists the members of q free to ring now, but those in skip.
func (m *Manager) candidatesLocked(q config.Queue, qs *queueState, skip map[string]bool) []Candidate {
	now := time.Now()
	var cands []Candidate
	for i, ep := range qs.members {
		pm, ms := m.memberLocked(qs, ep), m.members[ep]
		if skip[ep] || pm.LoggedOut || pm.Paused || ms.ringing > 0 || ms.inCall > 0 && !q.RingInUse || now.Before(ms.wrapUntil) {
			continue
		}
		cands = append(cands, Candidate{Endpoint: ep, Index: i, LastCall: pm.lastCall, Calls: pm.calls})
	}
	return cands
}

// CanRing reports whether some member of q is free to ring now; members in skip are
// left out, as for Pick.
func (m *Manager) CanRing(q config.Queue, skip map[string]bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.candidatesLocked(q, m.queueLocked(q.Name), skip)) > 0
}

// Pick chooses whom to ring now for w, by q's strategy, and marks them ringing; nil
// when no member is free. Members in skip are left out (Asterisk says they cannot take
// a call). The one-at-a-time strategies ring each free member once a round; once all
// were tried, Pick starts a new round, or returns nil when next is set (the caller
// wanted the next member of this round). Call Rang when their ringing ends.
func (m *Manager) Pick(q config.Queue, w *Waiter, skip map[string]bool, next bool) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs := m.queueLocked(q.Name)
	cands := m.candidatesLocked(q, qs, skip)
	roundOver := !slices.ContainsFunc(cands, func(c Candidate) bool { return !w.tried[c.Endpoint] })
	if q.Strategy != "ringall" && len(cands) > 0 && roundOver {
		if next {
			return nil
		}
		clear(w.tried)
	}
	eps := Pick(q.Strategy, cands, w.tried, qs.lastRung, m.rnd)
	for _, ep := range eps {
		m.members[ep].ringing++
		w.tried[ep] = true
	}
	w.rung = append(w.rung, eps...)
	if len(eps) > 0 {
		w.active = true
		m.wakeLocked() // the next caller may ring the members left
	}
	if len(eps) == 1 {
		qs.lastRung = slices.Index(qs.members, eps[0])
	}
	return eps
}

// releaseLocked ends the ringing Pick marked for w: those members are free again.
func (m *Manager) releaseLocked(w *Waiter) {
	for _, ep := range w.rung {
		m.members[ep].ringing--
	}
	w.rung, w.active = nil, false
}

// Rang ends what is left of w's ringing (nothing once Connected) and logs those of eps,
// the members rung, that are in missed (endpoint: why) as not answering, at the time at
// (zero: now).
func (m *Manager) Rang(w *Waiter, eps []string, missed map[string]string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.releaseLocked(w)
	for _, ep := range eps {
		if reason, ok := missed[ep]; ok {
			m.logEntry(Entry{Time: at, Queue: w.Queue, CallID: w.CallID, Caller: w.Caller, Event: EvRingNoAnswer, Member: ep, Reason: reason})
		}
	}
	m.wakeLocked()
}

// Connected takes w out of the queue: member ep took the call. The other members rung
// for w are free again at once, for the callers still waiting.
func (m *Manager) Connected(w *Waiter, ep string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs := m.queues[w.Queue]
	if pos := m.positionLocked(w); pos > 0 {
		qs.waiting = slices.Delete(qs.waiting, pos-1, pos)
	}
	m.releaseLocked(w)
	m.members[ep].inCall++
	wait := time.Since(w.Joined)
	if qs.holdtime == 0 {
		qs.holdtime = wait
	} else {
		qs.holdtime = (3*qs.holdtime + wait) / 4
	}
	m.logEntry(Entry{Queue: w.Queue, CallID: w.CallID, Caller: w.Caller, Event: EvConnect, Member: ep, Wait: wait.Seconds()})
	m.wakeLocked()
}

// Completed ends member ep's call with w; the member rests for q's wrap-up time.
func (m *Manager) Completed(q config.Queue, w *Waiter, ep string, answered time.Time, byMember bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs := m.queueLocked(q.Name)
	ms, pm := m.members[ep], m.memberLocked(qs, ep)
	if ms.inCall > 0 {
		ms.inCall--
	}
	now := time.Now()
	ms.wrapUntil = now.Add(q.WrapUp)
	pm.calls++
	pm.lastCall = now
	ev := EvCompleteCaller
	if byMember {
		ev = EvCompleteAgent
	}
	m.logEntry(Entry{Queue: w.Queue, CallID: w.CallID, Caller: w.Caller, Event: ev, Member: ep,
		Wait: answered.Sub(w.Joined).Seconds(), Talk: since(answered)})
	m.wakeLocked()
}

// wakeLocked tells every waiting caller that something changed.
func (m *Manager) wakeLocked() {
	for _, qs := range m.queues {
		for _, w := range qs.waiting {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
}

func since(t time.Time) float64 { return time.Since(t).Seconds() }

// setMember changes a member's login or pause state in one queue, persists and logs it.
func (m *Manager) setMember(queue, ep string, change func(*queueMember) (event, reason string)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs, ok := m.queues[queue]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownQueue, queue)
	}
	if !slices.Contains(qs.members, ep) {
		return fmt.Errorf("%w: %s in %s", ErrUnknownMember, ep, queue)
	}
	pm := m.memberLocked(qs, ep)
	next := *pm // changed live only once saved: a change the database refused is no change
	event, reason := change(&next)
	if event == "" {
		return nil // no change
	}
	if m.db != nil {
		if err := m.db.PutJSON(MembersBucket, queue+" "+ep, &next); err != nil {
			return fmt.Errorf("queue: save %s in %s: %w", ep, queue, err)
		}
	}
	*pm = next
	m.logEntry(Entry{Queue: queue, Event: event, Member: ep, Reason: reason})
	m.wakeLocked()
	return nil
}

// Login makes ep take calls from queue again (members are logged in by default).
func (m *Manager) Login(queue, ep string) error {
	return m.setMember(queue, ep, func(pm *queueMember) (string, string) {
		if !pm.LoggedOut {
			return "", ""
		}
		pm.LoggedOut = false
		return EvAddMember, ""
	})
}

// Logout stops ep taking calls from queue until Login; it survives restarts.
func (m *Manager) Logout(queue, ep string) error {
	return m.setMember(queue, ep, func(pm *queueMember) (string, string) {
		if pm.LoggedOut {
			return "", ""
		}
		pm.LoggedOut = true
		return EvRemoveMember, ""
	})
}

// Pause stops (paused) or resumes ep taking calls from queue, with an optional reason.
func (m *Manager) Pause(queue, ep string, paused bool, reason string) error {
	return m.setMember(queue, ep, func(pm *queueMember) (string, string) {
		if pm.Paused == paused {
			return "", ""
		}
		pm.Paused, pm.PauseReason = paused, reason
		if !paused {
			pm.PauseReason = ""
			return EvUnpause, ""
		}
		return EvPause, reason
	})
}
