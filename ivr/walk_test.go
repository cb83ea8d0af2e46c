package ivr_test

import (
	"slices"
	"testing"

	"github.com/ariflow/ariflow/ivr"
)

// Walk shows where keys lead in the seed's menu, the same way Serve decides.
func TestWalk(t *testing.T) {
	h := handler(t, seed)
	for _, tc := range []struct {
		name, keys string
		want       []string
		end        string // "" when the menu still waits
	}{
		{"no keys", "", []string{"menu svi_1", "answer", "play sound:service1", "play sound:service2", "waits for a key"}, ""},
		{"1 barges in", "1", []string{"menu svi_1", "answer", "play sound:service1: key 1 stops it", "entry 1: extension 2001"}, "extension 2001"},
		{"5, a timeout, then 2", "5t2", []string{
			"menu svi_1", "answer",
			"play sound:service1: key 5 stops it",
			"entry 5: not a choice: play sound:invalid, start over",
			"play sound:invalid",
			"play sound:service1", "play sound:service2",
			"no key within 10s: replay from prompt 1",
			"play sound:service1: key 2 stops it",
			"entry 2: extension 2002",
		}, "extension 2002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps, end, err := h.Walk("svi_1", tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(steps, tc.want) {
				t.Errorf("steps:\n  %s\nwant:\n  %s", join(steps), join(tc.want))
			}
			got := ""
			if end != nil {
				got = ivr.Describe(*end)
			}
			if got != tc.end {
				t.Errorf("ends on %q, want %q", got, tc.end)
			}
		})
	}
	if _, _, err := h.Walk("svi_1", "1x"); err == nil {
		t.Error("Walk accepted the key x")
	}
}

// Walk with two-digit choices: a timeout in the middle of an entry ends it.
func TestWalkMultiDigit(t *testing.T) {
	h := handler(t, menu(`    choices: {"1": {extension: "2001"}, "12": {extension: "2002"}}
    max_retries: 1
`))
	for keys, end := range map[string]string{"12": "extension 2002", "1t": "extension 2001", "t": "hang up", "4": "hang up"} {
		_, a, err := h.Walk("m", keys)
		if err != nil || a == nil || ivr.Describe(*a) != end {
			t.Errorf("Walk(%q) ends on %v (err %v), want %s", keys, a, err, end)
		}
	}
}

// Any keys walk to an end or to a menu waiting for more, never forever.
func FuzzWalk(f *testing.F) {
	for _, k := range []string{"", "1", "5t2", "12", "1t", "*#", "tttt", "x"} {
		f.Add(k)
	}
	h, err := ivr.New(mustParse(f, `
menus:
  top:
    prompts: [sound:top, sound:more]
    timeout: 5s
    choices: {"1": {menu: sub}, "2": {extension: "2001"}, "*": {back: true}}
    on_timeout: {replay_from: 2}
  sub:
    prompts: [sound:sub]
    digit_timeout: 1s
    direct_dial: true
    choices: {"1": {menu: top}, "*": {back: true}, "12": {hangup: true}}
    max_retries: 2
    after_retries: {menu: top}
`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, keys string) {
		steps, end, err := h.Walk("top", keys)
		if err == nil && end == nil && (len(steps) == 0 || steps[len(steps)-1] != "waits for a key") {
			t.Errorf("Walk(%q) neither ended nor waits: %v", keys, steps)
		}
	})
}
