package app_test

import (
	"net/http"
	"testing"

	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/spy"
)

const spyBody = `
extensions:
  "1000": {endpoint: PJSIP/1000}
spy:
  allow: [{who: ["2000"], whom: ["*"]}]
numbers:
  "52": {spy: {mode: listen}}
`

// On the fake ARI server: 2000 dials 52 and types 1000#; the app finds 1000's phone
// channel, snoops on it with spy both / whisper none (listen), bridges the snoop with the
// supervisor, and 5 and 6 replace it with whisper out and whisper both.
func TestSpySnoopDirections(t *testing.T) {
	f := newFixture(t, spyBody)
	if got := f.spyOn1000().Query.Get("media"); got != "sound:extension" {
		t.Fatalf("prompt %q, want sound:extension", got)
	}
	f.want(http.MethodPost, "/channels/c1/answer")
	f.want(http.MethodGet, "/channels")
	bridge := ""
	for i, tc := range []struct{ key, whisper string }{{"", "none"}, {"5", "out"}, {"6", "both"}} {
		if tc.key != "" {
			f.dtmf("c1", tc.key)
		}
		snoop := f.want(http.MethodPost, "/channels/leg1/snoop")
		q := snoop.Query
		if q.Get("spy") != "both" || q.Get("whisper") != tc.whisper || q.Get("appArgs") != "ariflow-leg,c1" {
			t.Errorf("snoop %d: %s, want spy both, whisper %s, appArgs ariflow-leg,c1", i, q.Encode(), tc.whisper)
		}
		id := q.Get("snoopId")
		f.srv.Push(aritest.StasisStart(testApp, id, "ariflow-leg", "c1"))
		if i == 0 {
			create := f.want(http.MethodPost, "/bridges")
			bridge = create.Query.Get("bridgeId")
		}
		add := f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel")
		if got := add.Query.Get("channel"); i > 0 && got != id {
			t.Errorf("added %q to the bridge, want the snoop %s", got, id)
		}
		if i > 0 {
			continue
		}
		if got := add.Query.Get("channel"); got != "c1,"+id {
			t.Errorf("bridged %q, want the supervisor and the snoop", got)
		}
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
}

// A snoop Asterisk makes but that cannot join the supervisor's bridge (the bridge's
// addChannel fails) is hung up at once, not left listening to 1000's call until the
// supervisor hangs up; the supervisor hears an error, not that the call ended, and is
// asked for another extension.
func TestSpySnoopThatCannotJoinIsHungUp(t *testing.T) {
	f := newFixture(t, spyBody)
	f.srv.Handle(http.MethodPost, "/bridges/{bridgeId}/addChannel", func(*http.Request) (int, any) {
		return http.StatusInternalServerError, aritest.Message("Internal Server Error")
	})
	f.spyOn1000()
	id := f.want(http.MethodPost, "/channels/leg1/snoop").Query.Get("snoopId")
	f.srv.Push(aritest.StasisStart(testApp, id, "ariflow-leg", "c1"))
	f.want(http.MethodPost, "/bridges/")
	f.wantPath(http.MethodDelete, "/channels/"+id)
	prompt := f.want(http.MethodPost, "/channels/c1/play")
	if got := prompt.Query.Get("media"); got != spy.PromptError {
		t.Errorf("the supervisor heard %q, want %s", got, spy.PromptError)
	}
	f.push("PlaybackFinished", playbackFinished(prompt.Query.Get("playbackId"), "c1"))
	if got := f.want(http.MethodPost, "/channels/c1/play").Query.Get("media"); got != spy.PromptExtension {
		t.Errorf("then %q, want %s: another extension", got, spy.PromptExtension)
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
}

// A snoop whose making got no answer from Asterisk (it may listen all the same) is hung
// up; the supervisor hears an error and is asked for another extension.
func TestSpySnoopMadeWithoutAnAnswerIsHungUp(t *testing.T) {
	f := newFixture(t, spyBody)
	f.srv.Handle(http.MethodPost, "/channels/{id}/snoop", func(*http.Request) (int, any) { return http.StatusOK, aritest.NoAnswer })
	f.spyOn1000()
	id := f.want(http.MethodPost, "/channels/leg1/snoop").Query.Get("snoopId")
	f.wantPath(http.MethodDelete, "/channels/"+id)
	if got := f.want(http.MethodPost, "/channels/c1/play").Query.Get("media"); got != spy.PromptError {
		t.Errorf("the supervisor heard %q, want %s", got, spy.PromptError)
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
}

// spyOn1000 is supervisor 2000 calling 52 and typing 1000# (whose phone's channel is leg1)
// during the prompt, which it returns.
func (f *fixture) spyOn1000() aritest.Request {
	f.t.Helper()
	leg := aritest.Channel("leg1")
	leg["name"] = "PJSIP/1000-00000001"
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) { return http.StatusOK, []any{leg} })
	ev := aritest.StasisStart(testApp, "c1", "52")
	ev["channel"].(map[string]any)["caller"] = map[string]string{"name": "", "number": "2000"}
	f.srv.Push(ev)
	prompt := f.want(http.MethodPost, "/channels/c1/play")
	for _, d := range []string{"1", "0", "0", "0", "#"} {
		f.dtmf("c1", d)
	}
	return prompt
}
