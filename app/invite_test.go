package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/admin"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/store"
)

// The admin invites a phone into a room: Asterisk rings it into the application with the
// room and the endpoint as its arguments, and once it answers the phone is put in the
// room's bridge.
func TestInvitedPhoneJoinsTheRoom(t *testing.T) {
	f := newFixture(t, `rooms: {Salle_2: {announce_count: false, music_when_alone: false}}`)
	if _, err := f.app.Invite(context.Background(), "PJSIP/2000", "Salle_2", "", 0); err != nil {
		t.Fatal(err)
	}
	orig := f.want(http.MethodPost, "/channels")
	if got := orig.Query.Get("endpoint") + " " + orig.Query.Get("appArgs"); got != "PJSIP/2000 ariflow-room,Salle_2,PJSIP/2000" {
		t.Errorf("originated %q, want PJSIP/2000 into the app with ariflow-room,Salle_2,PJSIP/2000", got)
	}
	f.srv.Push(aritest.StasisStart(testApp, "inv1", "ariflow-room", "Salle_2", "PJSIP/2000"))
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	if add := f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel"); add.Query.Get("channel") != "inv1" {
		t.Errorf("added %q to the room's bridge, want the invited phone inv1", add.Query.Get("channel"))
	}
}

// Two phones invited through the admin API carry the same caller ID, the room's name;
// the room's members list each by the endpoint it was rung at, so the admin can tell
// them apart. Asterisk brings each into the application with the arguments it was
// originated with, split at commas as Stasis does (an endpoint may have its own).
func TestInvitedPhonesAreListedByEndpoint(t *testing.T) {
	f := newFixture(t, `rooms: {Salle_1: {announce_count: false, music_when_alone: false}}`)
	rooms := conference.NewManager(zerolog.Nop())
	routing, err := app.NewRouting(f.app.Routing().File, app.Services{Rooms: rooms})
	if err != nil {
		t.Fatal(err)
	}
	f.app.SetRouting(routing)
	db, err := store.Open(filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const token = "an-admin-token-long-enough-for-the-api-0123456789"
	api, err := admin.New(admin.Config{Token: token, Logger: zerolog.Nop()}, admin.Deps{
		App: f.app, Absence: absence.New(db, nil), Rooms: rooms,
		Reload: func() error { return nil }, ReloadModule: func(context.Context, string) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body string, out any) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		api.Handler().ServeHTTP(rec, req)
		if rec.Code/100 != 2 || json.Unmarshal(rec.Body.Bytes(), out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
		}
	}
	for _, endpoint := range []string{"PJSIP/2000", "Local/2001@office,b"} {
		var invited struct{ Channel string }
		send(http.MethodPost, "/api/rooms/Salle_1/invite", `{"endpoint":"`+endpoint+`"}`, &invited)
		args := strings.Split(f.wantPath(http.MethodPost, "/channels").Query.Get("appArgs"), ",")
		answered := aritest.StasisStart(testApp, invited.Channel, args...)
		answered["channel"].(map[string]any)["caller"] = map[string]string{"name": "Salle_1", "number": ""}
		f.srv.Push(answered)
		f.want(http.MethodPost, "/bridges/") // its addChannel: it is in the room
	}
	var room conference.RoomInfo
	send(http.MethodGet, "/api/rooms/Salle_1", "", &room)
	var callers []string
	for _, m := range room.Members {
		callers = append(callers, m.Caller+" "+m.Name)
	}
	if want := []string{"PJSIP/2000 ", "Local/2001@office,b "}; !slices.Equal(callers, want) {
		t.Errorf("the room lists its members as %q, want the invited endpoints %q", callers, want)
	}
}
