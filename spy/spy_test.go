package spy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// fakeCall plays a supervisor: typed are the entries read one by one ("1000" for
// 1000#, "" for a timeout), keys what they press while spying ("end" for the spied call
// ending); it notes prompts and snoops.
type fakeCall struct {
	caller   string
	typed    []string
	keys     []string
	channels []ari.Channel
	played   []string
	snoops   []string // "target spy/whisper"
	stopped  int
	log      zerolog.Logger
}

func (f *fakeCall) ID() string                   { return "sup" }
func (f *fakeCall) Caller() (string, string)     { return f.caller, "" }
func (f *fakeCall) Logger() *zerolog.Logger      { return &f.log }
func (f *fakeCall) SetState(string)              {}
func (f *fakeCall) Answer(context.Context) error { return nil }
func (f *fakeCall) StopSnoop(context.Context, string) error {
	f.stopped++
	return nil
}

func (f *fakeCall) Play(_ context.Context, _ bool, media ...string) (bool, error) {
	f.played = append(f.played, strings.Join(media, "+"))
	return false, nil
}

func (f *fakeCall) ReadDigits(context.Context, int, string, time.Duration) (string, bool, error) {
	if len(f.typed) == 0 {
		return "", false, call.ErrHangup
	}
	d := f.typed[0]
	f.typed = f.typed[1:]
	return d, d != "", nil
}

func (f *fakeCall) LiveChannels(context.Context) ([]ari.Channel, error) { return f.channels, nil }

func (f *fakeCall) Snoop(_ context.Context, target, spy, whisper string) (string, error) {
	f.snoops = append(f.snoops, target+" "+spy+"/"+whisper)
	return "snoop", nil
}

func (f *fakeCall) WaitSnoop(context.Context, string, string) (string, bool, error) {
	if len(f.keys) == 0 {
		return "", false, call.ErrHangup
	}
	k := f.keys[0]
	f.keys = f.keys[1:]
	if k == "end" {
		return "", true, nil
	}
	return k, false, nil
}

func handler() *Handler {
	f := &config.File{
		Extensions: map[string]config.Extension{"1000": {Endpoint: "PJSIP/1000"}},
		Spy:        config.Spy{Allow: []config.SpyRule{{Who: []string{"2000"}, Whom: []string{"1000", "3000"}}}},
	}
	return New(f, Deps{})
}

var onCall = []ari.Channel{{ID: "leg", Name: "PJSIP/1000-00000001", State: "Up"}}

func TestServe(t *testing.T) {
	for _, tc := range []struct {
		name          string
		caller, mode  string
		typed, keys   []string
		wantPlayed    []string
		wantSnoops    []string
		wantErrHangup bool
	}{
		{name: "refused at once", caller: "3001", mode: Listen,
			wantPlayed: []string{PromptRefused}},
		{name: "a target not allowed, then 3000 not on a call, then three silences", caller: "2000", mode: Listen,
			typed:      []string{"2001", "3000", "", "", ""},
			wantPlayed: []string{PromptExtension, PromptRefused, PromptExtension, "digits:3000+" + PromptNotOnCall, PromptExtension, PromptExtension, PromptExtension, PromptGoodbye}},
		{name: "listen, whisper, barge, back to listen; the call ends", caller: "2000", mode: Listen,
			typed: []string{"1000", ""}, keys: []string{"5", "6", "6", "4", "9", "end"},
			wantPlayed: []string{PromptExtension, PromptBadKey, "digits:1000+" + PromptEnded, PromptExtension, PromptExtension},
			wantSnoops: []string{"leg both/none", "leg both/out", "leg both/both", "leg both/none"}, wantErrHangup: true},
		{name: "barge from the entry point", caller: "2000", mode: Barge,
			typed: []string{"1000"}, wantPlayed: []string{PromptExtension},
			wantSnoops: []string{"leg both/both"}, wantErrHangup: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCall{caller: tc.caller, typed: tc.typed, keys: tc.keys, channels: onCall, log: zerolog.Nop()}
			err := handler().Serve(context.Background(), c, tc.mode)
			if (err != nil) != tc.wantErrHangup {
				t.Fatalf("Serve: %v", err)
			}
			if !slices.Equal(c.played, tc.wantPlayed) {
				t.Errorf("played %q,\nwant   %q", c.played, tc.wantPlayed)
			}
			if !slices.Equal(c.snoops, tc.wantSnoops) {
				t.Errorf("snoops %q, want %q", c.snoops, tc.wantSnoops)
			}
		})
	}
}
