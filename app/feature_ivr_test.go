package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/config"
)

const ivrBody = `
extensions:
  "2001": {endpoint: PJSIP/2001, ring_time: 5s}
  "2002": {endpoint: PJSIP/2002}
menus:
  svi_1:
    prompts: [sound:service1, sound:service2]
    choices: {"1": {extension: "2001"}, "2": {extension: "2002"}}
  quick:
    prompts: [sound:service1, sound:service2]
    timeout: 100ms
    on_timeout: {replay_from: 2}
    choices: {"1": {extension: "2001"}}
numbers:
  "900": {menu: svi_1}
  "901": {menu: quick}
`

func (f *fixture) dtmf(channelID, digit string) {
	f.push("ChannelDtmfReceived", map[string]any{"channel": aritest.Channel(channelID), "digit": digit, "duration_ms": 100})
}

// On the fake ARI server: 900 answers and plays service1; 5 stops it and plays invalid,
// then service1 again; 1 stops it and rings 2001 with the extension flow.
func TestMenuBargeInRingsTheChoice(t *testing.T) {
	f := newFixture(t, ivrBody)
	f.call("c1", "900")
	f.want(http.MethodPost, "/channels/c1/answer")
	play := f.want(http.MethodPost, "/channels/c1/play")
	if got := play.Query.Get("media"); got != "sound:service1" {
		t.Fatalf("first prompt %q, want sound:service1", got)
	}
	f.dtmf("c1", "5")
	f.want(http.MethodDelete, "/playbacks/"+play.Query.Get("playbackId"))
	var media []string
	for len(media) < 2 {
		ctx := f.want(http.MethodPost, "/channels/c1/play")
		if m := ctx.Query.Get("media"); !slices.Contains(media, m) {
			media = append(media, m)
			if m == "sound:invalid" {
				f.push("PlaybackFinished", playbackFinished(ctx.Query.Get("playbackId"), "c1"))
			}
		}
	}
	if !slices.Equal(media, []string{"sound:invalid", "sound:service1"}) {
		t.Fatalf("after 5 played %v, want invalid then service1", media)
	}
	f.dtmf("c1", "1")
	orig := f.wantPath(http.MethodPost, "/channels")
	if got := orig.Query.Get("endpoint"); got != "PJSIP/2001" {
		t.Errorf("rang %q, want PJSIP/2001", got)
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
}

// On the fake ARI server: no key within the timeout replays from the second prompt.
func TestMenuTimeoutReplays(t *testing.T) {
	f := newFixture(t, ivrBody)
	f.call("c1", "901")
	var media []string
	for len(media) < 3 {
		play := f.want(http.MethodPost, "/channels/c1/play")
		media = append(media, play.Query.Get("media"))
		f.push("PlaybackFinished", playbackFinished(play.Query.Get("playbackId"), "c1"))
	}
	if want := []string{"sound:service1", "sound:service2", "sound:service2"}; !slices.Equal(media, want) {
		t.Errorf("played %v, want %v", media, want)
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
}

// ariflow simulate: where keys lead from 900, down to the phone that rings.
func TestExplainKeys(t *testing.T) {
	file, err := config.Parse("test.yaml", []byte("asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\n"+ivrBody))
	if err != nil {
		t.Fatal(err)
	}
	r, err := app.NewRouting(file, app.Services{})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := r.ExplainKeys("1000", "900", "5t2", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(steps, "\n")
	for _, want := range []string{"1000 dials 900: menu", "entry 5: not a choice: play sound:invalid, start over",
		"no key within 10s: replay from prompt 1", "entry 2: extension 2002", "ring PJSIP/2002 for 15s"} {
		if !strings.Contains(out, want) {
			t.Errorf("steps lack %q:\n%s", want, out)
		}
	}
	steps, _ = r.Explain("1000", "900", time.Now())
	if last := steps[len(steps)-1]; last != "waits for a key" {
		t.Errorf("without keys, the last step is %q, want waits for a key", last)
	}
}

// ariflow simulate says what a number of one step does: where a dial rings and for how
// long, what is played, whose voicemail, a hang-up.
func TestExplainOneStepActions(t *testing.T) {
	file, err := config.Parse("test.yaml", []byte(`asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
voicemail: {boxes: {"1000": {pin: "1234"}}}
numbers:
  "700": {dial: PJSIP/2001}
  "701": {play: [sound:hello]}
  "702": {voicemail: "1000"}
  "703": {hangup: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := app.NewRouting(file, app.Services{})
	if err != nil {
		t.Fatal(err)
	}
	for number, want := range map[string]string{"700": "ring PJSIP/2001 for 15s", "701": "play sound:hello, hang up",
		"702": "voicemail of 1000", "703": "hang up"} {
		steps, err := r.Explain("2000", number, time.Now())
		if err != nil || len(steps) != 2 || steps[1] != want {
			t.Errorf("simulate %s: %q (%v), want a second step %q", number, steps, err, want)
		}
	}
}
