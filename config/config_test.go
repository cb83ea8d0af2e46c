package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const officePath = "../examples/office.yaml"

func readOffice(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(officePath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestOfficeLoads(t *testing.T) {
	f, err := Load(officePath)
	if err != nil {
		t.Fatalf("office.yaml must load cleanly:\n%v", err)
	}
	if got := f.Extensions["1000"].RingTime; got != 15*time.Second {
		t.Errorf("1000 ring_time = %v, want 15s", got)
	}
	if got := f.Extensions["3000"].RingTime; got != 30*time.Second {
		t.Errorf("3000 ring_time = %v, want 30s", got)
	}
	if got := f.Extensions["2000"].RingTime; got != 15*time.Second {
		t.Errorf("2000 ring_time = %v, want the default 15s", got)
	}
	for num, x := range f.Extensions { // the seed posts a notice "dans chaque extension"
		if !x.Notify {
			t.Errorf("extension %s posts no notice; the seed's extensions all do", num)
		}
	}
	if x := f.Extensions["1000"]; !x.Record || !x.Notify || x.Schedule != "office" || x.Mailbox != "1000" {
		t.Errorf("1000 = %+v, want record, notify, schedule office, mailbox 1000", x)
	}
	if got := f.Voicemail.Boxes["3000"].PIN; got != "123" {
		t.Errorf("box 3000 PIN = %q, want 123", got)
	}
	m := f.Menus["svi_1"]
	if m.Timeout != 10*time.Second || strings.Join(m.Prompts, ",") != "sound:service1,sound:service2" {
		t.Errorf("svi_1 = timeout %v prompts %v, want 10s [sound:service1 sound:service2]", m.Timeout, m.Prompts)
	}
	if c := m.Choices["1"]; c.Kind != ActExtension || c.Extension != "2001" {
		t.Errorf("svi_1 choice 1 = %+v, want extension 2001", c)
	}
	if !m.Invalid.Restart || m.OnTimeout.ReplayFrom != 1 || !m.Answer {
		t.Errorf("svi_1 invalid/on_timeout/answer = %+v %+v %v", m.Invalid, m.OnTimeout, m.Answer)
	}
	q := f.Queues["file-attente"]
	if q.Strategy != "ringall" || q.MemberTimeout != 20*time.Second || q.MusicClass != "classic" || len(q.Members) != 3 {
		t.Errorf("file-attente = %+v, want ringall 20s classic with 3 members", q)
	}
	if f.Location().String() != "Europe/Paris" || f.Voicemail.Skip != 3*time.Second || f.Absence.OnCode != "*77" {
		t.Errorf("timezone %v, skip %v, on_code %q", f.Location(), f.Voicemail.Skip, f.Absence.OnCode)
	}
	if a := f.Numbers["52"]; a.Kind != ActSpy || a.Spy.Mode != "listen" {
		t.Errorf("52 = %+v, want spy listen", a)
	}
	if got, want := f.DatabasePath(), filepath.Join("..", "examples", "ariflow.db"); got != want {
		t.Errorf("DatabasePath = %q, want %q", got, want)
	}
}

// lineOf returns the 1-based line of the first line of text containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the text", s)
	return 0
}

func TestOfficeBadReportsEveryProblem(t *testing.T) {
	text := string(readOffice(t))
	for _, r := range [][2]string{
		{"    ring_time: 30s\n", "    ring_time: 30s\n    colour: blue\n"},
		{"mon-fri 17:00-24:00", "mon-fri 17:00-25:00"},
		{`mailbox: "2000"`, `mailbox: "2999"`},
	} {
		if !strings.Contains(text, r[0]) {
			t.Fatalf("office.yaml no longer contains %q", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	_, err := Parse("office-bad.yaml", []byte(text))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := strings.Join([]string{
		"office-bad.yaml:" + strconv.Itoa(lineOf(t, text, "25:00")) +
			`: schedule "office": closed: period "mon-fri 17:00-25:00": hour 25 out of range`,
		"office-bad.yaml:" + strconv.Itoa(lineOf(t, text, "colour")) + `: extension "3000": unknown key "colour"`,
		"office-bad.yaml:" + strconv.Itoa(lineOf(t, text, "2999")) +
			`: extension "2000": mailbox "2999" is not defined under voicemail.boxes`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestCheck(t *testing.T) {
	var out bytes.Buffer
	if !Check(officePath, &out) {
		t.Fatalf("Check(office.yaml) = false:\n%s", out.String())
	}
	want := officePath + ": OK (5 extensions, 3 mailboxes, 1 menu, 1 queue, 1 room, 1 schedule, 6 numbers)\n"
	if out.String() != want {
		t.Errorf("Check output = %q, want %q", out.String(), want)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("colour: blue\nasterisk: {url: x, username: u, password: p}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if Check(bad, &out) {
		t.Fatal("Check(bad) = true")
	}
	want = bad + ":1: unknown key \"colour\"\n" + bad + `:2: asterisk: url "x" is not an http(s) URL` + "\n"
	if out.String() != want {
		t.Errorf("Check output =\n%s\nwant\n%s", out.String(), want)
	}

	out.Reset()
	if Check(filepath.Join(t.TempDir(), "missing.yaml"), &out) || !strings.Contains(out.String(), "no such file") {
		t.Errorf("Check(missing) printed %q", out.String())
	}
}

func TestDefaults(t *testing.T) {
	f, err := Parse("dir/r.yaml", []byte(base+`
extensions:
  "10": {endpoint: PJSIP/10}
menus:
  m: {prompts: [sound:a], choices: {"1": {hangup: true}}}
queues:
  q: {members: [PJSIP/1]}
rooms:
  r: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	x, m, q, r := f.Extensions["10"], f.Menus["m"], f.Queues["q"], f.Rooms["r"]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"ring_time", x.RingTime, 15 * time.Second},
		{"menu timeout", m.Timeout, 10 * time.Second},
		{"digit_timeout", m.DigitTimeout, 3 * time.Second},
		{"menu answer", m.Answer, true},
		{"strategy", q.Strategy, "ringall"},
		{"member_timeout", q.MemberTimeout, 20 * time.Second},
		{"retry", q.Retry, 5 * time.Second},
		{"queue answer", q.Answer, true},
		{"queue record", q.Record, false}, // the seed's queue recorded nothing
		{"queue music_class", q.MusicClass, "classic"},
		{"room music_class", r.MusicClass, "default"},
		{"max_members", r.MaxMembers, 5},
		{"announce_count", r.AnnounceCount, true},
		{"music_when_alone", r.MusicWhenAlone, true},
		{"recording name", f.Recordings.Name, "{exten}-{time}"},
		{"recording prefix", f.Recordings.Prefix, "monitor/"},
		{"recording format", f.Recordings.Format, "wav"},
		{"voicemail", f.Voicemail.MaxMessages*1000 + f.Voicemail.MaxLogins, 100003},
		{"voicemail max_duration", f.Voicemail.MaxDuration, 60 * time.Second},
		{"voicemail min_duration", f.Voicemail.MinDuration, 3 * time.Second},
		{"voicemail max_silence", f.Voicemail.MaxSilence, 10 * time.Second},
		{"voicemail silence_threshold", f.Voicemail.SilenceThreshold, 128},
		{"voicemail skip", f.Voicemail.Skip, 3000 * time.Millisecond},
		{"voicemail format", f.Voicemail.Format, "wav"},
		{"absence_template", f.Notify.AbsenceTemplate, "Absence {state} pour {exten}"},
		{"absence codes", f.Absence.OnCode + f.Absence.OffCode, "*77*88"},
		{"call_template", f.Notify.CallTemplate, "Message en provenance de {caller} pour {exten}"},
		{"app", f.Asterisk.App, "ariflow"},
		{"dial_context", f.Asterisk.DialContext, ""},      // rings stay in the app unless asked
		{"max_connections", f.Asterisk.MaxConnections, 0}, // the ari client's default
		{"admin listen", f.Admin.Listen, "127.0.0.1:5001"},
		{"limits", f.Limits.MaxCalls + f.Limits.CallsPerSecond, 0}, // no limit unless asked
		{"database", f.DatabasePath(), filepath.Join("dir", "ariflow.db")},
		{"location", f.Location(), time.Local},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// asterisk.max_connections reaches the file as written (serve hands it to the ARI client).
func TestMaxConnections(t *testing.T) {
	f, err := Parse("r.yaml", []byte(`
asterisk: {url: "http://127.0.0.1:8088/ari", username: u, password: p, max_connections: 400}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Asterisk.MaxConnections; got != 400 {
		t.Errorf("max_connections = %d, want 400", got)
	}
}

// Recordings are kept for a number of days or a Go duration, never less than an hour; no
// key keeps them forever.
func TestRecordingsRetention(t *testing.T) {
	for written, want := range map[string]time.Duration{"": 0, "90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "0": 0, "1h": time.Hour} {
		text := "asterisk: {url: \"http://127.0.0.1:8088/ari\", username: u, password: p}\n"
		if written != "" {
			text += "recordings: {retention: " + written + "}\n"
		}
		f, err := Parse("r.yaml", []byte(text))
		if err != nil {
			t.Errorf("retention %q: %v", written, err)
			continue
		}
		if f.Recordings.Retention != want {
			t.Errorf("retention %q = %v, want %v", written, f.Recordings.Retention, want)
		}
	}
}

func TestLookup(t *testing.T) {
	f, err := Load(officePath)
	if err != nil {
		t.Fatal(err)
	}
	for dialed, want := range map[string]ActionKind{"1000": ActExtension, "900": ActMenu, "*77": ActAbsence,
		"*88": ActAbsence, "456": ActVoicemailMain} {
		if a, ok := f.Lookup(dialed); !ok || a.Kind != want {
			t.Errorf("Lookup(%q) = %+v %v, want %s", dialed, a, ok, want)
		}
	}
	if a, _ := f.Lookup("*88"); a.Absence != "off" {
		t.Errorf("Lookup(*88).Absence = %q", a.Absence)
	}
	// The seed's Set(CHANNEL(musicclass)=musique) before Queue(file-attente).
	if a, _ := f.Lookup("601"); a.Queue != "file-attente" || a.MusicClass != "musique" {
		t.Errorf("Lookup(601) = queue %q, music class %q; want file-attente with musique", a.Queue, a.MusicClass)
	}
	if a, _ := f.Lookup("600"); a.MusicClass != "" {
		t.Errorf("Lookup(600).MusicClass = %q, want none (the queue's own)", a.MusicClass)
	}
	if _, ok := f.Lookup("12345"); ok {
		t.Error("Lookup(12345) found something")
	}
}

func TestResolveSecrets(t *testing.T) {
	t.Setenv("ARIFLOW_TEST_SECRET", "s3cret")
	if got, err := (Asterisk{PasswordEnv: "ARIFLOW_TEST_SECRET"}).ResolvePassword(); err != nil || got != "s3cret" {
		t.Errorf("ResolvePassword(env) = %q, %v", got, err)
	}
	if got, err := (Asterisk{Password: "inline"}).ResolvePassword(); err != nil || got != "inline" {
		t.Errorf("ResolvePassword(inline) = %q, %v", got, err)
	}
	if _, err := (Mattermost{TokenEnv: "ARIFLOW_TEST_UNSET_VARIABLE"}).ResolveToken(); err == nil {
		t.Error("ResolveToken(unset env) succeeded")
	}
	if _, err := (Admin{}).ResolveToken(); err == nil {
		t.Error("Admin.ResolveToken() without token succeeded")
	}
}
