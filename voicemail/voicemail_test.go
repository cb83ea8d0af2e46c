package voicemail

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// A message restored after a crash keeps the minimum duration: a too-short one (a caller
// who hung up at once, around a kill -9) is discarded with its file and lights no lamp. One
// restored from its pending row was never announced: it gets the new-message notice.
func TestRestoreKeepsTheMinimumAndAnnounces(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := newService(t, dir, db)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pending := func(i, secs int) string {
		m := Message{ID: newID(at.Add(time.Duration(i) * time.Minute)), Box: "1000", Folder: "INBOX", Caller: fmt.Sprint(2000 + i), Time: at}
		m.Recording = s.recName("1000", m.ID)
		if err := db.PutJSON(bucketPending, m.Recording, m); err != nil {
			t.Fatal(err)
		}
		writeWAV(t, s.path(m.Recording), secs)
		return m.Recording
	}
	pending(1, 5)
	short := pending(2, 1)
	writeWAV(t, s.path(s.recName("1000", newID(at.Add(time.Hour)))), 4) // no pending row: not announced

	notices := &noticeSpy{}
	s, err := New(context.Background(), Deps{DB: db, Dir: dir, Prefix: "p/", Spool: filepath.Join(dir, "vmspool"),
		MinDuration: 3 * time.Second, Notices: notices, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages("1000", "")
	if err != nil || len(msgs) != 2 || msgs[0].Caller != "2001" || msgs[1].Duration != 4*time.Second {
		t.Fatalf("messages after restore = %+v (%v), want the 5 s one from 2001 and the 4 s file", msgs, err)
	}
	if _, err := os.Stat(s.path(short)); !os.IsNotExist(err) {
		t.Errorf("the 1 s message's file: %v, want it removed", err)
	}
	if !slices.Equal(notices.got, []string{"1000 2001 5s"}) {
		t.Errorf("notices = %v, want the pending message's", notices.got)
	}
	if err := s.Configure(&config.File{Voicemail: config.Voicemail{SilenceThreshold: 128, Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "1"}}}}); err != nil {
		t.Fatal(err)
	}
	if cards, _ := filepath.Glob(filepath.Join(dir, "vmspool", "default", "1000", "INBOX", "msg*.txt")); len(cards) != 2 {
		t.Errorf("lamp cards = %v, want 2", cards)
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

// fakeClock is the service's time, moved on by the login back-off's waits.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.t = c.t.Add(d)
	return nil
}

// takeWaits returns the waits since it was last called.
func (c *fakeClock) takeWaits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waits
	c.waits = nil
	return w
}

// Guessing a box's PIN is slowed down and then locked out for the box, whatever number the
// guesser calls from: a fresh caller ID starts where the last one stopped; at the 10th
// failure the box's phone login is locked for 15 minutes, even for the right PIN, across a
// restart; the caller to a locked box hears the apology. The right PIN after the lock-out
// logs in and clears the count.
func TestPINGuessingLocksTheBox(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	start := func() *Service {
		s := newService(t, dir, db)
		s.deps.Now, s.sleep = clock.now, clock.sleep
		if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128,
			Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "42"}}}}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	dial := func(number string, keys ...string) *fakeCall {
		t.Helper()
		c := &fakeCall{t: t, s: s, number: number, keys: keys, log: zerolog.Nop()}
		if err := s.Main(context.Background(), c, "1000"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	wrong := []string{"1", "#", "1", "#", "1", "#"} // three wrong PINs
	seconds := func(s ...int) []time.Duration {
		var out []time.Duration
		for _, n := range s {
			out = append(out, time.Duration(n)*time.Second)
		}
		return out
	}
	for i, want := range [][]time.Duration{nil, seconds(1, 2, 4), seconds(8, 16, 32)} {
		dial(fmt.Sprint(2001+i), wrong...)
		if got := clock.takeWaits(); !slices.Equal(got, want) {
			t.Errorf("guessing call %d (a new number) waited %v, want %v", i+1, got, want)
		}
	}
	c := dial("2004", wrong...) // the 10th failure locks the box: the call's next attempt is refused
	if got := clock.takeWaits(); !slices.Equal(got, seconds(64)) {
		t.Errorf("the 10th attempt waited %v, want 64s", got)
	}
	if want := append([]string{"sound:vm-password", "sound:vm-incorrect"}, Apology...); !slices.Equal(c.played, want) {
		t.Errorf("the 10th failure's caller heard %v, want %v", c.played, want)
	}
	refused := func(when string) {
		t.Helper()
		c := dial("3000", "4", "2", "#") // the right PIN
		if !slices.Equal(c.played, Apology) {
			t.Errorf("%s: the owner of a locked box heard %v, want the apology %v", when, c.played, Apology)
		}
	}
	refused("locked")
	clock.add(lockFor - time.Minute)
	s = start() // the lock-out is in the database
	refused("restarted, 14 minutes later")
	clock.add(time.Minute)
	if c := dial("3000", "4", "2", "#"); !slices.Contains(c.played, "sound:vm-youhave") {
		t.Errorf("the right PIN after the lock-out: heard %v, want the box's menu", c.played)
	}
	clock.takeWaits()
	if dial("2005", "1", "#"); len(clock.takeWaits()) != 0 {
		t.Error("a wrong PIN after a right one waits: the count was not cleared")
	}
}

// Parallel guesses on one box wait their back-off one after the other, and every failure
// is counted.
func TestParallelLoginAttemptsTakeTurns(t *testing.T) {
	dir := t.TempDir()
	s := boxService(t, dir, openDB(t, dir))
	for range 5 {
		s.loginFailed("1000")
	}
	var waiting, most atomic.Int32
	s.sleep = func(context.Context, time.Duration) error {
		n := waiting.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		waiting.Add(-1)
		return nil
	}
	log := zerolog.Nop()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if ok, err := s.tryPIN(context.Background(), &log, "1000", "9", 3); ok || err != nil {
				t.Errorf("tryPIN = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if n := most.Load(); n != 1 {
		t.Errorf("%d calls waited at once, want one at a time", n)
	}
	if n := s.loginState("1000").Failures; n != 9 {
		t.Errorf("failures counted = %d, want 5 + 4", n)
	}
}
