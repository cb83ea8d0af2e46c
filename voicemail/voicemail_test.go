package voicemail

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

func newService(t *testing.T, dir string, db *store.DB) *Service {
	t.Helper()
	s, err := New(context.Background(), Deps{DB: db, Dir: dir, Prefix: "p/", Spool: filepath.Join(dir, "vmspool"), Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "vm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeWAV writes secs seconds of 8 kHz 16-bit silence.
func writeWAV(t *testing.T, path string, secs int) {
	t.Helper()
	data := 16000 * secs
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], 8000)
	binary.LittleEndian.PutUint32(h[28:], 16000)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(h, make([]byte, data)...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The app stopped after Asterisk stored a message and before its row was written: the next
// start restores it, with the caller of the pending row; a row whose file is gone is dropped.
func TestRestoreAfterCrash(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := newService(t, dir, db)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pending := Message{ID: newID(at), Box: "1000", Folder: "INBOX", Caller: "2000", CallerName: "Bob", Time: at}
	pending.Recording = s.recName("1000", pending.ID)
	if err := db.PutJSON(bucketPending, pending.Recording, pending); err != nil {
		t.Fatal(err)
	}
	writeWAV(t, s.path(pending.Recording), 5)
	orphan := s.recName("1000", newID(at.Add(time.Minute)))
	writeWAV(t, s.path(orphan), 4)
	gone := Message{ID: newID(at.Add(-time.Hour)), Box: "1000", Folder: "Old", Time: at}
	gone.Recording = s.recName("1000", gone.ID)
	if err := db.PutJSON(bucketMessages, msgKey("1000", gone.ID), gone); err != nil {
		t.Fatal(err)
	}
	writeWAV(t, filepath.Join(s.boxDir("1000"), "greet-unavail.wav"), 2) // not a message

	s = newService(t, dir, db)
	msgs, err := s.Messages("1000", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("messages after restore = %+v, want the pending one and the orphan", msgs)
	}
	if m := msgs[0]; m.ID != pending.ID || m.Caller != "2000" || m.Folder != "INBOX" || m.Duration != 5*time.Second || !m.Restored {
		t.Errorf("restored pending message = %+v", m)
	}
	if m := msgs[1]; m.Recording != orphan || m.Duration != 4*time.Second {
		t.Errorf("restored orphan = %+v", m)
	}
	var p Message
	if err := db.GetJSON(bucketPending, pending.Recording, &p); err == nil {
		t.Error("the pending row is still there")
	}
	if s.Configure(&config.File{Voicemail: config.Voicemail{Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "1"}}}}) != nil {
		t.Fatal("configure")
	}
	cards, _ := filepath.Glob(filepath.Join(dir, "vmspool", "default", "1000", "INBOX", "msg*.txt"))
	if len(cards) != 2 {
		t.Errorf("lamp cards = %v, want 2 in INBOX", cards)
	}
}

// The file's PIN is hashed at load; a PIN changed from the phone wins until the file's PIN
// changes; PINs are never stored in clear.
func TestPINs(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := newService(t, dir, db)
	file := func(pin string) *config.File {
		return &config.File{Voicemail: config.Voicemail{SilenceThreshold: 128, Boxes: map[string]config.Box{"3000": {Number: "3000", PIN: pin}}}}
	}
	steps := []struct {
		name     string
		do       func() error
		ok, fail string
	}{
		{"file PIN", func() error { return s.Configure(file("123")) }, "123", "1234"},
		{"phone change", func() error { return s.SetPIN("3000", "9876") }, "9876", "123"},
		{"reload, same file PIN: the phone's stays", func() error { return s.Configure(file("123")) }, "9876", "123"},
		{"restart: the phone's stays", func() error { s = newService(t, dir, db); return s.Configure(file("123")) }, "9876", "123"},
		{"file PIN changed: it wins", func() error { return s.Configure(file("555")) }, "555", "9876"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !s.checkPIN("3000", st.ok) || s.checkPIN("3000", st.fail) {
			t.Errorf("%s: %s should open and %s should not", st.name, st.ok, st.fail)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "vm.db"))
	for _, pin := range []string{"9876", "\"555\""} {
		if bytes.Contains(raw, []byte(pin)) {
			t.Errorf("PIN %s stored in clear", pin)
		}
	}
}

// A box's email, which voicemail.conf mails messages to, is accepted but ariflow sends no
// email: the start says so once per box, naming the box and never the address.
func TestUnusedEmailIsNamedAtStart(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	s, err := New(context.Background(), Deps{DB: openDB(t, dir), Dir: dir, Prefix: "p/", Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	boxes := map[string]config.Box{"3000": {Number: "3000", PIN: "1234", Email: "a@example.com"}, "3001": {Number: "3001", PIN: "1234"}}
	if err := s.Configure(&config.File{Voicemail: config.Voicemail{SilenceThreshold: 128, Boxes: boxes}}); err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	if !strings.Contains(got, `"box":"3000"`) || !strings.Contains(got, "email is not used") || strings.Contains(got, `"box":"3001"`) ||
		strings.Contains(got, "a@example.com") {
		t.Errorf("start log, want box 3000's email named unused, without the address:\n%s", got)
	}
}

// Failed logins slow the caller down after the free attempts, across calls; a right PIN
// clears the count; another caller is not slowed.
func TestLoginBackoff(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, dir, openDB(t, dir))
	for range 3 {
		s.loginFailed("2000", "1000")
	}
	if w := s.loginWait("2000", "1000", 3); w != time.Second {
		t.Errorf("wait after 3 failures = %s, want 1 s", w)
	}
	s.loginFailed("2000", "1000")
	if w := s.loginWait("2000", "1000", 3); w != 2*time.Second {
		t.Errorf("wait after 4 failures = %s, want 2 s", w)
	}
	s.deps.Now = func() time.Time { return time.Now().Add(loginMemory + time.Minute) }
	if w := s.loginWait("2000", "1000", 3); w != 0 {
		t.Errorf("wait a quarter of an hour later = %s, want 0", w)
	}
	s.deps.Now = time.Now
	if w := s.loginWait("4000", "1000", 3); w != 0 {
		t.Errorf("another caller waits %s", w)
	}
	s.loginOK("2000", "1000")
	if w := s.loginWait("2000", "1000", 3); w != 0 {
		t.Errorf("wait after a right PIN = %s", w)
	}
}
