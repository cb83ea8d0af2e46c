package integration

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/internal/labtest"
)

// dialContextBody: extension 1000 unrecorded, so that with asterisk.dial_context its ring
// is handed to Asterisk's Dial (lab/asterisk/extensions.conf, [ariflow-dial]).
const dialContextBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 4s, mailbox: "1000"}
voicemail:
  boxes:
    "1000": {pin: "1000"}
`

// An answered call is Asterisk's Dial from ring to hang-up: the caller's channel runs Dial
// while the two talk, and the admin's list shows the call connected to phone 1000: from
// the app's own calls when it follows the call (an extension with a notice), else from
// Asterisk's channels. When the caller hangs up nothing is left in Asterisk.
func TestDialContextAnsweredCallIsAsterisksDial(t *testing.T) {
	for _, tc := range []struct {
		name   string
		notify bool
	}{{"handed off", false}, {"followed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			body := dialContextBody
			if tc.notify {
				body = strings.Replace(body, `mailbox: "1000"}`, `mailbox: "1000", notify: true}`, 1)
			}
			h := start(t, options{body: body, dialContext: "ariflow-dial", now: monday(10, 0)})
			phone := h.lab.Phone(t, "1000", "uas_answer.xml")
			caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "2000",
				Vars: map[string]string{"hold_ms": "3000"}, Timeout: 30 * time.Second})
			if !phone.WaitReceived("ACK", 1, 15*time.Second) {
				t.Fatal("phone 1000 was not connected to its caller")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			inDial, err := h.app.CallsInDial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := append(h.app.Calls(), inDial...)
			if len(listed) != 1 || listed[0].State != "connected PJSIP/1000 (Asterisk's Dial)" || listed[0].Caller != "2000" || listed[0].Exten != "1000" {
				t.Errorf("live calls = %+v, want one from 2000 to 1000, connected to PJSIP/1000 in Asterisk's Dial", listed)
			}
			if followed := len(h.app.Calls()) == 1; followed != tc.notify {
				t.Errorf("the app follows the call: %v, want %v", followed, tc.notify)
			}
			if out := h.lab.AsteriskCLI(t, "core show channels concise"); !strings.Contains(out, "!Dial!") {
				t.Errorf("no channel runs Dial while the two talk:\n%s", out)
			}
			caller.Wait().AssertOK(t)
			phone.Wait().AssertOK(t)
			h.waitIdle(10 * time.Second)
			h.lab.NoLeftovers(t)
			if got := h.vm.Reasons(); len(got) != 0 {
				t.Errorf("an answered call reached voicemail: %v", got)
			}
		})
	}
}

// A phone that is busy or does not answer sends the caller back into the app, to the
// extension's voicemail with the reason, as when the app rings the phone itself.
func TestDialContextUnansweredCallsGoToVoicemail(t *testing.T) {
	for _, tc := range []struct{ name, scenario, reason string }{
		{"no answer", "uas_noanswer.xml", "noanswer"},
		{"busy", "uas_busy.xml", "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, options{body: dialContextBody, dialContext: "ariflow-dial", now: monday(10, 0)})
			phone := h.lab.Phone(t, "1000", tc.scenario)
			callToVoicemail(h, "2000").AssertOK(t)
			phone.Wait().AssertOK(t)
			h.waitIdle(10 * time.Second)
			if got := h.vm.Reasons(); !slices.Equal(got, []string{"1000:" + tc.reason}) {
				t.Errorf("voicemail reached with %v, want [1000:%s]", got, tc.reason)
			}
			h.lab.NoLeftovers(t)
		})
	}
}

// The app is killed while Asterisk's Dial rings the phone and started again: the phone
// goes on ringing (Asterisk has the call), and when the ring time is over the caller comes
// back to the new process, which takes them to the extension's voicemail.
func TestAppKilledWhileAsterisksDialRings(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	routing := writeRouting(t, lab, dir, "  dial_context: ariflow-dial\n", dialContextBody)
	first := startServe(t, bin, routing, filepath.Join(dir, "first.log"))
	phone := lab.Phone(t, "1000", "uas_noanswer.xml")
	caller := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "1000", From: "2000", Timeout: 60 * time.Second})
	if !phone.WaitReceived("INVITE", 1, 15*time.Second) {
		t.Fatal("phone 1000 did not ring")
	}
	first.kill(t)
	second := startServe(t, bin, routing, filepath.Join(dir, "second.log"))
	second.waitLog(t, "back from Asterisk's Dial, unanswered")
	caller.Wait().AssertOK(t) // through the voicemail's greeting and recording
	phone.Wait().AssertOK(t)
	if logs := second.logs(); !strings.Contains(logs, `"box":"1000","reason":"noanswer"`) {
		t.Errorf("the restarted app did not take the caller to box 1000's voicemail (reason noanswer):\n%s", logs)
	}
	lab.NoLeftovers(t)
	second.stop(t)
}

// A phone cannot dial into the dial context: its extension says what Dial rings, and the
// phones' context (internal) has no way there, so a caller who dials that form of number
// is refused (404) and the phone it names does not ring. The app, running with the dial
// context, is not asked either.
func TestPhonesCannotDialIntoTheDialContext(t *testing.T) {
	h := start(t, options{body: dialContextBody, dialContext: "ariflow-dial", now: monday(10, 0)})
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	refused := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_refused.xml", Service: "~1000~PJSIP/1000~4", From: "2000",
		Timeout: 20 * time.Second}).Wait()
	refused.AssertOK(t)
	if msgs := refused.Messages(); !strings.Contains(msgs, "SIP/2.0 404") {
		t.Errorf("not refused with 404 (nowhere to go):\n%s", msgs)
	}
	if phone.WaitReceived("INVITE", 1, 3*time.Second) {
		t.Error("phone 1000 rang for a caller who dialed into the dial context")
	}
	if total := h.app.Total(); total != 0 {
		t.Errorf("the app took %d calls, want none", total)
	}
	h.lab.NoLeftovers(t)
}
