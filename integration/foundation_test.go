package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
)

const playBody = `
numbers:
  "7001": {play: [sound:hello]}
  "7002": {play: [sound:service1, sound:service2, sound:service1, sound:service2, sound:service1, sound:service2]}
`

// A real SIP call reaches the app, is answered, hears a prompt and is hung up by the app;
// afterwards Asterisk has no channel or bridge left.
func TestCallIsAnsweredHearsPromptAndLeavesNothing(t *testing.T) {
	h := start(t, options{body: playBody})
	res := h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7001", From: "2000", Timeout: 20 * time.Second})
	res.AssertOK(t)
	started := h.waitEvent(5*time.Second, "prompt hello started", func(ev ari.Event) bool {
		e, ok := ev.(*ari.PlaybackStarted)
		return ok && e.Playback.MediaURI == "sound:hello"
	}).(*ari.PlaybackStarted)
	h.waitEvent(5*time.Second, "prompt hello finished", func(ev ari.Event) bool {
		e, ok := ev.(*ari.PlaybackFinished)
		return ok && e.Playback.ID == started.Playback.ID && e.Playback.State == "done"
	})
	h.waitIdle(5 * time.Second)
	h.lab.NoLeftovers(t)
	if !strings.Contains(h.logs.String(), `"exten":"7001"`) {
		t.Errorf("the call's log lines do not carry its extension:\n%s", h.logs.String())
	}
}

// With sounds.language, the caller hears the prompt in that language, and where Asterisk
// has no file in it (the lab has English sounds only), in English rather than silence.
func TestPromptsPlayInTheFilesLanguage(t *testing.T) {
	h := start(t, options{body: "sounds: {language: fr}\n" + playBody})
	astLog := asteriskLog(h)
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7001", From: "2000", Timeout: 20 * time.Second}).AssertOK(t)
	started := h.waitEvent(5*time.Second, "prompt hello started", func(ev ari.Event) bool {
		e, ok := ev.(*ari.PlaybackStarted)
		return ok && e.Playback.MediaURI == "sound:hello"
	}).(*ari.PlaybackStarted)
	if started.Playback.Language != "fr" {
		t.Errorf("playback language %q, want fr", started.Playback.Language)
	}
	h.waitEvent(5*time.Second, "prompt hello played to its end", func(ev ari.Event) bool {
		e, ok := ev.(*ari.PlaybackFinished)
		return ok && e.Playback.ID == started.Playback.ID && e.Playback.State == "done"
	})
	if log := astLog(); !strings.Contains(log, "Playing 'hello.") || !strings.Contains(log, "(language 'fr')") {
		t.Errorf("Asterisk did not play hello with language fr:\n%s", log)
	}
	h.waitIdle(5 * time.Second)
}

// Asterisk stops during a call and starts again: the app logs the loss, reconnects, ends
// the call Asterisk no longer has, and serves the next call.
func TestAsteriskRestartDuringCall(t *testing.T) {
	h := start(t, options{body: playBody})
	long := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "7002", From: "2000",
		Vars: map[string]string{"hold_ms": "30000"}, Timeout: 40 * time.Second})
	h.waitPlayback("sound:service1", 10*time.Second)
	if n := len(h.app.Calls()); n != 1 {
		t.Fatalf("live calls before the restart = %d, want 1", n)
	}

	h.lab.RestartAsterisk(t)
	long.Kill()

	h.waitIdle(30 * time.Second)
	h.waitConnected()
	logs := h.logs.String()
	if !strings.Contains(logs, "ARI connection lost") || strings.Count(logs, "ARI connected") < 2 {
		t.Errorf("logs should show the connection lost, then connected again:\n%s", logs)
	}

	res := h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7001", From: "2000", Timeout: 20 * time.Second})
	res.AssertOK(t)
	h.waitPlayback("sound:hello", 5*time.Second)
	h.waitIdle(5 * time.Second)
	h.lab.NoLeftovers(t)
}
