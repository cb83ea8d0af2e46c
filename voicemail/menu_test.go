package voicemail

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
)

// The after-message keys: 7 marks and unmarks, 6 and 4 move, 9 saves to a folder, 3 says
// the envelope; a heard message leaves INBOX; marked messages are deleted on leaving.
func TestMenuKeys(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, dir, openDB(t, dir))
	if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128,
		Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "42"}}}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var ids []Message
	for i, caller := range []string{"2000", "3000"} {
		m := Message{ID: newID(at.Add(time.Duration(i) * time.Minute)), Box: "1000", Folder: "INBOX", Caller: caller, Time: at, Duration: 4 * time.Second}
		m.Recording = s.recName("1000", m.ID)
		writeWAV(t, s.path(m.Recording), 4)
		if err := s.save(m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m)
	}
	keys := strings.Split("4,2,#,1,7,7,6,9,3,3,4,7,#,#", ",")
	c := &fakeCall{t: t, s: s, keys: keys, log: zerolog.Nop()}
	if err := s.Main(context.Background(), c, "1000"); err != nil {
		t.Fatal(err)
	}
	var recs []string
	for _, p := range c.played {
		if strings.HasPrefix(p, "recording:") {
			recs = append(recs, strings.TrimPrefix(p, "recording:"))
		}
	}
	if want := []string{ids[0].Recording, ids[1].Recording, ids[0].Recording}; !slices.Equal(recs, want) {
		t.Errorf("messages played %v, want first, second, first; played %v", recs, c.played)
	}
	// counts, "message 2" and the envelope's 4 seconds are said as numbers (12 is "twelve",
	// not "one two"); the caller's number digit by digit
	for _, want := range []string{"number:2", "number:4", "sound:vm-undeleted", "sound:vm-savedto", "sound:vm-Family", "digits:3000", "sound:vm-goodbye"} {
		if !slices.Contains(c.played, want) {
			t.Errorf("never played %s: %v", want, c.played)
		}
	}
	all, err := s.Messages("1000", "")
	if err != nil || len(all) != 1 || all[0].ID != ids[1].ID || all[0].Folder != "Family" || !all[0].Heard {
		t.Errorf("box after the session = %+v (%v), want the second message only, heard, in Family", all, err)
	}
	if _, err := os.Stat(s.path(ids[0].Recording)); !os.IsNotExist(err) {
		t.Errorf("the deleted message's file: %v", err)
	}
}

// A message listened to moves back and forth by the file's voicemail.skip (the seed's
// skipms), * back and # forward.
func TestListeningSkipsByTheFilesSkip(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, dir, openDB(t, dir))
	if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128, Skip: 5 * time.Second,
		Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "42"}}}}); err != nil {
		t.Fatal(err)
	}
	m := Message{ID: newID(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), Box: "1000", Folder: "INBOX", Caller: "2000"}
	m.Recording = s.recName("1000", m.ID)
	writeWAV(t, s.path(m.Recording), 4)
	if err := s.save(m); err != nil {
		t.Fatal(err)
	}
	c := &fakeCall{t: t, s: s, keys: []string{"4", "2", "#", "1", "#", "#"}, log: zerolog.Nop()} // PIN, listen, leave
	if err := s.Main(context.Background(), c, "1000"); err != nil {
		t.Fatal(err)
	}
	if len(c.controls) != 1 {
		t.Fatalf("%d messages listened to, want 1; played %v", len(c.controls), c.played)
	}
	if k := c.controls[0]; k.Skip != 5*time.Second || k.Back != "*" || k.Forward != "#" {
		t.Errorf("listening with %+v, want a 5s skip on * and #", k)
	}
}

// deletingCall is the owner listening while the admin deletes the message being played.
type deletingCall struct{ *fakeCall }

func (f *deletingCall) PlayControlled(ctx context.Context, media string, k call.PlayControls) (string, error) {
	msgs, err := f.s.Messages("1000", "")
	if err != nil || len(msgs) != 1 {
		f.t.Fatalf("messages = %v, %v", msgs, err)
	}
	if err := f.s.Delete("1000", msgs[0].ID); err != nil {
		f.t.Fatal(err)
	}
	return f.fakeCall.PlayControlled(ctx, media, k)
}

// A message the admin deletes while its owner listens to it stays deleted: marking it heard
// or saving it to a folder (9) does not bring back a row without its audio (listed, silent,
// the lamp lit); saving it says it was deleted.
func TestMessageDeletedWhileListenedToStaysDeleted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		folder string
		keys   string // after the PIN and 1 (listen)
		said   []string
	}{
		{"heard", "INBOX", "#,#", nil},
		{"saved to Family", "Old", "9,3,#,#", []string{"sound:vm-deleted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newService(t, dir, openDB(t, dir))
			if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128,
				Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "42"}}}}); err != nil {
				t.Fatal(err)
			}
			m := Message{ID: newID(time.Now()), Box: "1000", Folder: tc.folder, Heard: tc.folder == "Old", Caller: "2000"}
			m.Recording = s.recName("1000", m.ID)
			writeWAV(t, s.path(m.Recording), 4)
			if err := s.save(m); err != nil {
				t.Fatal(err)
			}
			keys := append([]string{"4", "2", "#", "1"}, strings.Split(tc.keys, ",")...)
			c := &deletingCall{&fakeCall{t: t, s: s, keys: keys, log: zerolog.Nop()}}
			if err := s.Main(context.Background(), c, "1000"); err != nil {
				t.Fatal(err)
			}
			if msgs, err := s.Messages("1000", ""); err != nil || len(msgs) != 0 {
				t.Errorf("box after the session = %+v (%v), want the deleted message gone", msgs, err)
			}
			cards, _ := filepath.Glob(filepath.Join(dir, "vmspool", "default", "1000", "*", "msg*.txt"))
			if len(cards) != 0 {
				t.Errorf("lamp cards %v, want none", cards)
			}
			if slices.Contains(c.played, "sound:vm-savedto") {
				t.Errorf("played %v: 'saved to' a deleted message", c.played)
			}
			if tc.said != nil && !containsRun(c.played, tc.said) {
				t.Errorf("played %v, want %v", c.played, tc.said)
			}
		})
	}
}

// The main menu says "press 1 for new (or old) messages" before the options when the
// folder has messages, as app_voicemail's vm_instructions; only the options otherwise.
func TestMainMenuOffersTheFolderWithMessages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		folders []string
		want    []string
	}{
		{"new", []string{"INBOX", "Old"}, []string{"sound:vm-onefor", "sound:vm-INBOX", "sound:vm-messages", "sound:vm-opts"}},
		{"old only", []string{"Old"}, []string{"sound:vm-onefor", "sound:vm-Old", "sound:vm-messages", "sound:vm-opts"}},
		{"empty", nil, []string{"sound:vm-Old", "sound:vm-messages", "sound:vm-opts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newService(t, dir, openDB(t, dir))
			if err := s.Configure(&config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128,
				Boxes: map[string]config.Box{"1000": {Number: "1000", PIN: "42"}}}}); err != nil {
				t.Fatal(err)
			}
			for i, f := range tc.folders {
				m := Message{ID: newID(time.Now().Add(time.Duration(i) * time.Second)), Box: "1000", Folder: f, Caller: "2000"}
				m.Recording = s.recName("1000", m.ID)
				if err := s.save(m); err != nil {
					t.Fatal(err)
				}
			}
			c := &fakeCall{t: t, s: s, keys: []string{"4", "2", "#", "#"}, log: zerolog.Nop()}
			if err := s.Main(context.Background(), c, "1000"); err != nil {
				t.Fatal(err)
			}
			if !containsRun(c.played, tc.want) {
				t.Errorf("heard %v, want %v", c.played, tc.want)
			}
			if len(tc.folders) == 0 && slices.Contains(c.played, "sound:vm-onefor") {
				t.Errorf("an empty box offered messages: %v", c.played)
			}
		})
	}
}

// containsRun reports whether want is played in a row in played.
func containsRun(played, want []string) bool {
	for i := 0; i+len(want) <= len(played); i++ {
		if slices.Equal(played[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// parisFile is a routing file in the office's zone, Europe/Paris, with box 1000 (PIN 42).
func parisFile(t *testing.T) *config.File {
	t.Helper()
	f, err := config.Parse("routing.yaml", []byte(`
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
voicemail:
  boxes:
    "1000": {pin: "42"}
`))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Before each message, and for key 3 (the envelope, then the caller and the duration as
// before), the menu says when the message was left, as app_voicemail's default envelope
// does ("'vm-received' q 'digits/at' IMp"), in the office's zone: a message left Monday
// 2026-12-07 at 14:05 in Paris (13:05 UTC), heard on the 20th, is "received Monday December
// seventh at two oh five P.M.".
func TestEnvelopeSaysWhenTheMessageWasLeft(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	left := time.Date(2026, 12, 7, 14, 5, 0, 0, paris)
	dir := t.TempDir()
	s, err := New(context.Background(), Deps{DB: openDB(t, dir), Dir: dir, Prefix: "p/", Logger: zerolog.Nop(),
		Now: func() time.Time { return time.Date(2026, 12, 20, 9, 0, 0, 0, paris) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Configure(parisFile(t)); err != nil {
		t.Fatal(err)
	}
	m := Message{ID: newID(left), Box: "1000", Folder: "INBOX", Caller: "2000", Time: left.UTC(), Duration: 12 * time.Second}
	m.Recording = s.recName("1000", m.ID)
	writeWAV(t, s.path(m.Recording), 12)
	if err := s.save(m); err != nil {
		t.Fatal(err)
	}
	c := &fakeCall{t: t, s: s, keys: []string{"4", "2", "#", "1", "3", "#", "#"}, log: zerolog.Nop()} // PIN, listen, envelope, leave
	if err := s.Main(context.Background(), c, "1000"); err != nil {
		t.Fatal(err)
	}
	when := []string{"sound:vm-received", "sound:digits/day-1", "sound:digits/mon-11", "sound:digits/h-7",
		"sound:digits/at", "number:2", "sound:digits/oh", "number:5", "sound:digits/p-m"}
	intro := slices.Concat([]string{"sound:vm-first", "sound:vm-message"}, when, []string{"recording:" + m.Recording})
	if !containsRun(c.played, intro) {
		t.Errorf("played %v, want the message introduced by %v", c.played, intro)
	}
	envelope := slices.Concat(when, []string{"sound:vm-from", "digits:2000", "sound:vm-duration", "number:12", "sound:seconds"})
	if !containsRun(c.played, envelope) {
		t.Errorf("played %v, want the envelope %v", c.played, envelope)
	}
}

// The day is said as app_voicemail's 'q' says it, by how long ago the message was left
// (nothing for today, "yesterday", the weekday within 6 days, weekday, month and day within
// a month, month and day within 6 months, then the year too); the time as 'IMp' does.
func TestReceivedSaysTheDayAsAppVoicemail(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 20, 9, 0, 0, 0, paris) // a Sunday
	s := &Service{deps: Deps{Now: func() time.Time { return now }}}
	s.file.Store(parisFile(t))
	at := func(media ...string) []string { return append([]string{"sound:digits/at"}, media...) }
	for _, tc := range []struct {
		left time.Time
		want []string
	}{
		{time.Date(2026, 12, 20, 0, 0, 0, 0, paris).Add(time.Second), // just after midnight
			at("number:12", "sound:digits/oclock", "sound:digits/a-m")},
		{time.Date(2026, 12, 19, 23, 59, 0, 0, paris),
			slices.Concat([]string{"sound:digits/yesterday"}, at("number:11", "number:59", "sound:digits/p-m"))},
		{time.Date(2026, 12, 14, 12, 0, 0, 0, paris),
			slices.Concat([]string{"sound:digits/day-1"}, at("number:12", "sound:digits/oclock", "sound:digits/p-m"))},
		{time.Date(2026, 11, 21, 8, 30, 0, 0, paris),
			slices.Concat([]string{"sound:digits/day-6", "sound:digits/mon-10", "sound:digits/20", "sound:digits/h-1"},
				at("number:8", "number:30", "sound:digits/a-m"))},
		{time.Date(2026, 8, 30, 10, 9, 0, 0, paris),
			slices.Concat([]string{"sound:digits/mon-7", "sound:digits/h-30"}, at("number:10", "sound:digits/oh", "number:9", "sound:digits/a-m"))},
		{time.Date(2025, 1, 13, 13, 0, 0, 0, paris),
			slices.Concat([]string{"sound:digits/mon-0", "sound:digits/h-13", "number:2025"}, at("number:1", "sound:digits/oclock", "sound:digits/p-m"))},
		// the office's zone, not UTC's: 23:30 UTC on the 13th is 00:30 on Monday the 14th in Paris
		{time.Date(2026, 12, 13, 23, 30, 0, 0, time.UTC),
			slices.Concat([]string{"sound:digits/day-1"}, at("number:12", "number:30", "sound:digits/a-m"))},
	} {
		want := append([]string{"sound:vm-received"}, tc.want...)
		if got := s.received(tc.left); !slices.Equal(got, want) {
			t.Errorf("left %v: said %v, want %v", tc.left, got, want)
		}
	}
	if got := s.received(time.Time{}); got != nil {
		t.Errorf("a message without a time: said %v, want nothing", got)
	}
}
