package app_test

import (
	"net/http"
	"testing"

	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/queue"
)

const memberCodes = `
queues:
  sales: {members: [PJSIP/4001, PJSIP/4002]}
numbers:
  "*61": {queue_member: {queue: sales, op: toggle}}
  "*62": {queue_member: {queue: sales, op: pause}}
`

func memberStatus(t *testing.T, f *fixture, ep string) string {
	t.Helper()
	members, err := f.queues.Members("sales")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Endpoint == ep {
			return m.Status
		}
	}
	t.Fatalf("%s is not a member", ep)
	return ""
}

// A member's phone dials the toggle code: logged out (agent-loggedoff), then in again
// (agent-loginok); the pause code pauses it; a phone that is not a member hears invalid.
func TestQueueMemberCodes(t *testing.T) {
	f := newFixture(t, memberCodes)
	dial := func(channel, from, number, wantSound string) {
		t.Helper()
		ev := aritest.StasisStart(testApp, channel, number)
		ev["channel"].(map[string]any)["caller"] = map[string]any{"number": from, "name": ""}
		f.srv.Push(ev)
		f.want(http.MethodPost, "/channels/"+channel+"/answer")
		play := f.want(http.MethodPost, "/channels/"+channel+"/play")
		if got := play.Query.Get("media"); got != wantSound {
			t.Errorf("%s dialing %s heard %q, want %s", from, number, got, wantSound)
		}
		f.push("PlaybackFinished", playbackFinished(play.Query.Get("playbackId"), channel))
		f.want(http.MethodDelete, "/channels/"+channel)
	}
	dial("c1", "4001", "*61", "sound:agent-loggedoff")
	if got := memberStatus(t, f, "PJSIP/4001"); got != queue.StatusLoggedOut {
		t.Errorf("after the toggle 4001 is %q, want logged out", got)
	}
	dial("c2", "4001", "*61", "sound:agent-loginok")
	if got := memberStatus(t, f, "PJSIP/4001"); got == queue.StatusLoggedOut {
		t.Errorf("after the second toggle 4001 is still logged out")
	}
	dial("c3", "4002", "*62", "sound:beep")
	if got := memberStatus(t, f, "PJSIP/4002"); got != queue.StatusPaused {
		t.Errorf("after the pause code 4002 is %q, want paused", got)
	}
	dial("c4", "2000", "*61", "sound:invalid")
}
