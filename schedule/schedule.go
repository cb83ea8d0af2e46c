// Package schedule answers "is the office open at this instant, why, and until when".
//
// A schedule is a time zone, a default state, weekly periods in local wall-clock
// time that are open or closed, and holidays. The state at an instant is decided,
// highest precedence first, by:
//
//  1. a holiday: the whole local day has Holidays.State (closed unless set);
//  2. a closed period containing the instant's local wall time;
//  3. an open period containing it;
//  4. the default state (open unless set).
//
// So when both Open and Closed are given, listed closed periods override open ones.
//
// Wall-clock rules across daylight-saving changes: an instant is evaluated by its
// local wall time, so in the repeated hour of a fall-back both instants that read
// 02:30 are evaluated as 02:30. A period boundary that falls in the hour skipped by
// a spring-forward takes effect at the first instant after the gap (03:00).
//
// The package never reads the clock: callers pass the instant.
package schedule

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // zones work on hosts without a zoneinfo database
)

// Spec describes a schedule, as the routing file gives it.
type Spec struct {
	Name     string
	Location *time.Location // the schedule's zone; wins over Timezone
	Timezone string         // IANA name such as "Europe/Paris", used when Location is nil
	Default  State          // state outside every period; zero means Open
	Open     []string       // open periods, see ParsePeriod
	Closed   []string       // closed periods; they override open ones
	Holidays Holidays
}

// FieldError is one problem in a Spec. New returns them joined (errors.Join), so a
// caller can range over them and map Field and Index back to its own file.
type FieldError struct {
	Schedule string // Spec.Name
	Field    string // "timezone", "default", "open", "closed", "holidays.calendars", "holidays.dates", "holidays.state"
	Index    int    // position in a list field, -1 otherwise
	Err      error
}

// Error formats the problem as `schedule "office": closed[1]: period ...: ...`.
func (e *FieldError) Error() string {
	s := e.Field
	if e.Index >= 0 {
		s = fmt.Sprintf("%s[%d]", e.Field, e.Index)
	}
	if e.Schedule != "" {
		s = fmt.Sprintf("schedule %q: %s", e.Schedule, s)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *FieldError) Unwrap() error { return e.Err }

// Schedule is a compiled Spec. It is immutable and safe for concurrent use.
type Schedule struct {
	name         string
	loc          *time.Location
	days         [7][]segment // by time.Weekday; each covers the day [0, 86400) in order
	holidays     holidaySet
	holidayState State
	constant     bool // the state never changes: Until is always zero
}

// segment is a span of seconds of a local day with one state and reason.
type segment struct {
	start, end int32
	state      State
	reason     string
}

const (
	secondsPerDay = 86400
	minutesPerDay = 24 * 60
	untilHorizon  = 366 * secondsPerDay // how far At looks for the next change
	reasonDefault = "default"
)

// Precedence levels while painting a week.
const (
	levelDefault int8 = iota
	levelOpen
	levelClosed
)

// New checks and compiles spec, reporting every problem at once.
func New(spec Spec) (*Schedule, error) {
	var errs []error
	bad := func(field string, index int, err error) {
		errs = append(errs, &FieldError{Schedule: spec.Name, Field: field, Index: index, Err: err})
	}
	s := &Schedule{name: spec.Name, loc: spec.Location, holidayState: Closed}

	if s.loc == nil {
		if spec.Timezone == "" {
			bad("timezone", -1, errors.New("missing time zone, e.g. Europe/Paris"))
		} else if loc, err := time.LoadLocation(spec.Timezone); err != nil {
			bad("timezone", -1, fmt.Errorf("unknown time zone %q", spec.Timezone))
		} else {
			s.loc = loc
		}
	}
	def := Open
	switch spec.Default {
	case 0:
	case Open, Closed:
		def = spec.Default
	default:
		bad("default", -1, fmt.Errorf("invalid state %v", spec.Default))
	}
	switch spec.Holidays.State {
	case 0:
	case Open, Closed:
		s.holidayState = spec.Holidays.State
	default:
		bad("holidays.state", -1, fmt.Errorf("invalid state %v", spec.Holidays.State))
	}

	// Paint each weekday minute by minute, a higher level overriding a lower one and
	// the first period listed winning among equals.
	type mark struct {
		level  int8
		reason string
	}
	var week [7][minutesPerDay]mark
	for i := range week {
		for m := range week[i] {
			week[i][m] = mark{levelDefault, reasonDefault}
		}
	}
	paint := func(field string, level int8, list []string) {
		for i, text := range list {
			p, err := ParsePeriod(text)
			if err != nil {
				bad(field, i, err)
				continue
			}
			reason := "period " + p.text()
			for d := time.Sunday; d <= time.Saturday; d++ {
				if !p.Days.Has(d) {
					continue
				}
				end, next := p.End, 0
				if p.Overnight() {
					end, next = minutesPerDay, p.End
				}
				for m := p.Start; m < end; m++ {
					if week[d][m].level < level {
						week[d][m] = mark{level, reason}
					}
				}
				for m := 0; m < next; m++ {
					if nd := (d + 1) % 7; week[nd][m].level < level {
						week[nd][m] = mark{level, reason}
					}
				}
			}
		}
	}
	paint("open", levelOpen, spec.Open)
	paint("closed", levelClosed, spec.Closed)

	for i, name := range spec.Holidays.Calendars {
		c, ok := calendars[upper(name)]
		if !ok {
			bad("holidays.calendars", i, fmt.Errorf("unknown calendar %q (known: %v)", name, Calendars()))
			continue
		}
		s.holidays.cals = append(s.holidays.cals, c)
		s.holidays.tables = append(s.holidays.tables, c.table())
	}
	for i, text := range spec.Holidays.Dates {
		d, reason, err := parseDate(text)
		if err != nil {
			bad("holidays.dates", i, err)
			continue
		}
		if s.holidays.dates == nil {
			s.holidays.dates = make(map[int64]string)
		}
		if _, dup := s.holidays.dates[d]; !dup {
			s.holidays.dates[d] = reason
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	stateOf := func(level int8) State {
		switch level {
		case levelOpen:
			return Open
		case levelClosed:
			return Closed
		}
		return def
	}
	seen := map[State]bool{}
	for d := range week {
		for m := 0; m < minutesPerDay; {
			k := week[d][m]
			e := m + 1
			for e < minutesPerDay && week[d][e] == k {
				e++
			}
			st := stateOf(k.level)
			seen[st] = true
			s.days[d] = append(s.days[d], segment{int32(m * 60), int32(e * 60), st, k.reason})
			m = e
		}
	}
	if !s.holidays.empty() {
		seen[s.holidayState] = true
	}
	s.constant = len(seen) == 1
	return s, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Name returns Spec.Name.
func (s *Schedule) Name() string { return s.name }

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Open reports whether the schedule is open at t; cheaper than At.
func (s *Schedule) Open(t time.Time) bool {
	_, off := t.In(s.loc).Zone()
	st, _ := s.stateAt(t.Unix() + int64(off))
	return st == Open
}

// At returns the state at t, why, and the next instant it differs.
func (s *Schedule) At(t time.Time) Status {
	lt := t.In(s.loc)
	_, off := lt.Zone()
	st, reason := s.stateAt(t.Unix() + int64(off))
	return Status{State: st, Until: s.until(lt, st), Reason: reason}
}

// stateAt evaluates a local wall time, in seconds since 1970-01-01 00:00 wall time.
func (s *Schedule) stateAt(wall int64) (State, string) {
	d := floorDiv(wall, secondsPerDay)
	if r, ok := s.holidays.lookup(d); ok {
		return s.holidayState, r
	}
	sod := int32(wall - d*secondsPerDay)
	for _, g := range s.days[weekday(d)] {
		if sod < g.end {
			return g.state, g.reason
		}
	}
	panic("schedule: segments do not cover the day") // New guarantees they do
}

// until finds the first instant after t whose state is not st. Between two zone
// transitions the UTC offset is fixed and wall time runs with real time, so each
// such stretch is scanned in wall time; at a transition the wall clock jumps and
// the scan resumes from the wall time it lands on.
func (s *Schedule) until(t time.Time, st State) time.Time {
	if s.constant {
		return time.Time{}
	}
	horizon := t.Unix() + untilHorizon
	cur := t
	for {
		_, off := cur.Zone()
		_, end := cur.ZoneBounds()
		last := end.IsZero() || end.Unix() >= horizon
		limit := horizon
		if !last {
			limit = end.Unix()
		}
		if w, ok := s.nextChange(cur.Unix()+int64(off), limit+int64(off), st); ok {
			return time.Unix(w-int64(off), 0).In(s.loc)
		}
		if last {
			return time.Time{}
		}
		cur = end.In(s.loc) // nextChange returns cur itself if the jump changed the state
	}
}

// nextChange returns the first wall second in [from, limit) whose state is not st.
func (s *Schedule) nextChange(from, limit int64, st State) (int64, bool) {
	for d := floorDiv(from, secondsPerDay); d*secondsPerDay < limit; d++ {
		base := d * secondsPerDay
		if _, ok := s.holidays.lookup(d); ok {
			if s.holidayState != st {
				return max(base, from), true
			}
			continue
		}
		for _, g := range s.days[weekday(d)] {
			a, b := base+int64(g.start), base+int64(g.end)
			switch {
			case b <= from:
			case a >= limit:
				return 0, false
			case g.state != st:
				return max(a, from), true
			}
		}
	}
	return 0, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// weekday of a civil day number; 1970-01-01 was a Thursday.
func weekday(d int64) time.Weekday {
	return time.Weekday(((d+4)%7 + 7) % 7)
}
