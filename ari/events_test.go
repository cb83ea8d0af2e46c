package ari_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ariflow/ariflow/ari"
)

// Ids in the captured events (testdata/events, see its README.md).
const (
	callID   = "capture-1795634878.10" // the SIPp call into Stasis
	peerID   = "peer-capture-1"        // the channel created and dialed to PJSIP/phone
	bridgeID = "br-capture-1"
)

// readEvent returns testdata/events/<name>.json.
func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkCall checks ch is the captured SIPp call, in state.
func checkCall(t *testing.T, ch ari.Channel, state string) {
	t.Helper()
	if ch.ID != callID || ch.Name != "PJSIP/sipp-00000003" || ch.State != state ||
		ch.Caller.Number != "1000" || ch.Dialplan.Context != "capture" || ch.Dialplan.Exten != "100" ||
		ch.Dialplan.Priority != 1 || ch.Language != "en" ||
		!ch.CreationTime.Equal(time.Date(2026, 11, 25, 19, 27, 58, 532e6, time.UTC)) {
		t.Errorf("channel %+v: not the captured call in state %s", ch, state)
	}
}

func TestDecodeCapturedEvents(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, ev ari.Event)
		keys  []string
	}{
		{"StasisStart", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.StasisStart)
			checkCall(t, e.Channel, "Ring")
			if diff := cmp.Diff([]string{"100", "second arg"}, e.Args); diff != "" {
				t.Errorf("args: %s", diff)
			}
			if e.Channel.Caller != (ari.CallerID{Name: "Capture Caller", Number: "1000"}) || e.ReplaceChannel != nil ||
				e.Channel.ProtocolID != "1-32648@127.0.0.1" {
				t.Errorf("caller %+v, replace %+v", e.Channel.Caller, e.ReplaceChannel)
			}
			if e.Channel.Dialplan.AppName != "Stasis" || e.Channel.Dialplan.AppData != "capture,100,second arg" {
				t.Errorf("dialplan %+v", e.Channel.Dialplan)
			}
		}, []string{"channel:" + callID}},
		{"StasisStart_snoop", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.StasisStart)
			if e.Channel.ID != "snoop-capture-1" || !strings.HasPrefix(e.Channel.Name, "Snoop/") || e.Args[0] != "snoop" {
				t.Errorf("snoop start %+v", e)
			}
		}, []string{"channel:snoop-capture-1"}},
		{"StasisEnd", func(t *testing.T, ev ari.Event) { checkCall(t, ev.(*ari.StasisEnd).Channel, "Up") },
			[]string{"channel:" + callID}},
		{"ChannelCreated", func(t *testing.T, ev ari.Event) { checkCall(t, ev.(*ari.ChannelCreated).Channel, "Ring") },
			[]string{"channel:" + callID}},
		{"ChannelDestroyed", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelDestroyed)
			checkCall(t, e.Channel, "Up")
			if e.Cause != 16 || e.CauseTxt != "Normal Clearing" || e.TechCause != 0 {
				t.Errorf("cause %d %q %d", e.Cause, e.CauseTxt, e.TechCause)
			}
		}, []string{"channel:" + callID}},
		{"ChannelDestroyed_busy", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelDestroyed)
			if e.Cause != 17 || e.CauseTxt != "User busy" || e.TechCause != 486 || e.Channel.ID != "orig-capture-1" {
				t.Errorf("busy %+v", e)
			}
		}, []string{"channel:orig-capture-1"}},
		{"ChannelStateChange", func(t *testing.T, ev ari.Event) { checkCall(t, ev.(*ari.ChannelStateChange).Channel, "Up") },
			[]string{"channel:" + callID}},
		{"ChannelDtmfReceived", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelDtmfReceived)
			checkCall(t, e.Channel, "Up")
			if e.Digit != "5" || e.DurationMs != 160 {
				t.Errorf("digit %q duration %d", e.Digit, e.DurationMs)
			}
		}, []string{"channel:" + callID}},
		{"ChannelHangupRequest", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelHangupRequest)
			checkCall(t, e.Channel, "Up")
			if e.Cause != 16 || e.Soft {
				t.Errorf("cause %d soft %v", e.Cause, e.Soft)
			}
		}, []string{"channel:" + callID}},
		{"ChannelHangupRequest_soft", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelHangupRequest)
			if e.Cause != 32 || !e.Soft || e.Channel.ID != "snoop-capture-1" {
				t.Errorf("soft hangup %+v", e)
			}
		}, []string{"channel:snoop-capture-1"}},
		{"ChannelDialplan", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelDialplan)
			if e.DialplanApp != "Stasis" || e.DialplanAppData != "capture,100,second arg" || e.Channel.ID != callID {
				t.Errorf("dialplan %+v", e)
			}
		}, []string{"channel:" + callID}},
		{"ChannelCallerId", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelCallerID)
			if e.Channel.Caller.Name != "Renamed Caller" || e.CallerPresentationTxt != "Presentation Allowed, Not Screened" {
				t.Errorf("caller id %+v", e)
			}
		}, []string{"channel:" + callID}},
		{"ChannelConnectedLine", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelConnectedLine)
			if e.Channel.ID != peerID || e.Channel.Connected != (ari.CallerID{Name: "Renamed Caller", Number: "1000"}) {
				t.Errorf("connected line %+v", e.Channel)
			}
		}, []string{"channel:" + peerID}},
		{"ChannelVarset", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelVarset)
			if e.Variable != "CAPTURE_VAR" || e.Value != "hello world" || e.Channel == nil || e.Channel.ID != callID {
				t.Errorf("varset %+v", e)
			}
		}, []string{"channel:" + callID}},
		{"ChannelVarset_global", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelVarset)
			if e.Variable != "CAPTURE_GLOBAL" || e.Value != "1" || e.Channel != nil {
				t.Errorf("global varset %+v", e)
			}
		}, nil},
		{"ChannelTalkingStarted", func(t *testing.T, ev ari.Event) { checkCall(t, ev.(*ari.ChannelTalkingStarted).Channel, "Up") },
			[]string{"channel:" + callID}},
		{"ChannelTalkingFinished", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelTalkingFinished)
			checkCall(t, e.Channel, "Up")
			if e.Duration != 1520 {
				t.Errorf("duration %d", e.Duration)
			}
		}, []string{"channel:" + callID}},
		{"ChannelUserevent", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelUserevent)
			if e.EventName != "capture-event" || e.Userevent["eventname"] != "capture-event" || e.Channel.ID != callID {
				t.Errorf("userevent %+v", e)
			}
		}, []string{"channel:" + callID}},
		{"ChannelEnteredBridge", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelEnteredBridge)
			checkCall(t, *e.Channel, "Up")
			if e.Bridge.ID != bridgeID || e.Bridge.BridgeType != "mixing" || e.Bridge.Technology != "simple_bridge" ||
				!cmp.Equal(e.Bridge.Channels, []string{callID}) {
				t.Errorf("bridge %+v", e.Bridge)
			}
		}, []string{"channel:" + callID, "bridge:" + bridgeID}},
		{"ChannelLeftBridge", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.ChannelLeftBridge)
			if e.Channel.ID != peerID || e.Bridge.ID != bridgeID {
				t.Errorf("left %+v", e)
			}
		}, []string{"channel:" + peerID, "bridge:" + bridgeID}},
		{"Dial", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.Dial)
			if e.DialStatus != "ANSWER" || e.Peer.ID != peerID || e.Peer.State != "Up" || e.Caller != nil || e.Forwarded != nil {
				t.Errorf("dial %+v", e)
			}
		}, []string{"channel:" + peerID}},
		{"Dial_start", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.Dial)
			if e.DialStatus != "" || e.DialString != "phone" || e.Peer.ID != peerID {
				t.Errorf("dial start %+v", e)
			}
		}, []string{"channel:" + peerID}},
		{"PlaybackStarted", func(t *testing.T, ev ari.Event) {
			want := ari.Playback{ID: "pb-capture-1", MediaURI: "sound:beep", NextMediaURI: "sound:beep",
				TargetURI: "channel:" + callID, Language: "en", State: "playing"}
			if got := ev.(*ari.PlaybackStarted).Playback; got != want {
				t.Errorf("playback %+v, want %+v", got, want)
			}
		}, []string{"playback:pb-capture-1", "channel:" + callID}},
		{"PlaybackContinuing", func(t *testing.T, ev ari.Event) {
			if p := ev.(*ari.PlaybackContinuing).Playback; p.State != "continuing" || p.NextMediaURI != "sound:beep" {
				t.Errorf("playback %+v", p)
			}
		}, []string{"playback:pb-capture-1", "channel:" + callID}},
		{"PlaybackFinished", func(t *testing.T, ev ari.Event) {
			if p := ev.(*ari.PlaybackFinished).Playback; p.State != "done" || p.NextMediaURI != "" {
				t.Errorf("playback %+v", p)
			}
		}, []string{"playback:pb-capture-1", "channel:" + callID}},
		{"PlaybackStarted_bridge", func(t *testing.T, ev ari.Event) {
			if p := ev.(*ari.PlaybackStarted).Playback; p.TargetURI != "bridge:"+bridgeID {
				t.Errorf("playback %+v", p)
			}
		}, []string{"playback:pb-bridge-1", "bridge:" + bridgeID}},
		{"RecordingStarted", func(t *testing.T, ev ari.Event) {
			want := ari.LiveRecording{Name: "capture/monitor-1000:2023-06-10_10h30m20s", Format: "wav",
				State: "recording", TargetURI: "channel:" + callID}
			if got := ev.(*ari.RecordingStarted).Recording; got != want {
				t.Errorf("recording %+v, want %+v", got, want)
			}
		}, []string{"recording:capture/monitor-1000:2023-06-10_10h30m20s", "channel:" + callID}},
		{"RecordingFinished", func(t *testing.T, ev ari.Event) {
			if r := ev.(*ari.RecordingFinished).Recording; r.State != "done" || r.Duration != 2 {
				t.Errorf("recording %+v", r)
			}
		}, []string{"recording:capture/monitor-1000:2023-06-10_10h30m20s", "channel:" + callID}},
		{"RecordingFinished_bridge", func(t *testing.T, ev ari.Event) {
			if r := ev.(*ari.RecordingFinished).Recording; r.TargetURI != "bridge:"+bridgeID || r.Duration != 1 {
				t.Errorf("recording %+v", r)
			}
		}, []string{"recording:capture/bridge-rec", "bridge:" + bridgeID}},
		{"RecordingFailed", func(t *testing.T, ev ari.Event) {
			if r := ev.(*ari.RecordingFailed).Recording; r.State != "failed" || r.Cause != "Error creating writestream" {
				t.Errorf("recording %+v", r)
			}
		}, []string{"recording:capture/monitor-1000:2023-06-10_10h30m20s", "channel:" + callID}},
		{"BridgeCreated", func(t *testing.T, ev ari.Event) {
			b := ev.(*ari.BridgeCreated).Bridge
			if b.ID != bridgeID || b.Name != "capture" || b.BridgeClass != "stasis" || b.Creator != "Stasis" ||
				b.VideoMode != "talker" || b.CreationTime.IsZero() || len(b.Channels) != 0 {
				t.Errorf("bridge %+v", b)
			}
		}, []string{"bridge:" + bridgeID}},
		{"BridgeDestroyed", func(t *testing.T, ev ari.Event) {
			if b := ev.(*ari.BridgeDestroyed).Bridge; b.ID != bridgeID {
				t.Errorf("bridge %+v", b)
			}
		}, []string{"bridge:" + bridgeID}},
		{"DeviceStateChanged", func(t *testing.T, ev ari.Event) {
			if d := ev.(*ari.DeviceStateChanged).DeviceState; d != (ari.DeviceState{Name: "Stasis:capture-test", State: "INUSE"}) {
				t.Errorf("device state %+v", d)
			}
		}, []string{"deviceState:Stasis:capture-test"}},
		{"EndpointStateChange", func(t *testing.T, ev ari.Event) {
			e := ev.(*ari.EndpointStateChange).Endpoint
			if e.Technology != "PJSIP" || e.Resource != "sipp" || e.State != "online" || !cmp.Equal(e.ChannelIDs, []string{callID}) {
				t.Errorf("endpoint %+v", e)
			}
		}, []string{"endpoint:PJSIP/sipp"}},
		{"ApplicationReplaced", func(t *testing.T, ev ari.Event) { _ = ev.(*ari.ApplicationReplaced) }, nil},
		{"Unknown_FutureEvent", func(t *testing.T, ev ari.Event) {
			u := ev.(*ari.UnknownEvent)
			if u.Type != "FutureEvent" || !strings.Contains(string(u.Raw), `"novel":{"field":[1,2,3]}`) {
				t.Errorf("unknown %+v", u)
			}
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readEvent(t, tc.file)
			ev, err := ari.DecodeEvent(data)
			if err != nil {
				t.Fatal(err)
			}
			b := ev.Base()
			wantType, _, _ := strings.Cut(tc.file, "_")
			if wantType == "Unknown" {
				wantType = "FutureEvent"
			}
			if b.Type != wantType || b.Application != "capture" || b.AsteriskID != "02:fc:00:00:00:01" ||
				b.Timestamp.Year() != 2026 {
				t.Errorf("common fields %+v", *b)
			}
			tc.check(t, ev)
			want := append(append([]string(nil), tc.keys...), ari.TypeKey(wantType)) // always last
			if diff := cmp.Diff(want, ari.Keys(ev)); diff != "" {
				t.Errorf("Keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"not JSON", "hello"},
		{"truncated", `{"type":"StasisStart","args":["1"`},
		{"array", `[{"type":"StasisStart"}]`},
		{"null", "null"},
		{"no type", `{"application":"ariflow"}`},
		{"type not a string", `{"type":5}`},
		{"wrong field type", `{"type":"ChannelDtmfReceived","digit":5}`},
		{"truncated unknown", `{"type":"Mystery","x":`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ari.DecodeEvent([]byte(tc.data))
			if err == nil {
				t.Fatalf("DecodeEvent(%q) = %#v, want an error", tc.data, ev)
			}
		})
	}
}

func TestDecodeEventForms(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantType string
		unknown  bool
	}{
		{"type first", `{"type":"StasisEnd","channel":{"id":"a"}}`, "StasisEnd", false},
		{"type after nested values", `{"cause":16,"soft":true,"channel":{"id":"a","caller":{"name":"x\"}"}},"args":["}",{}],"type":"ChannelHangupRequest"}`,
			"ChannelHangupRequest", false},
		{"spaces", " {\n \"type\" : \"StasisStart\" , \"args\": [] }\n", "StasisStart", false},
		{"escaped type", `{"type":"Stasis\u0053tart","args":[]}`, "StasisStart", false},
		{"unknown type", `{"type":"CallBroadcast","channel":{"id":"a"},"caller":"1000"}`, "CallBroadcast", true},
		{"unknown without other fields", `{"type":"X"}`, "X", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ari.DecodeEvent([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Base().Type; got != tc.wantType {
				t.Errorf("type %q, want %q", got, tc.wantType)
			}
			u, isUnknown := ev.(*ari.UnknownEvent)
			if isUnknown != tc.unknown {
				t.Fatalf("%T, unknown = %v, want %v", ev, isUnknown, tc.unknown)
			}
			if isUnknown && string(u.Raw) != tc.data {
				t.Errorf("Raw %q, want %q", u.Raw, tc.data)
			}
		})
	}
}

func TestUnknownEventRawIsACopy(t *testing.T) {
	data := []byte(`{"type":"Mystery","x":1}`)
	ev, err := ari.DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	copy(data, "XXXXXXXX")
	if got := string(ev.(*ari.UnknownEvent).Raw); got != `{"type":"Mystery","x":1}` {
		t.Errorf("Raw changed with the input buffer: %q", got)
	}
}

func TestKeysOptionalChannels(t *testing.T) {
	tests := []struct {
		name string
		ev   ari.Event
		want []string
	}{
		{"stasis start with replace channel", &ari.StasisStart{Channel: ari.Channel{ID: "new"},
			ReplaceChannel: &ari.Channel{ID: "old"}}, []string{"channel:new", "channel:old"}},
		{"dial with caller and forwarded", &ari.Dial{Peer: ari.Channel{ID: "p"}, Caller: &ari.Channel{ID: "c"},
			Forwarded: &ari.Channel{ID: "f"}}, []string{"channel:p", "channel:c", "channel:f"}},
		{"duplicate ids once", &ari.Dial{Peer: ari.Channel{ID: "p"}, Caller: &ari.Channel{ID: "p"}}, []string{"channel:p"}},
		{"entered bridge without channel", &ari.ChannelEnteredBridge{Bridge: ari.Bridge{ID: "b"}}, []string{"bridge:b"}},
		{"recording on unknown target", &ari.RecordingStarted{Recording: ari.LiveRecording{Name: "r",
			TargetURI: "endpoint:PJSIP/1"}}, []string{"recording:r"}},
		{"bridge merged", &ari.BridgeMerged{Bridge: ari.Bridge{ID: "a"}, BridgeFrom: ari.Bridge{ID: "b"}},
			[]string{"bridge:a", "bridge:b"}},
		{"unknown", &ari.UnknownEvent{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ari.Keys(tc.ev)); diff != "" {
				t.Errorf("Keys (-want +got):\n%s", diff)
			}
		})
	}
}
