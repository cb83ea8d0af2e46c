package spy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// fakeCall plays a supervisor: typed are the entries read one by one ("1000" for
// 1000#, "" for a timeout), keys what they press while spying ("end" for the spied call
// ending); snoopErrs are what the snoops made one by one fail with (nil: made). It notes
// prompts, snoops, and the ids of the snoops made and stopped.
type fakeCall struct {
	channel   string // the supervisor's channel name ("": a channel of no extension)
	caller    string
	typed     []string
	keys      []string
	snoopErrs []error
	channels  []ari.Channel
	played    []string
	snoops    []string // "target spy/whisper"
	made      []string // the ids of the snoops made
	stopped   []string // the ids of the snoops stopped
	log       zerolog.Logger
}

func (f *fakeCall) ID() string                   { return "sup" }
func (f *fakeCall) ChannelName() string          { return f.channel }
func (f *fakeCall) Caller() (string, string)     { return f.caller, "" }
func (f *fakeCall) Logger() *zerolog.Logger      { return &f.log }
func (f *fakeCall) SetState(string)              {}
func (f *fakeCall) Answer(context.Context) error { return nil }
func (f *fakeCall) StopSnoop(_ context.Context, id string) error {
	f.stopped = append(f.stopped, id)
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
	if len(f.snoopErrs) > 0 {
		err := f.snoopErrs[0]
		f.snoopErrs = f.snoopErrs[1:]
		if err != nil {
			return "", err
		}
	}
	id := fmt.Sprintf("snoop%d", len(f.snoops))
	f.made = append(f.made, id)
	return id, nil
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

func handler() *Handler { return handlerWith(Deps{}) }

func handlerWith(deps Deps) *Handler {
	f := &config.File{
		Extensions: map[string]config.Extension{"1000": {Endpoint: "PJSIP/1000"}, "2000": {Endpoint: "PJSIP/2000"},
			"3000": {Endpoint: "PJSIP/3000"}},
		Spy: config.Spy{Allow: []config.SpyRule{{Who: []string{"2000"}, Whom: []string{"1000", "3000"}}}},
	}
	return New(f, deps)
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
		{name: "barge, then the spied call leaves the application", caller: "2000", mode: Listen,
			typed: []string{"1000"}, keys: []string{"6", "end"},
			wantPlayed: []string{PromptExtension, "digits:1000+" + PromptEnded, PromptExtension},
			wantSnoops: []string{"leg both/none", "leg both/both"}, wantErrHangup: true},
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
			// a snoop left behind keeps the supervisor hearing (or heard by) the call
			if !slices.Equal(c.stopped, c.made) {
				t.Errorf("stopped the snoops %q, want every snoop made stopped: %q", c.stopped, c.made)
			}
		})
	}
}

// A snoop that cannot start is told apart by why: the supervisor hanging up meanwhile
// ends the call (logged as such, no "has left" prompt); the target gone is announced as
// the call's end; an Asterisk error plays an error prompt, and another extension may be
// typed. Whatever the failure, no snoop stays behind.
func TestSnoopFailures(t *testing.T) {
	serverError := &ari.Error{Method: http.MethodPost, Path: "/channels/leg/snoop", Status: http.StatusInternalServerError}
	notFound := fmt.Errorf("%w: snoop on leg: %w", call.ErrSnoopFailed, &ari.Error{Status: http.StatusNotFound})
	for _, tc := range []struct {
		name       string
		typed      []string
		keys       []string
		snoopErrs  []error
		wantErr    error // what Serve returns; nil: call.ErrHangup, the supervisor hanging up at the end
		wantPlayed []string
		wantEnds   []string // the logged sessions' modes and end
	}{
		{name: "the supervisor hangs up while the snoop starts", typed: []string{"1000"},
			snoopErrs:  []error{fmt.Errorf("wait for the snoop: %w", call.ErrHangup)},
			wantPlayed: []string{PromptExtension},
			wantEnds:   []string{"listen:supervisor hung up"}},
		{name: "the app stops the supervisor's call while the snoop starts", typed: []string{"1000"},
			snoopErrs: []error{context.Canceled}, wantErr: context.Canceled,
			wantPlayed: []string{PromptExtension},
			wantEnds:   []string{"listen:supervisor hung up"}},
		{name: "the target is gone", typed: []string{"1000"}, snoopErrs: []error{notFound},
			wantPlayed: []string{PromptExtension, "digits:1000+" + PromptEnded, PromptExtension},
			wantEnds:   []string{"listen:target hung up"}},
		{name: "Asterisk fails, then the next try works", typed: []string{"1000", "1000"},
			snoopErrs:  []error{serverError},
			wantPlayed: []string{PromptExtension, PromptError, PromptExtension},
			wantEnds:   []string{"listen:snoop failed", "listen:supervisor hung up"}},
		{name: "Asterisk fails on a switch to barge", typed: []string{"1000"}, keys: []string{"6"},
			snoopErrs:  []error{nil, fmt.Errorf("add snoop to bridge: %w", serverError)},
			wantPlayed: []string{PromptExtension, PromptError, PromptExtension},
			wantEnds:   []string{"listen:snoop failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := &fakeCall{caller: "2000", typed: tc.typed, keys: tc.keys, snoopErrs: tc.snoopErrs, channels: onCall, log: zerolog.Nop()}
			wantErr := cmp.Or(tc.wantErr, call.ErrHangup)
			if err := handlerWith(Deps{DB: db}).Serve(context.Background(), c, Listen); !errors.Is(err, wantErr) {
				t.Errorf("Serve: %v, want %v", err, wantErr)
			}
			if !slices.Equal(c.played, tc.wantPlayed) {
				t.Errorf("played %q,\nwant   %q", c.played, tc.wantPlayed)
			}
			if !slices.Equal(c.stopped, c.made) {
				t.Errorf("stopped the snoops %q, want every snoop made stopped: %q", c.stopped, c.made)
			}
			sessions, err := Sessions(db)
			if err != nil {
				t.Fatal(err)
			}
			var ends []string
			for _, s := range sessions {
				ends = append(ends, strings.Join(s.Modes, "+")+":"+s.End)
			}
			if !slices.Equal(ends, tc.wantEnds) {
				t.Errorf("spy_log %q, want %q", ends, tc.wantEnds)
			}
		})
	}
}

// The supervisor is the extension whose phone calls, not the number the phone claims: 3000
// sending 2000's caller ID is refused as 3000 (on no rule); 2000's own phone is let in,
// and so is 2000's caller ID from a channel of no extension (a trunk, the lab's SIPp).
func TestSupervisorIsThePhoneNotItsCallerID(t *testing.T) {
	for _, tc := range []struct {
		channel, caller string
		allowed         bool
	}{
		{"PJSIP/3000-0000001a", "2000", false},
		{"PJSIP/2000-0000001b", "2000", true},
		{"PJSIP/sipp-0000001c", "2000", true},
		{"PJSIP/2000-0000001d", "3000", true},
	} {
		c := &fakeCall{channel: tc.channel, caller: tc.caller, log: zerolog.Nop()}
		_ = handler().Serve(context.Background(), c, Listen)
		refused := len(c.played) > 0 && c.played[0] == PromptRefused
		if refused == tc.allowed {
			t.Errorf("%s with caller ID %s: heard %v; allowed = %v", tc.channel, tc.caller, c.played, tc.allowed)
		}
	}
}
