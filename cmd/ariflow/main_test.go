package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckAcceptsTheSeedTranslation(t *testing.T) {
	code, out, errs := runCmd("check", "../../examples/office.yaml")
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("check office.yaml: exit %d\n%s%s", code, out, errs)
	}
}

// A copy of office.yaml with an unknown key, a bad time and a missing mailbox: all three
// are printed with their lines, and the exit code says the file is refused.
func TestCheckPrintsEveryProblemWithItsLine(t *testing.T) {
	seed, err := os.ReadFile("../../examples/office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.NewReplacer(
		`    ring_time: 30s`, "    ring_time: 30s\n    colour: blue",
		`mon-fri 17:00-24:00`, `mon-fri 17:00-25:00`,
		`    mailbox: "2000"`, `    mailbox: "2999"`,
	).Replace(string(seed))
	path := filepath.Join(t.TempDir(), "office-bad.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	lineOf := func(s string) int {
		for i, l := range strings.Split(bad, "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("%q not in the file", s)
		return 0
	}
	code, out, _ := runCmd("check", path)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []struct{ text, msg string }{
		{"colour: blue", `unknown key "colour"`},
		{"17:00-25:00", "hour 25 out of range"},
		{`mailbox: "2999"`, `mailbox "2999" is not defined`},
	} {
		re := regexp.MustCompile(regexp.QuoteMeta(path) + ":" + strconv.Itoa(lineOf(want.text)) + ": .*" + regexp.QuoteMeta(want.msg))
		if !re.MatchString(out) {
			t.Errorf("output lacks %s:%d: ...%s\n%s", path, lineOf(want.text), want.msg, out)
		}
	}
}

func TestSimulateExplainsTheClosedPath(t *testing.T) {
	code, out, errs := runCmd("simulate", "../../examples/office.yaml", "--no-db", "--from", "2000", "--to", "1000", "--at", "2026-11-23 18:05")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"2000 calls 1000 on Monday 2026-11-23 18:05 CET",
		"schedule office: closed (period mon-fri 17:00-24:00) until Tue 2026-11-24 09:00 CET",
		"play sound:closed",
		"voicemail of 1000 (reason closed)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("simulate output lacks %q:\n%s", want, out)
		}
	}
	_, open, _ := runCmd("simulate", "../../examples/office.yaml", "--no-db", "--from", "2000", "--to", "1000", "--at", "2026-11-23 10:00")
	if !strings.Contains(open, "ring PJSIP/1000 for 15s") || !strings.Contains(open, "record the call as monitor/1000-2026:11:23_10h00m00s.wav") {
		t.Errorf("at 10:00 the call should be recorded and ring 15 s:\n%s", open)
	}
	// "Monday 18:05", as the product card writes it: the coming Monday, closed at that hour.
	code, out, errs = runCmd("simulate", "../../examples/office.yaml", "--no-db", "--from", "2000", "--to", "1000", "--at", "Monday 18:05")
	if code != 0 || !regexp.MustCompile(`2000 calls 1000 on Monday \d{4}-\d\d-\d\d 18:05 `).MatchString(out) || !strings.Contains(out, "play sound:closed") {
		t.Errorf("--at \"Monday 18:05\": exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCmd("simulate", "../../examples/office.yaml", "--no-db", "--to", "1000", "--at", "lundi 18:05"); code != 2 || !strings.Contains(errs, "not a day of the week") {
		t.Errorf("--at \"lundi 18:05\": exit %d, stderr %q; want 2 and what it reads", code, errs)
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"check"}, {"simulate", "../../examples/office.yaml"}, {"serve", "a.yaml", "b.yaml"}} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("ariflow %v: exit %d, want 2", args, code)
		}
	}
}

// SIGHUP with a broken file keeps the last good routing and logs the problems; a good
// file replaces it.
func TestReloadKeepsTheLastGoodFile(t *testing.T) {
	good := "asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\nnumbers: {\"7001\": {play: sound:hello}}\n"
	s, path, logs := startedServer(t, good)
	a, routing := s.app, s.app.Routing()

	if err := os.WriteFile(path, []byte(good+"numbers2: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = s.reloadFile()
	if a.Routing() != routing {
		t.Fatal("a bad file replaced the routing")
	}
	if !strings.Contains(logs.String(), "reload refused") || !strings.Contains(logs.String(), `unknown key \"numbers2\"`) {
		t.Errorf("the refusal does not say what is wrong:\n%s", logs.String())
	}

	if err := os.WriteFile(path, []byte(strings.Replace(good, "7001", "7002", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = s.reloadFile()
	if _, ok := a.Routing().File.Lookup("7002"); !ok {
		t.Fatal("a good file was not taken")
	}
}

// startedServer writes content as a routing file and returns the server as runServer
// leaves it for reloads (no Asterisk behind it), the file's path and the server's log.
func startedServer(t *testing.T, content string) (*server, string, *bytes.Buffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "routing.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := zerolog.New(logs)
	routing, err := app.NewRouting(file, app.Services{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ari.New(ari.Options{BaseURL: "http://127.0.0.1:1/ari", Application: "ariflow"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{Client: client, Logger: log, Routing: routing})
	if err != nil {
		t.Fatal(err)
	}
	return &server{path: path, started: file, log: log, app: a}, path, logs
}

// The admin commands print the API's answers as aligned tables and its reasons on errors.
func TestAdminCommandsTalkToTheAPI(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testAdminToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"a bearer token is required"}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+string(body))
		switch r.URL.Path {
		case "/api/calls":
			io.WriteString(w, `{"calls":[{"channel":"1795.1","caller":"2000","exten":"1000","state":"ringing PJSIP/1000","duration_seconds":12}]}`)
		case "/api/routing/reload":
			io.WriteString(w, `{"ok":true,"summary":"3 numbers","problems":[],"restart_needed":["asterisk.max_connections","admin.listen"]}`)
		case "/api/rooms/Salle_2/invite":
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"channel":"1795.9"}`)
		case "/api/calls/originate":
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":"the routing file does not route that number","field":"exten"}`)
		default:
			io.WriteString(w, `{"status":"ok"}`)
		}
	}))
	defer srv.Close()
	t.Setenv("ARIFLOW_ADMIN_URL", srv.URL)
	t.Setenv("ARIFLOW_ADMIN_TOKEN", testAdminToken)

	code, out, _ := runCmd("calls")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "CHANNEL") || !strings.Contains(lines[1], "ringing PJSIP/1000") ||
		strings.Index(lines[0], "CALLER") != strings.Index(lines[1], "2000") {
		t.Errorf("ariflow calls: exit %d\n%s", code, out)
	}
	if code, _, errs := runCmd("originate", "PJSIP/2000", "5555"); code != 1 || !strings.Contains(errs, "exten: the routing file does not route that number") {
		t.Errorf("a refused originate: exit %d, %q", code, errs)
	}
	if code, out, _ := runCmd("invite", "Salle_2", "PJSIP/2000"); code != 0 || out != "ringing PJSIP/2000; when answered it joins room Salle_2 (channel 1795.9)\n" ||
		got[len(got)-1] != `POST /api/rooms/Salle_2/invite {"endpoint":"PJSIP/2000"}` {
		t.Errorf("ariflow invite Salle_2 PJSIP/2000: exit %d %q, sent %q", code, out, got[len(got)-1])
	}
	if code, out, _ := runCmd("absence", "1000", "on"); code != 0 || !strings.Contains(out, "absence on for 1000") {
		t.Errorf("ariflow absence 1000 on: %d %q", code, out)
	}
	if code, _, _ := runCmd("absence", "1000", "maybe"); code != 2 {
		t.Errorf("a bad absence state: exit %d, want 2", code)
	}
	if got[len(got)-1] != `PUT /api/absence/1000 {"on":true}` {
		t.Errorf("requests: %q", got)
	}
	if code, out, _ := runCmd("reload"); code != 0 || !strings.Contains(out, "reloaded: 3 numbers\nchanged, applied at the next restart: asterisk.max_connections, admin.listen\n") {
		t.Errorf("ariflow reload: exit %d %q", code, out)
	}
	if code, out, _ := runCmd("create-room", "Salle_2", "4", "1234", "9999"); code != 0 || !strings.Contains(out, "room Salle_2 created") ||
		got[len(got)-1] != `POST /api/rooms {"admin_pin":"9999","max_members":4,"name":"Salle_2","pin":"1234"}` {
		t.Errorf("ariflow create-room: exit %d %q, sent %q", code, out, got[len(got)-1])
	}
	if code, _, _ := runCmd("create-room", "Salle_2", "many"); code != 2 {
		t.Errorf("create-room with a bad MAX_MEMBERS: exit %d, want 2", code)
	}
	if code, out, _ := runCmd("restart"); code != 0 || !strings.Contains(out, "restarting") || got[len(got)-1] != "POST /api/restart " {
		t.Errorf("ariflow restart: exit %d %q, sent %q", code, out, got[len(got)-1])
	}
	t.Setenv("ARIFLOW_ADMIN_TOKEN", "wrong")
	if code, _, errs := runCmd("calls"); code != 1 || !strings.Contains(errs, "401") {
		t.Errorf("a wrong token: exit %d, %q", code, errs)
	}
}

// Asterisk, on the same machine as a rule, keeps most cores: the app runs its Go code on a
// quarter of them (one on the lab's two), unless GOMAXPROCS says otherwise.
func TestTheAppLeavesMostCoresToAsterisk(t *testing.T) {
	unset := func(string) string { return "" }
	for _, tc := range []struct {
		env        func(string) string
		cpus, want int
	}{
		{unset, 1, 1},
		{unset, 2, 1},
		{unset, 8, 2},
		{unset, 16, 4},
		{func(k string) string { return map[string]string{"GOMAXPROCS": "6"}[k] }, 6, 6},
	} {
		if got := appProcs(tc.env, tc.cpus); got != tc.want {
			t.Errorf("appProcs(GOMAXPROCS=%q, %d cpus) = %d, want %d", tc.env("GOMAXPROCS"), tc.cpus, got, tc.want)
		}
	}
}

// serve starts itself again with sysmon's setting in GODEBUG (sysmon.go), kept beside the
// GODEBUG settings given, unless schedtrace is given: then nothing changes, and serve
// does not start again.
func TestServeGivesSysmonItsSetting(t *testing.T) {
	for _, tc := range []struct {
		env     []string
		want    string // GODEBUG after
		restart bool
	}{
		{[]string{"PATH=/bin"}, "schedtrace=2147483647", true},
		{[]string{"GODEBUG=http2client=0", "PATH=/bin"}, "http2client=0,schedtrace=2147483647", true},
		{[]string{"GODEBUG=", "PATH=/bin"}, "schedtrace=2147483647", true},
		{[]string{"GODEBUG=schedtrace=0"}, "schedtrace=0", false},
		{[]string{"GODEBUG=gctrace=1,schedtrace=1000"}, "gctrace=1,schedtrace=1000", false},
	} {
		env, restart := withSysmonSetting(tc.env)
		var godebug []string
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
				godebug = append(godebug, v)
			}
		}
		if restart != tc.restart || len(godebug) != 1 || godebug[0] != tc.want {
			t.Errorf("withSysmonSetting(%q) = GODEBUG %q, restart %v; want %q, %v", tc.env, godebug, restart, tc.want, tc.restart)
		}
		if !slices.Contains(env, "PATH=/bin") && slices.Contains(tc.env, "PATH=/bin") {
			t.Errorf("withSysmonSetting(%q) lost PATH: %q", tc.env, env)
		}
	}
}
