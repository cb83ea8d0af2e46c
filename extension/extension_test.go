package extension_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/store"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func at(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, paris) }

const routing = `
asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
timezone: Europe/Paris
schedules:
  office:
    default: open
    closed: [mon-fri 00:00-09:00, mon-fri 17:00-24:00]
extensions:
  "1000": {endpoint: PJSIP/1000, mailbox: "1000", schedule: office, record: true}
  "3000": {endpoint: PJSIP/3000, ring_time: 30s, mailbox: "3000"}
voicemail: {boxes: {"1000": {pin: "1000"}, "3000": {pin: "123"}}}
`

// fakeCall records what the flow does to a call.
type fakeCall struct {
	channel string // the caller's channel name ("": a channel of no extension)
	caller  string
	log     zerolog.Logger
	played  []string
	dialed  []call.DialOptions
	result  call.DialResult
	hangUp  bool // the caller hangs up during the first prompt
}

func (c *fakeCall) ID() string                           { return "c1" }
func (c *fakeCall) ChannelName() string                  { return c.channel }
func (c *fakeCall) Caller() (string, string)             { return c.caller, "" }
func (c *fakeCall) Logger() *zerolog.Logger              { return &c.log }
func (c *fakeCall) Answer(context.Context) error         { return nil }
func (c *fakeCall) Hangup(context.Context, string) error { return nil }
func (c *fakeCall) SetState(string)                      {}
func (c *fakeCall) Play(_ context.Context, _ bool, m ...string) (bool, error) {
	c.played = append(c.played, m...)
	if c.hangUp {
		return false, call.ErrHangup
	}
	return false, nil
}
func (c *fakeCall) Dial(_ context.Context, o call.DialOptions) (call.DialResult, error) {
	c.dialed = append(c.dialed, o)
	return c.result, nil
}

type voicemail struct{ reasons []string }

func (v *voicemail) Leave(_ context.Context, _ extension.Call, box, reason string) (bool, error) {
	v.reasons = append(v.reasons, box+":"+reason)
	return false, nil
}

func newHandler(t *testing.T, extra string, now time.Time) (*extension.Handler, *absence.Service, *voicemail) {
	t.Helper()
	file, err := config.Parse("test.yaml", []byte(routing+extra))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	abs := absence.New(db, nil)
	vm := &voicemail{}
	h, err := extension.New(file, extension.Deps{Absence: abs, Voicemail: vm, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return h, abs, vm
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name           string
		exten          string
		t              time.Time
		absent         bool
		wantVoicemail  bool
		wantStepSubstr string
	}{
		{"open on Monday 10:00", "1000", at(23, 10, 0), false, false, "ring PJSIP/1000 for 15s"},
		{"closed on Monday 18:05", "1000", at(23, 18, 5), false, true, "voicemail of 1000 (reason closed)"},
		{"16:59 is still open", "1000", at(23, 16, 59), false, false, "ring PJSIP/1000"},
		{"08:59 is still closed", "1000", at(23, 8, 59), false, true, "reason closed"},
		{"Saturday evening is open, as in the seed", "1000", at(28, 18, 5), false, false, "ring PJSIP/1000"},
		{"absent in office hours", "1000", at(23, 10, 0), true, true, "voicemail of 1000 (reason absent)"},
		{"3000 has no schedule", "3000", at(23, 18, 5), false, false, "ring PJSIP/3000 for 30s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, abs, _ := newHandler(t, "", tc.t)
			if tc.absent {
				if _, err := abs.Set(tc.exten, true, tc.exten, tc.t.Add(-time.Hour), time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			d, err := h.Decide(tc.exten, "2000", tc.t)
			if err != nil {
				t.Fatal(err)
			}
			if d.ToVoicemail() != tc.wantVoicemail {
				t.Errorf("to voicemail = %v, want %v (steps %q)", d.ToVoicemail(), tc.wantVoicemail, d.Steps)
			}
			if !strings.Contains(strings.Join(d.Steps, "\n"), tc.wantStepSubstr) {
				t.Errorf("steps %q lack %q", d.Steps, tc.wantStepSubstr)
			}
		})
	}
}

func TestClosedCallHearsClosedThenVoicemailWithoutRinging(t *testing.T) {
	h, _, vm := newHandler(t, "", at(23, 18, 5))
	c := &fakeCall{caller: "2000", log: zerolog.Nop()}
	if err := h.Serve(context.Background(), c, "1000"); err != nil {
		t.Fatal(err)
	}
	if len(c.dialed) != 0 {
		t.Errorf("rang %v while closed", c.dialed)
	}
	if !slices.Equal(c.played, []string{"sound:closed"}) || !slices.Equal(vm.reasons, []string{"1000:closed"}) {
		t.Errorf("played %v, voicemail %v; want closed then voicemail 1000:closed", c.played, vm.reasons)
	}
}

// notices records the notices the flow posts.
type notices struct{ posted []string }

func (n *notices) CallStarted(caller, _, exten string) {
	n.posted = append(n.posted, "call "+caller+">"+exten)
}
func (n *notices) CallMissed(caller, _, exten string) {
	n.posted = append(n.posted, "missed "+caller+">"+exten)
}

// A caller who hangs up on the closed prompt, before the voicemail, is a missed call as
// one who hangs up in the greeting is.
func TestHangingUpOnTheClosedPromptIsAMissedCall(t *testing.T) {
	file, err := config.Parse("test.yaml", []byte(strings.Replace(routing, "record: true}", "record: true, notify: true}", 1)+
		"notify: {mattermost: {webhook_url: \"https://chat.example/hooks/x\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	posted := &notices{}
	h, err := extension.New(file, extension.Deps{Notices: posted, Voicemail: &voicemail{}, Now: func() time.Time { return at(23, 18, 5) }})
	if err != nil {
		t.Fatal(err)
	}
	err = h.Serve(context.Background(), &fakeCall{caller: "2000", log: zerolog.Nop(), hangUp: true}, "1000")
	if !errors.Is(err, call.ErrHangup) {
		t.Errorf("Serve = %v, want the hang-up", err)
	}
	if want := []string{"call 2000>1000", "missed 2000>1000"}; !slices.Equal(posted.posted, want) {
		t.Errorf("posted %v, want %v", posted.posted, want)
	}
}

func TestUnansweredCallReachesVoicemailWithTheReason(t *testing.T) {
	for _, status := range []call.DialStatus{call.DialBusy, call.DialNoAnswer, call.DialDeclined, call.DialUnavailable} {
		t.Run(string(status), func(t *testing.T) {
			h, _, vm := newHandler(t, "", at(23, 10, 0))
			c := &fakeCall{caller: "2000", log: zerolog.Nop(), result: call.DialResult{Status: status}}
			if err := h.Serve(context.Background(), c, "1000"); err != nil {
				t.Fatal(err)
			}
			if len(c.dialed) != 1 || c.dialed[0].Endpoint != "PJSIP/1000" || c.dialed[0].Timeout != 15*time.Second {
				t.Fatalf("dialed %+v, want PJSIP/1000 for 15s", c.dialed)
			}
			if c.dialed[0].RecordName != "monitor/1000-2026:11:23_10h00m00s" {
				t.Errorf("recording name %q", c.dialed[0].RecordName)
			}
			if !slices.Equal(vm.reasons, []string{"1000:" + string(status)}) {
				t.Errorf("voicemail %v, want 1000:%s", vm.reasons, status)
			}
		})
	}
}

func TestAbsenceCodes(t *testing.T) {
	t.Run("on then off for the caller's own extension", func(t *testing.T) {
		now := at(23, 10, 0)
		h, abs, _ := newHandler(t, "", now)
		c := &fakeCall{caller: "1000", log: zerolog.Nop()}
		if err := h.ServeAbsence(context.Background(), c, true); err != nil {
			t.Fatal(err)
		}
		if st, _ := abs.Get("1000"); !st.ActiveAt(now.Add(24*time.Hour)) || st.By != "1000" {
			t.Errorf("after *77: %+v, want permanent absence set by 1000", st)
		}
		if err := h.ServeAbsence(context.Background(), c, false); err != nil {
			t.Fatal(err)
		}
		if st, _ := abs.Get("1000"); st.On {
			t.Errorf("after *88: %+v, want off", st)
		}
		if !slices.Equal(c.played, []string{"sound:goodbye", "sound:hello"}) {
			t.Errorf("played %v, want goodbye then hello", c.played)
		}
	})
	// A temporary absence covers open hours until they next end: set in office hours,
	// until closing; set after hours, all of the next open stretch (the office is closed
	// anyway until then, so ending at the opening would do nothing).
	for _, tc := range []struct {
		name   string
		caller string
		now    time.Time
		until  time.Time // zero: until *88
	}{
		{"set in office hours: until closing", "1000", at(23, 10, 0), at(23, 17, 0)},
		{"set after hours: until the next closing", "1000", at(23, 18, 5), at(24, 17, 0)},
		{"set on Friday evening: the open weekend, until Monday's closing at midnight", "1000", at(27, 18, 0), at(30, 0, 0)},
		{"no schedule: until turned off", "3000", at(23, 10, 0), time.Time{}},
	} {
		t.Run("until the schedule change: "+tc.name, func(t *testing.T) {
			h, abs, _ := newHandler(t, "absence: {until_schedule_change: true}\n", tc.now)
			if err := h.ServeAbsence(context.Background(), &fakeCall{caller: tc.caller, log: zerolog.Nop()}, true); err != nil {
				t.Fatal(err)
			}
			st, _ := abs.Get(tc.caller)
			if !st.Until.Equal(tc.until) {
				t.Errorf("absence until %v, want %v", st.Until, tc.until)
			}
			if mid := tc.now.Add(time.Hour); !st.ActiveAt(mid) {
				t.Errorf("not absent an hour after *77 (%v)", mid)
			}
		})
	}
	t.Run("a caller who is not an extension is refused", func(t *testing.T) {
		h, abs, _ := newHandler(t, "", at(23, 10, 0))
		c := &fakeCall{caller: "0612345678", log: zerolog.Nop()}
		if err := h.ServeAbsence(context.Background(), c, true); err != nil {
			t.Fatal(err)
		}
		if list, _ := abs.List(); len(list) != 0 {
			t.Errorf("absence stored for a stranger: %+v", list)
		}
		if !slices.Equal(c.played, []string{"sound:invalid"}) {
			t.Errorf("played %v, want sound:invalid", c.played)
		}
	})
}

// Holidays as an admin writes them: the calendar's name in any case, a date with its name;
// the call on that day goes to voicemail and simulate says which holiday.
func TestHolidaysAsWritten(t *testing.T) {
	extra := `schedules:
  office:
    default: open
    holidays: {calendars: [fr], dates: ["2026-12-24 Réveillon"]}
extensions:
  "1000": {endpoint: PJSIP/1000, schedule: office}
`
	file, err := config.Parse("test.yaml", []byte("asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\ntimezone: Europe/Paris\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	h, err := extension.New(file, extension.Deps{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	for day, reason := range map[int]string{24: "holiday Réveillon", 25: "holiday"} {
		d, err := h.Decide("1000", "2000", time.Date(2026, 12, day, 10, 0, 0, 0, paris))
		if err != nil {
			t.Fatal(err)
		}
		if !d.Closed || !strings.Contains(strings.Join(d.Steps, "\n"), reason) {
			t.Errorf("December %d: closed %v, steps %q; want closed (%s)", day, d.Closed, d.Steps, reason)
		}
	}
}

// *77 sets absence for the phone that dials it, not for the number it claims: 3000's
// phone sending 1000's caller ID makes 3000 absent, and 1000 is left alone.
func TestAbsenceCodeActsOnThePhonesExtension(t *testing.T) {
	h, abs, _ := newHandler(t, "", at(23, 10, 0))
	c := &fakeCall{channel: "PJSIP/3000-0000002a", caller: "1000", log: zerolog.Nop()}
	if err := h.ServeAbsence(context.Background(), c, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := abs.Get("3000"); !st.On {
		t.Error("3000, whose phone dialed *77, is not absent")
	}
	if st, _ := abs.Get("1000"); st.On {
		t.Error("1000, whose number the phone claimed, was made absent")
	}
}
