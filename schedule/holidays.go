package schedule

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/fr"
)

// Holidays are the days on which the whole local day has State, whatever the periods say.
type Holidays struct {
	Calendars []string // named national calendars, e.g. "FR"; see Calendars
	Dates     []string // "2026-12-24", optionally followed by a name: "2026-12-24 Réveillon"
	State     State    // the state on a holiday; zero means Closed
}

// Calendar tables cover these years; days outside are computed on each lookup.
const (
	tableFirstYear = 1970
	tableLastYear  = 2199
)

var (
	tableFirstDay = civilDay(tableFirstYear, time.January, 1)
	tableEndDay   = civilDay(tableLastYear+1, time.January, 1)
)

// calendar is one named set of public holidays with its day table, built on first use
// and shared, read-only, by every schedule that names it.
type calendar struct {
	holidays []*cal.Holiday
	table    func() map[int64]string // civil day -> reason ("holiday Noël")
}

func newCalendar(hs []*cal.Holiday) *calendar {
	c := &calendar{holidays: hs}
	c.table = sync.OnceValue(func() map[int64]string {
		m := make(map[int64]string, len(hs)*(tableLastYear-tableFirstYear+1))
		for y := tableFirstYear; y <= tableLastYear; y++ {
			c.addYear(m, y)
		}
		return m
	})
	return c
}

// addYear records the observed days of year y; the first holiday listed wins a day.
func (c *calendar) addYear(m map[int64]string, y int) {
	for _, h := range c.holidays {
		_, obs := h.Calc(y)
		if obs.IsZero() {
			continue
		}
		oy, om, od := obs.Date()
		day := civilDay(oy, om, od)
		if _, dup := m[day]; !dup {
			m[day] = "holiday " + h.Name
		}
	}
}

// lookup reports whether day is a holiday of the calendar, outside the table too.
func (c *calendar) lookup(table map[int64]string, day int64) (string, bool) {
	if day >= tableFirstDay && day < tableEndDay {
		r, ok := table[day]
		return r, ok
	}
	y, _, _ := time.Unix(day*86400, 0).UTC().Date()
	m := make(map[int64]string, 2*len(c.holidays))
	for yy := y - 1; yy <= y+1; yy++ { // an observed day may cross a year's end
		c.addYear(m, yy)
	}
	r, ok := m[day]
	return r, ok
}

// calendars are the named calendars Holidays.Calendars accepts, by upper-case name.
var calendars = map[string]*calendar{
	"FR": newCalendar(fr.Holidays),
}

// Calendars lists the names of the known holiday calendars, sorted.
func Calendars() []string {
	names := make([]string, 0, len(calendars))
	for n := range calendars {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// holidaySet is a schedule's holidays: explicit dates, then calendars in the order given.
type holidaySet struct {
	dates  map[int64]string
	cals   []*calendar
	tables []map[int64]string
}

func (h *holidaySet) empty() bool { return len(h.dates) == 0 && len(h.cals) == 0 }

// lookup returns the reason when the civil day is a holiday.
func (h *holidaySet) lookup(day int64) (string, bool) {
	if h.dates != nil {
		if r, ok := h.dates[day]; ok {
			return r, true
		}
	}
	for i, c := range h.cals {
		if r, ok := c.lookup(h.tables[i], day); ok {
			return r, true
		}
	}
	return "", false
}

// parseDate reads "YYYY-MM-DD" with an optional name after it.
func parseDate(s string) (day int64, reason string, err error) {
	date, name, _ := strings.Cut(strings.TrimSpace(s), " ")
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, "", fmt.Errorf("date %q: want YYYY-MM-DD, optionally followed by a name", s)
	}
	if name = strings.TrimSpace(name); name == "" {
		name = date
	}
	return civilDay(t.Date()), "holiday " + name, nil
}

// CheckDate reports whether s is a holiday date as Holidays.Dates takes it ("2026-12-24",
// optionally followed by a name: "2026-12-24 Réveillon"), and why not.
func CheckDate(s string) error {
	_, _, err := parseDate(s)
	return err
}

// civilDay numbers a calendar date: days since 1970-01-01.
func civilDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
