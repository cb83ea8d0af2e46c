package ivr_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ariflow/ariflow/app/call"
)

// seed is the seed's svi_1, as examples/office.yaml writes it.
const seed = `
menus:
  svi_1:
    prompts: [sound:service1, sound:service2]
    timeout: 10s
    digit_timeout: 3s
    choices:
      "1": {extension: "2001"}
      "2": {extension: "2002"}
    invalid: {restart: true}
    on_timeout: {replay_from: 1}
`

// menu is a one-menu file with the seed's prompts; extra is more of its keys.
func menu(extra string) string {
	return `
menus:
  m:
    prompts: [sound:service1, sound:service2]
    timeout: 2s
    digit_timeout: 2s
` + extra
}

type menuCase struct {
	name     string
	body     string
	menu     string // default svi_1
	presses  []press
	hangupAt time.Duration
	want     string // the events, one per line
	wantErr  error
}

func runCases(t *testing.T, cases []menuCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := handler(t, tc.body)
			name := tc.menu
			if name == "" {
				name = "svi_1"
			}
			synctest.Test(t, func(t *testing.T) {
				c := newFakeCall(t, tc.presses, tc.hangupAt)
				r := &runs{c: c}
				err := h.Serve(context.Background(), c, name, r.run)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Serve = %v, want %v", err, tc.wantErr)
				}
				if want := lines(tc.want); !slices.Equal(c.events, want) {
					t.Errorf("events:\n  %s\nwant:\n  %s", join(c.events), join(want))
				}
			})
		})
	}
}

func join(s []string) string { return strings.Join(s, "\n  ") }

// The seed's menu: each branch of svi_1.
func TestSeedMenu(t *testing.T) {
	runCases(t, []menuCase{
		{name: "1 during service1 stops it and rings y", body: seed,
			presses: []press{{time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 1)
			1s run extension 2001`},
		{name: "2 during service2 rings z", body: seed,
			presses: []press{{4 * time.Second, "2"}},
			want: `0s answer
			0s play sound:service1
			3s play sound:service2
			4s stop sound:service2 (key 2)
			4s run extension 2002`},
		{name: "a key after the prompts counts", body: seed,
			presses: []press{{9 * time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			3s play sound:service2
			9s run extension 2001`},
		{name: "5 says invalid and starts over", body: seed,
			presses: []press{{time.Second, "5"}, {6 * time.Second, "2"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 5)
			1s play sound:invalid
			5s play sound:service1
			6s stop sound:service1 (key 2)
			6s run extension 2002`},
		{name: "every other key starts over", body: seed,
			presses: []press{{time.Second, "0"}, {5500 * time.Millisecond, "*"}, {10 * time.Second, "#"}, {15 * time.Second, "4"}, {20 * time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 0)
			1s play sound:invalid
			5s play sound:service1
			5.5s stop sound:service1 (key *)
			5.5s play sound:invalid
			9.5s play sound:service1
			10s stop sound:service1 (key #)
			10s play sound:invalid
			14s play sound:service1
			15s stop sound:service1 (key 4)
			15s play sound:invalid
			19s play sound:service1
			20s stop sound:service1 (key 1)
			20s run extension 2001`},
		{name: "a key typed during the invalid prompt stops it and is not lost", body: seed,
			presses: []press{{time.Second, "9"}, {2 * time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 9)
			1s play sound:invalid
			2s stop sound:invalid (key 1)
			2s run extension 2001`},
		{name: "no key for 10 s replays the prompts, forever", body: seed, hangupAt: 40 * time.Second,
			wantErr: call.ErrHangup,
			want: `0s answer
			0s play sound:service1
			3s play sound:service2
			15.7s no key for 10s
			15.7s play sound:service1
			18.7s play sound:service2
			31.4s no key for 10s
			31.4s play sound:service1
			34.4s play sound:service2`},
		{name: "the caller hangs up during a prompt", body: seed, hangupAt: time.Second,
			wantErr: call.ErrHangup,
			want: `0s answer
			0s play sound:service1`},
	})
}

// Timeouts, retries, invalid actions and answer: false.
func TestRetriesAndTimeouts(t *testing.T) {
	runCases(t, []menuCase{
		{name: "replay_from 2 replays the second prompt only", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    on_timeout: {replay_from: 2}
`), presses: []press{{8 * time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			3s play sound:service2
			7.7s no key for 2s
			7.7s play sound:service2
			8s stop sound:service2 (key 1)
			8s run extension 2001`},
		{name: "after max_retries timeouts the configured destination", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    max_retries: 2
    after_retries: {extension: "1000"}
`), want: `0s answer
			0s play sound:service1
			3s play sound:service2
			7.7s no key for 2s
			7.7s play sound:service1
			10.7s play sound:service2
			15.4s no key for 2s
			15.4s run extension 1000`},
		{name: "invalid then timeout count together", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    invalid: {prompt: sound:beep}
    max_retries: 2
    after_retries: {voicemail: "1000"}
voicemail: {boxes: {"1000": {pin: "1"}}}
`), presses: []press{{time.Second, "3"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 3)
			1s play sound:beep
			2s play sound:service1
			5s play sound:service2
			9.7s no key for 2s
			9.7s run voicemail of 1000`},
		{name: "max_retries without after_retries says goodbye and hangs up", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    max_retries: 1
`), presses: []press{{time.Second, "7"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 7)
			1s play sound:invalid
			5s play sound:goodbye
			6s run hang up`},
		{name: "invalid action runs after the invalid prompt", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    invalid: {prompt: sound:beep, action: {extension: "1000"}}
`), presses: []press{{time.Second, "7"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 7)
			1s play sound:beep
			2s run extension 1000`},
		{name: "on_timeout action", menu: "m",
			body: menu(`    choices: {"1": {extension: "2001"}}
    on_timeout: {action: {play: [sound:closed]}}
`), want: `0s answer
			0s play sound:service1
			3s play sound:service2
			7.7s no key for 2s
			7.7s run play sound:closed, hang up`},
		{name: "answer false leaves the channel as it is", menu: "m",
			body: menu(`    answer: false
    choices: {"1": {dial: {endpoint: PJSIP/2001, ring_time: 5s}}}
`), presses: []press{{time.Second, "1"}},
			want: `0s play sound:service1
			1s stop sound:service1 (key 1)
			1s run ring PJSIP/2001 for 5s`},
	})
}

// Multi-digit choices with the inter-digit timeout, "#", and direct dialing.
func TestMultiDigitEntries(t *testing.T) {
	two := menu(`    choices:
      "1": {extension: "2001"}
      "12": {extension: "2002"}
      "3": {extension: "1000"}
`)
	direct := menu(`    direct_dial: true
    choices: {"0": {extension: "1000"}, "2": {hangup: true}}
`)
	runCases(t, []menuCase{
		{name: "1 then nothing takes 1 after digit_timeout", menu: "m", body: two,
			presses: []press{{time.Second, "1"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 1)
			3s no key for 2s
			3s run extension 2001`},
		{name: "12 takes 12 at once", menu: "m", body: two,
			presses: []press{{time.Second, "12"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 1)
			1.2s run extension 2002`},
		{name: "a single-digit choice no other starts with is taken at once", menu: "m", body: two,
			presses: []press{{time.Second, "3"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 3)
			1s run extension 1000`},
		{name: "13 is invalid as soon as the 3 comes", menu: "m", body: two,
			presses: []press{{time.Second, "13"}, {3 * time.Second, "3"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 1)
			1.2s play sound:invalid
			3s stop sound:invalid (key 3)
			3s run extension 1000`},
		{name: "# ends an entry early", menu: "m", body: two,
			presses: []press{{time.Second, "1#"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 1)
			1.2s run extension 2001`},
		{name: "direct dial of an extension", menu: "m", body: direct,
			presses: []press{{time.Second, "2002"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 2)
			1.6s run extension 2002`},
		{name: "a choice that is an extension's prefix wins after digit_timeout", menu: "m", body: direct,
			presses: []press{{time.Second, "2"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 2)
			3s no key for 2s
			3s run hang up`},
		{name: "an unfinished extension number is invalid after digit_timeout", menu: "m", body: direct,
			presses: []press{{time.Second, "20"}, {5 * time.Second, "0"}},
			want: `0s answer
			0s play sound:service1
			1s stop sound:service1 (key 2)
			3.2s no key for 2s
			3.2s play sound:invalid
			5s stop sound:invalid (key 0)
			5s run extension 1000`},
	})
}

// Sub-menus: back returns to the parent; back in a menu entered directly hangs up; a
// choice leading to a menu already on the way back returns to it.
func TestSubMenus(t *testing.T) {
	body := `
menus:
  main:
    prompts: [sound:main]
    choices: {"1": {menu: sub}, "*": {back: true}}
  sub:
    prompts: [sound:sub]
    choices: {"1": {extension: "2001"}, "*": {back: true}, "0": {menu: main}}
`
	runCases(t, []menuCase{
		{name: "back returns to the parent", menu: "main", body: body,
			presses: []press{{500 * time.Millisecond, "1"}, {1300 * time.Millisecond, "*"}, {3 * time.Second, "1"}, {3500 * time.Millisecond, "1"}},
			want: `0s answer
			0s play sound:main
			500ms stop sound:main (key 1)
			500ms play sound:sub
			1.3s stop sound:sub (key *)
			1.3s play sound:main
			3s play sound:sub
			3.5s stop sound:sub (key 1)
			3.5s run extension 2001`},
		{name: "back in a menu entered directly hangs up", menu: "main", body: body,
			presses: []press{{500 * time.Millisecond, "*"}},
			want: `0s answer
			0s play sound:main
			500ms stop sound:main (key *)
			500ms run hang up`},
		{name: "the main menu from a sub-menu is the top again", menu: "main", body: body,
			presses: []press{{500 * time.Millisecond, "1"}, {1200 * time.Millisecond, "0"}, {2500 * time.Millisecond, "*"}},
			want: `0s answer
			0s play sound:main
			500ms stop sound:main (key 1)
			500ms play sound:sub
			1.2s stop sound:sub (key 0)
			1.2s play sound:main
			2.5s run hang up`},
	})
}
