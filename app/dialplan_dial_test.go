package app_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
)

// dialContextBody: 2000 unrecorded (its ring goes to Asterisk's Dial for good), 2100 with
// a notice (its ring goes to Asterisk's Dial, followed by the app), 1000 recorded (it stays
// in the application, bridged by the app).
const dialContextBody = `
extensions:
  "2000": {endpoint: PJSIP/2000, ring_time: 15s, mailbox: "2000"}
  "2100": {endpoint: PJSIP/2100, ring_time: 15s, mailbox: "2000", notify: true}
  "1000": {endpoint: PJSIP/1000, mailbox: "1000", record: true}
voicemail: {boxes: {"2000": {pin: "2000"}, "1000": {pin: "1000"}}}
numbers: {"77": {dial: {endpoint: PJSIP/7700, ring_time: 5s}}}
notify: {mattermost: {url: "http://127.0.0.1:9", token: t, channel_id: y6qktfy6ht8e9gf6i3rxmst7no}}
`

func newDialContextFixture(t *testing.T) *fixture {
	return newFixtureAsterisk(t, ", dial_context: ariflow-dial", dialContextBody)
}

// handedToDial follows the app handing channelID's ring to the dial context: when it
// follows the call, it keeps the channel's events; it continues the caller there at the
// extension that says what to ring, which it returns.
func (f *fixture) handedToDial(channelID string, follow bool) string {
	f.t.Helper()
	cont := f.want(http.MethodPost, "/channels/"+channelID+"/continue")
	if got := cont.Query.Get("context") + "," + cont.Query.Get("priority"); got != "ariflow-dial,1" {
		f.t.Errorf("continued in %q, want ariflow-dial,1", got)
	}
	subscribed := false
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/applications/"+testApp+"/subscription" {
			subscribed = true
			if got := r.Query.Get("eventSource"); got != "channel:"+channelID {
				f.t.Errorf("subscribed to %q, want the caller's channel: its events would stop when it leaves the application", got)
			}
		}
	}
	if subscribed != follow {
		f.t.Errorf("subscribed to the caller's channel: %v, want %v", subscribed, follow)
	}
	// Asterisk: the caller leaves the application for the dialplan.
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(channelID)})
	return cont.Query.Get("extension")
}

func callerDial(caller, peer, status string) map[string]any {
	return map[string]any{"caller": aritest.Channel(caller), "peer": aritest.Channel(peer), "dialstatus": status}
}

// waitState waits for the live call on channelID to be in a state starting with prefix.
func (f *fixture) waitState(channelID, prefix string) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, c := range f.app.Calls() {
			if c.Channel == channelID && strings.HasPrefix(c.State, prefix) {
				return
			}
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("no call on %s in state %q: %+v", channelID, prefix, f.app.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noAppBridging fails if the app rang or bridged anything itself.
func (f *fixture) noAppBridging() {
	f.t.Helper()
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodPost && (r.Path == "/channels" || strings.HasPrefix(r.Path, "/bridges")) {
			f.t.Errorf("the app rang or bridged itself: %s %s", r.Method, r.Path)
		}
	}
}

// An extension without a notice is handed to Asterisk's Dial for good: the app's call
// ends without hanging the caller up; unanswered, the caller comes back as a new call
// that goes on to the extension's voicemail.
func TestDialContextHandsTheRingToAsterisksDial(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2000")
	if got := f.handedToDial("c1", false); got != "~2000~PJSIP/2000~15" {
		t.Errorf("continued at extension %q, want ~2000~PJSIP/2000~15", got)
	}
	f.waitIdle()
	if f.touched(http.MethodDelete, "/channels/c1") {
		t.Error("the app hung up a caller it had handed to Asterisk's Dial")
	}
	f.srv.Push(aritest.StasisStart(testApp, "c1", "ariflow-rang", "NOANSWER", "2000"))
	f.reachesVoicemail("c1")
	f.noAppBridging()
}

// An extension with a notice keeps its call while Asterisk's Dial rings and connects: the
// call is listed, ringing then connected, and ends when the caller hangs up.
func TestDialContextFollowsTheCallsThatNeedIt(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2100")
	f.handedToDial("c1", true)
	f.waitState("c1", "ringing PJSIP/2100")
	f.push("Dial", callerDial("c1", "p1", ""))
	f.push("Dial", callerDial("c1", "p1", "ANSWER"))
	f.waitState("c1", "connected PJSIP/2100")
	f.push("ChannelHangupRequest", map[string]any{"channel": aritest.Channel("c1"), "cause": 16})
	f.waitIdle()
	if f.touched(http.MethodDelete, "/channels/c1") {
		t.Error("the app hung up a caller Asterisk had already hung up")
	}
	f.noAppBridging()
}

// A followed caller whose phone does not answer comes back to the same call.
func TestDialContextFollowedCallerComesBackToVoicemail(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2100")
	f.handedToDial("c1", true)
	f.push("Dial", callerDial("c1", "p1", "NOANSWER"))
	f.srv.Push(aritest.StasisStart(testApp, "c1", "ariflow-rang", "NOANSWER", "2100"))
	f.reachesVoicemail("c1")
	if n := len(f.app.Calls()); n != 1 {
		t.Errorf("%d calls live, want the one call: coming back must not start another", n)
	}
	f.noAppBridging()
}

// After a restart the app does not know the caller that comes back: the extension's
// voicemail follows all the same; after a plain dial action the caller is hung up.
func TestCallerBackFromDialAfterARestart(t *testing.T) {
	f := newDialContextFixture(t)
	f.srv.Push(aritest.StasisStart(testApp, "c9", "ariflow-rang", "BUSY", "2000"))
	f.reachesVoicemail("c9")
	f.srv.Push(aritest.StasisStart(testApp, "c8", "ariflow-rang", "NOANSWER", ""))
	f.want(http.MethodDelete, "/channels/c8")
}

func TestDialContextPlainDialAction(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "77")
	if got := f.handedToDial("c1", false); got != "~~PJSIP/7700~5" {
		t.Errorf("continued at extension %q, want ~~PJSIP/7700~5", got)
	}
	f.waitIdle()
	f.noAppBridging()
}

// A recorded extension is recorded by the app: its ring stays in the application.
func TestDialContextLeavesRecordedCallsToTheApp(t *testing.T) {
	f := newDialContextFixture(t)
	f.ring("c1", "1000", "PJSIP/1000")
	if f.touched(http.MethodPost, "/channels/c1/continue") {
		t.Error("a recorded call was handed to the dialplan: it would not be recorded")
	}
}

// `ariflow simulate` says which rings Asterisk's Dial makes.
func TestExplainSaysWhichRingsAsterisksDialMakes(t *testing.T) {
	f := newDialContextFixture(t)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for exten, want := range map[string]string{
		"2000": "ring PJSIP/2000 for 15s with Asterisk's Dial (context ariflow-dial)",
		"1000": "ring PJSIP/1000 for 15s", // recorded: the app rings it
	} {
		steps, err := f.app.Routing().Explain("3000", exten, at)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(steps, want) {
			t.Errorf("Explain(3000 calls %s) = %q, want the step %q", exten, steps, want)
		}
	}
}

// A caller in Asterisk's Dial (listed with the app's calls) can be hung up from the admin
// side as the app's own calls can; a channel elsewhere is no live call of ours.
func TestDialContextCallsCanBeHungUp(t *testing.T) {
	f := newDialContextFixture(t)
	f.srv.Handle(http.MethodGet, "/channels/{channelId}", func(r *http.Request) (int, any) {
		ch := aritest.Channel(r.PathValue("channelId"))
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "5000", "priority": 1}
		if r.PathValue("channelId") == "d1" {
			ch["dialplan"] = map[string]any{"context": "ariflow-dial", "exten": "~2000~PJSIP/2000~15", "priority": 1}
		}
		return http.StatusOK, ch
	})
	if err := f.app.Hangup(context.Background(), "d1", ""); err != nil {
		t.Fatalf("hang up a caller in Asterisk's Dial: %v", err)
	}
	f.wantPath(http.MethodDelete, "/channels/d1")
	if err := f.app.Hangup(context.Background(), "other", ""); !errors.Is(err, app.ErrNoSuchCall) {
		t.Errorf("hang up a channel outside the dial context: %v, want ErrNoSuchCall", err)
	}
	if f.touched(http.MethodDelete, "/channels/other") {
		t.Error("the app hung up a channel that is none of its calls")
	}
}

// A stop (SIGTERM: drain) while Asterisk's Dial rings a phone: the caller who comes back
// unanswered is no new caller, and still reaches the extension's voicemail rather than a
// congestion hang-up; a new caller meanwhile is refused.
func TestDrainLetsACallerBackFromDialReachVoicemail(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2000")
	f.handedToDial("c1", false)
	f.waitIdle()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- f.app.Drain(ctx) }()
	f.srv.Push(aritest.StasisStart(testApp, "c1", "ariflow-rang", "NOANSWER", "2000"))
	f.reachesVoicemail("c1")
	f.call("c2", "2000")
	if hangup := f.want(http.MethodDelete, "/channels/c2"); hangup.Query.Get("reason") != "congestion" {
		t.Errorf("a new caller while draining: hung up with %q, want congestion", hangup.Query.Get("reason"))
	}
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete && r.Path == "/channels/c1" && r.Query.Get("reason") == "congestion" {
			t.Error("the caller back from Dial was refused as a new caller")
		}
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")}) // hangs up
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
}

// A redirect of a caller Asterisk's Dial is ringing for (out of the application) is
// refused with a reason, not reported done while nothing happens.
func TestRedirectOfACallerInDialIsRefused(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2100")
	f.handedToDial("c1", true)
	f.waitState("c1", "ringing PJSIP/2100")
	err := f.app.Redirect(context.Background(), "c1", "1000")
	if !errors.Is(err, app.ErrNotRedirected) {
		t.Fatalf("Redirect = %v, want ErrNotRedirected", err)
	}
	if len(f.app.Calls()) != 1 {
		t.Errorf("the call was ended by a refused redirect: %+v", f.app.Calls())
	}
}

// The phone rung by Asterisk's Dial does not answer while the connection is down: the
// caller's return to the application (its StasisStart) is lost, and the reconnect finds it
// back in the application; the call following the ring goes on to voicemail.
func TestCallerBackFromDialDuringAnOutageReachesVoicemail(t *testing.T) {
	f := newDialContextFixture(t)
	f.call("c1", "2100")
	f.handedToDial("c1", true)
	f.waitState("c1", "ringing PJSIP/2100")
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		ch := aritest.Channel("c1")
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "2100", "priority": 1, "app_name": "Stasis",
			"app_data": "ariflow,ariflow-rang,NOANSWER,2100"}
		return http.StatusOK, []any{ch}
	})
	f.srv.DropConnections()
	f.reachesVoicemail("c1")
	if f.app.Total() != 1 {
		t.Errorf("Total = %d, want 1: the caller's own call goes on", f.app.Total())
	}
}

// A call that ended while the reconnect's reconcile was under way is not started again
// from the reconcile's older listing of the channels.
func TestReconcileReadsAChannelAgainBeforeTakingItIn(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		ch := aritest.Channel("gone")
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "7001", "priority": 1, "app_name": "Stasis", "app_data": "ariflow,7001"}
		return http.StatusOK, []any{ch}
	})
	f.srv.Handle(http.MethodGet, "/channels/gone", func(*http.Request) (int, any) {
		return http.StatusNotFound, map[string]string{"message": "Channel not found"}
	})
	f.srv.DropConnections()
	f.want(http.MethodGet, "/channels/gone")
	f.waitIdle()
	if f.app.Total() != 0 || f.touched(http.MethodPost, "/channels/gone/answer") {
		t.Errorf("a channel gone since the listing was taken in (Total %d)", f.app.Total())
	}
}
