package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/voicemail"
)

var lastCall = time.Date(2026, 11, 23, 17, 42, 10, 0, time.UTC)

// fakeQueues is one queue, "ventes": a caller waiting, a paused member who took calls and
// one who never did (no last call), and two log entries.
type fakeQueues struct{}

func (fakeQueues) Queues() []string { return []string{"ventes"} }
func (fakeQueues) Callers(q string) ([]queue.CallerState, error) {
	if q != "ventes" {
		return nil, queue.ErrUnknownQueue
	}
	return []queue.CallerState{{CallID: "k1", Caller: "2000", Position: 1, Joined: lastCall, Wait: 12.5}}, nil
}
func (fakeQueues) Members(q string) ([]queue.MemberState, error) {
	if q != "ventes" {
		return nil, queue.ErrUnknownQueue
	}
	return []queue.MemberState{
		{Endpoint: "PJSIP/4001", Status: queue.StatusPaused, PauseReason: "lunch", Calls: 3, LastCall: lastCall},
		{Endpoint: "PJSIP/4002", Status: queue.StatusAvailable},
	}, nil
}
func (fakeQueues) Login(string, string) error               { return nil }
func (fakeQueues) Logout(string, string) error              { return nil }
func (fakeQueues) Pause(string, string, bool, string) error { return nil }
func (fakeQueues) Log(string, int) ([]queue.Entry, error) {
	return []queue.Entry{
		{Time: lastCall, Queue: "ventes", CallID: "k1", Caller: "2000", Event: "ENTERQUEUE", Position: 1},
		{Time: lastCall.Add(time.Minute), Queue: "ventes", Event: "PAUSE", Member: "PJSIP/4001", Reason: "lunch"},
	}, nil
}

// fakeRooms is a locked, all-muted room with two members, and an empty room created at run time.
type fakeRooms struct{}

func (fakeRooms) Rooms() []conference.RoomInfo {
	return []conference.RoomInfo{
		{Name: "Salle_1", MaxMembers: 5, Locked: true, AllMuted: true, Bridge: "b1", Members: []conference.Member{
			{Channel: "c1", CallID: "k2", Caller: "2001", Name: "Alice", Joined: lastCall, Muted: true},
			{Channel: "c2", CallID: "k3", Caller: "2002", Joined: lastCall, Admin: true},
		}},
		{Name: "Salle_2", MaxMembers: 3, Runtime: true, Members: []conference.Member{}},
	}
}
func (fakeRooms) Create(config.Room, map[string]config.Room) error { return nil }
func (fakeRooms) Kick(string, string) error                        { return nil }
func (fakeRooms) Mute(context.Context, string, string, bool) error { return nil }
func (fakeRooms) Lock(context.Context, string, bool) error         { return nil }

// fakeVoicemail is box 1000's messages; asked records the folders the API asked for;
// audio is every message's audio file.
type fakeVoicemail struct {
	msgs  []voicemail.Message
	asked []string
	audio string
}

func (v *fakeVoicemail) Messages(box, folder string) ([]voicemail.Message, error) {
	v.asked = append(v.asked, folder)
	var out []voicemail.Message
	for _, m := range v.msgs {
		if m.Box == box && (folder == "" || m.Folder == folder) {
			out = append(out, m)
		}
	}
	return out, nil
}
func (v *fakeVoicemail) Message(box, id string) (voicemail.Message, error) {
	for _, m := range v.msgs {
		if m.Box == box && m.ID == id {
			return m, nil
		}
	}
	return voicemail.Message{}, voicemail.ErrNoMessage
}
func (v *fakeVoicemail) AudioPath(voicemail.Message) string { return v.audio }
func (v *fakeVoicemail) MarkHeard(box, id string) (voicemail.Message, error) {
	m, err := v.Message(box, id)
	m.Folder, m.Heard = "Old", true
	return m, err
}
func (v *fakeVoicemail) Delete(string, string) error { return nil }

// newRichFixture is newFixture with queues, rooms and voicemail (box 1000, Alice's).
func newRichFixture(t *testing.T) (*fixture, *fakeVoicemail) {
	t.Helper()
	f := newFixture(t)
	file, err := config.Parse("routing.yaml", []byte(`
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
recordings: {directory: `+f.recDir+`, prefix: monitor/}
schedules:
  office: {default: open, closed: [mon-fri 00:00-09:00, mon-fri 17:00-24:00]}
extensions:
  "1000": {endpoint: PJSIP/1000, schedule: office}
  "2000": {endpoint: PJSIP/2000}
voicemail:
  boxes:
    "1000": {pin: "1000", name: Alice}
`))
	if err != nil {
		t.Fatal(err)
	}
	routing, err := app.NewRouting(file, app.Services{Now: f.server.deps.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.app.routing = routing
	vm := &fakeVoicemail{msgs: []voicemail.Message{
		{ID: "msg-1", Box: "1000", Folder: "INBOX", Caller: "2000", CallerName: "Bob", Time: lastCall, Duration: 7 * time.Second},
		{ID: "msg-2", Box: "1000", Folder: "Old", Caller: "2001", Time: lastCall.Add(time.Hour), Duration: 4500 * time.Millisecond, Heard: true},
	}}
	deps := f.server.deps
	deps.Queues, deps.Rooms, deps.Voicemail = fakeQueues{}, fakeRooms{}, vm
	s, err := New(Config{Token: token, Logger: zerolog.New(f.logs)}, deps)
	if err != nil {
		t.Fatal(err)
	}
	f.server = s
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	f.srv = srv
	return f, vm
}

// jsonLeaves lists a JSON answer's values as "name=value", name being the key of the value
// (of the array for an array of values); null is no value.
func jsonLeaves(t *testing.T, body string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("JSON %v:\n%s", err, body)
	}
	var out []string
	var walk func(name string, v any)
	walk = func(name string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(k, e)
			}
		case []any:
			for _, e := range v {
				walk(name, e)
			}
		case nil:
		default:
			out = append(out, fmt.Sprintf("%s=%v", name, v))
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

// xmlLeaves lists an XML answer's elements without child elements as "name=text", and
// returns the root's name.
func xmlLeaves(t *testing.T, body string) (root string, out []string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	type open struct {
		name     string
		text     bytes.Buffer
		children bool
	}
	var stack []*open
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("XML %v:\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				root = tok.Name.Local
			} else {
				stack[len(stack)-1].children = true
			}
			stack = append(stack, &open{name: tok.Name.Local})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tok)
			}
		case xml.EndElement:
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !e.children && len(stack) > 0 {
				out = append(out, e.name+"="+e.text.String())
			}
		}
	}
	sort.Strings(out)
	return root, out
}

// Every answer of queues, rooms, absence, schedules and voicemail carries in XML the same
// fields, under the same lower-case names and with the same values, as in JSON; what JSON
// leaves out (a zero time, an empty reason), XML leaves out too.
func TestXMLAnswersCarryWhatJSONDoes(t *testing.T) {
	f, _ := newRichFixture(t)
	if code, body := f.do("PUT", "/api/absence/1000", `{"on":true,"until":"2026-11-24T09:00:00+01:00"}`, "", token); code != 200 {
		t.Fatalf("set absence: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, path, root string
		want               []string // leaves both must have
		absent             []string // names neither may have
	}{
		{"GET", "/api/queues", "queues", []string{"endpoint=PJSIP/4001", "pause_reason=lunch", "last_call=2026-11-23T17:42:10Z", "wait=12.5", "call_id=k1"}, nil},
		{"GET", "/api/queues/ventes", "queue", []string{"name=ventes", "endpoint=PJSIP/4002", "calls=0", "position=1"}, nil},
		{"POST", "/api/queues/ventes/members", "queue", []string{"endpoint=PJSIP/4001", "status=paused"}, nil},
		{"GET", "/api/queues/ventes/log", "log", []string{"event=ENTERQUEUE", "member=PJSIP/4001", "reason=lunch", "time=2026-11-23T17:42:10Z"}, []string{"wait", "talk"}},
		{"GET", "/api/rooms", "rooms", []string{"name=Salle_1", "name=Salle_2", "locked=true", "all_muted=true", "runtime=true", "channel=c1", "muted=true", "admin=true", "bridge=b1"}, []string{"recording"}},
		{"GET", "/api/rooms/Salle_1", "room", []string{"name=Salle_1", "max_members=5", "caller=2001", "joined=2026-11-23T17:42:10Z", "name=Alice"}, nil},
		{"GET", "/api/absence", "absences", []string{"exten=1000", "exten=2000", "until=2026-11-24T08:00:00Z"}, nil},
		{"GET", "/api/absence/1000", "absence", []string{"on=true", "until=2026-11-24T08:00:00Z"}, nil},
		{"GET", "/api/absence/2000", "absence", []string{"exten=2000", "on=false"}, []string{"at", "until", "by"}},
		{"GET", "/api/schedules", "schedules", []string{"name=office", "state=closed"}, nil},
		{"GET", "/api/voicemail/1000", "voicemail", []string{"owner=Alice", "id=msg-1", "caller_name=Bob", "duration_seconds=4.5"}, nil},
		{"POST", "/api/voicemail/1000/msg-1/heard", "message", []string{"id=msg-1", "folder=Old", "heard=true"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := ""
			if tc.method == "POST" && strings.Contains(tc.path, "members") {
				body = `{"member":"PJSIP/4001","action":"pause","reason":"lunch"}`
			}
			code, js := f.do(tc.method, tc.path, body, "", token)
			if code != 200 {
				t.Fatalf("JSON: %d %s", code, js)
			}
			code, xs := f.do(tc.method, tc.path, body, "application/xml", token)
			if code != 200 {
				t.Fatalf("XML: %d %s", code, xs)
			}
			fromJSON := jsonLeaves(t, js)
			root, fromXML := xmlLeaves(t, xs)
			if root != tc.root {
				t.Errorf("XML root <%s>, want <%s>", root, tc.root)
			}
			if !slices.Equal(fromJSON, fromXML) {
				t.Errorf("JSON and XML differ:\nJSON %q\nXML  %q\n%s", fromJSON, fromXML, xs)
			}
			for _, w := range tc.want {
				if !slices.Contains(fromJSON, w) || !slices.Contains(fromXML, w) {
					t.Errorf("%s missing: JSON %v, XML %v\n%s", w, slices.Contains(fromJSON, w), slices.Contains(fromXML, w), js)
				}
			}
			for _, name := range tc.absent {
				if strings.Contains(js, `"`+name+`"`) || strings.Contains(xs, "<"+name+">") {
					t.Errorf("%s is there:\n%s\n%s", name, js, xs)
				}
			}
			if strings.Contains(xs, "0001-01-01") {
				t.Errorf("XML has a zero time:\n%s", xs)
			}
		})
	}
}

// A folder the box cannot have is refused, naming the folders it can; a folder is matched
// whatever its case and asked of the voicemail under its own name; no folder is all.
func TestVoicemailFolder(t *testing.T) {
	f, vm := newRichFixture(t)
	for _, tc := range []struct {
		query, asked, ids string
	}{
		{"", "", "msg-1,msg-2"},
		{"?folder=Old", "Old", "msg-2"},
		{"?folder=old", "Old", "msg-2"},
		{"?folder=INBOX", "INBOX", "msg-1"},
		{"?folder=Work", "Work", ""},
	} {
		vm.asked = nil
		code, body := f.get("/api/voicemail/1000" + tc.query)
		var l messageList
		if err := json.Unmarshal([]byte(body), &l); err != nil || code != 200 {
			t.Fatalf("%s: %d %s", tc.query, code, body)
		}
		var ids []string
		for _, m := range l.Messages {
			ids = append(ids, m.ID)
		}
		if strings.Join(ids, ",") != tc.ids || !slices.Equal(vm.asked, []string{tc.asked}) {
			t.Errorf("%s: messages %v, folder asked %q; want %s and %q", tc.query, ids, vm.asked, tc.ids, tc.asked)
		}
	}
	for _, q := range []string{"Bogus", "INBOX%2FOld", "..", "inbox%20"} {
		vm.asked = nil
		code, body := f.get("/api/voicemail/1000?folder=" + q)
		var e apiError
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != 400 || e.Field != "folder" ||
			!strings.Contains(e.Error, "INBOX, Old, Work, Family, Friends, Urgent") || vm.asked != nil {
			t.Errorf("folder %s: %d %s (voicemail asked %q), want 400 naming the field and the folders", q, code, body, vm.asked)
		}
	}
}

// The answers of a routing check and of a reload carry the same in XML as in JSON: with
// nothing waiting for a restart, neither has restart_needed.
func TestRoutingAnswersInXMLCarryWhatJSONDoes(t *testing.T) {
	f := newFixture(t)
	const good = "asterisk: {url: http://x/ari, username: u, password: p}\n"
	for _, tc := range []struct {
		name, path, body string
		restartNeeded    []string
	}{
		{"check", "/api/routing/check", good, nil},
		{"reload", "/api/routing/reload", "", nil},
		{"reload, a setting waits for a restart", "/api/routing/reload", "", []string{"asterisk.max_connections"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.restartNeeded = tc.restartNeeded
			code, js := f.do("POST", tc.path, tc.body, "", token)
			xcode, xs := f.do("POST", tc.path, tc.body, "application/xml", token)
			if code != 200 || xcode != 200 {
				t.Fatalf("JSON %d, XML %d", code, xcode)
			}
			fromJSON := jsonLeaves(t, js)
			_, fromXML := xmlLeaves(t, xs)
			// JSON names a list's values by the list (restart_needed), XML by its element.
			for i, leaf := range fromXML {
				fromXML[i] = strings.Replace(leaf, "setting=", "restart_needed=", 1)
			}
			slices.Sort(fromXML)
			if !slices.Equal(fromJSON, fromXML) {
				t.Errorf("JSON and XML differ:\nJSON %q\nXML  %q\n%s", fromJSON, fromXML, xs)
			}
			if (tc.restartNeeded == nil) == strings.Contains(xs, "restart_needed") {
				t.Errorf("restart_needed %v, XML:\n%s", tc.restartNeeded, xs)
			}
		})
	}
}
