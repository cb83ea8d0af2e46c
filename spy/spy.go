package spy

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/store"
)

// Call is what spying needs of a call; *call.Call has it.
type Call interface {
	ID() string
	ChannelName() string
	Caller() (number, name string)
	Logger() *zerolog.Logger
	SetState(state string)
	Answer(ctx context.Context) error
	Play(ctx context.Context, interrupt bool, media ...string) (bool, error)
	ReadDigits(ctx context.Context, max int, terminators string, timeout time.Duration) (string, bool, error)
	LiveChannels(ctx context.Context) ([]ari.Channel, error)
	Snoop(ctx context.Context, target, spy, whisper string) (string, error)
	StopSnoop(ctx context.Context, id string) error
	WaitSnoop(ctx context.Context, id, target string) (string, bool, error)
}

// The prompts a supervisor hears.
const (
	PromptExtension = "sound:extension"                 // type the extension, then #
	PromptRefused   = "sound:cannot-complete-as-dialed" // not on the allow-list
	PromptNotOnCall = "sound:vm-isunavail"              // after the extension's digits: not on a call
	PromptEnded     = "sound:conf-hasleft"              // after the extension's digits: the spied call ended
	PromptBadKey    = "sound:beeperr"                   // a key that means nothing while spying
	PromptError     = "sound:please-try-again"          // a snoop Asterisk would not make (an error): another extension
	PromptGoodbye   = "sound:vm-goodbye"
)

// KeyStop ends the session and asks for another extension.
const KeyStop = "*"

// LogBucket is the database bucket of the spy sessions.
const LogBucket = "spy_log"

// Session is one logged spy session.
type Session struct {
	Start      time.Time `json:"start"`
	Supervisor string    `json:"supervisor"`
	Target     string    `json:"target"` // the extension
	Channel    string    `json:"channel"`
	Modes      []string  `json:"modes"` // in the order used
	Seconds    float64   `json:"seconds"`
	End        string    `json:"end"` // "target hung up", "supervisor hung up", "stopped", "snoop failed"
}

// outcome is how a session ended when the supervisor's call goes on.
type outcome int

const (
	stopped    outcome = iota // the supervisor pressed KeyStop
	targetGone                // the spied call ended or left the application: PromptEnded
	failed                    // Asterisk would not snoop (an error, not the target gone): PromptError
)

// Deps are what spying uses beyond the routing file.
type Deps struct {
	DB  *store.DB // where sessions are logged (nil: the log only)
	Now func() time.Time
}

// Handler runs the spy actions of one routing file.
type Handler struct {
	file      *config.File
	rules     []config.SpyRule
	endpoints map[string]string // extension -> endpoint
	deps      Deps
}

// New builds spying for a routing file.
func New(f *config.File, deps Deps) *Handler {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	eps := map[string]string{}
	for n, e := range f.Extensions {
		eps[n] = e.Endpoint
	}
	return &Handler{file: f, rules: f.Spy.Allow, endpoints: eps, deps: deps}
}

// supervisor is who is calling, for the allow-list: the extension of the phone, not the
// number it claims (config.File.CallerExtension).
func (h *Handler) supervisor(c Call) string {
	number, _ := c.Caller()
	who, spoofed := h.file.CallerExtension(c.ChannelName(), number)
	if spoofed {
		c.Logger().Warn().Str("caller_id", number).Str("extension", who).
			Msg("spy: the caller ID is not the phone's extension; the phone's counts")
	}
	return who
}

// Serve asks the supervisor for extensions to spy on, in mode, until they hang up or stop
// typing. A supervisor on no rule is refused at once.
func (h *Handler) Serve(ctx context.Context, c Call, mode string) error {
	log := c.Logger()
	if err := c.Answer(ctx); err != nil {
		return err
	}
	who := h.supervisor(c)
	if !MaySpy(h.rules, who) {
		log.Warn().Msg("spy refused: the caller is on no spy rule")
		_, err := c.Play(ctx, false, PromptRefused)
		return err
	}
	for misses := 0; misses < 3; {
		c.SetState("spy: asking")
		if _, err := c.Play(ctx, true, PromptExtension); err != nil {
			return err
		}
		ext, _, err := c.ReadDigits(ctx, 10, "#", 8*time.Second)
		if err != nil {
			return err
		}
		if ext == "" {
			misses++
			continue
		}
		misses = 0
		if !Allowed(h.rules, who, ext) {
			log.Warn().Str("target", ext).Msg("spy refused by the allow-list")
			if _, err := c.Play(ctx, false, PromptRefused); err != nil {
				return err
			}
			continue
		}
		chans, err := c.LiveChannels(ctx)
		if err != nil {
			return err
		}
		target, ok := FindTarget(chans, ext, h.endpoints[ext])
		if !ok {
			log.Info().Str("target", ext).Msg("spy: the extension is not on a call")
			if _, err := c.Play(ctx, false, "digits:"+ext, PromptNotOnCall); err != nil {
				return err
			}
			continue
		}
		out, err := h.session(ctx, c, who, ext, target, mode)
		if err != nil {
			return err
		}
		switch out {
		case targetGone:
			_, err = c.Play(ctx, false, "digits:"+ext, PromptEnded)
		case failed:
			_, err = c.Play(ctx, false, PromptError)
		}
		if err != nil {
			return err
		}
	}
	_, err := c.Play(ctx, false, PromptGoodbye)
	return err
}

// session spies on one channel until it ends or leaves the application (targetGone), the
// supervisor presses * (stopped), a snoop fails (failed), or the supervisor hangs up (an
// error). 4, 5 and 6 switch the mode with a new snoop. Whatever the end, the session's
// snoop is hung up: the supervisor never goes on hearing, or being heard by, the call.
func (h *Handler) session(ctx context.Context, c Call, who, ext string, target ari.Channel, mode string) (outcome, error) {
	s := Session{Start: h.deps.Now(), Supervisor: who, Target: ext, Channel: target.Name, Modes: []string{mode}}
	started := time.Now()
	log := c.Logger().With().Str("target", ext).Str("target_channel", target.Name).Logger()
	snoop := "" // the live snoop, if any
	defer func() {
		if snoop != "" {
			if err := c.StopSnoop(context.WithoutCancel(ctx), snoop); err != nil {
				log.Warn().Err(err).Msg("spy: the snoop could not be stopped")
			}
		}
		s.Seconds = time.Since(started).Round(time.Millisecond).Seconds()
		h.logSession(log, s)
	}()
	for {
		if snoop == "" {
			spy, whisper := Directions(mode)
			id, err := c.Snoop(ctx, target.ID, spy, whisper)
			if err != nil {
				return failure(ctx, log, &s, err)
			}
			snoop = id
			if s.Modes[len(s.Modes)-1] != mode { // switched
				s.Modes = append(s.Modes, mode)
			}
			log.Info().Str("mode", mode).Msg("spying")
		}
		c.SetState("spy " + mode + " " + ext)
		key, ended, err := c.WaitSnoop(ctx, snoop, target.ID)
		switch {
		case err != nil:
			s.End = "supervisor hung up"
			return stopped, err
		case ended:
			s.End = "target hung up"
			log.Info().Msg("the spied call ended")
			return targetGone, nil
		case key == KeyStop:
			s.End = "stopped"
			return stopped, nil
		}
		next := ModeOfKey(key)
		if next == "" {
			if _, err := c.Play(ctx, true, PromptBadKey); err != nil {
				s.End = "supervisor hung up"
				return stopped, err
			}
			continue
		}
		if next == mode {
			continue
		}
		if err := c.StopSnoop(ctx, snoop); err != nil {
			return failure(ctx, log, &s, err)
		}
		snoop, mode = "", next
	}
}

// failure sorts out a snoop that could not start or stop. The supervisor's own call
// ending (a hang-up, the app stopping it: its context done) is returned as an error; the
// target gone (call.ErrSnoopFailed) and any other failure (an Asterisk error, a request
// timing out) are outcomes the supervisor is told of.
func failure(ctx context.Context, log zerolog.Logger, s *Session, err error) (outcome, error) {
	switch {
	case errors.Is(err, call.ErrHangup), errors.Is(err, call.ErrConnectionLost), errors.Is(err, context.Canceled),
		ctx.Err() != nil:
		s.End = "supervisor hung up"
		return stopped, err
	case errors.Is(err, call.ErrSnoopFailed):
		log.Info().Err(err).Msg("spy: the target is gone")
		s.End = "target hung up"
		return targetGone, nil
	}
	log.Error().Err(err).Msg("spy: the snoop failed")
	s.End = "snoop failed"
	return failed, nil
}

func (h *Handler) logSession(log zerolog.Logger, s Session) {
	log.Info().Str("supervisor", s.Supervisor).Strs("modes", s.Modes).Float64("seconds", s.Seconds).
		Str("end", s.End).Msg("spy session")
	if h.deps.DB == nil {
		return
	}
	if _, err := h.deps.DB.Append(LogBucket, s); err != nil {
		log.Error().Err(err).Msg("spy session not logged")
	}
}

// Sessions reads the logged spy sessions, oldest first.
func Sessions(db *store.DB) ([]Session, error) {
	if db == nil {
		return nil, errors.New("spy: no database")
	}
	var out []Session
	err := db.ForEach(LogBucket, func(_ string, v []byte) error {
		var s Session
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}
