package spy

import (
	"strings"
	"testing"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

func TestAllowed(t *testing.T) {
	rules := []config.SpyRule{
		{Who: []string{"1000"}, Whom: []string{"*"}},
		{Who: []string{"2000", "2001"}, Whom: []string{"3000"}},
	}
	for _, tc := range []struct {
		name, who, whom string
		want, may       bool
	}{
		{"anyone for a star", "1000", "4001", true, true},
		{"listed target", "2001", "3000", true, true},
		{"unlisted target", "2000", "1000", false, true},
		{"unknown supervisor", "3000", "1000", false, false},
		{"no caller id", "", "3000", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(rules, tc.who, tc.whom); got != tc.want {
				t.Errorf("Allowed(%s, %s) = %v, want %v", tc.who, tc.whom, got, tc.want)
			}
			if got := MaySpy(rules, tc.who); got != tc.may {
				t.Errorf("MaySpy(%s) = %v, want %v", tc.who, got, tc.may)
			}
		})
	}
}

func TestDirectionsAndKeys(t *testing.T) {
	for _, tc := range []struct{ key, mode, spy, whisper string }{
		{"4", Listen, "both", "none"},
		{"5", Whisper, "both", "out"},
		{"6", Barge, "both", "both"},
	} {
		if m := ModeOfKey(tc.key); m != tc.mode {
			t.Errorf("key %s: mode %q, want %q", tc.key, m, tc.mode)
		}
		if s, w := Directions(tc.mode); s != tc.spy || w != tc.whisper {
			t.Errorf("%s: spy %s whisper %s, want %s %s", tc.mode, s, w, tc.spy, tc.whisper)
		}
	}
	if ModeOfKey("7") != "" {
		t.Error("7 switches a mode")
	}
}

func TestFindTarget(t *testing.T) {
	ch := func(id, name, state, caller string) ari.Channel {
		return ari.Channel{ID: id, Name: name, State: state, Caller: ari.CallerID{Number: caller}}
	}
	for _, tc := range []struct {
		name  string
		chans []ari.Channel
		want  string
	}{
		{"the phone's leg", []ari.Channel{ch("1", "PJSIP/sipp-01", "Up", "2000"), ch("2", "PJSIP/1000-02", "Up", "2000")}, "2"},
		{"a ringing phone is not on a call", []ari.Channel{ch("2", "PJSIP/1000-02", "Ringing", "2000")}, ""},
		{"the caller when 1000 calls out", []ari.Channel{ch("1", "PJSIP/sipp-01", "Up", "1000")}, "1"},
		{"the caller rather than the phone rung for it", []ari.Channel{
			{ID: "7", Name: "PJSIP/2000-07", State: "Up", Caller: ari.CallerID{Number: "1000"}, Dialplan: ari.DialplanCEP{AppData: "ariflow,ariflow-leg,1"}},
			ch("1", "PJSIP/sipp-01", "Up", "1000")}, "1"},
		{"the phone rung for it when alone", []ari.Channel{
			{ID: "7", Name: "PJSIP/2000-07", State: "Up", Caller: ari.CallerID{Number: "1000"}, Dialplan: ari.DialplanCEP{AppData: "ariflow,ariflow-leg,1"}}}, "7"},
		{"never a snoop", []ari.Channel{ch("5", "Snoop/1-0001", "Up", "1000")}, ""},
		{"not 10000", []ari.Channel{ch("6", "PJSIP/10000-01", "Up", "2000")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FindTarget(tc.chans, "1000", "PJSIP/1000")
			if ok != (tc.want != "") || got.ID != tc.want {
				t.Errorf("FindTarget = %q %v, want %q", got.ID, ok, tc.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	f := &config.File{Spy: config.Spy{Allow: []config.SpyRule{{Who: []string{"1000"}, Whom: []string{"2000", "3000"}}}}}
	if got := Explain(f, "4000", Listen); len(got) != 1 || !strings.Contains(got[0], "no spy rule") {
		t.Errorf("explain for a stranger = %q", got)
	}
	got := strings.Join(Explain(f, "1000", Whisper), "\n")
	for _, w := range []string{"2000, 3000", "spy both, whisper out", "5 whisper"} {
		if !strings.Contains(got, w) {
			t.Errorf("explain lacks %q:\n%s", w, got)
		}
	}
}
