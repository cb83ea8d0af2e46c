package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/ariflow/ariflow/ari/aritest"
)

// The admin invites a phone into a room: Asterisk rings it into the application with the
// room as its argument, and once it answers the phone is put in the room's bridge.
func TestInvitedPhoneJoinsTheRoom(t *testing.T) {
	f := newFixture(t, `rooms: {Salle_2: {announce_count: false, music_when_alone: false}}`)
	if _, err := f.app.Invite(context.Background(), "PJSIP/2000", "Salle_2", "", 0); err != nil {
		t.Fatal(err)
	}
	orig := f.want(http.MethodPost, "/channels")
	if got := orig.Query.Get("endpoint") + " " + orig.Query.Get("appArgs"); got != "PJSIP/2000 ariflow-room,Salle_2" {
		t.Errorf("originated %q, want PJSIP/2000 into the app with ariflow-room,Salle_2", got)
	}
	f.srv.Push(aritest.StasisStart(testApp, "inv1", "ariflow-room", "Salle_2"))
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	if add := f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel"); add.Query.Get("channel") != "inv1" {
		t.Errorf("added %q to the room's bridge, want the invited phone inv1", add.Query.Get("channel"))
	}
}
