package schedule

import (
	"fmt"
	"strings"
	"time"
)

// State is open or closed. The zero State is unset: in a Spec it selects the
// field's default; At never returns it.
type State uint8

// The states of a schedule.
const (
	Open State = iota + 1
	Closed
)

// String returns "open", "closed", or "unset" for the zero State.
func (s State) String() string {
	switch s {
	case Open:
		return "open"
	case Closed:
		return "closed"
	case 0:
		return "unset"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState reads "open" or "closed" (any case).
func ParseState(s string) (State, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "open":
		return Open, nil
	case "closed":
		return Closed, nil
	}
	return 0, fmt.Errorf("state %q: want open or closed", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) {
	if s != Open && s != Closed {
		return nil, fmt.Errorf("schedule: cannot marshal %v", s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseState.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Status is a schedule's answer for one instant.
type Status struct {
	State State
	// Until is the next instant the state differs, in the schedule's zone; zero when
	// the state does not change within 366 days.
	Until time.Time
	// Reason says what decided the state: "period mon-fri 17:00-24:00",
	// "holiday Noël", "holiday 2026-12-24" or "default".
	Reason string
}

// String formats the status for people, e.g.
// "closed (period mon-fri 17:00-24:00) until Tue 2026-03-31 09:00 CEST".
func (st Status) String() string {
	s := st.State.String() + " (" + st.Reason + ")"
	if st.Until.IsZero() {
		return s + " for the next 366 days at least"
	}
	return s + " until " + st.Until.Format("Mon 2006-01-02 15:04 MST")
}
