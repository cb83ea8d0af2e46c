package queue

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// CallerState is a caller waiting in a queue, as the admin API shows it.
type CallerState struct {
	CallID   string    `json:"call_id" xml:"call_id"`
	Caller   string    `json:"caller" xml:"caller"`
	Position int       `json:"position" xml:"position"`
	Joined   time.Time `json:"joined" xml:"joined"`
	Wait     float64   `json:"wait" xml:"wait"` // seconds waited so far
}

// Member statuses.
const (
	StatusAvailable = "available"
	StatusRinging   = "ringing"
	StatusInCall    = "in call"
	StatusWrapUp    = "wrap-up"
	StatusPaused    = "paused"
	StatusLoggedOut = "logged out"
)

// MemberState is a queue member, as the admin API shows it.
type MemberState struct {
	Endpoint    string    `json:"endpoint" xml:"endpoint"`
	Status      string    `json:"status" xml:"status"` // one of the Status* values
	PauseReason string    `json:"pause_reason,omitempty" xml:"pause_reason,omitempty"`
	Calls       int       `json:"calls" xml:"calls"`                            // calls taken from this queue since the app started
	LastCall    time.Time `json:"last_call,omitzero" xml:"last_call,omitempty"` // when the last one ended (XML keeps a zero time: the admin API leaves it out)
}

// Queues lists the names of the queues the manager knows, sorted.
func (m *Manager) Queues() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.queues))
	for name := range m.queues {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Callers lists the callers waiting in queue, first in line first.
func (m *Manager) Callers(queue string) ([]CallerState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs, ok := m.queues[queue]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownQueue, queue)
	}
	out := make([]CallerState, len(qs.waiting))
	for i, w := range qs.waiting {
		out[i] = CallerState{CallID: w.CallID, Caller: w.Caller, Position: i + 1, Joined: w.Joined, Wait: since(w.Joined)}
	}
	return out, nil
}

// Members lists queue's members in the routing file's order, with what each is doing.
func (m *Manager) Members(queue string) ([]MemberState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	qs, ok := m.queues[queue]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownQueue, queue)
	}
	now := time.Now()
	out := make([]MemberState, 0, len(qs.members))
	for _, ep := range slices.Clone(qs.members) {
		pm, ms := m.memberLocked(qs, ep), m.members[ep]
		st := MemberState{Endpoint: ep, Calls: pm.calls, LastCall: pm.lastCall, PauseReason: pm.PauseReason}
		switch {
		case pm.LoggedOut:
			st.Status = StatusLoggedOut
		case ms.inCall > 0:
			st.Status = StatusInCall
		case ms.ringing > 0:
			st.Status = StatusRinging
		case now.Before(ms.wrapUntil):
			st.Status = StatusWrapUp
		case pm.Paused:
			st.Status = StatusPaused
		default:
			st.Status = StatusAvailable
		}
		out = append(out, st)
	}
	return out, nil
}
