package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/notify"
	"github.com/ariflow/ariflow/notify/mmtest"
	"github.com/ariflow/ariflow/recordings"
)

// officeBody is the seed's extension 1000 (schedule, absence, notice, recording, ring,
// voicemail), with a ring time short enough for tests.
const officeBody = `
schedules:
  office:
    default: open
    closed: [mon-fri 00:00-09:00, mon-fri 17:00-24:00]
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 4s, mailbox: "1000", schedule: office, record: true, notify: true}
voicemail:
  boxes:
    "1000": {pin: "1000"}
`

// callExtension calls 1000 from a SIPp caller who talks for holdMs, then hangs up.
func callExtension(h *harness, from string, holdMs string) *labtest.Result {
	return h.lab.SIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: from,
		Vars: map[string]string{"hold_ms": holdMs}, Timeout: 30 * time.Second})
}

// callToVoicemail calls 1000 from a SIPp caller who stays until the app hangs up (after
// the voicemail stand-in).
func callToVoicemail(h *harness, from string) *labtest.Result {
	return h.lab.SIPp(h.t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "1000", From: from, Timeout: 30 * time.Second})
}

// The phone answers: the caller is connected, the call is recorded under the seed's name
// with a sidecar, and Mattermost gets exactly one notice with the seed's text and our token.
func TestAnsweredCallIsRecordedAndNotified(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(10, 0)})
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	callExtension(h, "2000", "3000").AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

	name := "itest/" + t.Name() + "/1000-2026:11:23_10h00m00s"
	wav := filepath.Join(h.lab.SpoolDir, name+".wav")
	info, err := os.Stat(wav)
	if err != nil {
		t.Fatalf("recording %s: %v", wav, err)
	}
	if info.Size() <= 44+8000 { // a WAV header and at least half a second of 8 kHz 16-bit audio
		t.Errorf("recording %s has %d bytes: no audio", wav, info.Size())
	}
	var meta recordings.Meta
	data, err := os.ReadFile(recordings.Sidecar(h.lab.SpoolDir, name))
	if err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Caller != "2000" || meta.Callee != "1000" || meta.Duration < 1 {
		t.Errorf("sidecar = %+v, want caller 2000, callee 1000, a duration", meta)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	posts, err := h.mm.WaitPosts(ctx, 1)
	if err != nil {
		t.Fatalf("no Mattermost post: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // a second post, were there one, would be in by now
	posts = h.mm.Posts()
	if len(posts) != 1 {
		t.Fatalf("Mattermost got %d posts, want exactly 1: %+v", len(posts), posts)
	}
	p := posts[0]
	if p.Message != "Message en provenance de 2000 pour 1000" || p.Token != mmtest.DefaultToken || p.ChannelID != mmtest.DefaultChannelID {
		t.Errorf("post = %+v, want the seed's text, our token and channel", p)
	}
}

// A phone that does not answer is cancelled after the ring time; a busy phone is left at
// once; either way the caller reaches the extension's voicemail with the reason.
func TestUnansweredCallsGoToVoicemail(t *testing.T) {
	for _, tc := range []struct {
		name, scenario, reason string
		cancelled              bool
	}{
		{"no answer", "uas_noanswer.xml", "noanswer", true},
		{"busy", "uas_busy.xml", "busy", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, options{body: officeBody, now: monday(10, 0)})
			phone := h.lab.Phone(t, "1000", tc.scenario)
			callToVoicemail(h, "2000").AssertOK(t)
			phone.Wait().AssertOK(t)
			if tc.cancelled && phone.Received("CANCEL") == 0 {
				t.Errorf("the phone was never sent CANCEL:\n%s", phone.Messages())
			}
			h.waitIdle(10 * time.Second)
			if got := h.vm.Reasons(); !slices.Equal(got, []string{"1000:" + tc.reason}) {
				t.Errorf("voicemail reached with %v, want [1000:%s]", got, tc.reason)
			}
		})
	}
}

// Monday 18:05 in Paris is closed: the phone never rings, the caller hears `closed` then
// reaches voicemail. Monday 10:00 rings the phone.
func TestOfficeHours(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(18, 5)})
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	callToVoicemail(h, "2000").AssertOK(t)
	h.waitPlayback("sound:closed", 5*time.Second)
	h.waitIdle(10 * time.Second)
	if got := h.vm.Reasons(); !slices.Equal(got, []string{"1000:closed"}) {
		t.Errorf("voicemail reached with %v, want [1000:closed]", got)
	}
	if n := phone.Received("INVITE"); n != 0 {
		t.Errorf("the phone got %d INVITEs while the office is closed", n)
	}

	h.clock.Set(monday(10, 0))
	callExtension(h, "2000", "2000").AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
}

// *77 from 1000 turns absence on for 1000: calls go to voicemail, even after the app is
// restarted; *88 makes the phone ring again.
func TestAbsenceModeSurvivesRestart(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(10, 0)})
	code := func(from, number, confirmation string) {
		t.Helper()
		h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: number, From: from, Timeout: 20 * time.Second}).AssertOK(t)
		h.waitPlayback(confirmation, 5*time.Second)
		h.waitIdle(5 * time.Second)
	}
	code("1000", "*77", "sound:goodbye")

	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	callToVoicemail(h, "2000").AssertOK(t)
	h.waitPlayback("sound:closed", 5*time.Second)
	h.waitIdle(10 * time.Second)

	file := h.app.Routing().File
	h.restart(file)
	callToVoicemail(h, "2000").AssertOK(t)
	h.waitPlayback("sound:closed", 5*time.Second)
	h.waitIdle(10 * time.Second)
	if got := h.vm.Reasons(); !slices.Equal(got, []string{"1000:absent"}) {
		t.Errorf("after the restart, voicemail reached with %v, want [1000:absent]", got)
	}
	if n := phone.Received("INVITE"); n != 0 {
		t.Errorf("the phone got %d INVITEs while absent", n)
	}

	code("1000", "*88", "sound:hello")
	callExtension(h, "2000", "2000").AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
}

// A Mattermost that hangs or refuses connections does not hold calls up, and its notices
// are retried, then dropped with a count and a log line.
//
// Hanging: each attempt may wait an hour, so a call that waited for its notice would
// never ring the phone; the whole call happens while the first attempt still hangs (no
// attempt has failed yet), and the notice is dropped, counted, when the app stops.
// Failing (500 after a delay, connection refused): the call completes, the notice is tried
// DefaultAttempts times, never posted, and dropped once.
func TestMattermostDownDoesNotDelayCalls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   func(*mmtest.Server)
		hang    bool
		timeout time.Duration
	}{
		{"hanging", func(s *mmtest.Server) { s.SetFault(mmtest.Fault{Hang: true}) }, true, time.Hour},
		{"500 slowly", func(s *mmtest.Server) { s.SetFault(mmtest.Fault{Status: 500, Delay: 2 * time.Second}) }, false, 0},
		{"refused", func(s *mmtest.Server) { s.Refuse() }, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, options{body: officeBody, now: monday(10, 0), noticeTimeout: tc.timeout})
			tc.fault(h.mm)
			phone := h.lab.Phone(t, "1000", "uas_answer.xml")
			caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "2000",
				Vars: map[string]string{"hold_ms": "2000"}, Timeout: 30 * time.Second})
			if !phone.WaitReceived("INVITE", 1, 10*time.Second) {
				t.Fatalf("the phone did not ring while Mattermost is down")
			}
			caller.Wait().AssertOK(t)
			phone.Wait().AssertOK(t)
			h.waitIdle(10 * time.Second)
			if tc.hang {
				if st := h.notifier.Stats(); st.Sent != 0 || st.Failed != 0 || st.Dropped != 0 || h.mm.Requests() != 1 {
					t.Fatalf("stats %+v, %d requests: want the call done while its one notice still hangs", st, h.mm.Requests())
				}
				h.stop()
				if st := h.notifier.Stats(); st.Dropped != 1 || st.Sent != 0 {
					t.Errorf("after stopping: %+v, want the hung notice dropped and counted", st)
				}
				if !strings.Contains(h.logs.String(), "notice dropped") {
					t.Errorf("the dropped notice was not logged:\n%s", h.logs.String())
				}
				return
			}
			deadline := time.Now().Add(20 * time.Second)
			for h.notifier.Stats().Dropped == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("the failing notice was never dropped: %+v", h.notifier.Stats())
				}
				time.Sleep(50 * time.Millisecond)
			}
			st := h.notifier.Stats()
			if st.Sent != 0 || st.Failed != notify.DefaultAttempts || st.Dropped != 1 {
				t.Errorf("stats %+v, want %d failed attempts, then 1 notice dropped", st, notify.DefaultAttempts)
			}
			if posts := h.mm.Posts(); len(posts) != 0 {
				t.Errorf("Mattermost recorded %d posts while down", len(posts))
			}
			logs := h.logs.String()
			if strings.Count(logs, `"message":"notice attempt failed"`) != notify.DefaultAttempts ||
				!strings.Contains(logs, `"dropped_total":1`) || !strings.Contains(logs, `"message":"notice dropped"`) {
				t.Errorf("want %d attempts and the drop with its count logged:\n%s", notify.DefaultAttempts, logs)
			}
		})
	}
}

// A caller ID crafted to ping @channel and plant a link reaches Mattermost defused: no
// mention, no Markdown link, no autolink.
func TestHostileCallerIDIsDefused(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(18, 5),
		callTemplate: "Message en provenance de {caller_name} ({caller}) pour {exten}"})
	const hostile = "@channel [x](http://evil)"
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "1000", From: "2000",
		Vars: map[string]string{"name": hostile}, Timeout: 30 * time.Second}).AssertOK(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	posts, err := h.mm.WaitPosts(ctx, 1)
	if err != nil {
		t.Fatalf("no post: %v", err)
	}
	msg := posts[0].Message
	t.Logf("posted: %s", msg)
	if !strings.Contains(msg, "channel") || !strings.Contains(msg, "(2000) pour 1000") {
		t.Fatalf("the post %q does not carry the caller's name and number", msg)
	}
	for _, bad := range []string{"@channel", "](", "http://"} {
		if strings.Contains(msg, bad) {
			t.Errorf("the post %q still contains %q", msg, bad)
		}
	}
}
