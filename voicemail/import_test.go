package voicemail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// appVoicemailCard is a message file as app_voicemail writes it (leave_voicemail, then the
// duration once recorded).
func appVoicemailCard(box, callerID string, left time.Time, secs int) string {
	return fmt.Sprintf(`;
; Message Information file
;
[message]
origmailbox=%s
context=default
macrocontext=
exten=%s
rdnis=unknown
priority=2
callerchan=PJSIP/2000-00000001
callerid=%s
origdate=%s
origtime=%d
category=
msg_id=%d-00000000
flag=
duration=%d
`, box, box, callerID, left.UTC().Format("Mon Jan _2 03:04:05 PM MST 2006"), left.Unix(), left.Unix(), secs)
}

// spoolFile writes a file of app_voicemail's spool, {dir}/vmspool/default/{box}/{folder}/{name}.
func spoolFile(t *testing.T, dir, box, folder, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, "vmspool", "default", box, folder, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func box3000() *config.File {
	return &config.File{Voicemail: config.Voicemail{MaxLogins: 3, SilenceThreshold: 128,
		Boxes: map[string]config.Box{"3000": {Number: "3000", PIN: "123"}}}}
}

// startLogged is New then Configure (the app's start) with box 3000, logging into logs.
func startLogged(t *testing.T, dir string, db *store.DB, logs *bytes.Buffer) *Service {
	t.Helper()
	s, err := New(context.Background(), Deps{DB: db, Dir: dir, Prefix: "p/", Spool: filepath.Join(dir, "vmspool"),
		Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Configure(box3000()); err != nil {
		t.Fatal(err)
	}
	return s
}

// spoolNames lists the files of a folder of app_voicemail's spool for box 3000.
func spoolNames(t *testing.T, dir, folder string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "vmspool", "default", "3000", folder))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The messages app_voicemail left in its spool (the dialplan's, before ariflow) are
// ariflow's from its first start: listed with their caller, time, duration and folder,
// their audio moved into the box's folder whatever its format, app_voicemail's cards
// replaced by ariflow's. A second start imports nothing again.
func TestImportAppVoicemailMessages(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	newLeft := time.Date(2026, 12, 7, 13, 5, 0, 0, time.UTC)
	oldLeft := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", []byte(appVoicemailCard("3000", `"Alice" <2000>`, newLeft, 7)))
	writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"), 7)
	inboxAudio, _ := os.ReadFile(filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"))
	spoolFile(t, dir, "3000", "Old", "msg0000.txt", []byte(appVoicemailCard("3000", "2001", oldLeft, 4)))
	oldAudio := wav49(4)
	spoolFile(t, dir, "3000", "Old", "msg0000.WAV", oldAudio)
	// a card of ariflow's own, for a message gone since: replaced as ever
	spoolFile(t, dir, "3000", "INBOX", "msg0001.txt", []byte(";\n; Message Information file (ariflow index card; audio: p/voicemail/3000/msg-x)\n;\n[message]\norigmailbox=3000\n"))

	var logs bytes.Buffer
	s := startLogged(t, dir, db, &logs)
	msgs, err := s.Messages("3000", "")
	if err != nil || len(msgs) != 2 {
		t.Fatalf("box 3000 lists %+v (%v), want the 2 messages of app_voicemail", msgs, err)
	}
	old, inbox := msgs[0], msgs[1] // oldest first
	if inbox.Folder != "INBOX" || inbox.Heard || inbox.Caller != "2000" || inbox.CallerName != "Alice" ||
		!inbox.Time.Equal(newLeft) || inbox.Duration != 7*time.Second {
		t.Errorf("the new message is %+v, want INBOX, not heard, from Alice <2000>, left %v, 7s", inbox, newLeft)
	}
	if old.Folder != "Old" || !old.Heard || old.Caller != "2001" || old.CallerName != "" ||
		!old.Time.Equal(oldLeft) || old.Duration != 4*time.Second {
		t.Errorf("the old message is %+v, want Old, heard, from 2001, left %v, 4s", old, oldLeft)
	}
	for _, tc := range []struct {
		m    Message
		ext  string
		data []byte
	}{{inbox, ".wav", inboxAudio}, {old, ".WAV", oldAudio}} {
		if !strings.HasPrefix(tc.m.ID, "msg-") || tc.m.Recording != s.recName("3000", tc.m.ID) {
			t.Errorf("message %+v is not named as ariflow names messages", tc.m)
		}
		path := s.stored(tc.m.Recording)
		if got, err := os.ReadFile(path); err != nil || filepath.Dir(path) != s.boxDir("3000") ||
			filepath.Ext(path) != tc.ext || !bytes.Equal(got, tc.data) {
			t.Errorf("the audio of %s is %s (%v), want app_voicemail's %s in %s", tc.m.ID, path, err, tc.ext, s.boxDir("3000"))
		}
	}
	for folder, m := range map[string]Message{"INBOX": inbox, "Old": old} {
		if names := spoolNames(t, dir, folder); !slices.Equal(names, []string{"msg0000.txt"}) {
			t.Errorf("spool %s holds %v, want ariflow's one card", folder, names)
		}
		card, _ := os.ReadFile(filepath.Join(dir, "vmspool", "default", "3000", folder, "msg0000.txt"))
		if !markedCard(card) || !strings.Contains(string(card), "msg_id="+m.ID+"\n") {
			t.Errorf("spool %s card:\n%s\nwant ariflow's for %s", folder, card, m.ID)
		}
	}
	if !strings.Contains(logs.String(), `"box":"3000","messages":2,"message":"voicemail: app_voicemail's messages imported"`) {
		t.Errorf("logs do not say 2 messages were imported into 3000:\n%s", logs.String())
	}

	// the next start: the same two messages, nothing imported
	logs.Reset()
	s2 := startLogged(t, dir, db, &logs)
	again, err := s2.Messages("3000", "")
	if err != nil || len(again) != 2 || again[0].ID != old.ID || again[1].ID != inbox.ID {
		t.Errorf("after a restart box 3000 lists %+v (%v), want the same 2 messages", again, err)
	}
	if strings.Contains(logs.String(), "imported") {
		t.Errorf("a restart imported again:\n%s", logs.String())
	}
	files, _ := os.ReadDir(s.boxDir("3000"))
	if len(files) != 2 {
		t.Errorf("the box's folder holds %d files, want the 2 messages' audio", len(files))
	}
}

// app_voicemail's other folders keep their names (Urgent is new, the others heard); every
// copy of a message recorded in several formats goes once one is ariflow's, the current
// format's first.
func TestImportKeepsFoldersAndTakesOneFormat(t *testing.T) {
	dir := t.TempDir()
	left := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	spoolFile(t, dir, "3000", "Family", "msg0000.txt", []byte(appVoicemailCard("3000", "Unknown", left, 5)))
	spoolFile(t, dir, "3000", "Family", "msg0000.gsm", make([]byte, 1650*5))
	writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "Family", "msg0000.wav"), 5)
	spoolFile(t, dir, "3000", "Family", "msg0000.WAV", wav49(5))
	spoolFile(t, dir, "3000", "Urgent", "msg0000.txt", []byte(appVoicemailCard("3000", `"Bob" <2002>`, left.Add(time.Hour), 3)))
	spoolFile(t, dir, "3000", "Urgent", "msg0000.gsm", make([]byte, 1650*3))
	var logs bytes.Buffer
	s := startLogged(t, dir, openDB(t, dir), &logs)
	msgs, err := s.Messages("3000", "")
	if err != nil || len(msgs) != 2 {
		t.Fatalf("box 3000 lists %+v (%v), want 2 messages", msgs, err)
	}
	family, urgent := msgs[0], msgs[1]
	if family.Folder != "Family" || !family.Heard || family.Caller != "" || family.Duration != 5*time.Second ||
		filepath.Ext(s.stored(family.Recording)) != ".wav" {
		t.Errorf("Family's message is %+v in %s, want heard, no caller, 5s, its wav", family, s.stored(family.Recording))
	}
	if urgent.Folder != "Urgent" || urgent.Heard || urgent.Caller != "2002" || filepath.Ext(s.stored(urgent.Recording)) != ".gsm" {
		t.Errorf("Urgent's message is %+v in %s, want new, from 2002, its gsm", urgent, s.stored(urgent.Recording))
	}
	for _, folder := range []string{"Family", "Urgent"} {
		if names := spoolNames(t, dir, folder); len(names) != 0 {
			t.Errorf("spool %s still holds %v", folder, names)
		}
	}
	// the lamp counts Urgent as old, as every folder but INBOX
	if names := spoolNames(t, dir, "Old"); !slices.Equal(names, []string{"msg0000.txt", "msg0001.txt"}) {
		t.Errorf("spool Old holds %v, want a card for each message", names)
	}
}

// A message that cannot be imported keeps its card and audio where app_voicemail left them,
// is logged, is imported at a later lamp update once it can be, and ariflow's cards never
// take its card's name.
func TestImportLeavesTheOriginalsOnError(t *testing.T) {
	left := time.Date(2026, 12, 7, 13, 5, 0, 0, time.UTC)
	card := []byte(appVoicemailCard("3000", `"Alice" <2000>`, left, 7))
	intact := func(t *testing.T, dir, audio string) {
		t.Helper()
		if names := spoolNames(t, dir, "INBOX"); !slices.Contains(names, "msg0000.txt") || !slices.Contains(names, audio) {
			t.Errorf("spool INBOX holds %v, want app_voicemail's msg0000.txt and %s", names, audio)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.txt")); !bytes.Equal(got, card) {
			t.Errorf("app_voicemail's card became:\n%s", got)
		}
	}

	t.Run("the recording folder cannot be made", func(t *testing.T) {
		dir := t.TempDir()
		spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", card)
		writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"), 7)
		blocker := filepath.Join(dir, "p", "voicemail", "3000")
		if err := os.MkdirAll(filepath.Dir(blocker), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(blocker, nil, 0o644); err != nil { // a file where the box's folder goes
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s := startLogged(t, dir, openDB(t, dir), &logs)
		if msgs, _ := s.Messages("3000", ""); len(msgs) != 0 {
			t.Errorf("box 3000 lists %+v, want nothing (its audio could not be stored)", msgs)
		}
		intact(t, dir, "msg0000.wav")
		if !strings.Contains(logs.String(), "app_voicemail's message not imported") {
			t.Errorf("the failure is not logged:\n%s", logs.String())
		}
		if err := os.Remove(blocker); err != nil {
			t.Fatal(err)
		}
		s.updateLamp("3000")
		if msgs, _ := s.Messages("3000", ""); len(msgs) != 1 || msgs[0].Caller != "2000" {
			t.Errorf("once it can be, box 3000 lists %+v, want the message", msgs)
		}
	})

	t.Run("the database refuses it", func(t *testing.T) {
		dir := t.TempDir()
		s := startLogged(t, dir, openDB(t, dir), &bytes.Buffer{})
		spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", card)
		writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"), 7)
		readOnly(t, s)
		s.updateLamp("3000")
		intact(t, dir, "msg0000.wav")
		if files, _ := os.ReadDir(s.boxDir("3000")); len(files) != 0 {
			t.Errorf("the box's folder holds %d files, want none", len(files))
		}
	})

	t.Run("no audio ariflow can play", func(t *testing.T) {
		dir := t.TempDir()
		spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", card)
		spoolFile(t, dir, "3000", "INBOX", "msg0000.g729", make([]byte, 700))
		s := startLogged(t, dir, openDB(t, dir), &bytes.Buffer{})
		m := Message{ID: newID(left), Box: "3000", Folder: "INBOX", Caller: "2001", Time: left}
		m.Recording = s.recName("3000", m.ID)
		writeWAV(t, s.path(m.Recording), 4)
		if err := s.save(m); err != nil {
			t.Fatal(err)
		}
		intact(t, dir, "msg0000.g729")
		if names := spoolNames(t, dir, "INBOX"); !slices.Equal(names, []string{"msg0000.g729", "msg0000.txt", "msg0001.txt"}) {
			t.Errorf("spool INBOX holds %v, want app_voicemail's message and ariflow's card beside it", names)
		}
		if msgs, _ := s.Messages("3000", ""); len(msgs) != 1 || msgs[0].ID != m.ID {
			t.Errorf("box 3000 lists %+v, want ariflow's message only", msgs)
		}
	})
}

// A stop between the steps of an import loses nothing and imports nothing twice: a row
// written before its audio is dropped at the next start and the card imported again; a
// message whose originals were left has them removed, its row as it is now.
func TestImportAfterAStop(t *testing.T) {
	left := time.Date(2026, 12, 7, 13, 5, 0, 0, time.UTC)
	card := []byte(appVoicemailCard("3000", "2000", left, 7))
	id := importID("3000", "INBOX", "msg0000.txt", card, left)

	t.Run("row without its audio", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, dir)
		spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", card)
		writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"), 7)
		if err := db.PutJSON(bucketMessages, msgKey("3000", id), Message{ID: id, Box: "3000", Folder: "INBOX",
			Recording: "p/voicemail/3000/" + id}); err != nil {
			t.Fatal(err)
		}
		s := startLogged(t, dir, db, &bytes.Buffer{})
		msgs, _ := s.Messages("3000", "")
		if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Caller != "2000" || !recordsExist(s, msgs[0]) {
			t.Errorf("box 3000 lists %+v, want the message imported once, with its caller and audio", msgs)
		}
	})

	t.Run("originals left", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, dir)
		spoolFile(t, dir, "3000", "INBOX", "msg0000.txt", card)
		writeWAV(t, filepath.Join(dir, "vmspool", "default", "3000", "INBOX", "msg0000.wav"), 7)
		heard := Message{ID: id, Box: "3000", Folder: "Work", Heard: true, Caller: "2000", Time: left,
			Recording: "p/voicemail/3000/" + id}
		writeWAV(t, filepath.Join(dir, "p", "voicemail", "3000", id+".wav"), 7)
		if err := db.PutJSON(bucketMessages, msgKey("3000", id), heard); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s := startLogged(t, dir, db, &logs)
		msgs, _ := s.Messages("3000", "")
		if len(msgs) != 1 || msgs[0].Folder != "Work" {
			t.Errorf("box 3000 lists %+v, want the message once, still in Work", msgs)
		}
		if names := spoolNames(t, dir, "INBOX"); len(names) != 0 {
			t.Errorf("spool INBOX holds %v, want app_voicemail's files gone (the message is in Work)", names)
		}
		if strings.Contains(logs.String(), "messages imported") {
			t.Errorf("counted as imported again:\n%s", logs.String())
		}
	})
}

func recordsExist(s *Service, m Message) bool {
	_, err := os.Stat(s.stored(m.Recording))
	return err == nil
}

// app_voicemail's callerid, as ast_callerid_merge writes it, gives the number and the name.
func TestParseCallerID(t *testing.T) {
	for _, tc := range []struct{ in, number, name string }{
		{`"Alice" <2000>`, "2000", "Alice"},
		{`Alice Smith <+33123456789>`, "+33123456789", "Alice Smith"},
		{`<2000>`, "2000", ""},
		{`2000`, "2000", ""},
		{`Alice`, "", "Alice"},
		{`Unknown`, "", ""},
		{``, "", ""},
		{"\"Eve\x01\" <2000>", "2000", "Eve"},
	} {
		if number, name := parseCallerID(tc.in); number != tc.number || name != tc.name {
			t.Errorf("parseCallerID(%q) = %q, %q; want %q, %q", tc.in, number, name, tc.number, tc.name)
		}
	}
}
