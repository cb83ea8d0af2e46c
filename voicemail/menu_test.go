package voicemail

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

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
