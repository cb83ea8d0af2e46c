// Package call is one call in the Stasis application: the caller's channel, the events
// that concern it, and what a flow does with it (answer, play, read keys, ring a phone,
// bridge, record, hang up). One goroutine owns a Call.
package call

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
)

// Sorry is what a caller hears when the app cannot do what they asked (a store or a
// folder failing): "I'm sorry. Please try your call again later.", in core sounds (an
// Asterisk with only asterisk-core-sounds has them).
var Sorry = []string{"sound:im-sorry", "sound:please-try-call-later"}

// ErrHangup means the caller hung up: the call's flow should return.
var ErrHangup = errors.New("caller hung up")

// ErrConnectionLost ends a call whose channel Asterisk no longer knows after a reconnect.
var ErrConnectionLost = errors.New("channel lost with the Asterisk connection")

// ErrRedirected ends a call whose caller was handed elsewhere (see HandOff).
var ErrRedirected = errors.New("call handed off")

// ArgLeg is the first Stasis argument of channels a call creates itself (phones it rings),
// so that the dispatcher does not take them for new calls. The second is the call's id.
const ArgLeg = "ariflow-leg"

// IsOwnChannel reports whether Stasis arguments mark a channel the app created.
func IsOwnChannel(args []string) bool { return len(args) > 0 && args[0] == ArgLeg }

// Params are what a new Call is made of.
type Params struct {
	ChannelID    string
	ChannelName  string // "PJSIP/3000-0000001a": the endpoint the caller's phone is
	CallerNumber string
	CallerName   string
	Exten        string
	Dialplan     string // the dialplan context the channel came from (redirects go back to it)
	Language     string // of the prompts played to the caller ("fr", "en_GB"); "" keeps the channel's
	App          string // the Stasis application, for the channels the call creates
	Client       *ari.Client
	Sub          *ari.Subscription // already holding the caller channel's key
	Logger       zerolog.Logger
	Parent       context.Context // cancelled when the app stops
}

// New makes the Call for a channel that just entered the application.
func New(p Params) *Call {
	ctx, cancel := context.WithCancelCause(p.Parent)
	return &Call{
		id: p.ChannelID, channelID: p.ChannelID, channelName: p.ChannelName,
		callerNumber: p.CallerNumber, callerName: p.CallerName, exten: p.Exten, dialplan: p.Dialplan, lang: p.Language,
		started: time.Now(), app: p.App, client: p.Client, sub: p.Sub, log: p.Logger,
		ctx: ctx, cancel: cancel, state: "new",
	}
}

// Call is one inbound call in the Stasis application. It is owned by the one goroutine
// that runs its flow: none of its methods may be called from another goroutine, except
// end, which the app uses to stop it.
type Call struct {
	id           string
	channelID    string
	channelName  string
	callerNumber string
	callerName   string
	exten        string
	dialplan     string
	started      time.Time

	app    string
	client *ari.Client
	sub    *ari.Subscription
	log    zerolog.Logger

	ctx    context.Context
	cancel context.CancelCauseFunc

	digits   []string // DTMF received and not yet consumed, oldest first
	answered bool
	hungUp   bool
	outside  atomic.Bool // the caller is in the dialplan's Dial, out of the application (dialInDialplan)
	lang     string      // the language of the prompts played to the caller; "" keeps the channel's
	music    string      // the call's hold music class (SetMusicClass); "" lets StartMOH's class play
	seq      int         // for ids of the resources this call creates

	mu       sync.Mutex // guards state, read by the admin API
	state    string
	bridgeID string
	recName  string

	handoff  func(context.Context) error // guarded by mu; set by HandOff
	cleanups []func(context.Context) error
	closed   atomic.Bool
	leaving  atomic.Bool // the caller is handed to Asterisk's Dial for good (dialInDialplan)
}

// ID is the call's id in logs: the caller channel's id.
func (c *Call) ID() string { return c.id }

// ChannelID is the ARI id of the caller's channel.
func (c *Call) ChannelID() string { return c.channelID }

// ChannelName is the caller's channel's name, "PJSIP/3000-0000001a": unlike the caller
// ID, the phone cannot choose it.
func (c *Call) ChannelName() string { return c.channelName }

// Caller is the caller's number and name, as the network gave them (untrusted).
func (c *Call) Caller() (number, name string) { return c.callerNumber, c.callerName }

// Exten is the number the caller dialed.
func (c *Call) Exten() string { return c.exten }

// DialplanContext is the dialplan context the caller's channel came from.
func (c *Call) DialplanContext() string { return c.dialplan }

// Started is when the call entered the application.
func (c *Call) Started() time.Time { return c.started }

// Logger is the call's logger, carrying call_id, channel, caller and exten.
func (c *Call) Logger() *zerolog.Logger { return &c.log }

// Context is cancelled when the call ends.
func (c *Call) Context() context.Context { return c.ctx }

// newID is an id for a resource the call creates: "<call id>-<kind>-<run>.<n>". The run
// part differs from one process to the next, so that a call taken in again after a restart
// does not reuse the id of a playback or phone leg of the previous run still in Asterisk
// (its events would be taken for the new one's).
func (c *Call) newID(kind string) string {
	c.seq++
	return fmt.Sprintf("%s-%s-%s.%d", c.id, kind, runID, c.seq)
}

// LegOf reads the id of a phone's channel a call dialed ("<call id>-leg-<run>.<n>"):
// the call's id, and whether this process dialed it. ok is false for any other id.
func LegOf(channelID string) (callID string, thisRun, ok bool) {
	i := strings.LastIndex(channelID, "-leg-")
	if i <= 0 {
		return "", false, false
	}
	run, seq, found := strings.Cut(channelID[i+len("-leg-"):], ".")
	if !found || run == "" || seq == "" || strings.Trim(seq, "0123456789") != "" {
		return "", false, false
	}
	return channelID[:i], run == runID, true
}

// runID tells this process's resource ids from another run's.
var runID = strconv.FormatUint(uint64(rand.Uint32()), 36)

// Snapshot is what the admin API shows of a live call.
type Snapshot struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	Caller    string    `json:"caller"`
	Exten     string    `json:"exten"`
	State     string    `json:"state"`
	Started   time.Time `json:"started"`
	Bridge    string    `json:"bridge,omitempty"`
	Recording string    `json:"recording,omitempty"`
}

// Snapshot reads the call's state; safe from any goroutine.
func (c *Call) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{ID: c.id, Channel: c.channelID, Caller: c.callerNumber, Exten: c.exten,
		State: c.state, Started: c.started, Bridge: c.bridgeID, Recording: c.recName}
}

// SetState names what the call is doing, for the admin API.
func (c *Call) SetState(state string) { c.setState(state) }

func (c *Call) setState(state string) {
	c.mu.Lock()
	c.state = state
	c.mu.Unlock()
}

// onCleanup registers fn to run once when the call ends, last registered first.
func (c *Call) onCleanup(fn func(context.Context) error) {
	c.cleanups = append(c.cleanups, fn)
}

// next waits for the call's next event, up to timeout (0: no limit). It keeps the digits
// the caller presses and notices the caller hanging up, whatever the waiter looks for.
// It returns (nil, nil) when the timeout passes.
func (c *Call) next(timeout time.Duration) (ari.Event, error) {
	if c.hungUp {
		return nil, ErrHangup
	}
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-c.ctx.Done():
		return nil, context.Cause(c.ctx)
	case <-timer:
		return nil, nil
	case ev, ok := <-c.sub.C():
		if !ok {
			return nil, ErrConnectionLost
		}
		c.observe(ev)
		if c.hungUp {
			return ev, ErrHangup
		}
		return ev, nil
	}
}

// observe updates the call from an event about its own channel.
func (c *Call) observe(ev ari.Event) {
	switch e := ev.(type) {
	case *ari.ChannelDtmfReceived:
		if e.Channel.ID == c.channelID {
			c.digits = append(c.digits, e.Digit)
		}
	case *ari.StasisEnd:
		if e.Channel.ID == c.channelID && !c.outside.Load() {
			c.hungUp = true
		}
	case *ari.ChannelHangupRequest:
		if e.Channel.ID == c.channelID {
			c.hungUp = true
		}
	case *ari.ChannelDestroyed:
		if e.Channel.ID == c.channelID {
			c.hungUp = true
		}
	}
}

// Answer answers the caller's channel, once.
func (c *Call) Answer(ctx context.Context) error {
	if c.answered {
		return nil
	}
	if err := c.client.Channels.Answer(ctx, c.channelID); err != nil {
		return c.channelErr("answer", err)
	}
	c.answered = true
	return nil
}

// channelErr turns a failed request on the caller's channel into ErrHangup when the
// channel is gone, so flows end quietly when the caller has left.
func (c *Call) channelErr(action string, err error) error {
	if ari.IsNotFound(err) || ari.StatusOf(err) == 409 && c.hungUp {
		c.hungUp = true
		return ErrHangup
	}
	return fmt.Errorf("%s: %w", action, err)
}

// TakeDigit removes and returns the oldest digit the caller pressed, or "".
func (c *Call) TakeDigit() string {
	if len(c.digits) == 0 {
		return ""
	}
	d := c.digits[0]
	c.digits = c.digits[1:]
	return d
}

// ClearDigits forgets digits pressed so far.
func (c *Call) ClearDigits() { c.digits = c.digits[:0] }

// WaitDigit waits up to timeout for the caller to press a key and returns it; "" when
// the timeout passed with no key.
func (c *Call) WaitDigit(ctx context.Context, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if d := c.TakeDigit(); d != "" {
			return d, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", nil
		}
		if _, err := c.next(left); err != nil {
			return "", err
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
}

// Play plays media to the caller, in order, and returns when it has finished. With
// interrupt, a key pressed stops the playback at once and Play returns true; the key
// stays available to TakeDigit.
func (c *Call) Play(ctx context.Context, interrupt bool, media ...string) (interrupted bool, err error) {
	if len(media) == 0 {
		return false, nil
	}
	if interrupt && len(c.digits) > 0 {
		return true, nil
	}
	id := c.newID("play")
	c.sub.Add("playback:" + id)
	defer c.sub.Remove("playback:" + id)
	if _, err := c.client.Channels.PlayIn(ctx, c.channelID, id, c.lang, media...); err != nil {
		return false, c.channelErr("play "+strings.Join(media, ","), err)
	}
	epoch := c.client.Epoch()
	for {
		ev, err := c.next(playbackCheck)
		if err != nil {
			if !c.hungUp { // the call is being ended or handed off: silence it
				c.stopPlayback(id)
			}
			return false, err
		}
		if ev == nil { // quiet for a while: after a reconnect, was PlaybackFinished lost?
			if c.client.Epoch() != epoch {
				if _, err := c.client.Playbacks.Get(ctx, id); ari.IsNotFound(err) {
					return false, nil
				}
			}
			continue
		}
		switch e := ev.(type) {
		case *ari.PlaybackFinished:
			if e.Playback.ID == id {
				return false, nil
			}
		case *ari.ChannelDtmfReceived:
			if interrupt && e.Channel.ID == c.channelID {
				if err := c.client.Playbacks.Stop(ctx, id); err != nil && !ari.IsNotFound(err) {
					c.log.Warn().Err(err).Str("playback", id).Msg("stop playback")
				}
				return true, nil
			}
		}
	}
}

// stopPlayback stops a playback, even when the call's context is already cancelled.
func (c *Call) stopPlayback(id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	if err := c.client.Playbacks.Stop(ctx, id); err != nil && !ari.IsNotFound(err) {
		c.log.Warn().Err(err).Str("playback", id).Msg("stop playback")
	}
}

// playbackCheck is how long Play waits without any event before asking Asterisk, if the
// connection was made again meanwhile, whether the playback still exists: events sent
// while the connection was down or being replaced are lost.
const playbackCheck = 5 * time.Second

// Hangup hangs the caller up with an ARI reason ("normal", "busy", "congestion", ...).
func (c *Call) Hangup(ctx context.Context, reason string) error {
	if c.hungUp {
		return nil
	}
	if err := c.client.Channels.Hangup(ctx, c.channelID, reason); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("hangup: %w", err) // not hung up: Close tries again
	}
	c.hungUp = true
	return nil
}

// HandOff ends the call's flow and, instead of hanging the caller up, gives the channel to
// fn once the call has cleaned up (its playback stopped, its phones hung up, its bridge
// destroyed): the admin API's redirect continues it in the dialplan. It refuses
// (ErrNotHandedOff) a call already ending, whose caller would be hung up rather than
// handed off, and one whose caller is in Asterisk's Dial, out of the application. Safe
// from any goroutine.
func (c *Call) HandOff(fn func(ctx context.Context) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.Ending():
		return fmt.Errorf("%w: the call is ending", ErrNotHandedOff)
	case c.outside.Load():
		return fmt.Errorf("%w: the caller is in Asterisk's Dial, out of the application", ErrNotHandedOff)
	}
	c.handoff = fn
	c.End(ErrRedirected)
	return nil
}

// InDial reports whether the caller is in Asterisk's Dial, out of the application (the
// ring handed to the dial context); safe from any goroutine.
func (c *Call) InDial() bool { return c.outside.Load() }

// ErrNotHandedOff is HandOff's refusal.
var ErrNotHandedOff = errors.New("the call cannot be handed off")

// Ending reports whether the call's flow was stopped (End, HandOff), its caller handed to
// Asterisk's Dial for good, or it is closing;
// safe from any goroutine.
func (c *Call) Ending() bool { return c.ctx.Err() != nil || c.closed.Load() || c.leaving.Load() }

// End stops the call's flow with cause; safe from any goroutine.
func (c *Call) End(cause error) { c.cancel(cause) }

// Close hangs up what is left of the call and runs its cleanups, once. It runs with a
// context of its own so that it completes even when the call's context is cancelled.
func (c *Call) Close(reason string) error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 10*time.Second)
	defer cancel()
	var errs []error
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, c.cleanups[i](ctx))
	}
	c.mu.Lock()
	handoff := c.handoff
	c.mu.Unlock()
	switch {
	case c.outside.Load() && !c.hungUp:
		// handed to Asterisk's Dial, or stopped while it has the caller: the call goes on there
		if handoff != nil {
			errs = append(errs, errors.New("not redirected: the caller is in Asterisk's Dial, out of the application"))
		}
	case handoff != nil && !c.hungUp:
		errs = append(errs, handoff(ctx))
	case !c.hungUp:
		if err := c.client.Channels.Hangup(ctx, c.channelID, reason); err != nil && !ari.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("hangup: %w", err))
		}
	}
	c.sub.Cancel()
	c.cancel(nil)
	return errors.Join(errs...)
}
