package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
)

// wantCongestion waits for the app to hang up channelID with congestion, and checks that
// it never answered it.
func (f *fixture) wantCongestion(channelID string) {
	f.t.Helper()
	hangup := f.wantPath(http.MethodDelete, "/channels/"+channelID)
	if got := hangup.Query.Get("reason"); got != "congestion" {
		f.t.Errorf("%s hung up with %q, want congestion", channelID, got)
	}
	if f.touched(http.MethodPost, "/channels/"+channelID+"/answer") {
		f.t.Errorf("%s was answered before it was refused", channelID)
	}
}

// With limits.max_calls, a caller past the limit hears congestion at once, the call in
// progress goes on, and once it has ended the next caller is taken.
func TestMaxCallsRefusesTheCallerPastTheLimit(t *testing.T) {
	f := newFixture(t, `
limits: {max_calls: 1}
numbers: {"7001": {play: [sound:hello]}}`)
	f.call("c1", "7001")
	play := f.want(http.MethodPost, "/channels/c1/play")
	f.call("c2", "7001")
	f.wantCongestion("c2")
	if got := f.app.Refusals(); got != (app.Refusals{MaxCalls: 1}) {
		t.Errorf("refusals %+v, want one over max_calls", got)
	}
	if f.touched(http.MethodDelete, "/channels/c1") {
		t.Error("the call in progress was hung up")
	}
	f.push("PlaybackFinished", playbackFinished(play.Query.Get("playbackId"), "c1"))
	f.wantPath(http.MethodDelete, "/channels/c1")
	f.waitIdle()
	f.call("c3", "7001")
	f.want(http.MethodPost, "/channels/c3/answer")
	if n := f.app.Total(); n != 2 {
		t.Errorf("calls taken = %d, want 2 (c1, c3; c2 refused)", n)
	}
}

// With limits.calls_per_second, callers past a second's worth at once hear congestion.
// (The fixture's clock stands still, so the bucket never fills again.)
func TestCallsPerSecondRefusesPastTheBurst(t *testing.T) {
	f := newFixture(t, `
limits: {calls_per_second: 2}
numbers: {"7001": {play: [sound:hello]}}`)
	f.call("c1", "7001")
	f.call("c2", "7001")
	f.call("c3", "7001")
	f.want(http.MethodPost, "/channels/c1/answer")
	f.want(http.MethodPost, "/channels/c2/answer")
	f.wantCongestion("c3")
	if got := f.app.Refusals(); got != (app.Refusals{CallsPerSecond: 1}) {
		t.Errorf("refusals %+v, want one over calls_per_second", got)
	}
}

// A caller back from Asterisk's Dial is in a call already: the limits never refuse it, and
// it reaches the voicemail, even with the app full.
func TestLimitsNeverRefuseACallerBackFromDial(t *testing.T) {
	f := newFixtureAsterisk(t, ", dial_context: ariflow-dial", dialContextBody+`
limits: {max_calls: 1, calls_per_second: 1}`)
	f.call("c1", "7001") // not in the routing file: hears ss-noservice, which never ends
	f.want(http.MethodPost, "/channels/c1/play")
	f.srv.Push(aritest.StasisStart(testApp, "c9", "ariflow-rang", "NOANSWER", "2000"))
	f.reachesVoicemail("c9")
	if got := f.app.Refusals(); got != (app.Refusals{}) {
		t.Errorf("refusals %+v, want none", got)
	}
}

// A caller transferred by the admin API comes back into the application as a new channel
// entry: it is in a call already, and the limits do not refuse it.
func TestLimitsNeverRefuseATransferredCaller(t *testing.T) {
	f := newFixture(t, `
limits: {calls_per_second: 1}
numbers: {"7001": {play: [sound:hello]}, "7002": {play: [sound:bye]}}`)
	f.call("c1", "7001") // the one call of this second
	f.want(http.MethodPost, "/channels/c1/play")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.app.Redirect(ctx, "c1", "7002"); err != nil {
		t.Fatal(err)
	}
	f.want(http.MethodPost, "/channels/c1/continue")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
	f.call("c1", "7002")
	play := f.want(http.MethodPost, "/channels/c1/play")
	for play.Query.Get("media") != "sound:bye" {
		play = f.want(http.MethodPost, "/channels/c1/play")
	}
	f.call("c2", "7001") // a new caller in the same second is refused all the same
	f.wantCongestion("c2")
	if got := f.app.Refusals(); got != (app.Refusals{CallsPerSecond: 1}) {
		t.Errorf("refusals %+v, want c2's alone", got)
	}
}
