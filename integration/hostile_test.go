package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/recordings"
)

// hostileBody records extension 1000 under a name that includes the caller, notifies, and
// has a direct voicemail number.
const hostileBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 4s, mailbox: "1000", record: true, notify: true}
voicemail:
  boxes:
    "1000": {pin: "1000"}
numbers:
  "8000": {voicemail: "1000"}
`

// The hostile caller. SIP carries the number as the From URI's user part, %-escaped, which
// Asterisk (PJSIP) unescapes: CR, LF, ESC, quotes, braces, $( ) and backticks reach the app
// as raw characters. The name is the From display name, a quoted string: raw CR/LF are not
// sent in it (they would end the header: SIP header injection, not a caller ID; not tried
// here), ESC goes as a quoted pair (which PJSIP keeps with its backslash). NUL cannot be
// sent: SIPp's -set takes a C string, and %00 in the number is cut by Asterisk with what
// follows. Asterisk keeps at most 79 bytes of the name (and cuts the number too), so a 10 kB
// name reaches the app as its first 79 bytes.
const (
	hostileNumber = "2000%0D%0A%7B%22level%22%3A%22error%22%2C%22message%22%3A%22forged%22%7D%1B%5B2J%24%28touch%20%2Ftmp%2Fpwned%29%60touch%20%2Ftmp%2Fpwned%60%3B"
	hostileName   = "\\\x1b[31m<script>alert(1)</script> **x** [a](http://evil) @channel $(touch /tmp/pwned) `id`;"
	pwned         = "/tmp/pwned"
)

// safeRecordingName is what a recording's name may hold whatever the caller sent.
var safeRecordingName = regexp.MustCompile(`^[A-Za-z0-9+._:/-]+$`)

// A caller ID with shell metacharacters, Markdown, HTML, control characters (and, in a
// second call, 10 kB of text) goes through every path harmlessly: the log stays one valid
// JSON object per line with no forged line, the notices are defused, recording names hold
// only safe characters and the sidecar keeps the number exactly, the admin API answers valid
// JSON and XML and its event stream one JSON line per event, the voicemail message keeps the
// caller as data and its index card gains no line, and nothing was executed.
func TestHostileCallerIDGoesThroughEveryPath(t *testing.T) {
	if err := os.Remove(pwned); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	h := start(t, options{body: hostileBody, now: monday(10, 0), recordingName: "{exten}-{caller}-{time}",
		callTemplate: "Appel de {caller_name} ({caller}) pour {exten}"})
	a := startAdminWith(h, h.service(), nil)
	starts := h.app.Bus().Subscribe(16, "type:StasisStart")
	defer starts.Cancel()

	// 1. An answered, recorded call; the API and the page's event stream while it is up.
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	caller := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: hostileNumber,
		Vars: map[string]string{"name": hostileName, "hold_ms": "4000"}, Timeout: 30 * time.Second})
	number, name := callerOf(t, starts)
	t.Logf("Asterisk gave the app number %q, name %q", number, name)
	if !strings.ContainsAny(number, "\r\n\x1b$`") || !strings.Contains(name, "\x1b") || !strings.Contains(name, "@channel") {
		t.Fatalf("the hostile parts did not reach the app: number %q, name %q", number, name)
	}
	a.waitCall("1000")
	checkAPI(t, a, number)
	checkEventStream(t, a, number)
	caller.Wait().AssertOK(t)
	phone.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)

	entries, err := recordings.List(h.lab.SpoolDir, "itest/"+t.Name()+"/")
	if err != nil || len(entries) != 1 {
		t.Fatalf("recordings: %v %+v, want one", err, entries)
	}
	rec := entries[0]
	if !safeRecordingName.MatchString(rec.Name) {
		t.Errorf("recording name %q holds unsafe characters", rec.Name)
	}
	if rec.Meta == nil || rec.Meta.Caller != number || rec.Meta.CallerName != name {
		t.Errorf("sidecar %+v, want the caller kept exactly as data", rec.Meta)
	}

	// 2. The same caller leaves a voicemail message.
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "8000", From: hostileNumber,
		Vars: map[string]string{"name": hostileName, "digits": "#", "pre_ms": "500", "hold_ms": "5000"}, Timeout: 30 * time.Second}).AssertOK(t)
	callerOf(t, starts)
	h.waitIdle(10 * time.Second)
	msgs := h.inbox("1000")
	if len(msgs) != 1 {
		t.Fatalf("INBOX = %+v, want the hostile caller's message", msgs)
	}
	m := msgs[0]
	if m.Caller != number || m.CallerName != name || !safeRecordingName.MatchString(m.Recording) {
		t.Errorf("message %+v: want the caller kept as data under a safe name", m)
	}
	checkIndexCard(t, h, m.ID)
	_, body := a.do("GET", "/api/voicemail/1000", "", "")
	var l struct {
		Messages []struct{ Caller, CallerName string }
	}
	if err := json.Unmarshal(body, &l); err != nil || len(l.Messages) != 1 || l.Messages[0].Caller != number {
		t.Errorf("API messages: %v %s", err, body)
	}

	// 3. A 10 kB name of shell and Markdown.
	long := strings.Repeat("$(touch /tmp/pwned) `id`; **@channel** [a](http://evil) ", 10240/56+1)[:10240]
	h.lab.Phone(t, "1000", "uas_answer.xml")
	h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "2000",
		Vars: map[string]string{"name": long, "hold_ms": "1000"}, Timeout: 30 * time.Second}).AssertOK(t)
	_, longName := callerOf(t, starts)
	t.Logf("of a %d-byte name, the app got %d bytes", len(long), len(longName))
	if longName == "" || !strings.HasPrefix(long, longName) {
		t.Errorf("the long name reached the app as %q", longName)
	}
	h.waitIdle(10 * time.Second)

	// Every notice posted, defused.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posts, err := h.mm.WaitPosts(ctx, 3) // the two calls to 1000 and the message
	if err != nil {
		t.Fatalf("notices: %v (%d posted)", err, len(h.mm.Posts()))
	}
	for _, p := range posts {
		for _, bad := range []string{"@channel", "](", "http://", "<script>", "**"} {
			if strings.Contains(p.Message, bad) {
				t.Errorf("notice %q still contains %q", p.Message, bad)
			}
		}
		if strings.IndexFunc(p.Message, unicode.IsControl) >= 0 {
			t.Errorf("notice %q holds control characters", p.Message)
		}
	}

	checkLogs(t, h.logs.String())
	if _, err := os.Stat(pwned); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists: a caller ID was executed (%v)", pwned, err)
	}
}

// callerOf waits for the next call's StasisStart and returns its caller as the app got it.
func callerOf(t *testing.T, starts *ari.Subscription) (number, name string) {
	t.Helper()
	for {
		select {
		case ev := <-starts.C():
			if s, ok := ev.(*ari.StasisStart); ok && len(s.Args) > 0 && !strings.HasPrefix(s.Args[0], "ariflow-") {
				return s.Channel.Caller.Number, s.Channel.Caller.Name
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no call entered the app")
		}
	}
}

// checkAPI: the live calls are valid JSON and XML that carry the number unchanged.
func checkAPI(t *testing.T, a *adminAPI, number string) {
	t.Helper()
	_, body := a.do("GET", "/api/calls", "", "")
	var j liveCalls
	if err := json.Unmarshal(body, &j); err != nil || len(j.Calls) != 1 || j.Calls[0].Caller != number {
		t.Errorf("GET /api/calls: %v, want the number as data: %s", err, body)
	}
	_, body = a.do("GET", "/api/calls", "", "application/xml")
	var x liveCalls
	if err := xml.Unmarshal(body, &x); err != nil || len(x.Calls) != 1 {
		t.Errorf("GET /api/calls as XML: %v: %s", err, body)
	} else if want := strings.Map(xmlChar, number); x.Calls[0].Caller != want {
		t.Errorf("XML caller %q, want %q", x.Calls[0].Caller, want)
	}
}

// xmlChar is r as encoding/xml writes it: XML 1.0 cannot hold control characters other
// than tab, line feed and carriage return, which become U+FFFD.
func xmlChar(r rune) rune {
	if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
		return '\uFFFD'
	}
	return r
}

// checkEventStream: the page's first server-sent event is one "data:" line of JSON, with
// the call and no raw markup.
func checkEventStream(t *testing.T, a *adminAPI, number string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", a.url+"/api/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && sc.Text() != "" {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 2 || lines[0] != "event: state" || !strings.HasPrefix(lines[1], "data: ") {
		t.Fatalf("first event %q, want event and one data line", lines)
	}
	data := strings.TrimPrefix(lines[1], "data: ")
	var st struct{ Calls []struct{ Caller string } }
	if err := json.Unmarshal([]byte(data), &st); err != nil || len(st.Calls) != 1 || st.Calls[0].Caller != number {
		t.Errorf("event data %v: %s", err, data)
	}
	if strings.Contains(data, "<script>") {
		t.Errorf("event data carries raw markup: %s", data)
	}
	// the page puts that data in the document as text only
	code, js := a.do("GET", "/static/app.js", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /static/app.js: %d", code)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(string(js), sink) {
			t.Errorf("the page's script uses %s: caller text could become markup", sink)
		}
	}
}

// checkIndexCard: the message's card in app_voicemail's spool has one line per field, the
// caller's on one line without control characters.
func checkIndexCard(t *testing.T, h *harness, id string) {
	t.Helper()
	cards, _ := filepath.Glob(filepath.Join(filepath.Dir(h.lab.SpoolDir), "voicemail", "default", "1000", "INBOX", "msg*.txt"))
	for _, c := range cards {
		data, err := os.ReadFile(c)
		if err != nil || !strings.Contains(string(data), "msg_id="+id+"\n") {
			continue
		}
		fields := map[string]int{}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if strings.IndexFunc(line, unicode.IsControl) >= 0 {
				t.Errorf("card %s: line %q holds control characters", c, line)
			}
			if k, _, ok := strings.Cut(line, "="); ok {
				fields[k]++
			}
		}
		for k, n := range fields {
			if n != 1 {
				t.Errorf("card %s: field %s %d times (forged by the caller ID?):\n%s", c, k, n, data)
			}
		}
		return
	}
	t.Errorf("no index card for message %s among %v", id, cards)
}

// checkLogs: every line is one JSON object, and none was forged by the caller ID.
func checkLogs(t *testing.T, logs string) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(logs, "\n"), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("log line %d is not JSON (%v): %q", i+1, err, line)
			continue
		}
		if v["message"] == "forged" {
			t.Errorf("log line %d was forged by the caller ID: %q", i+1, line)
		}
	}
}
