package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/store"
)

// bodyRoutes are the API's routes that take a request body, each with a path to send it to.
var bodyRoutes = []struct{ method, pattern, path string }{
	{"POST", "/api/calls/originate", "/api/calls/originate"},
	{"POST", "/api/calls/{channel}/redirect", "/api/calls/c1/redirect"},
	{"POST", "/api/queues/{queue}/members", "/api/queues/file-attente/members"},
	{"POST", "/api/rooms", "/api/rooms"},
	{"POST", "/api/rooms/{room}/lock", "/api/rooms/Salle_1/lock"},
	{"POST", "/api/rooms/{room}/invite", "/api/rooms/Salle_1/invite"},
	{"POST", "/api/rooms/{room}/members/{channel}/mute", "/api/rooms/Salle_1/members/c1/mute"},
	{"PUT", "/api/absence/{exten}", "/api/absence/1000"},
	{"POST", "/api/routing/check", "/api/routing/check"},
	{"POST", "/api/asterisk/reload", "/api/asterisk/reload"},
}

// fuzzServer is the API over fakes of the app and real queues, rooms and absence store.
func fuzzServer(tb testing.TB) *Server {
	tb.Helper()
	s, _ := apiWithRooms(tb)
	return s
}

// apiWithRooms is fuzzServer with its fake app.
func apiWithRooms(tb testing.TB) (*Server, *fakeApp) {
	tb.Helper()
	dir := tb.TempDir()
	file, err := config.Parse("routing.yaml", []byte(`
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
recordings: {directory: `+filepath.Join(dir, "rec")+`, prefix: monitor/}
extensions:
  "1000": {endpoint: PJSIP/1000}
queues:
  file-attente: {members: [PJSIP/4001, PJSIP/4002]}
rooms:
  Salle_1: {max_members: 5}
numbers:
  "999": {room: Salle_1}
  "500": {queue: file-attente}
`))
	if err != nil {
		tb.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 18, 5, 0, 0, paris) }
	routing, err := app.NewRouting(file, app.Services{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	qm := queue.NewManager(db, zerolog.Nop())
	qm.Configure(file.Queues)
	fa := &fakeApp{routing: routing, calls: []call.Snapshot{{ID: "c1", Channel: "c1", Caller: "2000", Exten: "1000"}}}
	s, err := New(Config{Token: token, Logger: zerolog.Nop()}, Deps{
		App: fa, Absence: absence.New(db, nil), Now: now, Queues: qm, Rooms: conference.NewManager(zerolog.Nop()),
		Reload:       func() error { return nil },
		ReloadModule: func(context.Context, string) error { return nil },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s, fa
}

// Every route that takes a body is in bodyRoutes, so the fuzzer reaches it.
func TestFuzzCoversEveryBodyRoute(t *testing.T) {
	for _, r := range fuzzServer(t).routes() {
		if r.request == "" || r.method == "GET" {
			continue
		}
		if !slices.ContainsFunc(bodyRoutes, func(b struct{ method, pattern, path string }) bool {
			return b.method == r.method && b.pattern == r.pattern
		}) {
			t.Errorf("%s %s takes a body but is not fuzzed (add it to bodyRoutes)", r.method, r.pattern)
		}
	}
}

// FuzzRequestBodies sends any body to every route that takes one, through the real
// handler: never a panic nor a 5xx; a 4xx answers in the asked format with a reason.
func FuzzRequestBodies(f *testing.F) {
	for i := range bodyRoutes {
		for _, body := range []string{
			`{"endpoint":"PJSIP/2000","exten":"1000","caller_id":"x","timeout_seconds":30}`,
			`{"exten":"1000"}`, `{"member":"PJSIP/4001","action":"pause","reason":"lunch"}`,
			`{"name":"Salle_2","max_members":5,"pin":"12","admin_pin":"34"}`, `{"locked":true}`, `{"muted":false}`,
			`{"on":true,"until":"2026-11-24T09:00:00+01:00"}`, `{"module":"res_pjsip.so"}`,
			"", "null", "[]", `{"on":"yes"}`, `{"timeout_seconds":-1e400}`, "{\"exten\":\"\x00\"}",
		} {
			f.Add(uint8(i), []byte(body), false)
		}
	}
	f.Add(uint8(3), []byte(`{"name":"Salle_2"}`), true)
	h := fuzzServer(f).Handler()
	f.Fuzz(func(t *testing.T, route uint8, body []byte, asXML bool) {
		rt := bodyRoutes[int(route)%len(bodyRoutes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if asXML {
			req.Header.Set("Accept", "application/xml")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code := rec.Code
		if code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, code, rec.Body.String())
		}
		if code < 400 {
			return
		}
		if why := reasonOf(rec.Body.Bytes(), asXML); why == "" {
			t.Fatalf("%s %s %q: %d with no reason: %s", rt.method, rt.path, body, code, rec.Body.String())
		}
	})
}

// reasonOf is the reason a 4xx answer gives: the error of an apiError, or the first
// problem of a refused routing file; "" when the body is neither.
func reasonOf(body []byte, asXML bool) string {
	var e apiError
	var p problemList
	if asXML {
		if xml.Unmarshal(body, &e) == nil && e.Error != "" {
			return e.Error
		}
		if xml.Unmarshal(body, &p) == nil && len(p.Problems) > 0 {
			return p.Problems[0].Full
		}
		return ""
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	if json.Unmarshal(body, &p) == nil && len(p.Problems) > 0 {
		return p.Problems[0].Full
	}
	return ""
}
