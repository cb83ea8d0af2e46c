package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
)

// ivrBody is the seed's svi_1 on 900 with short timeouts, a menu that gives up after two
// silent rounds on 901, a menu with a two-digit choice on 902, and one where callers may
// type an extension number on 903; 904 has a sub-menu. 2001 is the seed's
// phone y, 2002 phone z.
const ivrBody = `
extensions:
  "2001": {endpoint: PJSIP/2001, ring_time: 5s}
  "2002": {endpoint: PJSIP/2002, ring_time: 5s}
menus:
  svi_1:
    prompts: [sound:service1, sound:service2]
    timeout: 2s
    choices:
      "1": {extension: "2001"}
      "2": {extension: "2002"}
    invalid: {restart: true}
    on_timeout: {replay_from: 1}
  retries:
    prompts: [sound:beep]
    timeout: 1s
    choices: {"1": {extension: "2001"}}
    max_retries: 2
    after_retries: {extension: "2002"}
  two:
    prompts: [sound:service1]
    timeout: 3s
    digit_timeout: 1500ms
    choices:
      "1": {extension: "2001"}
      "12": {extension: "2002"}
  direct:
    prompts: [sound:service1]
    timeout: 3s
    digit_timeout: 1500ms
    direct_dial: true
    choices: {"0": {extension: "2002"}}
  top:
    prompts: [sound:beep]
    choices: {"1": {menu: sub}, "2": {extension: "2002"}}
  sub:
    prompts: [sound:service2]
    choices: {"1": {extension: "2001"}, "*": {back: true}}
numbers:
  "900": {menu: svi_1}
  "901": {menu: retries}
  "902": {menu: two}
  "903": {menu: direct}
  "904": {menu: top}
`

// playback is one prompt the app played, with Asterisk's own timestamps.
type playback struct {
	media      string
	start, end time.Time
}

func (p *playback) String() string {
	if p.end.IsZero() {
		return strings.TrimPrefix(p.media, "sound:")
	}
	return fmt.Sprintf("%s (%s)", strings.TrimPrefix(p.media, "sound:"), p.end.Sub(p.start).Round(10*time.Millisecond))
}

// heard is what a caller heard of the menu.
type heard []*playback

func (h heard) media() []string {
	out := make([]string, len(h))
	for i, p := range h {
		out[i] = p.media
	}
	return out
}

// menuCall places a call to number from a SIPp caller who sends keys pre_ms after the
// answer, stays hold_ms after the last, then hangs up; it returns what the caller heard.
func menuCall(h *harness, number, keys, preMs, holdMs string) heard {
	h.t.Helper()
	return h.menuCallGap(number, keys, preMs, "300", holdMs)
}

// menuCallGap is menuCall with gapMs between keys.
func (h *harness) menuCallGap(number, keys, preMs, gapMs, holdMs string) heard {
	h.t.Helper()
	caller := h.lab.StartSIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: number, From: "2000",
		Vars: map[string]string{"digits": keys, "pre_ms": preMs, "gap_ms": gapMs, "hold_ms": holdMs}, Timeout: 40 * time.Second})
	var list heard
	byID := map[string]*playback{}
	done := caller.Done()
	var quiet <-chan time.Time
	for {
		select {
		case ev := <-h.observer.C():
			switch e := ev.(type) {
			case *ari.PlaybackStarted:
				p := &playback{media: e.Playback.MediaURI, start: e.Timestamp.Time}
				byID[e.Playback.ID] = p
				list = append(list, p)
			case *ari.PlaybackFinished:
				if p := byID[e.Playback.ID]; p != nil {
					p.end = e.Timestamp.Time
				}
			}
		case <-done:
			done = nil
			quiet = time.After(500 * time.Millisecond)
		case <-quiet:
			h.t.Logf("the caller heard %v", list)
			caller.Wait().AssertOK(h.t)
			h.waitIdle(10 * time.Second)
			return list
		}
	}
}

// prompt lengths in the lab (lab/README.md).
const service1Length = 3040 * time.Millisecond

// cutShort reports whether a prompt was stopped well before its end: what a caller hears
// when a key stops it.
func cutShort(p *playback, length time.Duration) bool {
	return !p.end.IsZero() && p.end.Sub(p.start) < length-500*time.Millisecond
}

// The seed's menu over real SIP: keys sent as SIP INFO while the prompts play.
func TestIVRSeedMenu(t *testing.T) {
	t.Run("1 during service1 stops it and rings y", func(t *testing.T) {
		h := start(t, options{body: ivrBody, now: monday(10, 0)})
		y := h.lab.Phone(t, "2001", "uas_answer.xml")
		got := menuCall(h, "900", "1", "1500", "3000")
		if len(got) == 0 || got[0].media != "sound:service1" || !cutShort(got[0], service1Length) {
			t.Errorf("heard %v: want service1 stopped by the key", got)
		}
		if slices.Contains(got.media(), "sound:service2") {
			t.Errorf("heard %v: service2 played after the key", got)
		}
		y.Wait().AssertOK(t) // rang, answered, talked, got the BYE
	})
	t.Run("2 during service2 rings z", func(t *testing.T) {
		h := start(t, options{body: ivrBody, now: monday(10, 0)})
		z := h.lab.Phone(t, "2002", "uas_answer.xml")
		got := menuCall(h, "900", "2", "4000", "3000")
		if !slices.Equal(got.media(), []string{"sound:service1", "sound:service2"}) || !cutShort(got[1], 2740*time.Millisecond) {
			t.Errorf("heard %v: want service1, then service2 stopped by the key", got)
		}
		z.Wait().AssertOK(t)
	})
	t.Run("5 says invalid and replays from the start", func(t *testing.T) {
		h := start(t, options{body: ivrBody, now: monday(10, 0)})
		got := menuCall(h, "900", "5", "1500", "6000")
		if want := []string{"sound:service1", "sound:invalid", "sound:service1"}; len(got) < 3 || !slices.Equal(got.media()[:3], want) {
			t.Errorf("heard %v, want %v first", got, want)
		}
		if len(got) > 0 && !cutShort(got[0], service1Length) {
			t.Errorf("the key did not stop service1: %v", got)
		}
	})
	t.Run("no key replays the prompts", func(t *testing.T) {
		h := start(t, options{body: ivrBody, now: monday(10, 0)})
		got := menuCall(h, "900", "", "0", "9000")
		if want := []string{"sound:service1", "sound:service2", "sound:service1"}; len(got) < 3 || !slices.Equal(got.media()[:3], want) {
			t.Errorf("heard %v, want %v first", got, want)
		}
	})
}

// After max_retries rounds without a key, the menu's after_retries destination rings.
func TestIVRAfterMaxRetries(t *testing.T) {
	h := start(t, options{body: ivrBody, now: monday(10, 0)})
	z := h.lab.Phone(t, "2002", "uas_answer.xml")
	got := menuCall(h, "901", "", "0", "6000")
	if !slices.Equal(got.media(), []string{"sound:beep", "sound:beep"}) {
		t.Errorf("heard %v, want the prompt twice, then the phone", got)
	}
	z.Wait().AssertOK(t)
}

// A two-digit choice: 1 then 2 within digit_timeout is 12 (phone z); 1 alone is taken
// once digit_timeout has passed (phone y).
func TestIVRTwoDigitChoices(t *testing.T) {
	for _, tc := range []struct{ keys, phone string }{{"12", "2002"}, {"1", "2001"}} {
		t.Run(tc.keys, func(t *testing.T) {
			h := start(t, options{body: ivrBody, now: monday(10, 0)})
			other := map[string]string{"2001": "2002", "2002": "2001"}[tc.phone]
			phone := h.lab.Phone(t, tc.phone, "uas_answer.xml")
			wrong := h.lab.Phone(t, other, "uas_answer.xml")
			got := menuCall(h, "902", tc.keys, "1000", "4000")
			if len(got) != 1 || !cutShort(got[0], service1Length) {
				t.Errorf("heard %v, want service1 stopped by the first key", got)
			}
			phone.Wait().AssertOK(t)
			if n := wrong.Received("INVITE"); n != 0 {
				t.Errorf("phone %s rang too", other)
			}
			wrong.Kill()
		})
	}
}

// direct_dial: typing an extension's number in the menu rings it.
func TestIVRDirectDial(t *testing.T) {
	h := start(t, options{body: ivrBody, now: monday(10, 0)})
	y := h.lab.Phone(t, "2001", "uas_answer.xml")
	got := menuCall(h, "903", "2001", "1000", "4000")
	if len(got) != 1 || !cutShort(got[0], service1Length) {
		t.Errorf("heard %v, want service1 stopped by the first key", got)
	}
	y.Wait().AssertOK(t)
}

// A sub-menu and back: 1 enters the sub-menu, * returns to the top menu, 2 there rings z.
func TestIVRSubMenuAndBack(t *testing.T) {
	h := start(t, options{body: ivrBody, now: monday(10, 0)})
	z := h.lab.Phone(t, "2002", "uas_answer.xml")
	got := h.menuCallGap("904", "1*2", "1000", "800", "3000")
	if want := []string{"sound:beep", "sound:service2", "sound:beep"}; !slices.Equal(got.media(), want) {
		t.Errorf("heard %v, want %v", got, want)
	}
	z.Wait().AssertOK(t)
}
