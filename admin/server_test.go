package admin

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/store"
)

const token = "s3cret-admin-token"

var paris, _ = time.LoadLocation("Europe/Paris")

// fakeApp is the running app as the API sees it.
type fakeApp struct {
	routing    *app.Routing
	calls      []call.Snapshot
	inDial     []call.Snapshot // CallsInDial
	inDialErr  error
	originated []string
	redirected []string
	hungUp     []string
	invited    []string
}

func (f *fakeApp) Calls() []call.Snapshot { return f.calls }
func (f *fakeApp) CallsInDial(context.Context) ([]call.Snapshot, error) {
	return f.inDial, f.inDialErr
}
func (f *fakeApp) Total() uint64          { return 7 }
func (f *fakeApp) Refusals() app.Refusals { return app.Refusals{MaxCalls: 3, CallsPerSecond: 2} }
func (f *fakeApp) Connected() bool        { return true }
func (f *fakeApp) Routing() *app.Routing  { return f.routing }
func (f *fakeApp) Originate(_ context.Context, ep, exten, _ string, _ time.Duration) (string, error) {
	if _, ok := f.routing.File.Lookup(exten); !ok {
		return "", app.ErrUnknownNumber
	}
	f.originated = append(f.originated, ep+">"+exten)
	return "orig-1", nil
}
func (f *fakeApp) Invite(_ context.Context, ep, room, _ string, _ time.Duration) (string, error) {
	f.invited = append(f.invited, ep+">"+room)
	return "orig-2", nil
}
func (f *fakeApp) Redirect(_ context.Context, ch, exten string) error {
	if ch == "c2" { // a caller in Asterisk's Dial
		return fmt.Errorf("%w: the caller is in Asterisk's Dial", app.ErrNotRedirected)
	}
	if ch != "c1" {
		return app.ErrNoSuchCall
	}
	if _, ok := f.routing.File.Lookup(exten); !ok {
		return app.ErrUnknownNumber
	}
	f.redirected = append(f.redirected, ch+">"+exten)
	return nil
}
func (f *fakeApp) Hangup(_ context.Context, ch, _ string) error {
	if ch != "c1" {
		return app.ErrNoSuchCall
	}
	f.hungUp = append(f.hungUp, ch)
	return nil
}

type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	app    *fakeApp
	recDir string
	reload error
	logs   *strings.Builder
	// restartNeeded is what Deps.RestartNeeded answers.
	restartNeeded []string
	server        *Server // the server behind srv
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, recDir: filepath.Join(dir, "rec"), logs: &strings.Builder{}}
	file, err := config.Parse("routing.yaml", []byte(`
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
recordings: {directory: `+f.recDir+`, prefix: monitor/}
schedules:
  office: {default: open, closed: [mon-fri 00:00-09:00, mon-fri 17:00-24:00]}
extensions:
  "1000": {endpoint: PJSIP/1000, schedule: office}
  "2000": {endpoint: PJSIP/2000}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 18, 5, 0, 0, paris) }
	routing, err := app.NewRouting(file, app.Services{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.app = &fakeApp{routing: routing, calls: []call.Snapshot{{ID: "c1", Channel: "c1", Caller: "2000", Exten: "1000",
		State: "ringing PJSIP/1000", Started: time.Now().Add(-42 * time.Second)}}}
	s, err := New(Config{Token: token, Logger: zerolog.New(f.logs)}, Deps{
		App: f.app, Absence: absence.New(db, nil), Now: now,
		Reload:        func() error { return f.reload },
		RestartNeeded: func() []string { return f.restartNeeded },
		ReloadModule:  func(context.Context, string) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.server = s
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request with the token (unless auth is ""), returning status and body.
func (f *fixture) do(method, path, body, accept, auth string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func (f *fixture) get(path string) (int, string) { return f.do("GET", path, "", "", token) }

func TestEveryRouteButHealthNeedsTheToken(t *testing.T) {
	f := newFixture(t)
	s, _ := New(Config{Token: token}, Deps{App: f.app, Absence: absence.New(nil, nil), Reload: func() error { return nil }, ReloadModule: func(context.Context, string) error { return nil }})
	for _, rt := range s.routes() {
		path := pathParam.ReplaceAllString(rt.pattern, "x")
		for _, auth := range []string{"", "wrong-token"} {
			code, _ := f.do(rt.method, path, "{}", "", auth)
			if rt.public && code == http.StatusUnauthorized {
				t.Errorf("%s %s: 401 but it is public", rt.method, rt.pattern)
			}
			// After maxAuthFailures wrong tokens, this client is locked out: 429, also a refusal.
			if !rt.public && code != http.StatusUnauthorized && !(auth != "" && code == http.StatusTooManyRequests) {
				t.Errorf("%s %s with token %q: %d, want 401 (or 429 once locked out)", rt.method, rt.pattern, auth, code)
			}
		}
	}
	if strings.Contains(f.logs.String(), "wrong-token") || strings.Contains(f.logs.String(), token) {
		t.Errorf("a token reached the log:\n%s", f.logs.String())
	}
	if code, _ := f.do("GET", "/healthz", "", "", ""); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
}

func TestNewRefusesNoToken(t *testing.T) {
	if _, err := New(Config{}, Deps{}); err == nil {
		t.Fatal("an API with no token was built")
	}
}

// A token short enough to guess (the lab's old "demo") is refused before anything serves,
// with the reason and without the token itself.
func TestNewRefusesAShortToken(t *testing.T) {
	_, err := New(Config{Token: "demo"}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "at least 16") || strings.Contains(err.Error(), "demo") {
		t.Errorf("a 4-character token: %v, want refused with the length asked for", err)
	}
}

func TestCallsInJSONAndXMLCarryTheSameData(t *testing.T) {
	f := newFixture(t)
	_, js := f.get("/api/calls")
	var fromJSON callList
	if err := json.Unmarshal([]byte(js), &fromJSON); err != nil {
		t.Fatal(err)
	}
	code, xs := f.do("GET", "/api/calls", "", "application/xml", token)
	var fromXML callList
	if err := xml.Unmarshal([]byte(xs), &fromXML); err != nil || code != 200 {
		t.Fatalf("XML %d: %v\n%s", code, err, xs)
	}
	if len(fromJSON.Calls) != 1 || fromJSON.Calls[0].Exten != "1000" || fromJSON.Calls[0].Seconds < 42 || fromJSON.Calls[0].Seconds > 3600 {
		t.Fatalf("JSON calls = %+v", fromJSON.Calls)
	}
	a, b := fromJSON.Calls[0], fromXML.Calls[0]
	if a.ID != b.ID || a.Caller != b.Caller || a.Exten != b.Exten || a.State != b.State || !a.Started.Equal(b.Started) {
		t.Errorf("JSON %+v and XML %+v differ", a, b)
	}
}

// Callers the app handed to Asterisk's Dial are live calls too; when Asterisk cannot say
// which they are, the list still has the app's own calls.
func TestCallsListTheCallersInAsterisksDial(t *testing.T) {
	f := newFixture(t)
	f.app.inDial = []call.Snapshot{{ID: "c7", Channel: "c7", Caller: "3000", Exten: "2000",
		State: "connected PJSIP/2000 (Asterisk's Dial)", Started: time.Now()}}
	_, js := f.get("/api/calls")
	var got callList
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Calls) != 2 || got.Calls[0].ID != "c1" || got.Calls[1].ID != "c7" || got.Calls[1].State != "connected PJSIP/2000 (Asterisk's Dial)" {
		t.Fatalf("calls = %+v, want c1 then c7 connected in Asterisk's Dial", got.Calls)
	}
	f.app.inDialErr = errors.New("ARI down")
	f.app.inDial = nil
	code, js := f.get("/api/calls")
	if err := json.Unmarshal([]byte(js), &got); err != nil || code != 200 || len(got.Calls) != 1 {
		t.Fatalf("with Asterisk not answering: %d %s, want 200 and the app's one call", code, js)
	}
}

func TestCallOperations(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"originate", "POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}`, 202, ""},
		{"originate a bad endpoint", "POST", "/api/calls/originate", `{"endpoint":"2000","exten":"1000"}`, 400, "endpoint"},
		{"originate an unknown number", "POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"5555"}`, 422, "exten"},
		{"originate with a shell in exten", "POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000; reboot"}`, 400, "exten"},
		{"originate with an unknown field", "POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000","context":"x"}`, 400, "context"},
		{"originate with a wrong type", "POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":1000}`, 400, "exten"},
		{"redirect", "POST", "/api/calls/c1/redirect", `{"exten":"2000"}`, 202, ""},
		{"redirect no such call", "POST", "/api/calls/c9/redirect", `{"exten":"2000"}`, 404, "channel"},
		{"redirect to an unknown number", "POST", "/api/calls/c1/redirect", `{"exten":"5555"}`, 422, "exten"},
		{"redirect a call that cannot be handed off", "POST", "/api/calls/c2/redirect", `{"exten":"2000"}`, 409, "channel"},
		{"hangup", "DELETE", "/api/calls/c1", ``, 200, ""},
		{"hangup no such call", "DELETE", "/api/calls/c9", ``, 404, "channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.do(tc.method, tc.path, tc.body, "", token)
			if code != tc.code {
				t.Fatalf("%d %s, want %d", code, body, tc.code)
			}
			if tc.field != "" {
				var e apiError
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Field != tc.field || e.Error == "" {
					t.Errorf("error body %s: want field %q and a reason", body, tc.field)
				}
			}
		})
	}
	if strings.Join(f.app.originated, ",") != "PJSIP/2000>1000" || strings.Join(f.app.redirected, ",") != "c1>2000" || strings.Join(f.app.hungUp, ",") != "c1" {
		t.Errorf("operations reached the app as %v %v %v", f.app.originated, f.app.redirected, f.app.hungUp)
	}
	if !strings.Contains(f.logs.String(), `"by":"admin@`) {
		t.Errorf("changes are not logged with who made them:\n%s", f.logs.String())
	}
}

func TestRecordings(t *testing.T) {
	f := newFixture(t)
	add := func(name, callee string, start time.Time) {
		p := filepath.Join(f.recDir, name+".wav")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("RIFF-"+name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := recordings.WriteSidecar(f.recDir, recordings.Meta{Name: name, Format: "wav", Caller: "2000", Callee: callee, Start: start, Duration: 3}); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, paris)
	add("monitor/1000-a", "1000", day)
	add("monitor/3000-b", "3000", day.Add(time.Hour))
	add("monitor/1000-c", "1000", day.AddDate(0, 0, 2))
	if err := os.WriteFile(filepath.Join(filepath.Dir(f.recDir), "secret.wav"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}

	names := func(path string) string {
		code, body := f.get(path)
		var l recordingList
		if err := json.Unmarshal([]byte(body), &l); err != nil || code != 200 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var out []string
		for _, r := range l.Recordings {
			out = append(out, r.Name)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct{ path, want string }{
		{"/api/recordings", "monitor/1000-c,monitor/3000-b,monitor/1000-a"},
		{"/api/recordings?exten=1000", "monitor/1000-c,monitor/1000-a"},
		{"/api/recordings?from=2026-11-21", "monitor/1000-c"},
		{"/api/recordings?to=2026-11-20", "monitor/3000-b,monitor/1000-a"},
	} {
		if got := names(tc.path); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, got, tc.want)
		}
	}
	if code, _ := f.get("/api/recordings?from=yesterday"); code != 400 {
		t.Errorf("a bad date: %d, want 400", code)
	}
	if code, body := f.get("/api/recordings/audio/monitor/1000-a.wav"); code != 200 || body != "RIFF-monitor/1000-a" {
		t.Errorf("download: %d %q", code, body)
	}
	for _, p := range []string{"/api/recordings/audio/../secret.wav", "/api/recordings/audio/monitor/..%2F..%2Fsecret.wav", "/api/recordings/audio/%2E%2E/secret.wav"} {
		if code, body := f.get(p); code == 200 || strings.Contains(body, "outside") {
			t.Errorf("%s escaped the folder: %d %q", p, code, body)
		}
	}
	if code, _ := f.do("DELETE", "/api/recordings/audio/monitor/1000-a.wav", "", "", token); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if got := names("/api/recordings"); got != "monitor/1000-c,monitor/3000-b" {
		t.Errorf("after delete: %s", got)
	}
}

func TestAbsenceAndSchedules(t *testing.T) {
	f := newFixture(t)
	if code, body := f.do("PUT", "/api/absence/1000", `{"on":true}`, "", token); code != 200 || !strings.Contains(body, `"on": true`) {
		t.Fatalf("set: %d %s", code, body)
	}
	if _, body := f.get("/api/absence/1000"); !strings.Contains(body, `"on": true`) || !strings.Contains(body, `"by": "admin@`) {
		t.Errorf("get after set: %s", body)
	}
	for _, tc := range []struct{ path, body, field string }{
		{"/api/absence/1000", `{}`, "on"},
		{"/api/absence/1000", `{"on":true,"until":"tomorrow"}`, "until"},
		{"/api/absence/9999", `{"on":true}`, "exten"},
		{"/api/absence/1000", `{"on":false,"until":"2026-12-01T09:00:00+01:00"}`, "until"},
	} {
		code, body := f.do("PUT", tc.path, tc.body, "", token)
		if code/100 != 4 || !strings.Contains(body, `"field": "`+tc.field+`"`) {
			t.Errorf("PUT %s %s: %d %s, want a 4xx naming %s", tc.path, tc.body, code, body, tc.field)
		}
	}
	// An end date given with "off" is refused, not dropped: absence stays on.
	if _, body := f.get("/api/absence/1000"); !strings.Contains(body, `"on": true`) || strings.Contains(body, "until") {
		t.Errorf("after the refused requests: %s, want still on, with no end", body)
	}
	_, body := f.get("/api/schedules")
	if !strings.Contains(body, `"state": "closed"`) || !strings.Contains(body, "mon-fri 17:00-24:00") {
		t.Errorf("schedules at Monday 18:05: %s", body)
	}
}

func TestRoutingCheckReloadAndSimulate(t *testing.T) {
	f := newFixture(t)
	code, body := f.do("POST", "/api/routing/check", "asterisk: {url: http://x/ari, username: u, password: p}\ncolour: blue\n", "", token)
	if code != 422 || !strings.Contains(body, `"text": "posted.yaml:2: unknown key \"colour\""`) {
		t.Errorf("check of a bad file: %d %s", code, body)
	}
	f.reload = config.Problems{{File: "routing.yaml", Line: 3, Msg: "bad"}}
	if code, body := f.do("POST", "/api/routing/reload", "", "", token); code != 422 || !strings.Contains(body, "routing.yaml:3: bad") {
		t.Errorf("refused reload: %d %s", code, body)
	}
	f.reload = nil
	if code, body := f.do("POST", "/api/routing/reload", "", "", token); code != 200 || strings.Contains(body, "restart_needed") {
		t.Errorf("reload with nothing waiting for a restart: %d %s", code, body)
	}
	f.restartNeeded = []string{"asterisk.max_connections", "notify.call_template"}
	if code, body := f.do("POST", "/api/routing/reload", "", "", token); code != 200 ||
		!strings.Contains(body, `"restart_needed": [`) || !strings.Contains(body, `"asterisk.max_connections"`) {
		t.Errorf("reload with settings waiting for a restart: %d %s", code, body)
	}
	if code, body := f.do("POST", "/api/routing/reload", "", "application/xml", token); code != 200 ||
		!regexp.MustCompile(`<restart_needed>\s*<setting>asterisk.max_connections</setting>\s*<setting>notify.call_template</setting>\s*</restart_needed>`).MatchString(body) {
		t.Errorf("reload with settings waiting for a restart, in XML: %d %s", code, body)
	}
	code, body = f.get("/api/routing/simulate?from=2000&to=1000&at=2026-11-23%2018:05")
	if code != 200 || !strings.Contains(body, "closed (period mon-fri 17:00-24:00)") {
		t.Errorf("simulate: %d %s", code, body)
	}
	if code, _ := f.get("/api/routing/simulate?from=2000&to=1000;ls"); code != 400 {
		t.Errorf("simulate with a bad number: %d", code)
	}
	// A day of the week: the coming one (today is Monday 2026-11-23), where weekends are open.
	code, body = f.get("/api/routing/simulate?from=2000&to=1000&at=Saturday%2010:00")
	if code != 200 || !strings.Contains(body, "Saturday 2026-11-28 10:00") || !strings.Contains(body, "ring PJSIP/1000") {
		t.Errorf("simulate on Saturday: %d %s", code, body)
	}
	for query, reason := range map[string]string{"at=someday%2010:00": "not a day of the week", "digits=9x": "not a key", "digits=" + strings.Repeat("t", 101): "at most 100"} {
		if code, body := f.get("/api/routing/simulate?from=2000&to=1000&" + query); code != 400 || !strings.Contains(body, reason) {
			t.Errorf("simulate with %s: %d %s; want 400 saying %q", query, code, body, reason)
		}
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.get("/api/calls")
	_, body := f.get("/metrics")
	for _, want := range []string{`ariflow_calls_active{entry="extension"} 1`, "ariflow_calls_total 7", `ariflow_calls_refused_total{limit="max_calls"} 3`, `ariflow_calls_refused_total{limit="calls_per_second"} 2`, "ariflow_ari_connected 1", `ariflow_admin_request_seconds_count{code="200",route="/api/calls"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestQueues(t *testing.T) {
	f := newFixture(t)
	if code, body := f.get("/api/queues"); code != http.StatusNotFound || !strings.Contains(body, "no queues") {
		t.Errorf("without queues: %d %s", code, body)
	}
}

// A JSON body must be one JSON value: what follows it is refused, and nothing is done.
func TestBodyWithDataAfterTheJSONIsRefused(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/api/absence/1000", `{"on":true} {"on":false}`},
		{"POST", "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}x`},
	} {
		code, body := f.do(tc.method, tc.path, tc.body, "", token)
		if code != http.StatusBadRequest || !strings.Contains(body, "data after the JSON value") {
			t.Errorf("%s %s %s: %d %s, want 400 with the reason", tc.method, tc.path, tc.body, code, body)
		}
	}
	if _, body := f.get("/api/absence/1000"); !strings.Contains(body, `"on": false`) || len(f.app.originated) != 0 {
		t.Errorf("a refused body was acted on: absence %s, originated %v", body, f.app.originated)
	}
	if code, body := f.do("PUT", "/api/absence/1000", "{\"on\":true}\n", "", token); code != http.StatusOK {
		t.Errorf("a body ending with a newline: %d %s, want 200", code, body)
	}
}

// A path under /api/ that no route has, or a method a route does not take, is answered
// in the API's format (JSON, or XML when asked), with the reason, and the methods allowed.
func TestUnknownAPIRoutesAnswerInTheAPIFormat(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path, accept string
		code                 int
		allow                string
	}{
		{"GET", "/api/nope", "", 404, ""},
		{"GET", "/api/calls/c1/redirect/x", "application/xml", 404, ""},
		{"DELETE", "/api/calls", "", 405, "GET, HEAD"},
		{"PUT", "/api/calls/c1", "application/xml", 405, "DELETE"},
		{"POST", "/api/openapi.json", "", 405, "GET, HEAD"},
	} {
		for _, auth := range []string{token, ""} {
			req, _ := http.NewRequest(tc.method, f.srv.URL+tc.path, nil)
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e apiError
			decodeErr := json.Unmarshal(data, &e)
			if tc.accept != "" {
				decodeErr = xml.Unmarshal(data, &e)
			}
			if resp.StatusCode != tc.code || decodeErr != nil || e.Error == "" || resp.Header.Get("Allow") != tc.allow {
				t.Errorf("%s %s (token %v): %d Allow %q %s, want %d in the API's format, Allow %q",
					tc.method, tc.path, auth != "", resp.StatusCode, resp.Header.Get("Allow"), data, tc.code, tc.allow)
			}
		}
	}
}
