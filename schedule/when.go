package schedule

import (
	"fmt"
	"strings"
	"time"
)

// WhenFormats says, for messages and help texts, what ParseWhen reads.
const WhenFormats = `"YYYY-MM-DD HH:MM", "Monday 18:05" (or "mon 18:05": the next such day, today included) or "18:05" (today)`

// ParseWhen reads a moment in now's time zone as an admin writes one to ask what a call
// would do then: a date and time ("2026-11-23 18:05"), a day of the week and a time
// ("Monday 18:05", "mon 18:05": that day this week, from today on: today when today is a
// Monday), or a time alone ("18:05": today). Day names are English, full or three letters,
// in any case.
func ParseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	loc := now.Location()
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	fields := strings.Fields(s)
	day, clock := "", ""
	switch len(fields) {
	case 1:
		clock = fields[0]
	case 2:
		day, clock = fields[0], fields[1]
	default:
		return time.Time{}, fmt.Errorf("%q: want %s", s, WhenFormats)
	}
	hm, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %q is not a time HH:MM; want %s", s, clock, WhenFormats)
	}
	y, m, d := now.Date()
	if day != "" {
		wd, ok := weekdayNamed(day)
		if !ok {
			return time.Time{}, fmt.Errorf("%q: %q is not a day of the week; want %s", s, day, WhenFormats)
		}
		d += (int(wd) - int(now.Weekday()) + 7) % 7
	}
	return time.Date(y, m, d, hm.Hour(), hm.Minute(), 0, 0, loc), nil
}

// weekdayNamed reads an English day name, full ("Monday") or short ("mon"), in any case.
func weekdayNamed(s string) (time.Weekday, bool) {
	s = strings.ToLower(s)
	for i, short := range dayNames {
		if s == short || s == strings.ToLower(time.Weekday(i).String()) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}
