package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Weekdays is a set of days of the week; bit i is time.Weekday(i).
type Weekdays uint8

// AllDays is the set of the seven days, written "*".
const AllDays Weekdays = 1<<7 - 1

// dayNames are the accepted day names, indexed by time.Weekday.
var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<uint(d)) != 0 }

// String formats the set the way ParsePeriod reads it: "*", "mon-fri", "sat,sun", "mon,fri-sun".
func (w Weekdays) String() string {
	w &= AllDays
	if w == AllDays {
		return "*"
	}
	var b strings.Builder
	// Walk Monday first so that runs read as an admin writes them.
	for i := 0; i < 7; {
		d := time.Weekday((i + 1) % 7)
		if !w.Has(d) {
			i++
			continue
		}
		j := i
		for j+1 < 7 && w.Has(time.Weekday((j+2)%7)) {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(dayNames[d])
		switch last := time.Weekday((j + 1) % 7); {
		case j-i == 1:
			b.WriteString("," + dayNames[last])
		case j-i > 1:
			b.WriteString("-" + dayNames[last])
		}
		i = j + 1
	}
	return b.String()
}

// Period is a weekly recurring span of local wall-clock time, half-open: Start is
// included, End is excluded. Days name the day each occurrence starts on; when End is
// not after Start the period is overnight and ends at End on the following day.
type Period struct {
	Days  Weekdays
	Start int // minutes after midnight, 0 to 1439
	End   int // minutes after midnight, 1 to 1440 (24:00), or up to Start-1 when overnight

	src string // the text it was parsed from, whitespace-normalized
}

// Overnight reports whether the period ends on the day after it starts.
func (p Period) Overnight() bool { return p.End <= p.Start }

// String formats the period in the canonical form ParsePeriod reads, e.g. "mon-fri 17:00-24:00".
func (p Period) String() string {
	return p.Days.String() + " " + formatMinute(p.Start) + "-" + formatMinute(p.End)
}

// text is how the period appears in reasons: as the admin wrote it when parsed.
func (p Period) text() string {
	if p.src != "" {
		return p.src
	}
	return p.String()
}

func formatMinute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParsePeriod reads "<days> <start>-<end>" or "<days> [<start>,<end>)".
//
// Days are mon tue wed thu fri sat sun, ranges (mon-fri; fri-mon wraps over the
// weekend), comma lists (sat,sun or mon,wed-fri) or * for every day. Times are
// HH:MM from 00:00 to 24:00. Both forms mean the same half-open interval: start
// included, end excluded; "(" and "]" are refused. An end before the start makes an
// overnight period ("* 22:00-06:00" runs from 22:00 to 06:00 the next day, on the
// day it starts). An end of 00:00 is read as 24:00.
func ParsePeriod(s string) (Period, error) {
	fields := strings.Fields(s)
	fail := func(format string, args ...any) (Period, error) {
		return Period{}, fmt.Errorf("period %q: %s", s, fmt.Sprintf(format, args...))
	}
	switch len(fields) {
	case 0:
		return fail(`empty; want "<days> <start>-<end>", e.g. "mon-fri 09:00-17:00"`)
	case 1:
		return fail(`missing time range; want "<days> <start>-<end>", e.g. "mon-fri 09:00-17:00"`)
	}
	days, err := parseDays(fields[0])
	if err != nil {
		return fail("%s", err)
	}
	start, end, err := parseRange(strings.Join(fields[1:], ""))
	if err != nil {
		return fail("%s", err)
	}
	return Period{Days: days, Start: start, End: end, src: strings.Join(fields, " ")}, nil
}

func parseDays(s string) (Weekdays, error) {
	var w Weekdays
	for _, item := range strings.Split(strings.ToLower(s), ",") {
		if item == "*" {
			w |= AllDays
			continue
		}
		first, last, isRange := strings.Cut(item, "-")
		a, err := parseDay(first)
		if err != nil {
			return 0, err
		}
		b := a
		if isRange {
			if b, err = parseDay(last); err != nil {
				return 0, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			w |= 1 << uint(d)
			if d == b {
				break
			}
		}
	}
	return w, nil
}

func parseDay(s string) (time.Weekday, error) {
	for i, n := range dayNames {
		if s == n {
			return time.Weekday(i), nil
		}
	}
	if s == "" {
		return 0, fmt.Errorf("missing day name (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or *)")
	}
	return 0, fmt.Errorf("unknown day %q (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or *)", s)
}

// parseRange reads "09:00-17:00" or "[09:00,17:00)" (spaces already removed).
func parseRange(s string) (start, end int, err error) {
	var a, b string
	if s != "" && strings.ContainsAny(s[:1]+s[len(s)-1:], "[]()") {
		switch {
		case s[0] == '(':
			return 0, 0, fmt.Errorf(`"(" excludes the start: only half-open [start,end) is supported (start included, end excluded)`)
		case s[len(s)-1] == ']':
			return 0, 0, fmt.Errorf(`"]" includes the end: only half-open [start,end) is supported (start included, end excluded); write the next minute instead`)
		case s[0] != '[' || s[len(s)-1] != ')' || len(s) < 2:
			return 0, 0, fmt.Errorf("bad interval %q: want [HH:MM,HH:MM)", s)
		}
		var ok bool
		if a, b, ok = strings.Cut(s[1:len(s)-1], ","); !ok {
			return 0, 0, fmt.Errorf("bad interval %q: want [HH:MM,HH:MM)", s)
		}
	} else {
		var ok bool
		if a, b, ok = strings.Cut(s, "-"); !ok {
			return 0, 0, fmt.Errorf("bad time range %q: want HH:MM-HH:MM", s)
		}
	}
	if start, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	switch {
	case start == 24*60:
		return 0, 0, fmt.Errorf("start 24:00 is the end of the day: use 00:00 on the next day")
	case start == end:
		return 0, 0, fmt.Errorf("start and end are both %s: the period would be empty (a whole day is 00:00-24:00)", formatMinute(start))
	case end == 0:
		end = 24 * 60
	}
	return start, end, nil
}

// parseClock reads H:MM or HH:MM, 00:00 to 24:00, as minutes after midnight.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("bad time %q: want HH:MM", s)
	}
	hour := atoi(h)
	minute := atoi(m)
	switch {
	case hour > 24:
		return 0, fmt.Errorf("hour %d out of range", hour)
	case minute > 59:
		return 0, fmt.Errorf("minute %d out of range", minute)
	case hour == 24 && minute != 0:
		return 0, fmt.Errorf("time %s out of range: 24:00 is the latest", s)
	}
	return hour*60 + minute, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
