package integration

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/spy"
)

// spyBody: 2000 may spy on anyone; 52 listens, 54 barges. The extension 1000 rings its
// phone; nothing records (a recorded channel would keep its own bridge busy).
const spyBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 10s}
spy:
  allow:
    - {who: ["2000"], whom: ["*"]}
numbers:
  "52": {spy: {mode: listen}}
  "54": {spy: {mode: barge}}
`

// restClient is an ARI client for the test's own requests (no events).
func restClient(t *testing.T, lab *labtest.Lab) *ari.Client {
	c, err := ari.New(ari.Options{BaseURL: lab.ARIURL, Username: lab.ARIUser, Password: lab.ARIPassword,
		Application: lab.App, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// findChannel waits for an answered channel whose name starts with prefix.
func (h *harness) findChannel(prefix string, timeout time.Duration) ari.Channel {
	h.t.Helper()
	answered := func(ch ari.Channel) bool { return strings.HasPrefix(ch.Name, prefix) && ch.State == "Up" }
	all, ok := pollARI(h, "/channels", timeout, func(all []ari.Channel) bool { return slices.ContainsFunc(all, answered) })
	if !ok {
		h.t.Fatalf("no answered %s channel within %s: %+v", prefix, timeout, all)
	}
	return all[slices.IndexFunc(all, answered)]
}

// waitNoChannel waits until Asterisk has no channel whose name starts with prefix.
func (h *harness) waitNoChannel(prefix string, timeout time.Duration) {
	h.t.Helper()
	all, ok := pollARI(h, "/channels", timeout, func(all []ari.Channel) bool {
		return !slices.ContainsFunc(all, func(ch ari.Channel) bool { return strings.HasPrefix(ch.Name, prefix) })
	})
	if !ok {
		h.t.Fatalf("a %s channel is still up after %s: %+v", prefix, timeout, all)
	}
}

// pollARI lists path (every 100 ms, for timeout at most) until done accepts the list,
// and returns the last list and whether done accepted it.
func pollARI[T any](h *harness, path string, timeout time.Duration, done func([]T) bool) ([]T, bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var all []T
		h.lab.ARIGet(h.t, path, &all)
		if done(all) {
			return all, true
		}
		if time.Now().After(deadline) {
			return all, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// talked drains the observed events and reports whether talking started on channel id.
func (h *harness) talked(id string) bool {
	found := false
	for {
		select {
		case ev := <-h.observer.C():
			if e, ok := ev.(*ari.ChannelTalkingStarted); ok && e.Channel.ID == id {
				found = true
			}
		default:
			return found
		}
	}
}

// silentCaller writes a caller scenario that sends silence for seconds (labtest.SilentCaller).
func silentCaller(t *testing.T, lab *labtest.Lab, seconds int) string {
	path, err := labtest.SilentCaller(t.TempDir(), lab.ScenarioDir, seconds)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// supervisor calls number from 2000, types digits, and hangs up after holdMs. Its SIPp
// sends audio (7 s) from the answer on: the supervisor's voice.
func supervisor(h *harness, number, digits, holdMs string) *labtest.Proc {
	return h.lab.StartSIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: number, From: "2000",
		Vars: map[string]string{"digits": digits, "pre_ms": "800", "hold_ms": holdMs}, Timeout: 40 * time.Second})
}

// A silent caller talks with 1000, whose phone echoes what it hears (so TALK_DETECT on its
// channel notices audio reaching the phone). Listen gives a snoop bridged with the
// supervisor, and the supervisor's voice does not reach 1000; 5 switches to whisper and
// it does; barge (54) too; when the spied call ends the supervisor is told. Every
// session is logged.
func TestSpyListenWhisperBarge(t *testing.T) {
	h := start(t, options{body: spyBody, now: monday(10, 0)})
	rest := restClient(t, h.lab)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	phone := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "1000", Scenario: "uas_spy_echo.xml",
		Vars: map[string]string{"ring_ms": "200"}, ExtraArgs: []string{"-rtp_echo"}, Timeout: 80 * time.Second})
	caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: silentCaller(t, h.lab, 70), Service: "1000", From: "3001", Timeout: 80 * time.Second})
	leg := h.findChannel("PJSIP/1000-", 10*time.Second)
	callerCh := h.findChannel("PJSIP/sipp-", 5*time.Second)
	if err := rest.Channels.SetVar(ctx, leg.ID, "TALK_DETECT(set)", ""); err != nil {
		t.Fatal(err)
	}

	// listen: a snoop bridged with the supervisor alone; the supervisor's voice does not
	// reach the phone
	s1 := supervisor(h, "52", "1000#", "4000")
	snoop := h.findChannel("Snoop/", 10*time.Second)
	// The snoop is up a moment before the app has added it to the supervisor's bridge.
	bridges, bridged := pollARI(h, "/bridges", 5*time.Second, func(bridges []ari.Bridge) bool {
		return slices.ContainsFunc(bridges, func(b ari.Bridge) bool {
			return slices.Contains(b.Channels, snoop.ID) && len(b.Channels) == 2 && !slices.Contains(b.Channels, leg.ID)
		})
	})
	if !bridged {
		t.Errorf("the snoop %s is not bridged with the supervisor alone: %+v", snoop.Name, bridges)
	}
	s1.Wait().AssertOK(t)
	if h.talked(leg.ID) {
		t.Errorf("in listen mode the supervisor's voice reached 1000's phone")
	}

	// listen, then 5: whisper
	s2 := supervisor(h, "52", "1000#5", "4000")
	s2.Wait().AssertOK(t)
	if !h.talked(leg.ID) {
		t.Errorf("in whisper mode the supervisor's voice did not reach 1000's phone; logs:\n%s", h.logs.String())
	}

	// barge, until the spied call ends: once the whisper's snoop is gone (the next one is
	// barge's) and its talking events are drained, a fresh talk detector (the last one may
	// still be in the whisper's talking state)
	h.waitNoChannel("Snoop/", 10*time.Second)
	h.talked(leg.ID)
	for _, v := range []string{"TALK_DETECT(remove)", "TALK_DETECT(set)"} {
		if err := rest.Channels.SetVar(ctx, leg.ID, v, ""); err != nil {
			t.Fatal(err)
		}
	}
	s3 := supervisor(h, "54", "1000#", "9000")
	h.findChannel("Snoop/", 10*time.Second)
	h.waitEvent(10*time.Second, "talking on 1000's channel", func(ev ari.Event) bool {
		e, ok := ev.(*ari.ChannelTalkingStarted)
		return ok && e.Channel.ID == leg.ID
	})
	if err := rest.Channels.Hangup(ctx, callerCh.ID, "normal"); err != nil {
		t.Fatal(err)
	}
	h.waitPlayback(spy.PromptEnded, 10*time.Second)
	caller.Wait().AssertOK(t)
	phone.Wait().AssertOK(t)
	s3.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

	sessions, err := spy.Sessions(h.db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sessions {
		if s.Supervisor != "2000" || s.Target != "1000" || s.Start.IsZero() || s.Seconds <= 0 {
			t.Errorf("session %+v: want 2000 spying on 1000 with a start and a length", s)
		}
		got = append(got, strings.Join(s.Modes, "+")+":"+s.End)
	}
	want := []string{"listen:supervisor hung up", "listen+whisper:supervisor hung up", "barge:target hung up"}
	if !slices.Equal(got, want) {
		t.Errorf("sessions = %v, want %v", got, want)
	}
}

// A caller on no rule of the allow-list is refused with a prompt; an extension not on a
// call is announced as such.
func TestSpyRefusedAndNotOnCall(t *testing.T) {
	h := start(t, options{body: spyBody, now: monday(10, 0)})
	s := supervisor(h, "52", "3000#", "6000")
	h.waitPlayback(spy.PromptNotOnCall, 10*time.Second)
	s.Wait().AssertOK(t)
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "52", From: "3001", Timeout: 20 * time.Second}).AssertOK(t)
	h.waitPlayback(spy.PromptRefused, 5*time.Second)
	h.waitIdle(10 * time.Second)
}
