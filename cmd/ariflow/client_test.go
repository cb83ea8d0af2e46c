package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/admin"
)

// hostile is a caller ID as a SIP peer may send it: a fake row, a window title, a cleared
// screen, a C1 CSI and an invalid byte.
const hostile = "2000\r\n\x1b]0;owned\x07\x1b[2J\u009b31m\xff"

// testAdminToken is the admin token the CLI tests serve and send.
const testAdminToken = "cli-test-admin-token"

// terminalSafe reports the first byte or rune of out a terminal would act on: a C0 control
// other than the newline (the tables pad with spaces), DEL, a C1 control, or invalid UTF-8.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) || (r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD")) {
			t.Errorf("%s: %U at byte %d reaches the terminal:\n%q", what, r, i, out)
			return
		}
	}
}

// A caller ID from the network is printed escaped, never raw; ordinary names are unchanged.
func TestAdminCommandsEscapeWhatTheAPISays(t *testing.T) {
	js := func(s string) string { // what a Go server (or a hostile one) may put in a JSON string
		return strings.NewReplacer("\r", `\r`, "\n", `\n`, "\x1b", `\u001b`, "\x07", `\u0007`).Replace(s)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/calls":
			io.WriteString(w, `{"calls":[{"channel":"1795.1","caller":"`+js(hostile)+`","exten":"1000","state":"up","duration_seconds":3},`+
				`{"channel":"1795.2","caller":"Zoé Martin","exten":"1001","state":"up","duration_seconds":4}]}`)
		case "/api/recordings":
			io.WriteString(w, `{"recordings":[{"name":"r1","format":"wav","caller":"`+js(hostile)+`","callee":"1000"}]}`)
		case "/api/queues":
			io.WriteString(w, `{"queues":[{"name":"sales","callers":[{"caller":"`+js(hostile)+`","position":1}],"members":[]}]}`)
		case "/api/rooms":
			io.WriteString(w, `{"rooms":[{"name":"r","max_members":5,"members":[{"channel":"c1","caller":"`+js(hostile)+`"}]}]}`)
		case "/api/calls/originate":
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":"no route for `+js(hostile)+`","field":"exten"}`)
		case "/api/routing/reload":
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"ok":false,"problems":[{"line":1,"message":"m","text":"r.yaml:1: `+js(hostile)+`"}]}`)
		case "/api/absence/1000":
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "proxy says "+hostile) // not JSON: echoed as text
		}
	}))
	defer srv.Close()
	t.Setenv("ARIFLOW_ADMIN_URL", srv.URL)
	t.Setenv("ARIFLOW_ADMIN_TOKEN", testAdminToken)

	code, out, _ := runCmd("calls")
	terminalSafe(t, "ariflow calls", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[1], `2000\r\n\x1b]0;owned\a\x1b[2J\u009b31m`+"\uFFFD") ||
		!strings.Contains(lines[2], "Zoé Martin") || strings.Index(lines[0], "CALLER") != strings.Index(lines[2], "Zoé") {
		t.Errorf("ariflow calls: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"recordings"}, {"queue"}, {"rooms"}, {"calls", "--json"}} {
		code, out, errs := runCmd(args...)
		terminalSafe(t, "ariflow "+strings.Join(args, " "), out+errs)
		if code != 0 || !strings.Contains(out, "2000") {
			t.Errorf("ariflow %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	for args, lines := range map[string]int{"originate PJSIP/2000 5555": 1, "absence 1000 on": 1, "reload": 2} {
		code, out, errs := runCmd(strings.Fields(args)...)
		terminalSafe(t, "ariflow "+args, out+errs)
		if code != 1 || strings.Count(errs, "\n") != lines || !strings.Contains(errs, `2000\r\n\x1b`) {
			t.Errorf("ariflow %s: exit %d %q", args, code, errs)
		}
	}
}

// ariflow rooms says which rooms their admin locked or muted, and only those.
func TestRoomsShowTheirSwitches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"rooms":[{"name":"Salle_1","max_members":5,"locked":true,"all_muted":true,"members":[{"channel":"c1","caller":"1000","admin":true}]},`+
			`{"name":"Salle_2","max_members":4,"members":[]}]}`)
	}))
	defer srv.Close()
	t.Setenv("ARIFLOW_ADMIN_URL", srv.URL)
	t.Setenv("ARIFLOW_ADMIN_TOKEN", testAdminToken)
	code, out, errs := runCmd("rooms")
	lines := strings.Split(out, "\n")
	if code != 0 || len(lines) < 4 || !strings.Contains(lines[1], "1/5 locked all-muted") ||
		!strings.Contains(lines[3], "0/4") || strings.Contains(lines[3], "locked") || strings.Contains(lines[3], "muted") {
		t.Errorf("ariflow rooms: exit %d\n%s%s", code, out, errs)
	}
}

func TestCellKeepsTextAndEscapesControls(t *testing.T) {
	for in, want := range map[string]string{
		"Zoé Martin":      "Zoé Martin",
		"Jean  Dupont ":   "Jean  Dupont ",
		"日本 \uFFFD":       "日本 \uFFFD",
		"a\tb\x7fc\u0085": `a\tb\x7fc\u0085`,
		"x\xc3(":          `x\xc3(`,
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// A reload the API refuses says file:line: what is wrong, one problem a line, not JSON: the
// answer comes from the real admin API over a broken routing file.
func TestARefusedReloadSaysWhatIsWrong(t *testing.T) {
	good := "asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\nnumbers: {\"7001\": {play: sound:hello}}\n"
	s, path, _ := startedServer(t, good)
	api, err := admin.New(admin.Config{Token: testAdminToken}, admin.Deps{App: s.app, Absence: absence.New(nil, nil), Reload: s.reloadFile,
		ReloadModule: func(context.Context, string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	t.Setenv("ARIFLOW_ADMIN_URL", srv.URL)
	t.Setenv("ARIFLOW_ADMIN_TOKEN", testAdminToken)
	if err := os.WriteFile(path, []byte(good+"numbers2: {}\nnumbers3: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCmd("reload")
	terminalSafe(t, "ariflow reload", errs)
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if code != 1 || out != "" || strings.ContainsAny(errs, "{}") || len(lines) != 3 || !strings.HasPrefix(lines[0], path+":3: ") || !strings.Contains(lines[0], `unknown key "numbers2"`) ||
		!strings.HasPrefix(lines[1], path+":4: ") || !strings.Contains(lines[1], `unknown key "numbers3"`) ||
		!strings.HasPrefix(lines[len(lines)-1], "ariflow: refused (422 ") {
		t.Errorf("a refused reload: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}
