package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari/aritest"
)

// restartedWithBridges makes the fake Asterisk look like the one a restarted app meets:
// caller c9 talking to its phone leg in bridge c9-bridge-1 (made by a call of the app's
// previous run), and bridge gone-bridge-1 holding only the leg of a caller who left.
// Then the app's connection drops, so that it reconciles.
func restartedWithBridges(f *fixture) {
	f.srv.Handle(http.MethodGet, "/applications/"+testApp, func(*http.Request) (int, any) {
		return http.StatusOK, map[string]any{"name": testApp, "channel_ids": []string{"c9", "c9-leg-1", "gone-leg-1"},
			"bridge_ids": []string{"c9-bridge-1", "gone-bridge-1", "room"}}
	})
	inStasis := func(id, appData string) map[string]any {
		ch := aritest.Channel(id)
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "1000", "priority": 1, "app_name": "Stasis", "app_data": appData}
		return ch
	}
	bridge := func(id, name string, channels ...string) map[string]any {
		b := aritest.Bridge(id)
		b["name"], b["channels"] = name, channels
		return b
	}
	talking := bridge("c9-bridge-1", "c9", "c9", "c9-leg-1")
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		return http.StatusOK, []any{
			inStasis("c9", "ariflow,1000"),
			inStasis("c9-leg-1", "ariflow,ariflow-leg,c9"),
			inStasis("gone-leg-1", "ariflow,ariflow-leg,gone"),
		}
	})
	f.srv.Handle(http.MethodGet, "/bridges", func(*http.Request) (int, any) {
		return http.StatusOK, []any{talking, bridge("gone-bridge-1", "gone", "gone-leg-1"), bridge("room", "room Salle_1", "c7"),
			bridge("x-bridge-1", "x", "x-leg-1")} // another application's
	})
	f.srv.Handle(http.MethodGet, "/bridges/c9-bridge-1", func(*http.Request) (int, any) { return http.StatusOK, talking })
	f.srv.DropConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.srv.WaitConnected(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// touched reports whether the app sent method on path.
func (f *fixture) touched(method, path string) bool {
	for _, r := range f.srv.Requests() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

// A caller the previous run had connected to a phone stays connected; when the phone
// hangs up, the caller is hung up and the bridge destroyed. A bridge whose caller left is
// ended; a conference room's bridge and another application's are left alone.
func TestRestartTakesBackAConnectedCall(t *testing.T) {
	f := newFixture(t, `numbers: {"1000": {play: [sound:hello]}}`)
	restartedWithBridges(f)
	f.want(http.MethodGet, "/bridges/c9-bridge-1")
	f.want(http.MethodDelete, "/channels/gone-leg-1")
	f.want(http.MethodDelete, "/bridges/gone-bridge-1")
	if n := len(f.app.Calls()); n != 1 {
		t.Fatalf("live calls = %d, want 1 (c9 taken back): %+v", n, f.app.Calls())
	}
	for _, p := range []string{"/channels/c9", "/channels/c9-leg-1", "/bridges/c9-bridge-1", "/channels/c7", "/bridges/room",
		"/channels/x-leg-1", "/bridges/x-bridge-1"} {
		if f.touched(http.MethodDelete, p) {
			t.Errorf("DELETE %s while the call is up", p)
		}
	}
	if f.touched(http.MethodPost, "/channels/c9/play") || f.touched(http.MethodPost, "/channels/c9/answer") {
		t.Error("the connected caller was routed again")
	}
	f.push("ChannelLeftBridge", map[string]any{"application": testApp, "bridge": aritest.Bridge("c9-bridge-1"), "channel": aritest.Channel("c9-leg-1")})
	f.want(http.MethodDelete, "/channels/c9")
	f.want(http.MethodDelete, "/bridges/c9-bridge-1")
	f.waitIdle()
}

// When the caller of a taken-back call hangs up, the phone is hung up and the bridge
// destroyed; the caller's channel is not hung up again.
func TestTakenBackCallerHangupHangsUpThePhone(t *testing.T) {
	f := newFixture(t, `numbers: {"1000": {play: [sound:hello]}}`)
	restartedWithBridges(f)
	f.want(http.MethodGet, "/bridges/c9-bridge-1")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c9")})
	f.want(http.MethodDelete, "/channels/c9-leg-1")
	f.want(http.MethodDelete, "/bridges/c9-bridge-1")
	f.waitIdle()
	if f.touched(http.MethodDelete, "/channels/c9") {
		t.Error("hung up a caller who had left")
	}
}

// connectedThenDropped connects caller to phone 1000, then drops the connection; the
// bridge is then listed with the caller and, if phoneStays, the phone's leg. It returns
// the leg's and the bridge's ids.
func (f *fixture) connectedThenDropped(caller string, phoneStays bool) (leg, bridge string) {
	f.t.Helper()
	leg = f.ring(caller, "1000", "PJSIP/1000")
	f.answer(leg)
	bridge = f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	f.want(http.MethodPost, "/bridges/"+bridge+"/record")
	members := []string{caller}
	if phoneStays {
		members = append(members, leg)
	}
	f.srv.Handle(http.MethodGet, "/bridges", func(*http.Request) (int, any) {
		b := aritest.Bridge(bridge)
		b["name"], b["channels"] = caller, members
		return http.StatusOK, []any{b}
	})
	f.srv.DropConnections()
	return leg, bridge
}

// A phone that hangs up while the connection is down leaves its caller alone in the
// bridge: after the reconnect, the app hangs the caller up and destroys the bridge.
func TestPhoneHangupLostWithTheConnectionEndsTheCall(t *testing.T) {
	f := newFixture(t, extBody)
	leg, bridge := f.connectedThenDropped("c1", false) // the phone left; its events were lost
	f.want(http.MethodDelete, "/channels/"+leg)        // the cleanup, harmless: it is gone
	f.want(http.MethodDelete, "/bridges/"+bridge)
	f.want(http.MethodDelete, "/channels/c1")
	f.waitIdle()
}

// A connected call whose phone is still there is left alone by the reconnect.
func TestReconnectLeavesAConnectedCallUp(t *testing.T) {
	f := newFixture(t, extBody)
	leg, bridge := f.connectedThenDropped("c1", true)
	f.want(http.MethodGet, "/applications/"+testApp) // the reconcile after the reconnect
	if n := len(f.app.Calls()); n != 1 || f.touched(http.MethodDelete, "/channels/c1") {
		t.Fatalf("the connected call was ended by the reconnect: calls %+v", f.app.Calls())
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(leg)})
	f.want(http.MethodDelete, "/channels/c1")
	f.want(http.MethodDelete, "/bridges/"+bridge)
	f.waitIdle()
}

// A call that connects while a reconnect's reconcile lists the bridges is not taken for
// one whose phone left: the listing, made before its bridge existed, cannot show it.
func TestCallConnectingDuringTheReconcileStaysUp(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	asked, listed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.srv.Handle(http.MethodGet, "/bridges", func(*http.Request) (int, any) {
		once.Do(func() { close(asked) })
		<-listed // answers with the bridges as they were when asked: none
		return http.StatusOK, []any{}
	})
	f.srv.DropConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked: // the reconcile is listing
	case <-ctx.Done():
		t.Fatal("no reconcile after the reconnect")
	}
	f.answer(leg)
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	f.waitRecording(f.want(http.MethodPost, "/bridges/"+bridge+"/record").Query.Get("name"))
	close(listed)
	f.want(http.MethodGet, "/applications/"+testApp) // the reconcile has judged the calls
	if calls := f.app.Calls(); len(calls) != 1 || calls[0].Bridge != bridge || f.touched(http.MethodDelete, "/channels/c1") {
		t.Fatalf("the call that connected during the reconcile was ended: calls %+v", calls)
	}
	// The phone hangs up: the caller is hung up then. Had the reconcile ended the call,
	// the app would have hung up the phone itself, in the middle of the conversation.
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(leg)})
	f.want(http.MethodDelete, "/channels/c1")
	f.waitIdle()
	if f.touched(http.MethodDelete, "/channels/"+leg) {
		t.Fatal("the call that connected during the reconcile was ended by it: the app hung up the phone")
	}
}

// When hanging up the phone of a taken-back call fails, its bridge is still destroyed.
func TestTakenBackCallCleanupGoesOnAfterAFailure(t *testing.T) {
	f := newFixture(t, `numbers: {"1000": {play: [sound:hello]}}`)
	f.srv.Handle(http.MethodDelete, "/channels/c9-leg-1", func(*http.Request) (int, any) {
		return http.StatusInternalServerError, map[string]string{"message": "Asterisk is busy"}
	})
	restartedWithBridges(f)
	f.want(http.MethodGet, "/bridges/c9-bridge-1")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c9")})
	f.want(http.MethodDelete, "/channels/c9-leg-1")
	f.want(http.MethodDelete, "/bridges/c9-bridge-1")
	f.waitIdle()
}
