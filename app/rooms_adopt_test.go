package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/conference"
)

const roomBody = `
numbers: {"999": {room: Salle_1}}
rooms: {Salle_1: {max_members: 3, announce_count: false, music_when_alone: false}}
`

// restartedWithARoom makes the fake Asterisk look like the one a restarted app meets with
// a conference going on: members listed in room bridge room-Salle_1-1-1 (those given in
// the application, each in Stasis with the arguments its caller dialed 999 with), then
// drops the connection so the app reconciles. It returns the rooms' state the app's
// routing uses.
func restartedWithARoom(f *fixture, inApp []string, inBridge ...string) *conference.Manager {
	f.t.Helper()
	return restartedWithARoomArgs(f, nil, inApp, inBridge...)
}

// restartedWithARoomArgs is restartedWithARoom with the Stasis data of some channels
// given (appData; the others: "ariflow,999").
func restartedWithARoomArgs(f *fixture, appData map[string]string, inApp []string, inBridge ...string) *conference.Manager {
	f.t.Helper()
	rooms := conference.NewManager(zerolog.Nop())
	routing, err := app.NewRouting(f.app.Routing().File, app.Services{Rooms: rooms})
	if err != nil {
		f.t.Fatal(err)
	}
	f.app.SetRouting(routing)
	const bridge = "room-Salle_1-1-1"
	f.srv.Handle(http.MethodGet, "/applications/"+testApp, func(*http.Request) (int, any) {
		return http.StatusOK, map[string]any{"name": testApp, "channel_ids": inApp, "bridge_ids": []string{bridge}}
	})
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		var out []any
		for _, id := range inApp {
			ch := aritest.Channel(id)
			data, ok := appData[id]
			if !ok {
				data = "ariflow,999"
			}
			ch["dialplan"] = map[string]any{"context": "internal", "exten": "999", "priority": 1, "app_name": "Stasis", "app_data": data}
			out = append(out, ch)
		}
		return http.StatusOK, out
	})
	f.srv.Handle(http.MethodGet, "/bridges", func(*http.Request) (int, any) {
		b := aritest.Bridge(bridge)
		b["name"], b["channels"] = "room Salle_1", inBridge
		return http.StatusOK, []any{b}
	})
	f.srv.DropConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.srv.WaitConnected(ctx); err != nil {
		f.t.Fatal(err)
	}
	return rooms
}

// waitTakenBack waits until the room Salle_1 has n members again after the restart.
func waitTakenBack(t *testing.T, rooms *conference.Manager, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for rooms.Members("Salle_1") != n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := rooms.Members("Salle_1"); got != n {
		t.Fatalf("the room has %d members after the restart, want the %d still in its bridge", got, n)
	}
}

// channelVars makes the fake Asterisk answer GET /channels/{id}/variable from vars, keyed
// "channel variable"; any other variable is unset (404, as Asterisk answers).
func channelVars(f *fixture, vars map[string]string) {
	f.srv.Handle(http.MethodGet, "/channels/{id}/variable", func(r *http.Request) (int, any) {
		if v, ok := vars[r.PathValue("id")+" "+r.URL.Query().Get("variable")]; ok {
			return http.StatusOK, map[string]string{"value": v}
		}
		return http.StatusNotFound, aritest.Message("Provided variable was not found")
	})
}

// After a restart, the members of a room still talking are its members again: the room
// lists them, the next caller joins the same bridge (not a second room), and max_members
// counts them all.
func TestRestartTakesBackARoom(t *testing.T) {
	f := newFixture(t, roomBody)
	rooms := restartedWithARoom(f, []string{"m1", "m2"}, "m1", "m2")
	waitTakenBack(t, rooms, 2)
	f.push("StasisStart", aritest.StasisStart(testApp, "m3", "999"))
	add := f.want(http.MethodPost, "/bridges/room-Salle_1-1-1/addChannel")
	if add.Query.Get("channel") != "m3" {
		t.Errorf("added %q, want m3 in the room's bridge", add.Query.Get("channel"))
	}
	if f.touched(http.MethodPost, "/bridges") {
		t.Error("a second bridge was made for the room")
	}
	f.push("StasisStart", aritest.StasisStart(testApp, "m4", "999"))
	if play := f.want(http.MethodPost, "/channels/m4/play"); play.Query.Get("media") != "sound:conf-full" {
		t.Errorf("the fourth caller heard %q, want sound:conf-full (3 members already)", play.Query.Get("media"))
	}
}

// A room bridge none of whose members is left in the application is closed.
func TestRestartClosesAnEmptyRoom(t *testing.T) {
	f := newFixture(t, roomBody)
	restartedWithARoom(f, nil, "gone")
	f.want(http.MethodDelete, "/bridges/room-Salle_1-1-1")
}

// A room's admin taken back after a restart is still its admin, and a muted member still
// muted (their channels say so: conference.AdminVar, MutedVar): the admin's key 4 locks
// the room, a user's key 4 is refused, the muted member's key 1 unmutes it.
func TestRestartKeepsARoomsAdmin(t *testing.T) {
	f := newFixture(t, roomBody)
	channelVars(f, map[string]string{"m1 " + conference.AdminVar: "Salle_1", "m2 " + conference.MutedVar: "1"})
	rooms := restartedWithARoom(f, []string{"m1", "m2"}, "m1", "m2")
	waitTakenBack(t, rooms, 2)
	for _, tc := range []struct{ who, key, heard string }{
		{"m2", conference.KeyLock, "sound:conf-errormenu"},
		{"m1", conference.KeyLock, "sound:conf-lockednow"},
		{"m2", conference.KeyMute, "sound:conf-unmuted"},
	} {
		f.dtmf(tc.who, tc.key)
		if got := f.want(http.MethodPost, "/channels/"+tc.who+"/play").Query.Get("media"); got != tc.heard {
			t.Errorf("%s pressed %s and heard %q, want %s", tc.who, tc.key, got, tc.heard)
		}
	}
}

// A room its admin locked and muted is still locked and muted after a restart (its
// members' channels keep the switches: conference.SwitchesVar): a new caller is turned
// away, and the admin's keys 5 and 4 unmute and unlock it.
func TestRestartKeepsARoomsSwitches(t *testing.T) {
	f := newFixture(t, roomBody)
	channelVars(f, map[string]string{"m1 " + conference.AdminVar: "Salle_1",
		"m1 " + conference.SwitchesVar: "locked,all-muted", "m2 " + conference.SwitchesVar: "locked,all-muted"})
	rooms := restartedWithARoom(f, []string{"m1", "m2"}, "m1", "m2")
	waitTakenBack(t, rooms, 2)
	f.push("StasisStart", aritest.StasisStart(testApp, "m3", "999"))
	if got := f.want(http.MethodPost, "/channels/m3/play").Query.Get("media"); got != "sound:conf-locked" {
		t.Errorf("a new caller heard %q, want sound:conf-locked", got)
	}
	for _, tc := range []struct{ key, heard string }{
		{conference.KeyMuteAll, "sound:conf-now-unmuted"},
		{conference.KeyLock, "sound:conf-unlockednow"},
	} {
		f.dtmf("m1", tc.key)
		if got := f.want(http.MethodPost, "/channels/m1/play").Query.Get("media"); got != tc.heard {
			t.Errorf("the admin pressed %s and heard %q, want %s", tc.key, got, tc.heard)
		}
	}
}

// A phone the admin invited into the room, taken back after a restart, is listed by the
// endpoint it was rung at again (its Stasis arguments give it), not by its caller ID, the
// room's name.
func TestRestartKeepsAnInvitedPhonesEndpoint(t *testing.T) {
	f := newFixture(t, roomBody)
	rooms := restartedWithARoomArgs(f, map[string]string{"inv": "ariflow,ariflow-room,Salle_1,PJSIP/2000"},
		[]string{"m1", "inv"}, "m1", "inv")
	waitTakenBack(t, rooms, 2)
	info, err := rooms.Room("Salle_1")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, m := range info.Members {
		listed[m.Channel] = m.Caller
	}
	if listed["inv"] != "PJSIP/2000" || listed["m1"] == "PJSIP/2000" {
		t.Errorf("the room lists its members' callers as %v, want the invited phone inv as PJSIP/2000", listed)
	}
}
