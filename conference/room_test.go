package conference

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// fakeCall is a caller: entries are what it types at PIN prompts, keys what it presses
// in the room (then it hangs up); it notes what it hears.
type fakeCall struct {
	channel string
	entries []string
	keys    []string
	played  []string
	log     zerolog.Logger
	inRoom  func() // runs at the first key wait, once in the room
}

func (f *fakeCall) ID() string                        { return f.channel }
func (f *fakeCall) ChannelID() string                 { return f.channel }
func (f *fakeCall) Caller() (string, string)          { return "2001", "" }
func (f *fakeCall) Logger() *zerolog.Logger           { return &f.log }
func (f *fakeCall) Answer(context.Context) error      { return nil }
func (f *fakeCall) SetConferenceState(string, string) {}

func (f *fakeCall) Play(_ context.Context, _ bool, media ...string) (bool, error) {
	f.played = append(f.played, strings.Join(media, "+"))
	return false, nil
}

func (f *fakeCall) ReadDigits(context.Context, int, string, time.Duration) (string, bool, error) {
	if len(f.entries) == 0 {
		return "", false, call.ErrHangup
	}
	e := f.entries[0]
	f.entries = f.entries[1:]
	return e, true, nil
}

func (f *fakeCall) WaitKey(context.Context, <-chan struct{}) (string, bool, error) {
	if f.inRoom != nil {
		f.inRoom()
		f.inRoom = nil
	}
	if len(f.keys) == 0 {
		return "", false, call.ErrHangup
	}
	k := f.keys[0]
	f.keys = f.keys[1:]
	return k, false, nil
}

func TestServe(t *testing.T) {
	room := config.Room{Name: "R", MaxMembers: 1, AnnounceCount: true, PIN: "11", AdminPIN: "99", MusicClass: "default"}
	for _, tc := range []struct {
		name    string
		entries []string
		keys    []string
		full    bool
		want    []string
		wantErr bool
	}{
		{name: "three wrong PINs", entries: []string{"1", "12", ""},
			want: []string{"sound:conf-getpin", "sound:conf-invalidpin", "sound:conf-getpin", "sound:conf-invalidpin",
				"sound:conf-getpin", "sound:conf-invalidpin", "sound:vm-goodbye"}},
		{name: "user: mute, a wrong key, an admin key, leave", entries: []string{"11"}, keys: []string{"1", "9", "4", "1", "2", "3"},
			want: []string{"sound:conf-getpin", "sound:conf-onlyperson", "sound:conf-muted", "sound:conf-errormenu",
				"sound:conf-errormenu", "sound:conf-unmuted", "sound:conf-onlyperson", "sound:vm-goodbye"}},
		{name: "admin: lock, unlock, kick with nobody to kick, hang up", entries: []string{"99"}, keys: []string{"4", "4", "6"},
			want: []string{"sound:conf-getpin", "sound:conf-onlyperson", "sound:conf-lockednow", "sound:conf-unlockednow",
				"sound:conf-errormenu"}, wantErr: true},
		{name: "full", entries: []string{"11"}, full: true,
			want: []string{"sound:conf-getpin", "sound:conf-full"}},
		{name: "an admin enters a full room", entries: []string{"99"}, full: true,
			want: []string{"sound:conf-getpin", "sound:conf-onlyone"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newManager(t)
			h, err := New(&config.File{Timezone: "Europe/Paris", Rooms: map[string]config.Room{"R": room}}, Deps{Manager: m})
			if err != nil {
				t.Fatal(err)
			}
			if tc.full {
				if _, err := m.Reserve(room, Member{Channel: "other"}); err != nil {
					t.Fatal(err)
				}
			}
			c := &fakeCall{channel: "me", entries: tc.entries, keys: tc.keys, log: zerolog.Nop()}
			err = h.Serve(context.Background(), c, "R")
			if (err != nil) != tc.wantErr {
				t.Fatalf("Serve: %v", err)
			}
			if !slices.Equal(c.played, tc.want) {
				t.Errorf("heard %q,\nwant  %q", c.played, tc.want)
			}
			want := 0
			if tc.full {
				want = 1
			}
			if n := m.Members("R"); n != want {
				t.Errorf("%d members left, want %d", n, want)
			}
		})
	}
}

// A member the admin API muted unmutes with 1.
func TestKeyUnmutesAfterTheAPIMuted(t *testing.T) {
	m, _ := newManager(t)
	room := config.Room{Name: "R", MaxMembers: 5}
	h, err := New(&config.File{Timezone: "UTC", Rooms: map[string]config.Room{"R": room}}, Deps{Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCall{channel: "me", keys: []string{"1", "3"}, log: zerolog.Nop()}
	c.inRoom = func() {
		if err := m.Mute(context.Background(), "R", "me", true); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Serve(context.Background(), c, "R"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"sound:conf-unmuted", "sound:vm-goodbye"}; !slices.Equal(c.played, want) {
		t.Errorf("heard %q, want %q", c.played, want)
	}
}

// A recorded room's recording gets its sidecar when the last member leaves, as a recorded
// call's: the room as callee, who opened it as caller.
func TestRecordedRoomGetsItsSidecar(t *testing.T) {
	m, srv := newManager(t)
	dir := t.TempDir()
	srv.Handle(http.MethodPost, "/bridges/{id}/record", func(r *http.Request) (int, any) {
		name := r.URL.Query().Get("name")
		if err := os.WriteFile(filepath.Join(dir, name+".wav"), []byte("RIFF audio"), 0o644); err != nil {
			t.Error(err)
		}
		return http.StatusCreated, map[string]any{"name": name, "state": "recording"}
	})
	room := config.Room{Name: "R", MaxMembers: 5, MusicClass: "default", Record: true}
	file := &config.File{Timezone: "Europe/Paris", Rooms: map[string]config.Room{"R": room},
		Recordings: config.Recordings{Directory: dir, Format: "wav", Name: "{exten}-{time}"}}
	h, err := New(file, Deps{Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCall{channel: "me", keys: []string{"3"}, log: zerolog.Nop()}
	if err := h.Serve(context.Background(), c, "R"); err != nil {
		t.Fatal(err)
	}
	list, err := recordings.List(dir, "")
	if err != nil || len(list) != 1 || list[0].Meta == nil {
		t.Fatalf("recordings %+v, %v; want the room's with its sidecar", list, err)
	}
	if meta := list[0].Meta; meta.Callee != "R" || meta.Caller != "2001" || meta.Start.IsZero() || meta.Unfinished {
		t.Errorf("sidecar %+v, want callee R, caller 2001, its start, complete", meta)
	}
}
