package integration

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/voicemail"
)

// voicemailBody has box 1000 behind extension 1000, a direct deposit number 8000 and the
// mailbox menu on 456.
const voicemailBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 4s, mailbox: "1000"}
voicemail:
  max_messages: %MAX%
  boxes:
    "1000": {pin: "1234", name: Accueil}
numbers:
  "8000": {voicemail: "1000"}
  "456": {voicemail_main: {}}
`

func vmBody(maxMessages string) string {
	return strings.ReplaceAll(voicemailBody, "%MAX%", maxMessages)
}

// service is the real voicemail behind the harness's spy.
func (h *harness) service() *voicemail.Service { return h.vm.next.(app.Voicemail).S }

func (h *harness) inbox(box string) []voicemail.Message {
	h.t.Helper()
	msgs, err := h.service().Messages(box, "INBOX")
	if err != nil {
		h.t.Fatal(err)
	}
	return msgs
}

// leaveMessage calls 8000 (voicemail of 1000): # skips the greeting half a second after the
// answer, then the caller talks (SIPp's 7 s of audio) for holdMs and hangs up.
func leaveMessage(h *harness, from, holdMs string) {
	h.t.Helper()
	h.lab.SIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "8000", From: from,
		Vars: map[string]string{"digits": "#", "pre_ms": "500", "hold_ms": holdMs}, Timeout: 30 * time.Second}).AssertOK(h.t)
	h.waitIdle(10 * time.Second)
}

// A caller who talks ~5 s after the beep and hangs up leaves a ~5 s message with real audio,
// from its caller ID, in INBOX; a notice with the audio goes to Mattermost. A caller who
// hangs up after ~1 s leaves nothing (minimum 3 s).
func TestVoicemailLeaveMessage(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	leaveMessage(h, "2000", "5500")
	msgs := h.inbox("1000")
	if len(msgs) != 1 {
		t.Fatalf("INBOX of 1000 has %d messages, want 1; logs:\n%s", len(msgs), h.logs.String())
	}
	m := msgs[0]
	if m.Caller != "2000" || m.Duration < 4*time.Second || m.Duration > 6500*time.Millisecond {
		t.Errorf("message = %+v, want caller 2000 and about 5 s", m)
	}
	info, err := os.Stat(h.lab.SpoolDir + "/" + m.Recording + ".wav")
	if err != nil || info.Size() < 44+3*16000 {
		t.Errorf("message audio: %v (%v bytes)", err, info)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	posts, err := h.mm.WaitPosts(ctx, 1)
	if err != nil {
		t.Fatalf("no Mattermost notice of the message: %v", err)
	}
	if p := posts[0]; !strings.Contains(p.Message, "2000") || !strings.Contains(p.Message, "1000") || len(p.FileIDs) != 1 {
		t.Errorf("notice = %+v, want caller, box and the audio attached", p)
	}

	leaveMessage(h, "2000", "1000")
	if got := h.inbox("1000"); len(got) != 1 {
		t.Errorf("a 1 s message was kept: INBOX has %d messages", len(got))
	}
}

// # ends the recording: the caller hears "message saved", then the app hangs up.
func TestVoicemailPoundEndsRecording(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "8000", From: "2000",
		Vars: map[string]string{"digits": "##", "pre_ms": "500", "gap_ms": "4500"}, Timeout: 30 * time.Second}).AssertOK(t)
	h.waitPlayback("sound:vm-msgsaved", 5*time.Second)
	h.waitIdle(10 * time.Second)
	msgs := h.inbox("1000")
	if len(msgs) != 1 || msgs[0].Duration < 3*time.Second || msgs[0].Duration > 5*time.Second {
		t.Fatalf("INBOX = %+v, want one message of about 4 s", msgs)
	}
}

// A full box says so and records nothing.
func TestVoicemailFullBox(t *testing.T) {
	h := start(t, options{body: vmBody("1"), now: monday(10, 0)})
	leaveMessage(h, "2000", "4500")
	if n := len(h.inbox("1000")); n != 1 {
		t.Fatalf("first message: INBOX has %d, want 1", n)
	}
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "8000", From: "2000", Timeout: 30 * time.Second}).AssertOK(t)
	h.waitPlayback("sound:vm-mailboxfull", 5*time.Second)
	h.waitIdle(10 * time.Second)
	if n := len(h.inbox("1000")); n != 1 {
		t.Errorf("full box: INBOX has %d, want still 1", n)
	}
	for _, ev := range h.drainObserved() {
		if e, ok := ev.(*ari.RecordingFinished); ok && strings.Contains(e.Recording.Name, "voicemail/") {
			t.Errorf("a recording was made for the full box: %s", e.Recording.Name)
		}
	}
}

// The extension flow's unanswered call reaches the real voicemail with its reason, and the
// caller's words are kept.
func TestVoicemailFromExtension(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	phone := h.lab.Phone(t, "1000", "uas_busy.xml")
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "2000",
		Vars: map[string]string{"digits": "#", "pre_ms": "1500", "hold_ms": "5000"}, Timeout: 30 * time.Second}).AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	if got := h.vm.Reasons(); !slices.Equal(got, []string{"1000:busy"}) {
		t.Errorf("voicemail reached with %v, want [1000:busy]", got)
	}
	if msgs := h.inbox("1000"); len(msgs) != 1 {
		t.Errorf("INBOX = %+v, want one message", msgs)
	}
}

// drainObserved returns the events observed so far without waiting.
func (h *harness) drainObserved() []ari.Event {
	var out []ari.Event
	for {
		select {
		case ev := <-h.observer.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

// callMenu calls 456 and types keys 300 ms apart ("," waits a second) from the answer on,
// staying until the app hangs up.
func callMenu(h *harness, from, keys string) {
	h.t.Helper()
	h.lab.SIPp(h.t, labtest.SIPpRun{Scenario: "uac_voicemail.xml", Service: "456", From: from,
		Vars: map[string]string{"digits": keys, "pre_ms": "800"}, Timeout: 60 * time.Second}).AssertOK(h.t)
	h.waitIdle(10 * time.Second)
}

// The right mailbox and PIN: the caller hears "you have 1 new message", listens to it (it
// moves to Old), deletes it with 7, and leaves with #: the message and its file are gone.
func TestVoicemailMenuListenDelete(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	leaveMessage(h, "2000", "4500")
	msgs := h.inbox("1000")
	if len(msgs) != 1 {
		t.Fatalf("INBOX has %d messages, want 1", len(msgs))
	}
	h.drainObserved()
	// 1000# 1234#: login; 1: listen ("first message", when it was left: 6 s, then the
	// message); 7: delete (cuts the message); #: main menu; #: goodbye
	callMenu(h, "3000", "1000#1234#,,,1"+strings.Repeat(",", 8)+"7##")
	if !strings.Contains(h.logs.String(), `"new":1,"old":0`) {
		t.Errorf("the counts were not said as 1 new, 0 old; logs:\n%s", h.logs.String())
	}
	var played []string
	for _, ev := range h.drainObserved() {
		if e, ok := ev.(*ari.PlaybackStarted); ok {
			played = append(played, e.Playback.MediaURI)
		}
	}
	for _, want := range []string{"sound:vm-login", "sound:vm-password", "sound:vm-youhave", "recording:" + msgs[0].Recording, "sound:vm-goodbye"} {
		if !slices.Contains(played, want) {
			t.Errorf("never played %s; played %v", want, played)
		}
	}
	all, err := h.service().Messages("1000", "")
	if err != nil || len(all) != 0 {
		t.Errorf("after delete, box 1000 has %+v (%v)", all, err)
	}
	if _, err := os.Stat(h.lab.SpoolDir + "/" + msgs[0].Recording + ".wav"); !os.IsNotExist(err) {
		t.Errorf("the deleted message's file is still there: %v", err)
	}
}

// listenToTheEnd logs in to box 1000, listens to its first message to the end (about 10 s:
// "first message", when it was left, a 4 s message; a comma waits about a second), then
// leaves with # (main menu) and # (goodbye).
var listenToTheEnd = "1000#1234#,,,1" + strings.Repeat(",", 13) + "##"

// A message listened to moves from INBOX to Old, and the next login counts it as old.
func TestVoicemailMenuListenedMovesToOld(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	leaveMessage(h, "2000", "4500")
	// login, 1: listen to the end (its introduction 6 s, the message 4 s), #: back to the
	// main menu, #: goodbye
	callMenu(h, "3000", listenToTheEnd)
	if n := len(h.inbox("1000")); n != 0 {
		t.Errorf("INBOX still has %d messages after listening", n)
	}
	old, err := h.service().Messages("1000", "Old")
	if err != nil || len(old) != 1 || !old[0].Heard {
		t.Errorf("Old = %+v (%v), want the heard message", old, err)
	}
}

// Three wrong PINs: "incorrect" each time, then goodbye and the app hangs up; the caller is
// slowed down on the next call.
func TestVoicemailMenuWrongPIN(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	callMenu(h, "2000", "1000#1111#1000#2222#1000#3333#")
	if n := strings.Count(h.logs.String(), "voicemail: wrong mailbox or PIN"); n != 3 {
		t.Errorf("%d failed logins logged, want 3", n)
	}
	if strings.Contains(h.logs.String(), "voicemail: logged in") {
		t.Error("logged in with wrong PINs")
	}
	if strings.Contains(h.logs.String(), `"pin"`) {
		t.Error("a PIN is in the logs")
	}
	callMenu(h, "2000", "1000#1234##")
	if !strings.Contains(h.logs.String(), "repeated failed logins; slowing down") {
		t.Error("the fourth attempt was not slowed down")
	}
	if !strings.Contains(h.logs.String(), "voicemail: logged in") {
		t.Error("the right PIN after the wait did not log in")
	}
}

// lamp subscribes to box's message-waiting state like a phone and returns the counts of
// the first NOTIFY ("new/old") and its Messages-Waiting.
func (h *harness) lamp(box string) (counts, waiting string) {
	h.t.Helper()
	res := h.lab.SIPp(h.t, labtest.SIPpRun{Scenario: "uac_mwi_subscribe.xml", Service: box, Timeout: 15 * time.Second})
	res.AssertOK(h.t)
	log := res.Messages()
	i := strings.Index(log, "NOTIFY sip:")
	if i < 0 {
		h.t.Fatalf("no NOTIFY received:\n%s", log)
	}
	field := func(name string) string {
		j := strings.Index(log[i:], name+": ")
		if j < 0 {
			return ""
		}
		rest := log[i+j+len(name)+2:]
		return strings.TrimSpace(rest[:strings.IndexAny(rest, "\r\n ")])
	}
	return field("Voice-Message"), field("Messages-Waiting")
}

// A phone subscribed to its box's lamp (SUBSCRIBE message-summary to the AOR) is told there
// is no message, then 1 new once a message is left, then 0 new 1 old once it was heard.
func TestVoicemailLamp(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	if counts, waiting := h.lamp("1000"); waiting != "no" || counts != "0/0" {
		t.Errorf("empty box: lamp %s %s, want no 0/0", waiting, counts)
	}
	leaveMessage(h, "2000", "4500")
	if counts, waiting := h.lamp("1000"); waiting != "yes" || counts != "1/0" {
		t.Errorf("one new message: lamp %s %s, want yes 1/0", waiting, counts)
	}
	callMenu(h, "3000", listenToTheEnd)
	if counts, waiting := h.lamp("1000"); waiting != "no" || counts != "0/1" {
		t.Errorf("message heard: lamp %s %s, want no 0/1", waiting, counts)
	}
}

// From the mailbox options (0): 1 records the unavailable greeting, which the next caller
// hears instead of the spoken default; 5 changes the PIN, which logs in from then on (and
// survives a restart) while the file's PIN no longer does.
func TestVoicemailGreetingAndPIN(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	// login; 0 options; 1 unavailable greeting: prompt, the caller talks (~), beep, ~4 s of
	// talk, # ends it; * back to the main menu; # goodbye
	callMenu(h, "3000", "1000#1234#,,0,1,~,,,,,,,#,,*#")
	if !strings.Contains(h.logs.String(), "voicemail: greeting recorded") {
		t.Fatalf("no greeting recorded; logs:\n%s", h.logs.String())
	}
	h.drainObserved()
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "8000", From: "2000",
		Vars: map[string]string{"hold_ms": "2000"}, Timeout: 30 * time.Second}).AssertOK(t)
	h.waitPlayback("recording:itest/"+t.Name()+"/voicemail/1000/greet-unavail", 5*time.Second)
	h.waitIdle(10 * time.Second)

	callMenu(h, "3000", "1000#1234#,,0,5,,4321#,,4321#,,*#")
	if !strings.Contains(h.logs.String(), "voicemail: PIN changed from the phone") {
		t.Fatalf("PIN not changed; logs:\n%s", h.logs.String())
	}
	h.restart(h.app.Routing().File)
	before := strings.Count(h.logs.String(), "voicemail: logged in")
	callMenu(h, "3000", "1000#1234#1000#4321##")
	logs := h.logs.String()
	if strings.Count(logs, "voicemail: logged in") != before+1 || !strings.Contains(logs[len(logs)/2:], "voicemail: wrong mailbox or PIN") {
		t.Errorf("after the change the old PIN should fail and the new one log in; logs:\n%s", logs)
	}
}
