package ari_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ariflow/ariflow/ari"
)

// TestRequests checks the method, path, query and body every resource method sends.
func TestRequests(t *testing.T) {
	type q = url.Values
	tests := []struct {
		name   string
		call   func(ctx context.Context, c *ari.Client) error
		method string
		path   string
		query  url.Values
		body   string // JSON, compared semantically; "" for none
	}{
		// channels
		{"channels get", func(ctx context.Context, c *ari.Client) error { _, err := c.Channels.Get(ctx, "c1"); return err },
			"GET", "/channels/c1", q{}, ""},
		{"channels list", func(ctx context.Context, c *ari.Client) error { _, err := c.Channels.List(ctx); return err },
			"GET", "/channels", q{}, ""},
		{"channels originate", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/1000", ChannelID: "out-1",
				OtherChannelID: "out-1b", App: "ariflow", AppArgs: []string{"dialed", "1000"}, CallerID: `"Reception" <100>`,
				Timeout: 25 * time.Second, Variables: map[string]string{"CALLERID(name)": "Reception", "X": "1"},
				Originator: "in-1", Formats: "ulaw,alaw"})
			return err
		}, "POST", "/channels", q{"endpoint": {"PJSIP/1000"}, "channelId": {"out-1"}, "otherChannelId": {"out-1b"},
			"app": {"ariflow"}, "appArgs": {"dialed,1000"}, "callerId": {`"Reception" <100>`}, "timeout": {"25"},
			"originator": {"in-1"}, "formats": {"ulaw,alaw"}},
			`{"variables":{"CALLERID(name)":"Reception","X":"1"}}`},
		{"channels originate to dialplan", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/1000", Context: "internal",
				Extension: "2000", Priority: 1, Timeout: -1})
			return err
		}, "POST", "/channels", q{"endpoint": {"PJSIP/1000"}, "context": {"internal"}, "extension": {"2000"},
			"priority": {"1"}, "timeout": {"-1"}}, ""},
		{"channels create", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Create(ctx, ari.CreateRequest{Endpoint: "PJSIP/2000", App: "ariflow",
				AppArgs: []string{"ring"}, ChannelID: "leg-2", Originator: "in-1", Variables: map[string]string{"A": "b"}})
			return err
		}, "POST", "/channels/create", q{"endpoint": {"PJSIP/2000"}, "app": {"ariflow"}, "appArgs": {"ring"},
			"channelId": {"leg-2"}, "originator": {"in-1"}}, `{"variables":{"A":"b"}}`},
		{"channels dial", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.Dial(ctx, "leg-2", "in-1", 1500*time.Millisecond)
		}, "POST", "/channels/leg-2/dial", q{"caller": {"in-1"}, "timeout": {"2"}}, ""},
		{"channels answer", func(ctx context.Context, c *ari.Client) error { return c.Channels.Answer(ctx, "c1") },
			"POST", "/channels/c1/answer", q{}, ""},
		{"channels ring", func(ctx context.Context, c *ari.Client) error { return c.Channels.Ring(ctx, "c1") },
			"POST", "/channels/c1/ring", q{}, ""},
		{"channels ring stop", func(ctx context.Context, c *ari.Client) error { return c.Channels.RingStop(ctx, "c1") },
			"DELETE", "/channels/c1/ring", q{}, ""},
		{"channels progress", func(ctx context.Context, c *ari.Client) error { return c.Channels.Progress(ctx, "c1") },
			"POST", "/channels/c1/progress", q{}, ""},
		{"channels hangup with reason", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.Hangup(ctx, "c1", ari.HangupBusy)
		}, "DELETE", "/channels/c1", q{"reason": {"busy"}}, ""},
		{"channels hangup", func(ctx context.Context, c *ari.Client) error { return c.Channels.Hangup(ctx, "c1", "") },
			"DELETE", "/channels/c1", q{}, ""},
		{"channels play", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Play(ctx, "c1", "pb-1", "sound:closed", "sound:vm-goodbye")
			return err
		}, "POST", "/channels/c1/play", q{"media": {"sound:closed,sound:vm-goodbye"}, "playbackId": {"pb-1"}}, ""},
		{"channels play in French", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.PlayIn(ctx, "c1", "pb-1", "fr", "sound:closed")
			return err
		}, "POST", "/channels/c1/play", q{"media": {"sound:closed"}, "playbackId": {"pb-1"}, "lang": {"fr"}}, ""},
		{"channels play with a skip", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.PlayWith(ctx, "c1", "pb-1", ari.PlayOptions{Skip: 5 * time.Second}, "recording:vm/1")
			return err
		}, "POST", "/channels/c1/play", q{"media": {"recording:vm/1"}, "playbackId": {"pb-1"}, "skipms": {"5000"}}, ""},
		{"channels record", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Record(ctx, "c1", ari.RecordRequest{Name: "vm/1000/msg", Format: "wav",
				MaxDuration: time.Minute, MaxSilence: 5 * time.Second, IfExists: "overwrite", Beep: true, TerminateOn: "#"})
			return err
		}, "POST", "/channels/c1/record", q{"name": {"vm/1000/msg"}, "format": {"wav"}, "maxDurationSeconds": {"60"},
			"maxSilenceSeconds": {"5"}, "ifExists": {"overwrite"}, "beep": {"true"}, "terminateOn": {"#"}}, ""},
		{"channels snoop", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.Snoop(ctx, "c1", ari.SnoopRequest{SnoopID: "spy-1", Spy: "both", Whisper: "out",
				App: "ariflow", AppArgs: []string{"spy", "c1"}})
			return err
		}, "POST", "/channels/c1/snoop", q{"snoopId": {"spy-1"}, "spy": {"both"}, "whisper": {"out"},
			"app": {"ariflow"}, "appArgs": {"spy,c1"}}, ""},
		{"channels start moh", func(ctx context.Context, c *ari.Client) error { return c.Channels.StartMOH(ctx, "c1", "jazz") },
			"POST", "/channels/c1/moh", q{"mohClass": {"jazz"}}, ""},
		{"channels stop moh", func(ctx context.Context, c *ari.Client) error { return c.Channels.StopMOH(ctx, "c1") },
			"DELETE", "/channels/c1/moh", q{}, ""},
		{"channels start silence", func(ctx context.Context, c *ari.Client) error { return c.Channels.StartSilence(ctx, "c1") },
			"POST", "/channels/c1/silence", q{}, ""},
		{"channels stop silence", func(ctx context.Context, c *ari.Client) error { return c.Channels.StopSilence(ctx, "c1") },
			"DELETE", "/channels/c1/silence", q{}, ""},
		{"channels send dtmf", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.SendDTMF(ctx, "c1", ari.DTMF{Digits: "12#", Between: 200 * time.Millisecond, Duration: 80 * time.Millisecond})
		}, "POST", "/channels/c1/dtmf", q{"dtmf": {"12#"}, "between": {"200"}, "duration": {"80"}}, ""},
		{"channels get var", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Channels.GetVar(ctx, "c1", "CALLERID(num)")
			return err
		}, "GET", "/channels/c1/variable", q{"variable": {"CALLERID(num)"}}, ""},
		{"channels set var", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.SetVar(ctx, "c1", "TALK_DETECT(set)", "")
		}, "POST", "/channels/c1/variable", q{"variable": {"TALK_DETECT(set)"}}, ""},
		{"channels redirect", func(ctx context.Context, c *ari.Client) error { return c.Channels.Redirect(ctx, "c1", "PJSIP/2000") },
			"POST", "/channels/c1/redirect", q{"endpoint": {"PJSIP/2000"}}, ""},
		{"channels continue", func(ctx context.Context, c *ari.Client) error {
			return c.Channels.Continue(ctx, "c1", ari.ContinueRequest{Context: "internal", Extension: "2000", Priority: 1, Label: "x"})
		}, "POST", "/channels/c1/continue", q{"context": {"internal"}, "extension": {"2000"}, "priority": {"1"}, "label": {"x"}}, ""},
		{"channels move", func(ctx context.Context, c *ari.Client) error { return c.Channels.Move(ctx, "c1", "other", "a", "b") },
			"POST", "/channels/c1/move", q{"app": {"other"}, "appArgs": {"a,b"}}, ""},
		{"channels mute default both", func(ctx context.Context, c *ari.Client) error { return c.Channels.Mute(ctx, "c1", "") },
			"POST", "/channels/c1/mute", q{"direction": {"both"}}, ""},
		{"channels unmute in", func(ctx context.Context, c *ari.Client) error { return c.Channels.Unmute(ctx, "c1", ari.DirectionIn) },
			"DELETE", "/channels/c1/mute", q{"direction": {"in"}}, ""},
		{"channels hold", func(ctx context.Context, c *ari.Client) error { return c.Channels.Hold(ctx, "c1") },
			"POST", "/channels/c1/hold", q{}, ""},
		{"channels unhold", func(ctx context.Context, c *ari.Client) error { return c.Channels.Unhold(ctx, "c1") },
			"DELETE", "/channels/c1/hold", q{}, ""},
		// bridges
		{"bridges create", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Bridges.Create(ctx, ari.BridgeCreate{ID: "br-1", Type: "mixing,dtmf_events", Name: "conf"})
			return err
		}, "POST", "/bridges", q{"bridgeId": {"br-1"}, "type": {"mixing,dtmf_events"}, "name": {"conf"}}, ""},
		{"bridges add channel", func(ctx context.Context, c *ari.Client) error {
			return c.Bridges.AddChannel(ctx, "br-1", ari.AddChannel{Channel: []string{"c1", "c2"}, Role: "announcer",
				AbsorbDTMF: true, Mute: true, InhibitConnectedLineUpdates: true})
		}, "POST", "/bridges/br-1/addChannel", q{"channel": {"c1,c2"}, "role": {"announcer"}, "absorbDTMF": {"true"},
			"mute": {"true"}, "inhibitConnectedLineUpdates": {"true"}}, ""},
		{"bridges remove channel", func(ctx context.Context, c *ari.Client) error { return c.Bridges.RemoveChannel(ctx, "br-1", "c1") },
			"POST", "/bridges/br-1/removeChannel", q{"channel": {"c1"}}, ""},
		{"bridges play", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Bridges.Play(ctx, "br-1", "pb-2", "sound:beep")
			return err
		}, "POST", "/bridges/br-1/play", q{"media": {"sound:beep"}, "playbackId": {"pb-2"}}, ""},
		{"bridges record", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Bridges.Record(ctx, "br-1", ari.RecordRequest{Name: "calls/x", Format: "wav"})
			return err
		}, "POST", "/bridges/br-1/record", q{"name": {"calls/x"}, "format": {"wav"}}, ""},
		{"bridges start moh", func(ctx context.Context, c *ari.Client) error { return c.Bridges.StartMOH(ctx, "br-1", "") },
			"POST", "/bridges/br-1/moh", q{}, ""},
		{"bridges stop moh", func(ctx context.Context, c *ari.Client) error { return c.Bridges.StopMOH(ctx, "br-1") },
			"DELETE", "/bridges/br-1/moh", q{}, ""},
		{"bridges get", func(ctx context.Context, c *ari.Client) error { _, err := c.Bridges.Get(ctx, "br-1"); return err },
			"GET", "/bridges/br-1", q{}, ""},
		{"bridges list", func(ctx context.Context, c *ari.Client) error { _, err := c.Bridges.List(ctx); return err },
			"GET", "/bridges", q{}, ""},
		{"bridges destroy", func(ctx context.Context, c *ari.Client) error { return c.Bridges.Destroy(ctx, "br-1") },
			"DELETE", "/bridges/br-1", q{}, ""},
		// playbacks
		{"playbacks get", func(ctx context.Context, c *ari.Client) error { _, err := c.Playbacks.Get(ctx, "pb-1"); return err },
			"GET", "/playbacks/pb-1", q{}, ""},
		{"playbacks control", func(ctx context.Context, c *ari.Client) error {
			return c.Playbacks.Control(ctx, "pb-1", ari.PlaybackPause)
		}, "POST", "/playbacks/pb-1/control", q{"operation": {"pause"}}, ""},
		{"playbacks stop", func(ctx context.Context, c *ari.Client) error { return c.Playbacks.Stop(ctx, "pb-1") },
			"DELETE", "/playbacks/pb-1", q{}, ""},
		// recordings
		{"live get", func(ctx context.Context, c *ari.Client) error { _, err := c.Recordings.LiveGet(ctx, "r1"); return err },
			"GET", "/recordings/live/r1", q{}, ""},
		{"live stop", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LiveStop(ctx, "r1") },
			"POST", "/recordings/live/r1/stop", q{}, ""},
		{"live scrap", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LiveScrap(ctx, "r1") },
			"DELETE", "/recordings/live/r1", q{}, ""},
		{"live pause", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LivePause(ctx, "r1") },
			"POST", "/recordings/live/r1/pause", q{}, ""},
		{"live unpause", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LiveUnpause(ctx, "r1") },
			"DELETE", "/recordings/live/r1/pause", q{}, ""},
		{"live mute", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LiveMute(ctx, "r1") },
			"POST", "/recordings/live/r1/mute", q{}, ""},
		{"live unmute", func(ctx context.Context, c *ari.Client) error { return c.Recordings.LiveUnmute(ctx, "r1") },
			"DELETE", "/recordings/live/r1/mute", q{}, ""},
		{"stored list", func(ctx context.Context, c *ari.Client) error { _, err := c.Recordings.StoredList(ctx); return err },
			"GET", "/recordings/stored", q{}, ""},
		{"stored copy", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Recordings.StoredCopy(ctx, "a/b", "c/d")
			return err
		}, "POST", "/recordings/stored/a%2Fb/copy", q{"destinationRecordingName": {"c/d"}}, ""},
		{"stored delete", func(ctx context.Context, c *ari.Client) error { return c.Recordings.StoredDelete(ctx, "a/b") },
			"DELETE", "/recordings/stored/a%2Fb", q{}, ""},
		// device states, endpoints
		{"device states list", func(ctx context.Context, c *ari.Client) error { _, err := c.DeviceStates.List(ctx); return err },
			"GET", "/deviceStates", q{}, ""},
		{"device states get", func(ctx context.Context, c *ari.Client) error {
			_, err := c.DeviceStates.Get(ctx, "Stasis:x")
			return err
		},
			"GET", "/deviceStates/Stasis:x", q{}, ""},
		{"device states update", func(ctx context.Context, c *ari.Client) error {
			return c.DeviceStates.Update(ctx, "Stasis:x", ari.DeviceInUse)
		}, "PUT", "/deviceStates/Stasis:x", q{"deviceState": {"INUSE"}}, ""},
		{"device states delete", func(ctx context.Context, c *ari.Client) error { return c.DeviceStates.Delete(ctx, "Stasis:x") },
			"DELETE", "/deviceStates/Stasis:x", q{}, ""},
		{"endpoints list", func(ctx context.Context, c *ari.Client) error { _, err := c.Endpoints.List(ctx); return err },
			"GET", "/endpoints", q{}, ""},
		{"endpoints by tech", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Endpoints.ListByTech(ctx, "PJSIP")
			return err
		},
			"GET", "/endpoints/PJSIP", q{}, ""},
		// asterisk, sounds, applications
		{"asterisk info", func(ctx context.Context, c *ari.Client) error { _, err := c.Asterisk.Info(ctx); return err },
			"GET", "/asterisk/info", q{}, ""},
		{"asterisk ping", func(ctx context.Context, c *ari.Client) error { _, err := c.Asterisk.Ping(ctx); return err },
			"GET", "/asterisk/ping", q{}, ""},
		{"asterisk get var", func(ctx context.Context, c *ari.Client) error { _, err := c.Asterisk.GetVar(ctx, "G"); return err },
			"GET", "/asterisk/variable", q{"variable": {"G"}}, ""},
		{"asterisk set var", func(ctx context.Context, c *ari.Client) error { return c.Asterisk.SetVar(ctx, "G", "1") },
			"POST", "/asterisk/variable", q{"variable": {"G"}, "value": {"1"}}, ""},
		{"asterisk reload module", func(ctx context.Context, c *ari.Client) error {
			return c.Asterisk.ReloadModule(ctx, "res_pjsip.so")
		}, "PUT", "/asterisk/modules/res_pjsip.so", q{}, ""},
		{"sounds list", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Sounds.List(ctx, ari.SoundFilter{Lang: "fr"})
			return err
		}, "GET", "/sounds", q{"lang": {"fr"}}, ""},
		{"applications list", func(ctx context.Context, c *ari.Client) error { _, err := c.Applications.List(ctx); return err },
			"GET", "/applications", q{}, ""},
		{"applications get", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Applications.Get(ctx, "ariflow")
			return err
		},
			"GET", "/applications/ariflow", q{}, ""},
		{"applications subscribe", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Applications.Subscribe(ctx, "ariflow", "endpoint:PJSIP/1000", "deviceState:Stasis:x")
			return err
		}, "POST", "/applications/ariflow/subscription", q{"eventSource": {"endpoint:PJSIP/1000,deviceState:Stasis:x"}}, ""},
		{"applications unsubscribe", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Applications.Unsubscribe(ctx, "ariflow", "channel:c1")
			return err
		}, "DELETE", "/applications/ariflow/subscription", q{"eventSource": {"channel:c1"}}, ""},
		{"applications event filter", func(ctx context.Context, c *ari.Client) error {
			_, err := c.Applications.SetEventFilter(ctx, "ariflow", ari.EventFilters{Disallowed: []ari.EventFilter{{Type: "ChannelVarset"}}})
			return err
		}, "PUT", "/applications/ariflow/eventFilter", q{}, `{"disallowed":[{"type":"ChannelVarset"}]}`},
	}
	c, s := newClient(t, ari.Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			r := lastRequest(t, s)
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			if diff := cmp.Diff(tc.query, r.Query); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(decodeJSON(t, tc.body), decodeJSON(t, string(r.Body))); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// decodeJSON decodes s, or returns nil for "".
func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

// TestResponsesEcho checks that answers decode into the models and echo requested ids.
func TestResponsesEcho(t *testing.T) {
	c, _ := newClient(t, ari.Options{})
	ctx := t.Context()
	ch, err := c.Channels.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/1000", ChannelID: "out-7",
		App: "ariflow", CallerID: `"Reception" <100>`})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID != "out-7" || ch.State != "Down" || ch.Caller != (ari.CallerID{Name: "Reception", Number: "100"}) {
		t.Errorf("originate: %+v", ch)
	}
	sn, err := c.Channels.Snoop(ctx, "out-7", ari.SnoopRequest{SnoopID: "spy-7", App: "ariflow"})
	if err != nil || sn.ID != "spy-7" {
		t.Errorf("snoop: %+v, %v", sn, err)
	}
	pb, err := c.Channels.Play(ctx, "out-7", "pb-7", "sound:a", "sound:b")
	want := ari.Playback{ID: "pb-7", MediaURI: "sound:a", NextMediaURI: "sound:b", TargetURI: "channel:out-7",
		Language: "en", State: "queued"}
	if err != nil || *pb != want {
		t.Errorf("play: %+v, %v; want %+v", pb, err, want)
	}
	br, err := c.Bridges.Create(ctx, ari.BridgeCreate{ID: "br-7", Type: "mixing"})
	if err != nil || br.ID != "br-7" || br.BridgeType != "mixing" || br.CreationTime.IsZero() {
		t.Errorf("bridge: %+v, %v", br, err)
	}
	got, err := c.Channels.Get(ctx, "in-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "in-1" || got.Name == "" || got.Dialplan.AppName != "Stasis" || got.CreationTime.IsZero() {
		t.Errorf("get: %+v", got)
	}
	info, err := c.Asterisk.Info(ctx)
	if err != nil || info.System == nil || info.System.Version == "" {
		t.Errorf("info: %+v, %v", info, err)
	}
	recs, err := c.Recordings.StoredList(ctx)
	if err != nil || len(recs) == 0 || recs[0].Format != "wav" {
		t.Errorf("stored list: %+v, %v", recs, err)
	}
}
