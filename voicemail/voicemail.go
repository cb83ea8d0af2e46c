// Package voicemail is the seed's VoiceMail and VoiceMailMain, driven over ARI: leaving a
// message in a box (greeting, beep, recording with the seed's limits), the mailbox menu of
// 456 (login with PIN, listen with skip, delete, save to folders, greetings, PIN change),
// message-waiting lamps, and a chat notice for each new message.
//
// Messages are audio files recorded by Asterisk under
// {recordings.directory}/{recordings.prefix}voicemail/{box}/msg-*.{ext} (recordings.Ext of
// voicemail.format; a file recorded before the format changed keeps its own) plus one row each
// in the database (bucket "voicemail_messages"), written only once the audio is complete. A
// message whose row is missing (the app stopped between the two) is restored at start-up
// from its file and from the "pending" row written before recording, and announced as a
// new one: nothing is lost (a message shorter than the minimum is discarded, as ever).
//
// Asterisk's ARI record has no silence-threshold parameter: MaxSilence is honoured with
// Asterisk's own threshold (dsp.conf silencethreshold, 256 by default). The routing file's
// silence_threshold is therefore not applied by the app; it is logged once at load when it
// differs from 128 (the seed's), and the lab's dsp.conf is where to set it.
package voicemail

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/store"
)

// Call is what voicemail needs of a call (the app's *call.Call has it all).
type Call interface {
	ID() string
	Caller() (number, name string)
	Logger() *zerolog.Logger
	SetState(state string)
	Answer(ctx context.Context) error
	Hangup(ctx context.Context, reason string) error
	Play(ctx context.Context, interrupt bool, media ...string) (bool, error)
	PlayControlled(ctx context.Context, media string, k call.PlayControls) (string, error)
	Record(ctx context.Context, o call.RecordOptions) (call.RecordResult, error)
	WaitDigit(ctx context.Context, timeout time.Duration) (string, error)
	TakeDigit() string
	ClearDigits()
}

// Notices hears about new messages; it must never block. audio is the message's file as
// the app sees it.
type Notices interface {
	VoicemailLeft(box, caller, callerName string, duration time.Duration, audio string)
}

// Folders are app_voicemail's folders, in its order (9 then 0-5 chooses one).
var Folders = []string{"INBOX", "Old", "Work", "Family", "Friends", "Urgent"}

// Deps are the long-lived parts the service uses.
type Deps struct {
	DB *store.DB
	// Dir is Asterisk's recording directory as the app sees it (recordings.directory).
	Dir string
	// Prefix is prepended to recording names (recordings.prefix); messages live under
	// Prefix + "voicemail/".
	Prefix string
	// Spool, when set, is app_voicemail's spool ("…/voicemail/default" is below it) as the app
	// sees it: the service keeps msgNNNN.txt there so that Asterisk lights the lamps.
	Spool string
	// Format is the routing file's voicemail.format at start ("wav" when empty); Configure
	// follows its changes.
	Format string
	// MinDuration is the routing file's voicemail.min_duration at start: a message restored
	// at start that is shorter is discarded, as Leave discards one (0: none is).
	MinDuration time.Duration
	Notices     Notices // nil: no notice
	Now         func() time.Time
	Logger      zerolog.Logger
}

// Service is the voicemail of the running app: it outlives routing reloads. The current
// routing file's settings are given by Configure.
type Service struct {
	deps     Deps
	file     atomic.Pointer[config.File] // the file last configured: once per file
	settings atomic.Pointer[config.Voicemail]
	format   atomic.Value // string: the recordings' format
	boxLocks sync.Map     // box -> *sync.Mutex: one writer at a time per box
	// loginGates is box -> chan struct{} of one slot: one login attempt at a time per box.
	loginGates sync.Map
	sleep      func(ctx context.Context, d time.Duration) error // the login back-off's wait
}

// ErrNoBox is a box the routing file does not define.
var ErrNoBox = errors.New("no such mailbox")

// New opens the voicemail service on the database and recording directory, and restores
// any message whose audio was stored but whose row was not written.
func New(ctx context.Context, deps Deps) (*Service, error) {
	if deps.DB == nil || deps.Dir == "" {
		return nil, errors.New("voicemail: a database and a recording directory are required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Format == "" {
		deps.Format = "wav"
	}
	s := &Service{deps: deps, sleep: sleepCtx}
	s.format.Store(deps.Format)
	if err := s.restore(); err != nil {
		return nil, fmt.Errorf("voicemail: restore: %w", err)
	}
	return s, nil
}

// Configure makes the routing file's voicemail settings current (at start-up and each
// reload; calls in progress see the new settings from their next step). PINs of the file
// are derived into hashes here: see pins.go for which PIN wins.
func (s *Service) Configure(f *config.File) error {
	if s.file.Load() == f {
		return nil // one routing builds two features with it
	}
	v := f.Voicemail
	if err := s.syncPINs(v.Boxes); err != nil {
		return fmt.Errorf("voicemail: PINs: %w", err)
	}
	if v.SilenceThreshold != 128 && s.settings.Load() == nil {
		s.deps.Logger.Warn().Int("silence_threshold", v.SilenceThreshold).Msg("voicemail: the silence threshold is Asterisk's (dsp.conf); the file's value is not applied")
	}
	if s.settings.Load() == nil {
		for _, box := range slices.Sorted(maps.Keys(v.Boxes)) {
			if v.Boxes[box].Email != "" {
				s.deps.Logger.Warn().Str("box", box).
					Msg("voicemail: the box's email is not used: ariflow sends no email; new messages are posted to Mattermost (voicemail_template)")
			}
		}
	}
	if v.Format != "" {
		s.format.Store(v.Format)
	}
	s.settings.Store(&v)
	s.file.Store(f)
	for box := range v.Boxes {
		s.updateLamp(box)
	}
	return nil
}

func (s *Service) cfg() *config.Voicemail {
	if v := s.settings.Load(); v != nil {
		return v
	}
	return &config.Voicemail{Format: "wav", MaxMessages: 100, MaxDuration: 60 * time.Second, MinDuration: 3 * time.Second,
		MaxSilence: 10 * time.Second, Skip: 3 * time.Second, MaxLogins: 3}
}

func (s *Service) box(number string) (config.Box, bool) {
	b, ok := s.cfg().Boxes[number]
	return b, ok
}

func (s *Service) lock(box string) func() {
	m, _ := s.boxLocks.LoadOrStore(box, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// recName is the recording name of a box's file (a message id or a greeting kind).
func (s *Service) recName(box, file string) string {
	return s.deps.Prefix + recordings.VoicemailFolder + "/" + box + "/" + file
}

// path is where the app sees the file of a recording in the current format.
func (s *Service) path(name string) string {
	return recordings.AudioPath(s.deps.Dir, name, s.format.Load().(string))
}

// stored is where the app sees the file of an existing recording, whatever format it was
// recorded in (the format may have changed since); path(name) when there is none.
func (s *Service) stored(name string) string {
	return recordings.Find(s.deps.Dir, name, s.format.Load().(string))
}

// boxesDir is the folder that holds one folder per box.
func (s *Service) boxesDir() string {
	return filepath.Join(s.deps.Dir, filepath.FromSlash(s.deps.Prefix), recordings.VoicemailFolder)
}

// boxDir is where a box's files are.
func (s *Service) boxDir(box string) string {
	return filepath.Join(s.boxesDir(), box)
}

// digits is "digits:1000" for prompts that say a number, or "" when s is not all digits.
func digits(s string) string {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	return "digits:" + s
}
