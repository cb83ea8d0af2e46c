package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ariflow/ariflow/ari/aritest"
)

const extBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 15s, mailbox: "1000", record: true}
  "3000": {endpoint: PJSIP/3000, ring_time: 1s, mailbox: "3000"}
voicemail: {boxes: {"1000": {pin: "1000"}, "3000": {pin: "123"}}}
`

// menuTo1000 is a menu at 900 whose key 1 rings extension 1000 (added to extBody).
const menuTo1000 = `
menus:
  m: {prompts: [sound:service1], choices: {"1": {extension: "1000"}}}
numbers: {"900": {menu: m}}
`

// ring starts a call to exten and returns the id of the phone's leg once it is dialed.
func (f *fixture) ring(channelID, exten, endpoint string) string {
	f.t.Helper()
	f.call(channelID, exten)
	return f.legDialed(channelID, endpoint)
}

// ringAfterMenu calls 900 (menuTo1000), presses 1 during the prompt and returns the id of
// phone 1000's leg once it is dialed: the caller is answered while it rings.
func (f *fixture) ringAfterMenu(channelID string) string {
	f.t.Helper()
	f.call(channelID, "900")
	f.want(http.MethodPost, "/channels/"+channelID+"/answer")
	play := f.want(http.MethodPost, "/channels/"+channelID+"/play")
	f.dtmf(channelID, "1")
	f.want(http.MethodDelete, "/playbacks/"+play.Query.Get("playbackId"))
	return f.legDialed(channelID, "PJSIP/1000")
}

// legDialed follows the app ringing endpoint for channelID: the phone's channel is
// originated and the caller hears ringing. It returns the leg's id.
func (f *fixture) legDialed(channelID, endpoint string) string {
	f.t.Helper()
	ep, leg := f.originated(channelID)
	if ep != endpoint {
		f.t.Fatalf("dialed %q, want %s", ep, endpoint)
	}
	f.want(http.MethodPost, "/channels/"+channelID+"/ring")
	return leg
}

// originated waits for the app to originate a phone's channel on behalf of channelID
// (dialed at once, to enter the application when answered) and returns the endpoint
// dialed and the leg's id.
func (f *fixture) originated(channelID string) (endpoint, leg string) {
	f.t.Helper()
	orig := f.wantPath(http.MethodPost, "/channels")
	if got := orig.Query.Get("app"); got != testApp {
		f.t.Errorf("the phone's channel enters application %q when answered, want %s", got, testApp)
	}
	if got := orig.Query.Get("appArgs"); !strings.HasPrefix(got, "ariflow-leg,") {
		f.t.Errorf("leg appArgs = %q: the dispatcher could take it for a new call", got)
	}
	if got := orig.Query.Get("originator"); got != channelID {
		f.t.Errorf("originator = %q, want the caller %s", got, channelID)
	}
	return orig.Query.Get("endpoint"), orig.Query.Get("channelId")
}

// answer is the phone answering its leg: Asterisk reports the answer, then the leg
// enters the application.
func (f *fixture) answer(leg string) {
	caller, _, _ := strings.Cut(leg, "-leg-")
	f.push("Dial", dialEvent(leg, "ANSWER"))
	f.srv.Push(aritest.StasisStart(testApp, leg, "ariflow-leg", caller))
}

// reachesVoicemail waits for channelID to be answered and hear the voicemail stand-in.
func (f *fixture) reachesVoicemail(channelID string) {
	f.t.Helper()
	f.want(http.MethodPost, "/channels/"+channelID+"/answer")
	play := f.want(http.MethodPost, "/channels/"+channelID+"/play")
	if got := play.Query.Get("media"); got != "sound:vm-nobodyavail" {
		f.t.Errorf("caller heard %q, want the voicemail stand-in's sound:vm-nobodyavail", got)
	}
}

func dialEvent(leg, status string) map[string]any {
	return map[string]any{"peer": aritest.Channel(leg), "dialstatus": status}
}

func TestAnsweredPhoneIsBridgedAndRecorded(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	f.want(http.MethodPost, "/channels/c1/answer")
	create := f.want(http.MethodPost, "/bridges")
	bridge := create.Query.Get("bridgeId")
	if create.Query.Get("type") != "mixing" {
		t.Errorf("bridge type %q, want mixing", create.Query.Get("type"))
	}
	add := f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel")
	if got := add.Query.Get("channel"); got != "c1,"+leg {
		t.Errorf("bridged %q, want c1,%s", got, leg)
	}
	rec := f.want(http.MethodPost, "/bridges/"+bridge+"/record")
	if got := rec.Query.Get("name"); got != "monitor/1000-2026:11:23_10h00m00s" {
		t.Errorf("recording name %q, want the seed's pattern", got)
	}
	if rec.Query.Get("ifExists") != "fail" {
		t.Errorf("ifExists = %q: a recording could be overwritten", rec.Query.Get("ifExists"))
	}
	// The phone hangs up: the caller is hung up and the bridge destroyed.
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(leg)})
	f.want(http.MethodDelete, "/channels/c1")
	f.want(http.MethodDelete, "/bridges/"+bridge)
	f.waitIdle()
}

func TestRecordingNameCollisionGetsASuffix(t *testing.T) {
	f := newFixture(t, extBody)
	f.srv.Handle(http.MethodPost, "/bridges/{id}/record", func(r *http.Request) (int, any) {
		if r.URL.Query().Get("name") == "monitor/1000-2026:11:23_10h00m00s" {
			return http.StatusConflict, aritest.Message("Recording already exists")
		}
		return http.StatusCreated, map[string]any{"name": r.URL.Query().Get("name"), "state": "queued"}
	})
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	f.want(http.MethodPost, "/bridges")  // create
	f.want(http.MethodPost, "/bridges/") // addChannel
	first := f.want(http.MethodPost, "/bridges/")
	second := f.want(http.MethodPost, "/bridges/")
	if !strings.HasSuffix(first.Path, "/record") || !strings.HasSuffix(second.Path, "/record") {
		t.Fatalf("want two record requests, got %s then %s", first.Path, second.Path)
	}
	if got := second.Query.Get("name"); got != "monitor/1000-2026:11:23_10h00m00s-2" {
		t.Errorf("second try %q, want the name with -2", got)
	}
}

func TestUnansweredPhoneGoesToVoicemail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		exten  string
		event  func(f *fixture, leg string)
		hangup bool // the app must hang the ringing phone up itself
	}{
		{"busy", "1000", func(f *fixture, leg string) { f.push("Dial", dialEvent(leg, "BUSY")) }, false},
		{"unavailable", "1000", func(f *fixture, leg string) { f.push("Dial", dialEvent(leg, "CHANUNAVAIL")) }, false},
		{"declined", "1000", func(f *fixture, leg string) {
			f.push("ChannelDestroyed", map[string]any{"cause": 21, "cause_txt": "Call Rejected", "channel": aritest.Channel(leg)})
		}, false},
		{"ring time passes", "3000", func(*fixture, string) {}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, extBody)
			leg := f.ring("c1", tc.exten, "PJSIP/"+tc.exten)
			tc.event(f, leg)
			if tc.hangup {
				f.want(http.MethodDelete, "/channels/"+leg)
			}
			f.reachesVoicemail("c1")
			for _, r := range f.srv.Requests() {
				if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/bridges") {
					t.Errorf("a bridge was made for an unanswered call: %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

func TestCallerHangingUpStopsThePhoneRinging(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.want(http.MethodDelete, "/channels/"+leg)
	f.waitIdle()
}

func TestCallerHangingUpAfterConnectingHangsUpThePhone(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	f.want(http.MethodPost, "/bridges/"+bridge+"/record")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.want(http.MethodDelete, "/channels/"+leg)
	f.want(http.MethodDelete, "/bridges/"+bridge)
	f.waitIdle()
}

// A caller already answered (after a menu) hears ringback while the phone rings, and it
// stops before the two are bridged.
func TestAnsweredCallerHearsRingbackUntilConnected(t *testing.T) {
	f := newFixture(t, extBody+menuTo1000)
	leg := f.ringAfterMenu("c1")
	f.answer(leg)
	f.want(http.MethodDelete, "/channels/c1/ring")
	f.want(http.MethodPost, "/bridges")
	order := f.requestOrder(func(r aritest.Request) bool {
		return r.Path == "/channels/c1/ring" || r.Method == http.MethodPost && r.Path == "/bridges"
	})
	if order != "POST /channels/c1/ring,DELETE /channels/c1/ring,POST /bridges" {
		t.Errorf("ringback and bridge in order %v, want the ringback stopped before the bridge", order)
	}
}

// requestOrder lists the requests keep selects, in the order the app sent them, as
// "METHOD /path" joined by commas.
func (f *fixture) requestOrder(keep func(aritest.Request) bool) string {
	var order []string
	for _, r := range f.srv.Requests() {
		if keep(r) {
			order = append(order, r.Method+" "+r.Path)
		}
	}
	return strings.Join(order, ",")
}

// A caller already answered (after a menu) whose phone turns out unreachable while it
// rings stops hearing ringback before voicemail speaks; one whose phone cannot be dialed
// at all never hears it.
func TestRingbackStopsWhenThePhoneCannotBeReached(t *testing.T) {
	prompts := func(f *fixture) string {
		return f.requestOrder(func(r aritest.Request) bool {
			return r.Path == "/channels/c1/ring" || r.Method == http.MethodPost && r.Path == "/channels/c1/play"
		})
	}
	t.Run("unreachable while ringing", func(t *testing.T) {
		f := newFixture(t, extBody+menuTo1000)
		leg := f.ringAfterMenu("c1")
		f.push("Dial", dialEvent(leg, "CHANUNAVAIL"))
		f.want(http.MethodDelete, "/channels/c1/ring")
		f.want(http.MethodPost, "/channels/c1/play") // voicemail
		want := "POST /channels/c1/play,POST /channels/c1/ring,DELETE /channels/c1/ring,POST /channels/c1/play"
		if got := prompts(f); !strings.HasPrefix(got, want) {
			t.Errorf("prompts and ringback in order %s, want %s", got, want)
		}
	})
	t.Run("cannot be dialed", func(t *testing.T) {
		f := newFixture(t, extBody+menuTo1000)
		f.srv.Handle(http.MethodPost, "/channels", func(*http.Request) (int, any) {
			return http.StatusInternalServerError, aritest.Message("Allocation failed")
		})
		f.call("c1", "900")
		f.want(http.MethodPost, "/channels/c1/answer")
		play := f.want(http.MethodPost, "/channels/c1/play")
		f.dtmf("c1", "1")
		f.want(http.MethodDelete, "/playbacks/"+play.Query.Get("playbackId"))
		f.wantPath(http.MethodPost, "/channels")
		vm := f.want(http.MethodPost, "/channels/c1/play")
		if got := vm.Query.Get("media"); got != "sound:vm-nobodyavail" {
			t.Errorf("caller heard %q, want the voicemail stand-in's sound:vm-nobodyavail", got)
		}
		if got := prompts(f); strings.Contains(got, "ring") {
			t.Errorf("prompts and ringback: %s, want no ringback for a phone that could not be dialed", got)
		}
	})
}

// A phone that hangs up just as it answers, before its channel enters the application,
// is not bridged: the caller, answered meanwhile, is hung up and nothing is left behind.
func TestPhoneGoneAsItAnswersIsNotBridged(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.push("Dial", dialEvent(leg, "ANSWER"))
	f.want(http.MethodPost, "/channels/c1/answer")
	f.push("ChannelDestroyed", map[string]any{"cause": 16, "cause_txt": "Normal Clearing", "channel": aritest.Channel(leg)})
	f.wantPath(http.MethodDelete, "/channels/c1")
	f.waitIdle()
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/bridges") {
			t.Errorf("a bridge was made for a phone that was gone: %s %s", r.Method, r.Path)
		}
	}
}
