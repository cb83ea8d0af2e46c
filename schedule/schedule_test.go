package schedule

import (
	"errors"
	"testing"
	"time"
)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a Paris wall-clock time; it must not fall in a skipped or repeated hour.
func at(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, paris)
}

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

// seedSpec is the seed's rule, as examples/office.yaml writes it.
func seedSpec() Spec {
	return Spec{
		Name:     "office",
		Timezone: "Europe/Paris",
		Default:  Open,
		Closed:   []string{"mon-fri 00:00-09:00", "mon-fri 17:00-24:00"},
	}
}

func withHolidays(s Spec, h Holidays) Spec { s.Holidays = h; return s }

func mustNew(t testing.TB, spec Spec) *Schedule {
	t.Helper()
	s, err := New(spec)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

const (
	seedEvening = "period mon-fri 17:00-24:00"
	seedMorning = "period mon-fri 00:00-09:00"
)

func TestAt(t *testing.T) {
	seed := seedSpec()
	seedFR := withHolidays(seedSpec(), Holidays{Calendars: []string{"FR"}})
	workHours := Spec{Timezone: "Europe/Paris", Default: Closed, Open: []string{"mon-fri [09:00,17:00)"}}
	tests := []struct {
		name   string
		spec   Spec
		t      time.Time
		state  State
		reason string
		until  time.Time // zero: never within 366 days
	}{
		// The seed's boundaries (June 2026, CEST; Monday 8 June).
		{"16:59:59 open", seed, at(2026, 6, 8, 16, 59, 59), Open, "default", at(2026, 6, 8, 17, 0, 0)},
		{"17:00:00 closed", seed, at(2026, 6, 8, 17, 0, 0), Closed, seedEvening, at(2026, 6, 9, 9, 0, 0)},
		{"08:59:59 closed", seed, at(2026, 6, 9, 8, 59, 59), Closed, seedMorning, at(2026, 6, 9, 9, 0, 0)},
		{"09:00 open", seed, at(2026, 6, 9, 9, 0, 0), Open, "default", at(2026, 6, 9, 17, 0, 0)},
		{"monday 18:05 closed (SPEC example)", seed, at(2026, 6, 8, 18, 5, 0), Closed, seedEvening, at(2026, 6, 9, 9, 0, 0)},
		{"monday 10:00 open", seed, at(2026, 6, 8, 10, 0, 0), Open, "default", at(2026, 6, 8, 17, 0, 0)},
		{"monday 18:05 in winter", seed, at(2026, 1, 12, 18, 5, 0), Closed, seedEvening, utc(2026, 1, 13, 8, 0)},
		{"saturday 18:05 open until monday", seed, at(2026, 6, 13, 18, 5, 0), Open, "default", at(2026, 6, 15, 0, 0, 0)},
		{"friday 18:05 closed until saturday", seed, at(2026, 6, 12, 18, 5, 0), Closed, seedEvening, at(2026, 6, 13, 0, 0, 0)},
		{"sunday last nanosecond", seed, time.Date(2026, 6, 14, 23, 59, 59, 999999999, paris), Open, "default", at(2026, 6, 15, 0, 0, 0)},
		{"instant given in UTC", seed, utc(2026, 6, 8, 16, 5), Closed, seedEvening, utc(2026, 6, 9, 7, 0)},

		// Week-end closed: Friday 17:00 until Monday 09:00, in and out of DST weeks.
		{"bracket period end excluded", workHours, at(2026, 6, 12, 17, 0, 0), Closed, "default", at(2026, 6, 15, 9, 0, 0)},
		{"bracket period start included", workHours, at(2026, 6, 15, 9, 0, 0), Open, "period mon-fri [09:00,17:00)", at(2026, 6, 15, 17, 0, 0)},
		{"weekend across spring forward", workHours, at(2026, 3, 27, 17, 0, 0), Closed, "default", utc(2026, 3, 30, 7, 0)},
		{"weekend across fall back", workHours, at(2026, 10, 23, 17, 0, 0), Closed, "default", utc(2026, 10, 26, 8, 0)},

		// The seed around the 2026 DST changes: Sunday 29 March and Sunday 25 October.
		{"saturday before spring forward", seed, at(2026, 3, 28, 12, 0, 0), Open, "default", utc(2026, 3, 29, 22, 0)},
		{"sunday after spring forward", seed, utc(2026, 3, 29, 1, 30), Open, "default", utc(2026, 3, 29, 22, 0)},
		{"friday night before spring forward", seed, at(2026, 3, 27, 18, 0, 0), Closed, seedEvening, utc(2026, 3, 27, 23, 0)},
		{"monday after spring forward", seed, at(2026, 3, 30, 8, 0, 0), Closed, seedMorning, utc(2026, 3, 30, 7, 0)},
		{"saturday before fall back", seed, at(2026, 10, 24, 12, 0, 0), Open, "default", utc(2026, 10, 25, 23, 0)},
		{"repeated hour first pass", seed, utc(2026, 10, 25, 0, 30), Open, "default", utc(2026, 10, 25, 23, 0)},
		{"repeated hour second pass", seed, utc(2026, 10, 25, 1, 30), Open, "default", utc(2026, 10, 25, 23, 0)},

		// A boundary inside the skipped hour applies at 03:00 CEST, the first instant after it.
		{"start in gap: before", night("sun 02:30-04:00"), utc(2026, 3, 29, 0, 59), Open, "default", utc(2026, 3, 29, 1, 0)},
		{"start in gap: after", night("sun 02:30-04:00"), utc(2026, 3, 29, 1, 0), Closed, "period sun 02:30-04:00", utc(2026, 3, 29, 2, 0)},
		{"end in gap", night("sun 01:00-02:30"), utc(2026, 3, 29, 0, 30), Closed, "period sun 01:00-02:30", utc(2026, 3, 29, 1, 0)},
		{"period inside gap never applies", night("sun 02:00-03:00"), utc(2026, 3, 29, 0, 59), Open, "default", utc(2026, 4, 5, 0, 0)},
		// In the repeated hour both instants are evaluated by their wall time.
		{"repeated: 02:20 CEST", night("sun 02:15-02:45"), utc(2026, 10, 25, 0, 20), Closed, "period sun 02:15-02:45", utc(2026, 10, 25, 0, 45)},
		{"repeated: 02:50 CEST", night("sun 02:15-02:45"), utc(2026, 10, 25, 0, 50), Open, "default", utc(2026, 10, 25, 1, 15)},
		{"repeated: 02:20 CET", night("sun 02:15-02:45"), utc(2026, 10, 25, 1, 20), Closed, "period sun 02:15-02:45", utc(2026, 10, 25, 1, 45)},
		{"repeated: 02:50 CET", night("sun 02:15-02:45"), utc(2026, 10, 25, 1, 50), Open, "default", utc(2026, 11, 1, 1, 15)},
		{"repeated: whole hour twice", night("sun 02:00-03:00"), utc(2026, 10, 25, 0, 30), Closed, "period sun 02:00-03:00", utc(2026, 10, 25, 2, 0)},
		{"repeated: wall time back before start", night("sun 02:30-04:00"), utc(2026, 10, 25, 0, 30), Closed, "period sun 02:30-04:00", utc(2026, 10, 25, 1, 0)},

		// Overnight periods and wrapping day ranges.
		{"overnight friday covers saturday 03:00", night("fri 22:00-06:00"), at(2026, 6, 13, 3, 0, 0), Closed, "period fri 22:00-06:00", at(2026, 6, 13, 6, 0, 0)},
		{"overnight starts friday 22:00", night("fri 22:00-06:00"), at(2026, 6, 12, 21, 59, 59), Open, "default", at(2026, 6, 12, 22, 0, 0)},
		{"overnight ends saturday 06:00", night("fri 22:00-06:00"), at(2026, 6, 13, 6, 0, 0), Open, "default", at(2026, 6, 19, 22, 0, 0)},
		{"overnight not on thursday morning", night("fri 22:00-06:00"), at(2026, 6, 11, 3, 0, 0), Open, "default", at(2026, 6, 12, 22, 0, 0)},
		{"every night covers monday 03:00", night("* 22:00-06:00"), at(2026, 6, 8, 3, 0, 0), Closed, "period * 22:00-06:00", at(2026, 6, 8, 6, 0, 0)},
		{"wrapping range saturday", night("fri-mon 10:00-11:00"), at(2026, 6, 13, 10, 30, 0), Closed, "period fri-mon 10:00-11:00", at(2026, 6, 13, 11, 0, 0)},
		{"wrapping range monday", night("fri-mon 10:00-11:00"), at(2026, 6, 15, 10, 30, 0), Closed, "period fri-mon 10:00-11:00", at(2026, 6, 15, 11, 0, 0)},
		{"wrapping range not tuesday", night("fri-mon 10:00-11:00"), at(2026, 6, 16, 10, 30, 0), Open, "default", at(2026, 6, 19, 10, 0, 0)},

		// Closed periods override open ones.
		{"closed overrides open", lunch(), at(2026, 6, 8, 12, 30, 0), Closed, "period mon-fri 12:00-13:00", at(2026, 6, 8, 13, 0, 0)},
		{"open before lunch", lunch(), at(2026, 6, 8, 11, 0, 0), Open, "period mon-fri 08:00-18:00", at(2026, 6, 8, 12, 0, 0)},
		{"open after lunch", lunch(), at(2026, 6, 8, 13, 0, 0), Open, "period mon-fri 08:00-18:00", at(2026, 6, 8, 18, 0, 0)},

		// Holidays.
		{"14 juillet closed", seedFR, at(2026, 7, 14, 10, 0, 0), Closed, "holiday Fête Nationale", utc(2026, 7, 15, 7, 0)},
		{"14 juillet without holidays", seed, at(2026, 7, 14, 10, 0, 0), Open, "default", at(2026, 7, 14, 17, 0, 0)},
		{"monday evening before 14 juillet", seedFR, at(2026, 7, 13, 18, 0, 0), Closed, seedEvening, at(2026, 7, 15, 9, 0, 0)},
		{"Lundi de Pâques", seedFR, at(2026, 4, 6, 10, 0, 0), Closed, "holiday Lundi de Pâques", at(2026, 4, 7, 9, 0, 0)},
		{"Noël on a friday", seedFR, at(2026, 12, 25, 10, 0, 0), Closed, "holiday Noël", utc(2026, 12, 25, 23, 0)},
		{"Nouvel an", seedFR, at(2027, 1, 1, 0, 0, 0), Closed, "holiday Nouvel an", at(2027, 1, 2, 0, 0, 0)},
		{"explicit date", withHolidays(seed, Holidays{Dates: []string{"2026-12-24"}}), at(2026, 12, 24, 10, 0, 0), Closed, "holiday 2026-12-24", at(2026, 12, 25, 9, 0, 0)},
		{"explicit named date", withHolidays(seed, Holidays{Dates: []string{"2026-12-31 Saint-Sylvestre"}}), at(2026, 12, 31, 10, 0, 0), Closed, "holiday Saint-Sylvestre", at(2027, 1, 1, 9, 0, 0)},
		{"holiday open on a closed weekend", withHolidays(workHours, Holidays{Dates: []string{"2026-06-13"}, State: Open}), at(2026, 6, 13, 10, 0, 0), Open, "holiday 2026-06-13", at(2026, 6, 14, 0, 0, 0)},
		{"next holiday found weeks ahead", Spec{Timezone: "Europe/Paris", Holidays: Holidays{Calendars: []string{"fr"}}}, at(2026, 7, 15, 12, 0, 0), Open, "default", at(2026, 8, 15, 0, 0, 0)},

		// No change at all.
		{"always open", Spec{Timezone: "Europe/Paris"}, at(2026, 6, 8, 12, 0, 0), Open, "default", time.Time{}},
		{"closed periods covering the week", night("* 00:00-24:00"), at(2026, 6, 8, 12, 0, 0), Closed, "period * 00:00-24:00", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, tc.spec)
			got := s.At(tc.t)
			if got.State != tc.state || got.Reason != tc.reason || !got.Until.Equal(tc.until) {
				t.Errorf("At(%v)\n got: %v, until %v\nwant: %v (%s), until %v",
					tc.t.In(paris), got, got.Until.UTC(), tc.state, tc.reason, tc.until.UTC())
			}
			if !got.Until.IsZero() && got.Until.Location().String() != s.Location().String() {
				t.Errorf("Until in %v, want the schedule's zone", got.Until.Location())
			}
			if open := s.Open(tc.t); open != (tc.state == Open) {
				t.Errorf("Open(%v) = %v, want %v", tc.t, open, tc.state == Open)
			}
		})
	}
}

// night is a schedule open by default with one closed period.
func night(period string) Spec {
	return Spec{Timezone: "Europe/Paris", Closed: []string{period}}
}

func lunch() Spec {
	return Spec{
		Location: paris,
		Default:  Closed,
		Open:     []string{"mon-fri 08:00-18:00", "mon-fri 09:00-10:00"},
		Closed:   []string{"mon-fri 12:00-13:00"},
	}
}

func TestNewErrors(t *testing.T) {
	spec := Spec{
		Name:     "office",
		Default:  State(7),
		Open:     []string{"mon-fri 09:00-17:00", "mon-fri 25:00-26:00"},
		Closed:   []string{"sat (10:00,12:00)"},
		Holidays: Holidays{Calendars: []string{"FR", "XX"}, Dates: []string{"2026-12-24", "24/12/2026"}},
	}
	_, err := New(spec)
	if err == nil {
		t.Fatal("New: no error")
	}
	want := []string{
		`schedule "office": timezone: missing time zone, e.g. Europe/Paris`,
		`schedule "office": default: invalid state State(7)`,
		`schedule "office": open[1]: period "mon-fri 25:00-26:00": hour 25 out of range`,
		`schedule "office": closed[0]: period "sat (10:00,12:00)": "(" excludes the start: only half-open [start,end) is supported (start included, end excluded)`,
		`schedule "office": holidays.calendars[1]: unknown calendar "XX" (known: [FR])`,
		`schedule "office": holidays.dates[1]: date "24/12/2026": want YYYY-MM-DD, optionally followed by a name`,
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("New error %T is not a joined error", err)
	}
	errs := joined.Unwrap()
	if len(errs) != len(want) {
		t.Fatalf("New: %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.Error() != want[i] {
			t.Errorf("error %d\n got: %s\nwant: %s", i, e, want[i])
		}
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Errorf("error %d is %T, want *FieldError", i, e)
		}
	}

	t.Run("unknown time zone", func(t *testing.T) {
		_, err := New(Spec{Timezone: "Europe/Lutece"})
		want := `timezone: unknown time zone "Europe/Lutece"`
		if err == nil || err.Error() != want {
			t.Errorf("New: %v, want %s", err, want)
		}
	})
}

func TestCalendars(t *testing.T) {
	got := Calendars()
	if len(got) != 1 || got[0] != "FR" {
		t.Errorf("Calendars() = %v, want [FR]", got)
	}
}

func TestFrenchHolidays2026(t *testing.T) {
	s := mustNew(t, Spec{Location: paris, Holidays: Holidays{Calendars: []string{"FR"}}})
	want := map[string]string{
		"2026-01-01": "Nouvel an", "2026-04-06": "Lundi de Pâques", "2026-05-01": "Fête du Travail",
		"2026-05-08": "Fête de la Victoire", "2026-05-14": "Ascension", "2026-05-25": "Lundi de Pentecôte",
		"2026-07-14": "Fête Nationale", "2026-08-15": "Assomption", "2026-11-01": "Toussaint",
		"2026-11-11": "Armistice de 1918", "2026-12-25": "Noël",
	}
	n := 0
	for d := at(2026, 1, 1, 12, 0, 0); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		st := s.At(d)
		name, holiday := want[d.Format(time.DateOnly)]
		if holiday {
			n++
		}
		if holiday != (st.State == Closed) || (holiday && st.Reason != "holiday "+name) {
			t.Errorf("%s: %v, want holiday %q", d.Format(time.DateOnly), st, name)
		}
	}
	if n != len(want) {
		t.Errorf("saw %d holidays, want %d", n, len(want))
	}
	// Outside the precomputed table the calendar is computed on demand.
	for _, d := range []time.Time{at(1969, 12, 25, 12, 0, 0), at(2300, 7, 14, 12, 0, 0)} {
		if st := s.At(d); st.State != Closed {
			t.Errorf("%v: %v, want a holiday", d, st)
		}
	}
}

func TestStateText(t *testing.T) {
	var st State
	if err := st.UnmarshalText([]byte("Closed")); err != nil || st != Closed {
		t.Errorf("UnmarshalText(Closed) = %v, %v", st, err)
	}
	if err := st.UnmarshalText([]byte("ajar")); err == nil {
		t.Error("UnmarshalText(ajar): no error")
	}
	if b, err := Open.MarshalText(); err != nil || string(b) != "open" {
		t.Errorf("MarshalText(Open) = %q, %v", b, err)
	}
	if _, err := State(0).MarshalText(); err == nil {
		t.Error("MarshalText(unset): no error")
	}
}

func BenchmarkAt(b *testing.B) {
	cases := []struct {
		name string
		spec Spec
		t    time.Time
	}{
		{"weekday open", seedSpec(), at(2026, 6, 8, 10, 0, 0)},
		{"weekday evening", seedSpec(), at(2026, 6, 8, 18, 5, 0)},
		{"saturday", seedSpec(), at(2026, 6, 13, 18, 5, 0)},
		{"friday across DST", seedSpec(), at(2026, 3, 27, 18, 5, 0)},
		{"with FR holidays", withHolidays(seedSpec(), Holidays{Calendars: []string{"FR"}}), at(2026, 7, 13, 18, 5, 0)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := mustNew(b, c.spec)
			b.ReportAllocs()
			for b.Loop() {
				s.At(c.t)
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	s := mustNew(b, seedSpec())
	t := at(2026, 6, 8, 18, 5, 0)
	b.ReportAllocs()
	for b.Loop() {
		s.Open(t)
	}
}

func BenchmarkNew(b *testing.B) {
	spec := withHolidays(seedSpec(), Holidays{Calendars: []string{"FR"}, Dates: []string{"2026-12-24"}})
	b.ReportAllocs()
	for b.Loop() {
		mustNew(b, spec)
	}
}
