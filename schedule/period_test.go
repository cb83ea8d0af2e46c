package schedule

import (
	"strings"
	"testing"
	"time"
)

func days(ds ...time.Weekday) Weekdays {
	var w Weekdays
	for _, d := range ds {
		w |= 1 << uint(d)
	}
	return w
}

const (
	sun = time.Sunday
	mon = time.Monday
	tue = time.Tuesday
	wed = time.Wednesday
	thu = time.Thursday
	fri = time.Friday
	sat = time.Saturday
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		days       Weekdays
		start, end int
		canonical  string
		overnight  bool
	}{
		{"seed morning", "mon-fri 00:00-09:00", days(mon, tue, wed, thu, fri), 0, 540, "mon-fri 00:00-09:00", false},
		{"seed evening to midnight", "mon-fri 17:00-24:00", days(mon, tue, wed, thu, fri), 1020, 1440, "mon-fri 17:00-24:00", false},
		{"weekend list", "sat,sun 10:00-12:00", days(sat, sun), 600, 720, "sat,sun 10:00-12:00", false},
		{"every day overnight", "* 22:00-06:00", AllDays, 1320, 360, "* 22:00-06:00", true},
		{"single day half hour", "mon 09:00-12:30", days(mon), 540, 750, "mon 09:00-12:30", false},
		{"bracket form", "mon-fri [09:00,17:00)", days(mon, tue, wed, thu, fri), 540, 1020, "mon-fri 09:00-17:00", false},
		{"bracket with spaces", "mon-fri  [09:00, 17:00)", days(mon, tue, wed, thu, fri), 540, 1020, "mon-fri 09:00-17:00", false},
		{"spaces around dash", " sat  10:00 - 11:00 ", days(sat), 600, 660, "sat 10:00-11:00", false},
		{"wrapping range", "fri-mon 10:00-11:00", days(fri, sat, sun, mon), 600, 660, "mon,fri-sun 10:00-11:00", false},
		{"sun-sat is every day", "sun-sat 08:00-09:00", AllDays, 480, 540, "* 08:00-09:00", false},
		{"mixed list and range", "mon,wed-fri 08:00-09:00", days(mon, wed, thu, fri), 480, 540, "mon,wed-fri 08:00-09:00", false},
		{"same day range", "tue-tue 08:00-09:00", days(tue), 480, 540, "tue 08:00-09:00", false},
		{"upper case days", "MON-Fri 08:00-09:00", days(mon, tue, wed, thu, fri), 480, 540, "mon-fri 08:00-09:00", false},
		{"one digit hour as Asterisk writes", "mon 0:00-8:59", days(mon), 0, 539, "mon 00:00-08:59", false},
		{"whole day", "sat 00:00-24:00", days(sat), 0, 1440, "sat 00:00-24:00", false},
		{"end 00:00 means midnight", "fri 22:00-00:00", days(fri), 1320, 1440, "fri 22:00-24:00", false},
		{"overnight into next morning", "fri 23:30-00:15", days(fri), 1410, 15, "fri 23:30-00:15", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", tc.in, err)
			}
			if p.Days != tc.days || p.Start != tc.start || p.End != tc.end {
				t.Errorf("ParsePeriod(%q) = {%v %d %d}, want {%v %d %d}", tc.in, p.Days, p.Start, p.End, tc.days, tc.start, tc.end)
			}
			if got := p.String(); got != tc.canonical {
				t.Errorf("String() = %q, want %q", got, tc.canonical)
			}
			if got := p.Overnight(); got != tc.overnight {
				t.Errorf("Overnight() = %v, want %v", got, tc.overnight)
			}
		})
	}
}

func TestParsePeriodErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"hour out of range", "mon-fri 25:00-26:00", `period "mon-fri 25:00-26:00": hour 25 out of range`},
		{"minute out of range", "mon 09:60-10:00", `period "mon 09:60-10:00": minute 60 out of range`},
		{"past midnight", "mon 09:00-24:30", `period "mon 09:00-24:30": time 24:30 out of range: 24:00 is the latest`},
		{"start at 24:00", "mon 24:00-06:00", `period "mon 24:00-06:00": start 24:00 is the end of the day: use 00:00 on the next day`},
		{"empty interval", "mon 09:00-09:00", `period "mon 09:00-09:00": start and end are both 09:00: the period would be empty (a whole day is 00:00-24:00)`},
		{"midnight to midnight", "mon 00:00-00:00", `period "mon 00:00-00:00": start and end are both 00:00: the period would be empty (a whole day is 00:00-24:00)`},
		{"open start", "mon-fri (09:00,17:00)", `period "mon-fri (09:00,17:00)": "(" excludes the start: only half-open [start,end) is supported (start included, end excluded)`},
		{"closed end", "mon-fri [09:00,17:00]", `period "mon-fri [09:00,17:00]": "]" includes the end: only half-open [start,end) is supported (start included, end excluded); write the next minute instead`},
		{"unbalanced bracket", "mon 09:00-17:00)", `period "mon 09:00-17:00)": bad interval "09:00-17:00)": want [HH:MM,HH:MM)`},
		{"bracket without comma", "mon [09:00-17:00)", `period "mon [09:00-17:00)": bad interval "[09:00-17:00)": want [HH:MM,HH:MM)`},
		{"unknown day", "monday 09:00-17:00", `period "monday 09:00-17:00": unknown day "monday" (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or *)`},
		{"empty list item", "mon,,tue 09:00-17:00", `period "mon,,tue 09:00-17:00": missing day name (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or *)`},
		{"missing times", "mon-fri", `period "mon-fri": missing time range; want "<days> <start>-<end>", e.g. "mon-fri 09:00-17:00"`},
		{"empty", "  ", `period "  ": empty; want "<days> <start>-<end>", e.g. "mon-fri 09:00-17:00"`},
		{"no dash", "mon 09:00", `period "mon 09:00": bad time range "09:00": want HH:MM-HH:MM`},
		{"bad time", "mon 9h00-17:00", `period "mon 9h00-17:00": bad time "9h00": want HH:MM`},
		{"three digit hour", "mon 009:00-17:00", `period "mon 009:00-17:00": bad time "009:00": want HH:MM`},
		{"seconds", "mon 09:00:00-17:00", `period "mon 09:00:00-17:00": bad time "09:00:00": want HH:MM`},
		{"negative", "mon -1:00-17:00", `period "mon -1:00-17:00": bad time "": want HH:MM`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if err == nil {
				t.Fatalf("ParsePeriod(%q) = %v, want error %q", tc.in, p, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("ParsePeriod(%q) error\n got: %s\nwant: %s", tc.in, err, tc.want)
			}
		})
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{
		"mon-fri 00:00-09:00", "mon-fri 17:00-24:00", "sat,sun 10:00-12:00", "* 22:00-06:00",
		"mon 09:00-12:30", "mon-fri [09:00,17:00)", "fri-mon 1:00-2:00", "mon-fri (09:00,17:00]",
		"mon 25:00-26:00", "[", ")", "mon [", "x-y,z 0:0-0:0", "* -", "mon ,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "period ") {
				t.Errorf("ParsePeriod(%q): error %q lacks the period prefix", s, err)
			}
			return
		}
		if p.Days == 0 || p.Days&^AllDays != 0 {
			t.Errorf("ParsePeriod(%q): days %08b", s, p.Days)
		}
		if p.Start < 0 || p.Start >= 1440 || p.End < 1 || p.End > 1440 || p.Start == p.End {
			t.Errorf("ParsePeriod(%q): times %d-%d", s, p.Start, p.End)
		}
		q, err := ParsePeriod(p.String())
		if err != nil {
			t.Fatalf("ParsePeriod(%q).String() = %q does not parse: %v", s, p.String(), err)
		}
		if q.Days != p.Days || q.Start != p.Start || q.End != p.End {
			t.Errorf("round trip of %q via %q: got %v, want %v", s, p.String(), q, p)
		}
	})
}
