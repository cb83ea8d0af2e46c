package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/store"
)

const simulateRouting = `asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
database: state.db
schedules:
  office: {default: open, closed: [mon-fri 17:00-24:00]}
absence: {until_schedule_change: true}
extensions:
  "1000": {endpoint: PJSIP/1000, schedule: office}
`

// simulateFile writes the routing file to a new folder and returns its path and the
// database's.
func simulateFile(t *testing.T) (path, dbPath string) {
	dir := t.TempDir()
	path = filepath.Join(dir, "routing.yaml")
	if err := os.WriteFile(path, []byte(simulateRouting), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, filepath.Join(dir, "state.db")
}

// Without a database yet, simulate says nobody is absent and leaves no file behind (one
// made by root would keep ariflow serve from opening it).
func TestSimulateCreatesNoDatabase(t *testing.T) {
	path, dbPath := simulateFile(t)
	code, out, errs := runCmd("simulate", path, "--from", "2000", "--to", "1000", "--at", "2026-11-23 10:00")
	if code != 0 || !strings.Contains(out, "no database yet") || !strings.Contains(out, "ring PJSIP/1000") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Error("simulate created the database")
	}
}

// An absence in the database shows in the office's time zone with its end, and *77 says
// how long it would last.
func TestSimulateShowsAbsenceAndItsEnd(t *testing.T) {
	path, dbPath := simulateFile(t)
	db, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	set := time.Date(2026, 11, 23, 10, 0, 0, 0, paris)
	if _, err := absence.New(db, nil).Set("1000", true, "1000", set, set.Add(7*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errs := runCmd("simulate", path, "--from", "2000", "--to", "1000", "--at", "2026-11-23 11:00")
	want := "absence mode on (set by 1000 on Mon 2026-11-23 10:00 CET, until Mon 2026-11-23 17:00 CET)"
	if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "play sound:closed") {
		t.Errorf("exit %d, want %q and the closed prompt:\n%s%s", code, want, out, errs)
	}
	_, out, _ = runCmd("simulate", path, "--from", "1000", "--to", "*77", "--at", "2026-11-23 18:30")
	if want := "absence on for 1000 until Tue 2026-11-24 17:00 CET"; !strings.Contains(out, want) {
		t.Errorf("*77 after hours: want %q:\n%s", want, out)
	}
}

// While ariflow serve holds the database, simulate does not fail: it says the absence
// modes were not read and explains the call without them.
func TestSimulateWhileTheDatabaseIsHeld(t *testing.T) {
	path, dbPath := simulateFile(t)
	db, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, out, errs := runCmd("simulate", path, "--from", "2000", "--to", "1000", "--at", "2026-11-23 10:00")
	if code != 0 || !strings.Contains(out, "absence modes not read") || !strings.Contains(out, "ring PJSIP/1000") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
