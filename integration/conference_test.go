package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/internal/labtest"
)

// roomBody is the seed's Salle_1 on 999: five members, the count announced, music when alone.
const roomBody = `
rooms:
  Salle_1:
    max_members: 5
    announce_count: true
    music_when_alone: true
    music_class: default
numbers:
  "999": {room: Salle_1}
`

// joinRoom starts a SIPp caller to 999 who stays holdMs, then hangs up.
func joinRoom(h *harness, from string, holdMs int) *labtest.Proc {
	return h.lab.StartSIPp(h.t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "999", From: from,
		Vars: map[string]string{"hold_ms": fmt.Sprint(holdMs)}, Timeout: 60 * time.Second})
}

// waitMembers waits until the app counts n members in room.
func (h *harness) waitMembers(room string, n int, timeout time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for h.rooms.Members(room) != n {
		if time.Now().After(deadline) {
			h.t.Fatalf("room %s has %d members, want %d; logs:\n%s", room, h.rooms.Members(room), n, h.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// roomBridge reads the room's bridge through ARI (its channels) and whether the bridge's
// hold music plays: Asterisk plays it from an Announcer/ARI_MOH channel that ARI does not
// list, so the CLI tells.
func (h *harness) roomBridge(room string) (channels []string, music bool) {
	h.t.Helper()
	info, err := h.rooms.Room(room)
	if err != nil || info.Bridge == "" {
		return nil, false // not yet
	}
	var b ari.Bridge
	h.lab.ARIGet(h.t, "/bridges/"+info.Bridge, &b)
	var all []ari.Channel
	h.lab.ARIGet(h.t, "/channels", &all)
	names := map[string]string{}
	for _, ch := range all {
		names[ch.ID] = ch.Name
	}
	for _, id := range b.Channels {
		channels = append(channels, names[id])
	}
	music = strings.Contains(h.lab.AsteriskCLI(h.t, "bridge show "+info.Bridge), "Announcer/ARI_MOH")
	return channels, music
}

// Six callers to 999: the first is alone with hold music and hears conf-onlyperson; the
// music stops when the second enters, who hears conf-onlyone; five are listed; the
// sixth hears conf-full and is not let in.
func TestConferenceRoom(t *testing.T) {
	h := start(t, options{body: roomBody, now: monday(10, 0)})
	first := joinRoom(h, "2101", 16000)
	h.waitPlayback("sound:conf-onlyperson", 10*time.Second)
	h.waitMembers("Salle_1", 1, 5*time.Second)
	deadline := time.Now().Add(8 * time.Second)
	for {
		chans, music := h.roomBridge("Salle_1")
		if music && len(chans) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			var all []ari.Channel
			h.lab.ARIGet(t, "/channels", &all)
			t.Fatalf("a lone member gets no hold music: bridge %v, channels %+v", chans, all)
		}
		time.Sleep(100 * time.Millisecond)
	}

	second := joinRoom(h, "2102", 12000)
	h.waitPlayback("sound:conf-onlyone", 10*time.Second)
	deadline = time.Now().Add(8 * time.Second)
	for {
		chans, music := h.roomBridge("Salle_1")
		if !music && len(chans) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with two members the bridge is %v (music %v), want the two callers alone", chans, music)
		}
		time.Sleep(100 * time.Millisecond)
	}

	var more []*labtest.Proc
	for i := 3; i <= 5; i++ {
		more = append(more, joinRoom(h, fmt.Sprint(2100+i), 9000))
	}
	h.waitMembers("Salle_1", 5, 10*time.Second)
	sixth := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "999", From: "2106", Timeout: 30 * time.Second})
	h.waitPlayback("sound:conf-full", 10*time.Second)
	sixth.Wait().AssertOK(t)

	info, err := h.rooms.Room("Salle_1")
	if err != nil {
		t.Fatal(err)
	}
	var callers []string
	for _, m := range info.Members {
		callers = append(callers, m.Caller)
		if m.Joined.IsZero() || m.Admin || m.Muted {
			t.Errorf("member %+v: want a join time, not admin, not muted", m)
		}
	}
	if len(callers) != 5 || strings.Contains(strings.Join(callers, ","), "2106") {
		t.Errorf("members listed = %v, want the five first callers", callers)
	}
	first.Wait().AssertOK(t)
	second.Wait().AssertOK(t)
	for _, p := range more {
		p.Wait().AssertOK(t)
	}
	h.waitIdle(10 * time.Second)
	if n := h.rooms.Members("Salle_1"); n != 0 {
		t.Errorf("%d members left after everybody hung up", n)
	}
}

// keysBody: a room with an admin PIN (users just press #), a join sound, and recorded.
const keysBody = `
rooms:
  Salle_2:
    announce_count: true
    music_when_alone: false
    admin_pin: "4321"
    join_sound: sound:beep
    record: true
numbers:
  "998": {room: Salle_2}
`

// A user's key reaches the app from inside the room's bridge (2: the count); an admin who
// typed the admin PIN kicks the last member who joined (6), who hears conf-kicked and is
// hung up; the room then lists the admin alone, as an admin. The room is recorded under
// its name and the time it opened.
func TestConferenceKeysAndKick(t *testing.T) {
	h := start(t, options{body: keysBody, now: monday(10, 0)})
	if err := os.RemoveAll(filepath.Join(h.lab.SpoolDir, "itest", t.Name())); err != nil { // a previous run's
		t.Fatal(err)
	}
	user := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "998", From: "2201",
		Vars: map[string]string{"digits": "#2", "pre_ms": "500", "gap_ms": "6000"}, Timeout: 40 * time.Second})
	h.waitPlayback("sound:conf-getpin", 10*time.Second)
	h.waitPlayback("sound:conf-onlyperson", 10*time.Second) // on joining
	h.waitMembers("Salle_2", 1, 5*time.Second)
	h.waitPlayback("sound:conf-onlyperson", 15*time.Second) // key 2, pressed in the room

	admin := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "998", From: "1000",
		Vars: map[string]string{"digits": "4321#6", "pre_ms": "500", "gap_ms": "600", "hold_ms": "8000"}, Timeout: 40 * time.Second})
	h.waitPlayback("sound:conf-onlyone", 10*time.Second)
	h.waitPlayback("sound:beep", 10*time.Second)
	h.waitPlayback("sound:conf-kicked", 10*time.Second)
	user.Wait().AssertOK(t)
	h.waitMembers("Salle_2", 1, 5*time.Second)
	info, err := h.rooms.Room("Salle_2")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Members) != 1 || info.Members[0].Caller != "1000" || !info.Members[0].Admin {
		t.Fatalf("members = %+v, want 1000 alone, as an admin", info.Members)
	}
	// Asterisk keeps the admin's mark on its channel, for a restart of the app.
	if v := h.lab.ChannelVar(t, info.Members[0].Channel, conference.AdminVar); v != "Salle_2" {
		t.Errorf("the admin's channel has %s = %q, want Salle_2", conference.AdminVar, v)
	}
	admin.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	wav := filepath.Join(h.lab.SpoolDir, "itest", t.Name(), "Salle_2-2026:11:23_10h00m00s.wav")
	if st, err := os.Stat(wav); err != nil || st.Size() <= 44+8000 {
		t.Errorf("room recording %s: %v (want more than half a second of audio)", wav, err)
	}
}

// The admin rings phone 2000 into the room (a room created at run time has no number, so
// this is how it gets members): the phone answers, is a member and hears the count; when
// it hangs up the room is empty again and nothing is left in Asterisk.
func TestInvitedPhoneJoinsTheRoom(t *testing.T) {
	h := start(t, options{body: roomBody, now: monday(10, 0)})
	phone := h.lab.StartSIPp(t, labtest.SIPpRun{Phone: "2000", Scenario: "uas_answer_hangup.xml",
		Vars: map[string]string{"ring_ms": "300", "hold_ms": "4000"}})
	if _, err := h.app.Invite(context.Background(), "PJSIP/2000", "Salle_1", "", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h.waitMembers("Salle_1", 1, 10*time.Second)
	h.waitPlayback("sound:conf-onlyperson", 5*time.Second)
	phone.Wait().AssertOK(t)
	h.waitMembers("Salle_1", 0, 10*time.Second)
	h.waitIdle(10 * time.Second)
	h.lab.NoLeftovers(t)
}

// roomBridges lists, through ARI, the bridges Asterisk mixes for room and their channels.
func roomBridges(t *testing.T, lab *labtest.Lab, room string) map[string][]string {
	t.Helper()
	var all []ari.Bridge
	lab.ARIGet(t, "/bridges", &all)
	out := map[string][]string{}
	for _, b := range all {
		if b.Name == "room "+room {
			out[b.ID] = b.Channels
		}
	}
	return out
}

// waitRoomBridge waits until Asterisk mixes room in one bridge with n channels.
func waitRoomBridge(t *testing.T, lab *labtest.Lab, room string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		bridges := roomBridges(t, lab, room)
		if len(bridges) == 1 {
			for _, chans := range bridges {
				if len(chans) == n {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("room %s: bridges %v, want one with %d channels", room, bridges, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The app killed and started again while two people talk in Salle_1: they stay in the
// room, the restarted app takes them back, and a third caller joins the same bridge,
// not a second room of its own; when all hang up nothing is left.
func TestRoomTakenBackAfterAppRestart(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	routing := writeRouting(t, lab, dir, "", roomBody)

	first := startServe(t, bin, routing, filepath.Join(dir, "first.log"))
	a := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "999", From: "2000",
		Vars: map[string]string{"hold_ms": "20000"}, Timeout: 60 * time.Second})
	b := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "999", From: "2001",
		Vars: map[string]string{"hold_ms": "20000"}, Timeout: 60 * time.Second})
	waitRoomBridge(t, lab, "Salle_1", 2)
	first.kill(t)

	second := startServe(t, bin, routing, filepath.Join(dir, "second.log"))
	second.waitLog(t, "reconcile: taking back a member of a room")
	c := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "999", From: "2002",
		Vars: map[string]string{"hold_ms": "6000"}, Timeout: 60 * time.Second})
	waitRoomBridge(t, lab, "Salle_1", 3)
	for _, p := range []*labtest.Proc{a, b, c} {
		p.Wait().AssertOK(t)
	}
	lab.NoLeftovers(t)
	second.stop(t)
}

// A room's admin (who typed the admin PIN) is still its admin after the app is killed and
// started again with the room talking; the user beside it is still a user, still muted by
// its own key 1; the room the admin locked with key 4 is still locked: a new caller is
// turned away.
func TestRoomAdminTakenBackAfterAppRestart(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	routing := writeRouting(t, lab, dir, "", `
rooms:
  Salle_2: {announce_count: false, music_when_alone: false, admin_pin: "4321"}
numbers:
  "998": {room: Salle_2}
`)
	first := startServe(t, bin, routing, filepath.Join(dir, "first.log"))
	admin := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "998", From: "1000",
		Vars: map[string]string{"digits": "4321#4", "pre_ms": "500", "gap_ms": "600", "hold_ms": "20000"}, Timeout: 60 * time.Second})
	user := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "998", From: "2001",
		Vars: map[string]string{"digits": "#1", "pre_ms": "500", "gap_ms": "3000", "hold_ms": "20000"}, Timeout: 60 * time.Second})
	waitRoomBridge(t, lab, "Salle_2", 2)
	waitMemberVar(t, lab, "Salle_2", conference.MutedVar, "1")         // the user's key 1
	waitMemberVar(t, lab, "Salle_2", conference.SwitchesVar, "locked") // the admin's key 4
	first.kill(t)

	second := startServe(t, bin, routing, filepath.Join(dir, "second.log"))
	takenBack := func(caller string) string { // its log line, once there
		return second.waitLog(t, "member taken back into the room after a restart", `"caller":"`+caller+`"`)
	}
	if line := takenBack("1000"); !strings.Contains(line, `"admin":true`) {
		t.Errorf("the admin taken back as a user: %s", line)
	}
	if line := takenBack("2001"); !strings.Contains(line, `"admin":false`) || !strings.Contains(line, `"muted":true`) {
		t.Errorf("the user, muted, taken back: %s; want a user, muted", line)
	}
	// A new caller with the user's PIN (none: #) is turned away: Asterisk hangs up on it.
	late := lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "998", From: "3000",
		Vars: map[string]string{"digits": "#", "pre_ms": "500"}, Timeout: 15 * time.Second})
	late.Wait().AssertOK(t)
	second.waitLog(t, "room locked: caller refused")
	waitRoomBridge(t, lab, "Salle_2", 2) // the admin and the user, no one else
	for _, p := range []*labtest.Proc{admin, user} {
		p.Wait().AssertOK(t)
	}
	lab.NoLeftovers(t)
	second.stop(t)
}

// A phone the admin invited into a room through the real binary's admin API is listed by
// the endpoint it was rung at, and still is after the app is killed and started again
// (Asterisk keeps the Stasis arguments it was rung with), not by its caller ID, the room's
// name.
func TestInvitedPhoneTakenBackAfterAppRestart(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &adminAPI{t: t, url: "http://" + ln.Addr().String()} // the served binary's
	ln.Close()
	t.Setenv("ARIFLOW_ITEST_ADMIN_TOKEN", adminToken) // the served binary inherits it
	routing := writeRouting(t, lab, dir, "", `
admin: {listen: "`+strings.TrimPrefix(a.url, "http://")+`", token_env: ARIFLOW_ITEST_ADMIN_TOKEN}
rooms:
  Salle_2: {announce_count: false, music_when_alone: false}
`)
	listedAs := func() []string {
		t.Helper()
		code, body := a.do(http.MethodGet, "/api/rooms/Salle_2", "", "")
		var room conference.RoomInfo
		if err := json.Unmarshal(body, &room); err != nil || code != http.StatusOK {
			t.Fatalf("GET /api/rooms/Salle_2: %d %v %s", code, err, body)
		}
		var callers []string
		for _, m := range room.Members {
			callers = append(callers, m.Caller)
		}
		return callers
	}

	first := startServe(t, bin, routing, filepath.Join(dir, "first.log"))
	phone := lab.StartSIPp(t, labtest.SIPpRun{Phone: "2000", Scenario: "uas_answer_hangup.xml",
		Vars: map[string]string{"ring_ms": "300", "hold_ms": "15000"}})
	if code, body := a.do(http.MethodPost, "/api/rooms/Salle_2/invite", `{"endpoint":"PJSIP/2000"}`, ""); code != http.StatusAccepted {
		t.Fatalf("invite: %d %s", code, body)
	}
	waitRoomBridge(t, lab, "Salle_2", 1)
	if got := listedAs(); !slices.Equal(got, []string{"PJSIP/2000"}) {
		t.Errorf("before the restart the room lists %q, want PJSIP/2000", got)
	}
	first.kill(t)

	second := startServe(t, bin, routing, filepath.Join(dir, "second.log"))
	second.waitLog(t, "member taken back into the room after a restart")
	if got := listedAs(); !slices.Equal(got, []string{"PJSIP/2000"}) {
		t.Errorf("after the restart the room lists %q, want PJSIP/2000", got)
	}
	phone.Wait().AssertOK(t)
	lab.NoLeftovers(t)
	second.stop(t)
}

// waitMemberVar waits until a member of room has channel variable name set to want (a
// member's state Asterisk keeps for a restart of the app: conference.MutedVar, SwitchesVar).
func waitMemberVar(t *testing.T, lab *labtest.Lab, room, name, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, chans := range roomBridges(t, lab, room) {
			for _, id := range chans {
				if lab.ChannelVar(t, id, name) == want {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member of %s has %s = %q", room, name, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
