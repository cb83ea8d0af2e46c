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
