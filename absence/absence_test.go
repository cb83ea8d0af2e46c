package absence

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ariflow/ariflow/store"
)

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestAbsenceSurvivesRestartAndIsAudited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ariflow.db")
	at := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	var heard []State
	db := openDB(t, path)
	svc := New(db, func(s State) { heard = append(heard, s) })
	if _, err := svc.Set("1000", true, "1000", at, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 1 || !heard[0].On {
		t.Fatalf("onChange heard %+v, want one 'on'", heard)
	}
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	svc = New(db, nil)
	absent, err := svc.Absent("1000", at.Add(72*time.Hour))
	if err != nil || !absent {
		t.Fatalf("after restart Absent(1000) = %v, %v; want true", absent, err)
	}
	if absent, _ := svc.Absent("2000", at); absent {
		t.Fatal("2000 was never set but is absent")
	}
	if _, err := svc.Set("1000", false, "admin:lucas", at.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if absent, _ := svc.Absent("1000", at.Add(2*time.Hour)); absent {
		t.Fatal("1000 still absent after *88")
	}
	audit, err := svc.Audit()
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 2 || audit[0].By != "1000" || !audit[0].On || audit[1].By != "admin:lucas" || audit[1].On {
		t.Fatalf("audit = %+v, want on by 1000 then off by admin:lucas", audit)
	}
}

func TestTemporaryAbsenceEndsByItself(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "ariflow.db"))
	defer db.Close()
	svc := New(db, nil)
	at := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	until := at.Add(15 * time.Hour)
	if _, err := svc.Set("1000", true, "1000", at, until); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"just set", at, true},
		{"one second before the end", until.Add(-time.Second), true},
		{"at the end", until, false},
		{"the next day", until.Add(24 * time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := svc.Absent("1000", tc.t); got != tc.want {
				t.Fatalf("Absent at %v = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

// A temporary absence is turned off at its end as a change of its own: stored, in the
// audit trail, and heard by the change hook (which posts the chat notice); a permanent one,
// or one not yet over, stays.
func TestEndExpiredAnnouncesTheEnd(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "ariflow.db"))
	defer db.Close()
	var heard []State
	svc := New(db, func(st State) { heard = append(heard, st) })
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	must := func(_ State, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.Set("1000", true, "1000", at, at.Add(7*time.Hour)))
	must(svc.Set("2000", true, "2000", at, time.Time{}))
	must(svc.Set("3000", true, "3000", at, at.Add(30*time.Hour)))
	heard = nil

	if ended, err := svc.EndExpired(at.Add(6 * time.Hour)); err != nil || len(ended) != 0 {
		t.Fatalf("before the end: ended %+v, %v", ended, err)
	}
	ended, err := svc.EndExpired(at.Add(7*time.Hour + time.Minute))
	if err != nil || len(ended) != 1 || ended[0].Exten != "1000" || ended[0].On || ended[0].By != ExpiredBy {
		t.Fatalf("after 1000's end: %+v, %v; want 1000 turned off by %q", ended, err, ExpiredBy)
	}
	if len(heard) != 1 || heard[0].Exten != "1000" || heard[0].On {
		t.Errorf("the change hook heard %+v, want 1000 off", heard)
	}
	if st, _ := svc.Get("1000"); st.On || !st.At.Equal(at.Add(7*time.Hour)) {
		t.Errorf("1000 stored as %+v, want off at its end time", st)
	}
	for _, exten := range []string{"2000", "3000"} {
		if st, _ := svc.Get(exten); !st.On {
			t.Errorf("%s was turned off", exten)
		}
	}
	if audit, _ := svc.Audit(); len(audit) != 4 || audit[3].By != ExpiredBy {
		t.Errorf("audit %+v, want the end as its fourth entry", audit)
	}
	if ended, _ := svc.EndExpired(at.Add(8 * time.Hour)); len(ended) != 0 {
		t.Errorf("ended twice: %+v", ended)
	}
}
