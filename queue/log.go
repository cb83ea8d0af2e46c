package queue

import (
	"encoding/json"
	"time"
)

// LogBucket is the database bucket of the queue log.
const LogBucket = "queue_log"

// The queue log's events, named as Asterisk's queue_log names them (EXITWITHERROR is
// ours, after its EXIT... events).
const (
	EvEnterQueue      = "ENTERQUEUE"      // a caller joined (Position)
	EvConnect         = "CONNECT"         // a member took the call (Member, Wait)
	EvAbandon         = "ABANDON"         // the caller hung up while waiting (Position, Wait)
	EvExitWithTimeout = "EXITWITHTIMEOUT" // max_wait passed (Position, Wait)
	EvExitEmpty       = "EXITEMPTY"       // no member could take calls: leave_empty (Position, Wait)
	EvExitWithError   = "EXITWITHERROR"   // the wait ended on an error, not the caller's hang-up: Asterisk failed, the app stopped (Position, Wait, Reason)
	EvJoinEmpty       = "JOINEMPTY"       // refused: no member could take calls and join_empty is off
	EvFull            = "FULL"            // refused: max_length callers already waiting
	EvCompleteCaller  = "COMPLETECALLER"  // the caller hung up a connected call (Member, Wait, Talk)
	EvCompleteAgent   = "COMPLETEAGENT"   // the member hung up a connected call (Member, Wait, Talk)
	EvRingNoAnswer    = "RINGNOANSWER"    // a member was rung and did not take the call (Member, Reason)
	EvAddMember       = "ADDMEMBER"       // a member logged in
	EvRemoveMember    = "REMOVEMEMBER"    // a member logged out
	EvPause           = "PAUSE"           // a member paused (Reason)
	EvUnpause         = "UNPAUSE"         // a member is back from a pause
)

// Entry is one line of the queue log.
type Entry struct {
	Time     time.Time `json:"time" xml:"time"`
	Queue    string    `json:"queue" xml:"queue"`
	CallID   string    `json:"call_id,omitempty" xml:"call_id,omitempty"`
	Caller   string    `json:"caller,omitempty" xml:"caller,omitempty"`
	Event    string    `json:"event" xml:"event"`
	Member   string    `json:"member,omitempty" xml:"member,omitempty"`
	Position int       `json:"position,omitempty" xml:"position,omitempty"`
	Wait     float64   `json:"wait,omitempty" xml:"wait,omitempty"` // seconds waited before this event
	Talk     float64   `json:"talk,omitempty" xml:"talk,omitempty"` // seconds connected
	Reason   string    `json:"reason,omitempty" xml:"reason,omitempty"`
}

// logEntry writes e to the database; a failure is logged, the call goes on.
func (m *Manager) logEntry(e Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	m.log.Info().Str("queue", e.Queue).Str("event", e.Event).Str("member", e.Member).Str("call_id", e.CallID).
		Int("position", e.Position).Float64("wait", e.Wait).Msg("queue log")
	if m.db == nil {
		return
	}
	if _, err := m.db.Append(LogBucket, e); err != nil {
		m.log.Error().Err(err).Str("event", e.Event).Msg("queue log not written")
	}
}

// Log returns the queue log's entries for queue ("" for every queue), oldest first,
// at most the last limit of them (0: all).
func (m *Manager) Log(queue string, limit int) ([]Entry, error) {
	if m.db == nil {
		return nil, nil
	}
	var out []Entry
	err := m.db.ForEach(LogBucket, func(_ string, v []byte) error {
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if queue == "" || e.Queue == queue {
			out = append(out, e)
		}
		return nil
	})
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, err
}
