package conference

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/config"
)

func newManager(t *testing.T) (*Manager, *aritest.Server) {
	t.Helper()
	srv := aritest.NewServer(t)
	c, err := ari.New(ari.Options{BaseURL: srv.URL, Username: srv.Username, Password: srv.Password, Application: "ariflow", Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	m := NewManager(zerolog.Nop())
	m.Attach(c)
	return m, srv
}

// requests lists the fake server's requests as "METHOD path", with the paths under prefix.
func requests(srv *aritest.Server, prefix string) []string {
	var out []string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

var salle = config.Room{Name: "Salle_1", MaxMembers: 2, MusicWhenAlone: true, MusicClass: "classic", JoinSound: "sound:beep", LeaveSound: "sound:beep"}

func TestCountPrompt(t *testing.T) {
	for _, tc := range []struct {
		others int
		want   []string
	}{
		{0, []string{"sound:conf-onlyperson"}},
		{1, []string{"sound:conf-onlyone"}},
		{4, []string{"sound:conf-thereare", "number:4", "sound:conf-otherinparty"}},
	} {
		t.Run(fmt.Sprint(tc.others), func(t *testing.T) {
			if got := CountPrompt(tc.others); !slices.Equal(got, tc.want) {
				t.Errorf("CountPrompt(%d) = %v, want %v", tc.others, got, tc.want)
			}
		})
	}
}

// Seats are counted by the manager: a full room refuses users but not admins; music plays
// to a member alone and stops for two; the last one out closes the bridge.
func TestSeatsMusicAndFull(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	a, err := m.Reserve(salle, Member{Channel: "a", Caller: "2001"})
	if err != nil || a.Others() != 0 {
		t.Fatalf("first seat: %v, others %d", err, a.Others())
	}
	bridge, err := m.Enter(ctx, a, "", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Reserve(salle, Member{Channel: "b", Caller: "2002"})
	if err != nil || b.Others() != 1 {
		t.Fatalf("second seat: %v, others %d", err, b.Others())
	}
	if _, err := m.Reserve(salle, Member{Channel: "c", Caller: "2003"}); !errors.Is(err, ErrFull) {
		t.Errorf("third user in a room of 2: %v, want ErrFull", err)
	}
	admin, err := m.Reserve(salle, Member{Channel: "d", Caller: "2004", Admin: true})
	if err != nil {
		t.Errorf("an admin is refused from a full room: %v", err)
	}
	m.Leave(ctx, admin)
	if _, err := m.Enter(ctx, b, "", ""); err != nil {
		t.Fatal(err)
	}
	if n := m.Members("Salle_1"); n != 2 {
		t.Errorf("members = %d, want 2", n)
	}
	m.Leave(ctx, b)
	m.Leave(ctx, a)
	got := requests(srv, "/bridges")
	want := []string{
		"POST /bridges", "POST /bridges/" + bridge + "/addChannel", "POST /bridges/" + bridge + "/moh",
		"POST /bridges/" + bridge + "/addChannel", "DELETE /bridges/" + bridge + "/moh",
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("requests = %v, want them to start with %v", got, want)
	}
	rest := strings.Join(got[len(want):], "\n")
	for _, w := range []string{"/play", "/removeChannel", "POST /bridges/" + bridge + "/moh", "DELETE /bridges/" + bridge} {
		if !strings.Contains(rest, w) {
			t.Errorf("after the joins, no %s in %v", w, got[len(want):])
		}
	}
	if n := m.Members("Salle_1"); n != 0 || len(m.Rooms()) != 0 {
		t.Errorf("room still listed after everyone left: %d members, %+v", n, m.Rooms())
	}
}

// Lock refuses users but not admins; kick wakes the member; mute all spares admins.
func TestLockKickMute(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	cfg := salle
	cfg.MaxMembers = 5
	boss, _ := m.Reserve(cfg, Member{Channel: "boss", Caller: "1000", Admin: true})
	user, _ := m.Reserve(cfg, Member{Channel: "user", Caller: "2001"})
	for _, s := range []*Seat{boss, user} {
		if _, err := m.Enter(ctx, s, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Lock(context.Background(), "Salle_1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reserve(cfg, Member{Channel: "late", Caller: "2002"}); !errors.Is(err, ErrLocked) {
		t.Errorf("user into a locked room: %v, want ErrLocked", err)
	}
	muted, err := m.MuteAll(ctx, "Salle_1")
	if err != nil || !muted {
		t.Fatalf("mute all: %v %v", muted, err)
	}
	mutes := slices.DeleteFunc(requests(srv, "/channels"), func(r string) bool { return !strings.HasSuffix(r, "/mute") })
	if got := mutes; !slices.Equal(got, []string{"POST /channels/user/mute"}) {
		t.Errorf("mute all sent %v, want the user muted and the admin not", got)
	}
	info, _ := m.Room("Salle_1")
	if !info.Locked || !info.AllMuted || len(info.Members) != 2 || !info.Members[1].Muted || info.Members[0].Muted {
		t.Errorf("room = %+v", info)
	}
	if last := m.LastJoined("Salle_1", "boss"); last != "user" {
		t.Errorf("last joined = %q, want user", last)
	}
	if err := m.Kick("Salle_1", "user"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-user.Wake():
	default:
		t.Fatal("a kicked member is not woken")
	}
	if !user.Kicked(m) || boss.Kicked(m) {
		t.Error("kicked flags wrong")
	}
	if err := m.Kick("Salle_1", "nobody"); !errors.Is(err, ErrNoMember) {
		t.Errorf("kick nobody: %v", err)
	}
}

func TestRuntimeRooms(t *testing.T) {
	m := NewManager(zerolog.Nop())
	file := map[string]config.Room{"Salle_1": salle}
	if err := m.Create(config.Room{Name: "Salle_1"}, file); !errors.Is(err, ErrRoomTaken) {
		t.Errorf("create over a file room: %v", err)
	}
	if err := m.Create(config.Room{Name: "Point"}, file); err != nil {
		t.Fatal(err)
	}
	if err := m.Create(config.Room{Name: "Point"}, file); !errors.Is(err, ErrRoomTaken) {
		t.Errorf("create twice: %v", err)
	}
	cfg, ok := m.Runtime("Point")
	if !ok || cfg.MaxMembers != 5 || cfg.MusicClass != "default" {
		t.Errorf("runtime room = %+v %v, want the seed's defaults", cfg, ok)
	}
	if rooms := m.Rooms(); len(rooms) != 1 || !rooms[0].Runtime {
		t.Errorf("rooms = %+v", rooms)
	}
}

// A room created at run time whose admin PIN is its PIN is refused, as the routing file
// refuses it: every caller typing the room's PIN would enter as an admin.
func TestRuntimeRoomPINsMustDiffer(t *testing.T) {
	m := NewManager(zerolog.Nop())
	if err := m.Create(config.Room{Name: "Point", PIN: "1234", AdminPIN: "1234"}, nil); !errors.Is(err, ErrSamePINs) {
		t.Errorf("create with admin_pin = pin: %v, want ErrSamePINs", err)
	}
	if _, ok := m.Runtime("Point"); ok {
		t.Error("the refused room exists")
	}
	if err := m.Create(config.Room{Name: "Point", PIN: "1234", AdminPIN: "4321"}, nil); err != nil {
		t.Errorf("create with two PINs: %v", err)
	}
}

func TestExplain(t *testing.T) {
	f := &config.File{Rooms: map[string]config.Room{"Salle_1": {Name: "Salle_1", MaxMembers: 5, AnnounceCount: true, MusicWhenAlone: true, MusicClass: "classic", PIN: "1"}}}
	got := strings.Join(Explain(f, "Salle_1"), "\n")
	for _, w := range []string{"at most 5", "conf-getpin", "conf-onlyperson", "hold music classic", "6 kick"} {
		if !strings.Contains(got, w) {
			t.Errorf("explain lacks %q:\n%s", w, got)
		}
	}
}

// The last member out of the bridge while a seat is still reserved: Asterisk has stopped
// the music itself and answers 409 to stopping it; that is no warning for the admin.
func TestMusicAlreadyStoppedIsNoWarning(t *testing.T) {
	m, srv := newManager(t)
	var logged bytes.Buffer
	m.log = zerolog.New(&logged).Level(zerolog.WarnLevel)
	ctx := context.Background()
	a, err := m.Reserve(salle, Member{Channel: "a", Caller: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	bridge, err := m.Enter(ctx, a, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reserve(salle, Member{Channel: "b", Caller: "2002"}); err != nil { // still hearing the prompts
		t.Fatal(err)
	}
	srv.Handle(http.MethodDelete, "/bridges/"+bridge+"/moh", func(*http.Request) (int, any) {
		return http.StatusConflict, aritest.Message("Bridge isn't playing music")
	})
	m.Leave(ctx, a)
	if got := requests(srv, "/bridges/"+bridge+"/moh"); !slices.Equal(got, []string{"POST /bridges/" + bridge + "/moh", "DELETE /bridges/" + bridge + "/moh"}) {
		t.Fatalf("music requests = %v, want started for the one alone, then stopped when the bridge emptied", got)
	}
	if logged.Len() > 0 {
		t.Errorf("warned about music already stopped: %s", logged.String())
	}
	if n := m.Members("Salle_1"); n != 1 {
		t.Errorf("members = %d, want the reserved seat still counted", n)
	}
}

// The join and leave sounds play to the room in the routing file's sounds.language, as
// every other prompt does.
func TestJoinAndLeaveSoundsPlayInTheFilesLanguage(t *testing.T) {
	m, srv := newManager(t)
	room := config.Room{Name: "R", MaxMembers: 5, JoinSound: "sound:beep", LeaveSound: "sound:beep"}
	h, err := New(&config.File{Timezone: "UTC", Sounds: config.Sounds{Language: "fr"}, Rooms: map[string]config.Room{"R": room}}, Deps{Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.Reserve(room, Member{Channel: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Enter(context.Background(), other, "", ""); err != nil {
		t.Fatal(err)
	}
	c := &fakeCall{channel: "me", keys: []string{"3"}, log: zerolog.Nop()} // joins, then 3: leaves
	if err := h.Serve(context.Background(), c, "R"); err != nil {
		t.Fatal(err)
	}
	plays := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/play") {
			plays++
			if r.Query.Get("lang") != "fr" || r.Query.Get("media") != "sound:beep" {
				t.Errorf("played %q in %q, want sound:beep in fr", r.Query.Get("media"), r.Query.Get("lang"))
			}
		}
	}
	if plays != 2 {
		t.Errorf("%d sounds played to the room, want the join and the leave", plays)
	}
}

// A room's bridge whose creation got no answer from Asterisk (it may be there all the
// same) is destroyed; the member's entry fails, and the next one makes a bridge anew.
func TestRoomBridgeMadeWithoutAnAnswerIsDestroyed(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	lost := true
	srv.Handle(http.MethodPost, "/bridges", func(*http.Request) (int, any) {
		if lost {
			lost = false
			return http.StatusOK, aritest.NoAnswer
		}
		return http.StatusOK, aritest.Bridge("any")
	})
	a, err := m.Reserve(salle, Member{Channel: "a", Caller: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Enter(ctx, a, "", ""); err == nil {
		t.Fatal("Enter succeeded without a bridge")
	}
	first := srv.Requests()[0].Query.Get("bridgeId")
	if got := requests(srv, "/bridges"); !slices.Equal(got, []string{"POST /bridges", "DELETE /bridges/" + first}) {
		t.Errorf("requests = %v, want the bridge made without an answer destroyed", got)
	}
	bridge, err := m.Enter(ctx, a, "", "")
	if err != nil || bridge == first {
		t.Errorf("entering again: bridge %q, %v; want a new bridge", bridge, err)
	}
}

// An admin's channel is marked as it enters (AdminVar, the room), a user's is not: after
// a restart of the app, WasAdmin tells them apart.
func TestAdminIsMarkedOnItsChannel(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	for _, mb := range []Member{{Channel: "user", Caller: "2001"}, {Channel: "boss", Caller: "2002", Admin: true}} {
		s, err := m.Reserve(salle, mb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Enter(ctx, s, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	var marked []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/variable") && r.Query.Get("variable") == AdminVar {
			marked = append(marked, r.Path+"="+r.Query.Get("value"))
		}
	}
	if want := []string{"/channels/boss/variable=Salle_1"}; !slices.Equal(marked, want) {
		t.Errorf("marked %v, want %v", marked, want)
	}
	srv.Handle(http.MethodGet, "/channels/{id}/variable", func(r *http.Request) (int, any) {
		if r.PathValue("id") == "boss" {
			return http.StatusOK, map[string]string{"value": "Salle_1"}
		}
		return http.StatusNotFound, aritest.Message("Provided variable was not found")
	})
	if !m.WasAdmin(ctx, "boss", "Salle_1") || m.WasAdmin(ctx, "user", "Salle_1") || m.WasAdmin(ctx, "boss", "Salle_2") {
		t.Error("WasAdmin does not tell the admin of Salle_1 from the others")
	}
}

// Each change of a member's mute is kept on its channel (MutedVar), where WasMuted reads
// it after a restart of the app.
func TestMuteIsKeptOnTheChannel(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	s, err := m.Reserve(salle, Member{Channel: "user", Caller: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Enter(ctx, s, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		if err := m.Mute(ctx, "Salle_1", "user", on); err != nil {
			t.Fatal(err)
		}
	}
	var kept []string
	for _, r := range srv.Requests() {
		if r.Path == "/channels/user/variable" && r.Query.Get("variable") == MutedVar {
			kept = append(kept, r.Query.Get("value"))
		}
	}
	if want := []string{"1", "0"}; !slices.Equal(kept, want) {
		t.Errorf("%s set to %v, want %v", MutedVar, kept, want)
	}
	srv.Handle(http.MethodGet, "/channels/{id}/variable", func(r *http.Request) (int, any) {
		return http.StatusOK, map[string]string{"value": map[string]string{"muted": "1", "unmuted": "0"}[r.PathValue("id")]}
	})
	if !m.WasMuted(ctx, "muted") || m.WasMuted(ctx, "unmuted") {
		t.Error("WasMuted does not tell a muted member from an unmuted one")
	}
}

// The room's switches are kept on every member's channel at each change, and on a member
// entering while one is on (SwitchesVar); a room taken back (Rejoin) reads them from its
// first member's channel, once, and is locked and muted again.
func TestSwitchesAreKeptOnTheMembersChannels(t *testing.T) {
	m, srv := newManager(t)
	ctx := context.Background()
	room := salle
	room.MaxMembers = 5
	enter := func(mb Member) {
		t.Helper()
		s, err := m.Reserve(room, mb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Enter(ctx, s, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	enter(Member{Channel: "boss", Caller: "2002", Admin: true})
	enter(Member{Channel: "early", Caller: "2001"})
	if err := m.Lock(ctx, "Salle_1", true); err != nil {
		t.Fatal(err)
	}
	enter(Member{Channel: "late", Caller: "2003", Admin: true}) // an admin enters a locked room
	if _, err := m.MuteAll(ctx, "Salle_1"); err != nil {
		t.Fatal(err)
	}
	kept := map[string][]string{}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Query.Get("variable") == SwitchesVar {
			ch := strings.TrimSuffix(strings.TrimPrefix(r.Path, "/channels/"), "/variable")
			kept[ch] = append(kept[ch], r.Query.Get("value"))
		}
	}
	want := map[string][]string{
		"boss":  {"locked", "locked,all-muted"},
		"early": {"locked", "locked,all-muted"},
		"late":  {"locked", "locked,all-muted"},
	}
	for ch, w := range want {
		if !slices.Equal(kept[ch], w) {
			t.Errorf("%s: %s set to %v, want %v", ch, SwitchesVar, kept[ch], w)
		}
	}

	srv.Handle(http.MethodGet, "/channels/{id}/variable", func(r *http.Request) (int, any) {
		if r.PathValue("id") == "back" || r.PathValue("id") == "back2" {
			return http.StatusOK, map[string]string{"value": "locked,all-muted"}
		}
		return http.StatusNotFound, aritest.Message("Provided variable was not found")
	})
	if got := m.keptSwitches(ctx, "never-told"); got != (Switches{}) {
		t.Errorf("the switches kept on a channel without the variable = %+v, want all off", got)
	}

	other := NewManager(zerolog.Nop())
	other.Attach(m.client)
	salle2 := config.Room{Name: "Salle_2", MaxMembers: 5}
	for _, ch := range []string{"back", "back2"} {
		if _, err := other.Rejoin(ctx, salle2, "room-Salle_2-1-1", Member{Channel: ch, Caller: "2001"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Reserve(salle2, Member{Channel: "new", Caller: "2004"}); !errors.Is(err, ErrLocked) {
		t.Errorf("a new caller in the room taken back locked: %v, want ErrLocked", err)
	}
	if info, _ := other.Room("Salle_2"); !info.Locked || !info.AllMuted {
		t.Errorf("the room taken back locked and muted is listed as %+v", info)
	}
	var read []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && r.Query.Get("variable") == SwitchesVar {
			read = append(read, r.Path)
		}
	}
	if want := []string{"/channels/never-told/variable", "/channels/back/variable"}; !slices.Equal(read, want) {
		t.Errorf("the switches were read from %v, want %v (once per room, from its first member)", read, want)
	}
}
