package integration

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/admin"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
)

const adminToken = "integration-admin-token"

// adminAPI serves the admin API of the harness's app on a loopback port.
type adminAPI struct {
	t   *testing.T
	url string
}

func startAdmin(h *harness) *adminAPI { return startAdminWith(h, nil, nil) }

// startAdminWithRooms serves the admin API with the harness's conference rooms.
func startAdminWithRooms(h *harness) *adminAPI { return startAdminWith(h, nil, h.rooms) }

// startAdminWith serves the admin API with the voicemail service vm and the rooms (nil: none).
func startAdminWith(h *harness, vm admin.Voicemail, rooms admin.Rooms) *adminAPI {
	h.t.Helper()
	client, err := ari.New(ari.Options{BaseURL: h.lab.ARIURL, Username: h.lab.ARIUser, Password: h.lab.ARIPassword, Application: h.lab.App})
	if err != nil {
		h.t.Fatal(err)
	}
	api, err := admin.New(admin.Config{Token: adminToken, Logger: zerolog.New(h.logs)}, admin.Deps{
		App: h.app, Absence: absence.New(h.db, nil), ReloadModule: client.Asterisk.ReloadModule,
		Reload: func() error { return nil }, Now: h.clock.Now, Voicemail: vm, Rooms: rooms, Queues: h.queues,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	h.t.Cleanup(srv.Close)
	return &adminAPI{t: h.t, url: srv.URL}
}

func (a *adminAPI) do(method, path, body, accept string) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

type liveCalls struct {
	Calls []struct {
		Channel string `json:"channel" xml:"channel"`
		Caller  string `json:"caller" xml:"caller"`
		Exten   string `json:"exten" xml:"exten"`
	} `json:"calls" xml:"call"`
}

// waitCall waits until the API lists a live call to exten and returns its channel.
func (a *adminAPI) waitCall(exten string) string {
	a.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, body := a.do("GET", "/api/calls", "", "")
		var l liveCalls
		_ = json.Unmarshal(body, &l)
		for _, c := range l.Calls {
			if c.Exten == exten {
				return c.Channel
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.t.Fatalf("no live call to %s listed", exten)
	return ""
}

// buildCLI builds the ariflow binary for the test.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ariflow")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/ariflow/ariflow/cmd/ariflow").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestAdminAPIDrivesLiveCalls(t *testing.T) {
	h := start(t, options{body: officeBody + playBody, now: monday(10, 0)})
	api := startAdmin(h)
	cli := buildCLI(t)

	// A live call is listed, the same in JSON, in XML and by the CLI.
	caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7002", From: "2000", Timeout: 40 * time.Second})
	h.waitPlayback("sound:service1", 10*time.Second)
	channel := api.waitCall("7002")
	_, js := api.do("GET", "/api/calls", "", "")
	_, xs := api.do("GET", "/api/calls", "", "application/xml")
	var fromJSON, fromXML liveCalls
	if err := json.Unmarshal(js, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(xs, &fromXML); err != nil {
		t.Fatalf("%v\n%s", err, xs)
	}
	if len(fromJSON.Calls) != 1 || len(fromXML.Calls) != 1 || fromJSON.Calls[0] != fromXML.Calls[0] || fromJSON.Calls[0].Caller != "2000" {
		t.Errorf("JSON %+v and XML %+v should list the one call from 2000", fromJSON.Calls, fromXML.Calls)
	}
	cmd := exec.Command(cli, "calls")
	cmd.Env = append(os.Environ(), "ARIFLOW_ADMIN_URL="+api.url, "ARIFLOW_ADMIN_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), channel) || !strings.Contains(string(out), "7002") {
		t.Errorf("ariflow calls: %v\n%s", err, out)
	}

	// Redirect it to 7001: the caller hears hello, then the app hangs up.
	if code, body := api.do("POST", "/api/calls/"+channel+"/redirect", `{"exten":"7001"}`, ""); code != http.StatusAccepted {
		t.Fatalf("redirect: %d %s", code, body)
	}
	h.waitPlayback("sound:hello", 10*time.Second)
	caller.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

	// Hang a live call up through the API: the caller gets a BYE.
	caller = h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7002", From: "3000", Timeout: 40 * time.Second})
	channel = api.waitCall("7002")
	if code, body := api.do("DELETE", "/api/calls/"+channel, "", ""); code != http.StatusOK {
		t.Fatalf("hangup: %d %s", code, body)
	}
	caller.Wait().AssertOK(t)
	if code, _ := api.do("DELETE", "/api/calls/"+channel, "", ""); code != http.StatusNotFound {
		t.Errorf("hanging up a finished call: %d, want 404", code)
	}
	h.waitIdle(10 * time.Second)
	h.lab.NoLeftovers(t)
}

// Originate rings phone 2000; when it answers it is routed to 1000, which rings and is
// recorded; the recording is then listed and downloadable through the API.
func TestAdminOriginateAndRecordings(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(10, 0)})
	api := startAdmin(h)
	phone2000 := h.lab.Phone(t, "2000", "uas_answer_hangup.xml")
	phone1000 := h.lab.Phone(t, "1000", "uas_answer.xml")
	code, body := api.do("POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}`, "")
	if code != http.StatusAccepted {
		t.Fatalf("originate: %d %s", code, body)
	}
	if !phone1000.WaitReceived("INVITE", 1, 15*time.Second) {
		t.Fatal("phone 1000 never rang after the originate")
	}
	phone2000.Wait().AssertOK(t)
	phone1000.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

	_, list := api.do("GET", "/api/recordings?exten=1000", "", "")
	var l struct {
		Recordings []struct{ Name, Audio string }
	}
	if err := json.Unmarshal(list, &l); err != nil || len(l.Recordings) != 1 {
		t.Fatalf("recordings of 1000: %v %s", err, list)
	}
	code, audio := api.do("GET", l.Recordings[0].Audio, "", "")
	if code != http.StatusOK || !bytes.HasPrefix(audio, []byte("RIFF")) || len(audio) < 8000 {
		t.Errorf("download %s: %d, %d bytes", l.Recordings[0].Audio, code, len(audio))
	}
}

// Absence set through the API sends calls to voicemail, like *77.
func TestAdminAbsence(t *testing.T) {
	h := start(t, options{body: officeBody, now: monday(10, 0)})
	api := startAdmin(h)
	if code, body := api.do("PUT", "/api/absence/1000", `{"on":true}`, ""); code != http.StatusOK {
		t.Fatalf("absence on: %d %s", code, body)
	}
	callToVoicemail(h, "2000").AssertOK(t)
	h.waitPlayback("sound:closed", 5*time.Second)
	h.waitIdle(10 * time.Second)
	if code, body := api.do("PUT", "/api/absence/1000", `{"on":"yes"}`, ""); code != http.StatusBadRequest || !strings.Contains(string(body), `"field": "on"`) {
		t.Errorf("a bad body: %d %s", code, body)
	}
}

// Voicemail through the API: a message left over SIPp is listed, downloaded, marked heard
// (the lamp goes from 1 new to 1 old) and deleted (the lamp goes out).
func TestAdminVoicemail(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	a := startAdminWith(h, h.service(), nil)
	leaveMessage(h, "2000", "4500")

	_, body := a.do("GET", "/api/voicemail/1000", "", "")
	var l struct {
		Owner    string
		Messages []struct{ ID, Folder, Caller, Audio string }
	}
	if err := json.Unmarshal(body, &l); err != nil || l.Owner != "Accueil" || len(l.Messages) != 1 || l.Messages[0].Caller != "2000" || l.Messages[0].Folder != "INBOX" {
		t.Fatalf("messages of 1000: %v %s", err, body)
	}
	m := l.Messages[0]
	if code, audio := a.do("GET", m.Audio, "", ""); code != http.StatusOK || !bytes.HasPrefix(audio, []byte("RIFF")) || len(audio) < 16000 {
		t.Errorf("download: %d, %d bytes", code, len(audio))
	}
	if code, body := a.do("POST", "/api/voicemail/1000/"+m.ID+"/heard", "", ""); code != http.StatusOK || !strings.Contains(string(body), `"folder": "Old"`) {
		t.Errorf("mark heard: %d %s", code, body)
	}
	if counts, waiting := h.lamp("1000"); waiting != "no" || counts != "0/1" {
		t.Errorf("after mark heard: lamp %s %s, want no 0/1", waiting, counts)
	}
	if code, _ := a.do("DELETE", "/api/voicemail/1000/"+m.ID, "", ""); code != http.StatusOK {
		t.Errorf("delete: %d", code)
	}
	if counts, _ := h.lamp("1000"); counts != "0/0" {
		t.Errorf("after delete: lamp %s, want 0/0", counts)
	}
	if code, _ := a.do("GET", m.Audio, "", ""); code != http.StatusNotFound {
		t.Errorf("audio of a deleted message: %d, want 404", code)
	}
	if code, _ := a.do("GET", "/api/voicemail/9999", "", ""); code != http.StatusNotFound {
		t.Errorf("an unknown box: %d, want 404", code)
	}
}

// Rooms through the API: two SIPp callers in Salle_1 are listed with their callers; one is
// muted, the room locked, one kicked (its caller gets the BYE); a room is created at run time.
func TestAdminRooms(t *testing.T) {
	h := start(t, options{body: roomBody, now: monday(10, 0)})
	a := startAdminWithRooms(h)
	first := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "999", From: "2000", Timeout: 60 * time.Second})
	h.waitMembers("Salle_1", 1, 20*time.Second) // members are listed in the order they took their seat
	second := joinRoom(h, "3000", 20000)
	h.waitMembers("Salle_1", 2, 20*time.Second)

	type room struct {
		Name    string
		Locked  bool
		Members []struct {
			Channel, Caller string
			Muted           bool
		}
	}
	get := func() room {
		t.Helper()
		code, body := a.do("GET", "/api/rooms/Salle_1", "", "")
		var r room
		if err := json.Unmarshal(body, &r); err != nil || code != http.StatusOK {
			t.Fatalf("room: %d %v %s", code, err, body)
		}
		return r
	}
	r := get()
	if len(r.Members) != 2 || r.Members[0].Caller != "2000" || r.Members[1].Caller != "3000" {
		t.Fatalf("members %+v, want 2000 then 3000", r.Members)
	}
	kicked := r.Members[0].Channel
	if code, body := a.do("POST", "/api/rooms/Salle_1/members/"+r.Members[1].Channel+"/mute", `{"muted":true}`, ""); code != http.StatusOK {
		t.Errorf("mute: %d %s", code, body)
	}
	if code, body := a.do("POST", "/api/rooms/Salle_1/lock", `{"locked":true}`, ""); code != http.StatusOK {
		t.Errorf("lock: %d %s", code, body)
	}
	if r := get(); !r.Locked || !r.Members[1].Muted || r.Members[0].Muted {
		t.Errorf("after mute and lock: %+v", r)
	}
	if code, body := a.do("DELETE", "/api/rooms/Salle_1/members/"+kicked, "", ""); code != http.StatusOK {
		t.Errorf("kick: %d %s", code, body)
	}
	first.Wait().AssertOK(t) // the kicked caller was hung up
	h.waitMembers("Salle_1", 1, 10*time.Second)
	if code, _ := a.do("DELETE", "/api/rooms/Salle_1/members/"+kicked, "", ""); code != http.StatusNotFound {
		t.Errorf("kicking a member who left: %d, want 404", code)
	}

	if code, body := a.do("POST", "/api/rooms", `{"name":"Salle_2","max_members":3}`, ""); code != http.StatusCreated {
		t.Errorf("create: %d %s", code, body)
	}
	if code, _ := a.do("POST", "/api/rooms", `{"name":"Salle_1"}`, ""); code != http.StatusConflict {
		t.Errorf("creating an existing room: %d, want 409", code)
	}
	if code, body := a.do("POST", "/api/rooms", `{"name":"../x"}`, ""); code != http.StatusBadRequest || !strings.Contains(string(body), `"field": "name"`) {
		t.Errorf("a bad room name: %d %s", code, body)
	}
	_, body := a.do("GET", "/api/rooms", "", "")
	if !strings.Contains(string(body), `"name": "Salle_2"`) {
		t.Errorf("rooms lack the new one: %s", body)
	}
	second.Kill()
}

// The routes that need no call, against the lab's app and Asterisk: health and readiness
// without a token, 401 without it elsewhere, metrics, office hours, routing check and
// simulate, a real Asterisk module reload, and the queues.
func TestAdminOtherRoutes(t *testing.T) {
	h := start(t, options{body: officeBody + `
queues:
  sales: {members: [PJSIP/4001]}
`, now: monday(18, 5)})
	a := startAdmin(h)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(a.url + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s without a token: %v %v", path, err, resp.Status)
		}
	}
	for _, path := range []string{"/api/calls", "/metrics", "/api/openapi.json", "/api/queues"} {
		resp, err := http.Get(a.url + path)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without a token: %v %v, want 401", path, err, resp.Status)
		}
	}
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/metrics", "", 200, "ariflow_ari_connected 1"},
		{"GET", "/api/schedules", "", 200, `"state": "closed"`},
		{"GET", "/api/routing/simulate?from=2000&to=1000", "", 200, "voicemail of 1000 (reason closed)"},
		{"POST", "/api/routing/check", "asterisk: {url: http://x/ari, username: u, password: p}\n", 200, `"ok": true`},
		{"POST", "/api/routing/check", "extensions: {\"1000\": {endpoint: 1000}}\n", 422, "posted.yaml:1:"},
		{"POST", "/api/routing/reload", "", 200, `"ok": true`},
		{"POST", "/api/asterisk/reload", `{"module":"res_musiconhold.so"}`, 200, "reloaded"},
		{"POST", "/api/asterisk/reload", `{"module":"../etc/passwd"}`, 400, `"field": "module"`},
		{"GET", "/api/queues/sales", "", 200, `"endpoint": "PJSIP/4001"`},
		{"GET", "/api/queues/sales/log", "", 200, `"entries"`},
		{"GET", "/api/openapi.json", "", 200, `"/api/calls/originate"`},
	} {
		code, body := a.do(tc.method, tc.path, tc.body, "")
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s: %d %s, want %d with %s", tc.method, tc.path, code, body, tc.code, tc.want)
		}
	}
}
