package schedule

import (
	"strings"
	"testing"
	"time"
)

// ParseWhen reads the moments an admin asks simulate about, in the office's zone.
func TestParseWhen(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 2026-03-25 10:00 in Paris; the clocks go forward on Sunday the 29th.
	now := time.Date(2026, 3, 25, 10, 0, 0, 0, paris)
	for _, c := range []struct{ in, want string }{
		{"2026-11-23 18:05", "Mon 2026-11-23 18:05 CET"},
		{"Monday 18:05", "Mon 2026-03-30 18:05 CEST"}, // the next Monday, after the change to summer time
		{"mon 18:05", "Mon 2026-03-30 18:05 CEST"},
		{"WED 08:00", "Wed 2026-03-25 08:00 CET"}, // today is a Wednesday: today, even if past
		{"tuesday 00:00", "Tue 2026-03-31 00:00 CEST"},
		{"  18:05 ", "Wed 2026-03-25 18:05 CET"},
	} {
		got, err := ParseWhen(c.in, now)
		if err != nil {
			t.Errorf("ParseWhen(%q): %v", c.in, err)
			continue
		}
		if s := got.Format("Mon 2006-01-02 15:04 MST"); s != c.want {
			t.Errorf("ParseWhen(%q) = %s, want %s", c.in, s, c.want)
		}
	}
	for _, in := range []string{"", "tomorrow 18:05", "mon 25:00", "mon 18h05", "2026-11-23", "mon tue 18:05", "monday"} {
		if got, err := ParseWhen(in, now); err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("ParseWhen(%q) = %v, %v; want an error saying what it reads", in, got, err)
		}
	}
}
