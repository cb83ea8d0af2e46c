package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/queue"
)

// queueBody is the seed's file-attente on 600 with short times for tests; extra is
// added to the queue's settings.
func queueBody(extra string) string {
	return `
queues:
  file-attente:
    strategy: ringall
    member_timeout: 3s
    retry: 1s
    music_class: classic
    answer: true
    members: [PJSIP/4001, PJSIP/4002, PJSIP/4003]
` + extra + `
numbers:
  "600": {queue: file-attente}
`
}

// callQueue starts a SIPp caller to 600 who talks for holdMs then hangs up.
func callQueue(h *harness, from, holdMs string) *labtest.Proc {
	return h.lab.StartSIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "600", From: from,
		Vars: map[string]string{"hold_ms": holdMs}, Timeout: 30 * time.Second})
}

// queueEvents lists the queue log's events for file-attente, in order.
func queueEvents(h *harness) []string {
	h.t.Helper()
	entries, err := h.queues.Log("file-attente", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Event)
	}
	return out
}

// waitLog waits for the queue log to hold event.
func waitLog(h *harness, event string, timeout time.Duration) queue.Entry {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		entries, err := h.queues.Log("file-attente", 0)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, e := range entries {
			if e.Event == event {
				return e
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no %s in the queue log within %s: %v", event, timeout, queueEvents(h))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// asteriskLog returns what the lab Asterisk logs from now on.
func asteriskLog(h *harness) func() string {
	path := filepath.Join(h.lab.Root, "var/log/ariflow-lab/messages.log")
	var offset int64
	if st, err := os.Stat(path); err == nil {
		offset = st.Size()
	}
	return func() string {
		b, err := os.ReadFile(path)
		if err != nil || int64(len(b)) < offset {
			return ""
		}
		return string(b[offset:])
	}
}

// All three phones ring at once; the first to answer talks with the caller, the two
// others are cancelled as answered elsewhere; the call is logged connected then completed.
func TestQueueRingallFirstAnswerWins(t *testing.T) {
	h := start(t, options{body: queueBody("    record: true\n"), now: monday(10, 0)})
	winner := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "4001", Scenario: "uas_answer.xml", Vars: map[string]string{"ring_ms": "1500"}})
	others := []*labtest.Proc{h.lab.Phone(t, "4002", "uas_noanswer.xml"), h.lab.Phone(t, "4003", "uas_noanswer.xml")}
	caller := callQueue(h, "2000", "3000")
	for _, p := range append([]*labtest.Proc{winner}, others...) {
		if !p.WaitReceived("INVITE", 1, 10*time.Second) {
			t.Fatalf("a member was not rung:\n%s", p.Messages())
		}
	}
	caller.Wait().AssertOK(t)
	winner.Wait().AssertOK(t)
	for _, p := range others {
		p.Wait().AssertOK(t)
		if p.Received("CANCEL") != 1 {
			t.Errorf("a member that did not answer got no CANCEL:\n%s", p.Messages())
		}
		if !strings.Contains(p.Messages(), "completed elsewhere") {
			t.Errorf("the CANCEL does not say the call was answered elsewhere:\n%s", p.Messages())
		}
	}
	h.waitIdle(10 * time.Second)
	if e := waitLog(h, queue.EvConnect, time.Second); e.Member != "PJSIP/4001" || e.Caller != "2000" {
		t.Errorf("CONNECT = %+v, want 2000 connected to 4001", e)
	}
	waitLog(h, queue.EvCompleteCaller, time.Second)
	rec := filepath.Join(h.lab.SpoolDir, "itest", t.Name(), "600-2026:11:23_10h00m00s.wav")
	if _, err := os.Stat(rec); err != nil {
		t.Errorf("no recording named after the queue entry: %v", err)
	}
	h.lab.NoLeftovers(t)
}

// The caller hangs up while the members ring: every member is cancelled and the caller
// is logged as having abandoned the queue.
func TestQueueCallerHangupCancelsEveryMember(t *testing.T) {
	h := start(t, options{body: queueBody(""), now: monday(10, 0)})
	var phones []*labtest.Proc
	for _, name := range []string{"4001", "4002", "4003"} {
		phones = append(phones, h.lab.Phone(t, name, "uas_noanswer.xml"))
	}
	caller := callQueue(h, "2000", "2000")
	caller.Wait().AssertOK(t)
	for _, p := range phones {
		p.Wait().AssertOK(t)
		if p.Received("INVITE") != 1 || p.Received("CANCEL") != 1 {
			t.Errorf("a member was not rung then cancelled:\n%s", p.Messages())
		}
	}
	h.waitIdle(10 * time.Second)
	if e := waitLog(h, queue.EvAbandon, time.Second); e.Position != 1 || e.Caller != "2000" {
		t.Errorf("ABANDON = %+v, want caller 2000 at position 1", e)
	}
	h.lab.NoLeftovers(t)
}

// Nobody answers within the member timeout: the member is cancelled, then rung again
// after the retry pause.
func TestQueueRingsAgainAfterRetry(t *testing.T) {
	h := start(t, options{body: strings.Replace(queueBody(""), "[PJSIP/4001, PJSIP/4002, PJSIP/4003]", "[PJSIP/4001]", 1), now: monday(10, 0)})
	phone := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "4001", Scenario: "uas_noanswer.xml", Calls: 2})
	caller := callQueue(h, "2000", "6000")
	if !phone.WaitReceived("INVITE", 2, 15*time.Second) {
		t.Fatalf("the member was not rung a second time:\n%s", phone.Messages())
	}
	caller.Wait().AssertOK(t)
	phone.Wait().AssertOK(t)
	if phone.Received("CANCEL") != 2 {
		t.Errorf("want both rings cancelled:\n%s", phone.Messages())
	}
	h.waitIdle(10 * time.Second)
	waitLog(h, queue.EvRingNoAnswer, time.Second)
	h.lab.NoLeftovers(t)
}

// With no member taking calls, two callers wait: each hears the queue's hold music
// (the custom class musique), the first is told it is next, the second its position 2.
func TestQueueHoldMusicAndPosition(t *testing.T) {
	body := strings.Replace(queueBody("    announce_position: true\n"), "music_class: classic", "music_class: musique", 1)
	body = `
music_classes:
  musique: {directory: moh/attente}
` + body
	h := start(t, options{body: body, now: monday(10, 0)})
	for _, m := range []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"} {
		if err := h.queues.Logout("file-attente", m); err != nil {
			t.Fatal(err)
		}
	}
	astLog := asteriskLog(h)
	// The announcements take about 5 s (more on a busy machine): the callers stay long
	// enough to hear music after.
	first := callQueue(h, "2000", "12000")
	firstName := waitCaller(h, "600")
	h.waitPlayback("sound:queue-youarenext", 10*time.Second)
	second := callQueue(h, "3000", "10000")
	secondName := waitCaller(h, "600")
	h.waitEvent(10*time.Second, "position 2 announced", func(ev ari.Event) bool {
		switch e := ev.(type) {
		case *ari.PlaybackStarted:
			return e.Playback.MediaURI == "sound:queue-thereare" && e.Playback.NextMediaURI == "number:2"
		case *ari.PlaybackContinuing:
			return e.Playback.MediaURI == "number:2"
		}
		return false
	})
	second.Wait().AssertOK(t)
	first.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	log := astLog()
	for _, name := range []string{firstName, secondName} {
		if !strings.Contains(log, "class 'musique', on channel '"+name+"'") {
			t.Errorf("Asterisk never played hold music musique to %s; its log:\n%s", name, log)
		}
	}
	if got := queueEvents(h); strings.Count(strings.Join(got, " "), queue.EvAbandon) != 2 {
		t.Errorf("queue log %v, want both callers abandoned", got)
	}
}

// The seed's second queue entry, Set(CHANNEL(musicclass)=musique) then Queue(): a caller
// of 601 hears musique while one of 600 hears the queue's classic.
func TestQueueEntryPointPicksTheHoldMusic(t *testing.T) {
	body := strings.Replace(queueBody(""), `  "600": {queue: file-attente}`,
		`  "600": {queue: file-attente}
  "601": {queue: file-attente, music_class: musique}`, 1)
	body = `
music_classes:
  musique: {directory: moh/attente}
` + body
	h := start(t, options{body: body, now: monday(10, 0)})
	for _, m := range []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"} {
		if err := h.queues.Logout("file-attente", m); err != nil {
			t.Fatal(err)
		}
	}
	astLog := asteriskLog(h)
	chosen := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "601", From: "2000",
		Vars: map[string]string{"hold_ms": "3000"}, Timeout: 30 * time.Second})
	chosenName := waitCaller(h, "601")
	plain := callQueue(h, "3000", "3000")
	plainName := waitCaller(h, "600")
	chosen.Wait().AssertOK(t)
	plain.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	log := astLog()
	for name, class := range map[string]string{chosenName: "musique", plainName: "classic"} {
		if !strings.Contains(log, "class '"+class+"', on channel '"+name+"'") {
			t.Errorf("Asterisk never played hold music %s to %s; its log:\n%s", class, name, log)
		}
	}
	h.lab.NoLeftovers(t)
}

// waitCaller waits for a caller to number to enter the app and returns its channel name.
func waitCaller(h *harness, number string) string {
	h.t.Helper()
	ev := h.waitEvent(10*time.Second, "a caller to "+number, func(ev ari.Event) bool {
		e, ok := ev.(*ari.StasisStart)
		return ok && len(e.Args) > 0 && e.Args[0] == number
	})
	return ev.(*ari.StasisStart).Channel.Name
}

// After max_wait the caller leaves the queue for its destination.
func TestQueueMaxWaitSendsTheCallerOn(t *testing.T) {
	h := start(t, options{body: queueBody("    max_wait: 2s\n    after_max_wait: {play: sound:goodbye}\n"), now: monday(10, 0)})
	for _, m := range []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"} {
		if err := h.queues.Logout("file-attente", m); err != nil {
			t.Fatal(err)
		}
	}
	caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "600", From: "2000", Timeout: 30 * time.Second})
	h.waitPlayback("sound:goodbye", 10*time.Second)
	caller.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	waitLog(h, queue.EvExitWithTimeout, time.Second)
}

// A member already on a call (here a direct call to 4001) is not rung by the queue.
func TestQueueSkipsAMemberOnACall(t *testing.T) {
	h := start(t, options{body: `
extensions:
  "4001": {endpoint: PJSIP/4001, ring_time: 10s}
` + queueBody(""), now: monday(10, 0)})
	busy := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "4001", Scenario: "uas_answer.xml", Vars: map[string]string{"ring_ms": "200"}})
	direct := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "4001", From: "2000",
		Vars: map[string]string{"hold_ms": "8000"}, Timeout: 30 * time.Second})
	if !busy.WaitReceived("ACK", 1, 10*time.Second) {
		t.Fatalf("the direct call to 4001 was not answered:\n%s", busy.Messages())
	}
	winner := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "4002", Scenario: "uas_answer.xml", Vars: map[string]string{"ring_ms": "1000"}})
	other := h.lab.Phone(t, "4003", "uas_noanswer.xml")
	callQueue(h, "3000", "2000").Wait().AssertOK(t)
	winner.Wait().AssertOK(t)
	other.Wait().AssertOK(t)
	direct.Wait().AssertOK(t)
	busy.Wait().AssertOK(t)
	if n := busy.Received("INVITE"); n != 1 {
		t.Errorf("4001, on a call, got %d INVITEs, want only its own call's", n)
	}
	if e := waitLog(h, queue.EvConnect, time.Second); e.Member != "PJSIP/4002" {
		t.Errorf("CONNECT = %+v, want 4002", e)
	}
	h.waitIdle(10 * time.Second)
}
