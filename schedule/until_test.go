package schedule

import (
	"testing"
	"time"
)

// TestUntilAgainstBruteForce checks At's Until against a minute-by-minute walk, in zones
// whose DST rules differ: Paris (02:00 -> 03:00), New York, Lord Howe (a 30-minute
// shift) and Santiago (midnight skipped), around the year and densely near transitions.
func TestUntilAgainstBruteForce(t *testing.T) {
	spec := Spec{
		Default: Open,
		Open:    []string{"sat 10:00-12:00"},
		Closed: []string{
			"mon-fri 00:00-09:00", "mon-fri 17:00-24:00", "sun 02:30-04:00", "sun 02:15-02:45",
			"sat 23:30-00:30", "wed 12:00-13:00", "sun 01:45-02:05", "sat 00:00-00:40",
		},
		Holidays: Holidays{Calendars: []string{"FR"}, Dates: []string{"2026-06-06"}},
	}
	for _, zone := range []string{"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"} {
		t.Run(zone, func(t *testing.T) {
			spec.Timezone = zone
			s := mustNew(t, spec)
			loc := s.Location()
			var samples []time.Time
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			end := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
			step := 13*time.Hour + 7*time.Minute + 11*time.Second
			if testing.Short() {
				step *= 5
			}
			for u := start; u.Before(end); u = u.Add(step) {
				samples = append(samples, u)
			}
			for u := start; ; {
				_, next := u.ZoneBounds()
				if next.IsZero() || !next.Before(end) {
					break
				}
				for d := -3 * time.Hour; d <= 3*time.Hour; d += 7 * time.Minute {
					samples = append(samples, next.Add(d), next.Add(d+time.Second))
				}
				u = next
			}
			for _, u := range samples {
				got := s.At(u)
				want := bruteUntil(s, u, 10*24*time.Hour)
				if !got.Until.Equal(want) {
					t.Errorf("At(%v) = %v; brute force says until %v", u, got, want)
				}
			}
		})
	}
}

// bruteUntil walks whole minutes after t until Open changes. It relies on every zone
// offset being a whole number of minutes, so wall-clock minutes are real minutes.
func bruteUntil(s *Schedule, t time.Time, horizon time.Duration) time.Time {
	open := s.Open(t)
	for u := t.Truncate(time.Minute).Add(time.Minute); u.Sub(t) <= horizon; u = u.Add(time.Minute) {
		if s.Open(u) != open {
			return u
		}
	}
	return time.Time{}
}
