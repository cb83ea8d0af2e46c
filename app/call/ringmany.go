package call

import (
	"context"
	"fmt"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// RingOptions say which phones to ring together and what to do once one answers.
type RingOptions struct {
	Endpoints    []string      // rung at once, e.g. "PJSIP/4001"
	Timeout      time.Duration // how long they ring
	RecordName   string        // when set, the connected call is recorded under this name (a suffix on collision)
	RecordFormat string        // "wav" by default
	// OnRecording runs on the call's goroutine once the connected call's recording has
	// begun under name, the call answered at answered: its sidecar can be begun.
	OnRecording func(name string, answered time.Time)
	// OnAnswer runs on the call's goroutine when a phone answers, before the caller is
	// bridged with it (a queue stops its hold music and notes who took the call).
	OnAnswer func(endpoint string)
	// Ringback: a caller already answered hears a ringback tone while the phones ring, as
	// a caller not yet answered always hears ringing. Without it an answered caller hears
	// what it heard before (a queue's hold music).
	Ringback bool
}

// Unanswered is how one phone's ringing ended without an answer.
type Unanswered struct {
	Status DialStatus
	Cause  int // Asterisk's Q.850 hangup cause of the phone's leg (17 busy, 19 no answer), 0 if unknown
}

// RingResult is what ringing several phones did.
type RingResult struct {
	Winner       string                // the endpoint that answered; "" when none did
	Missed       map[string]Unanswered // how the others' ringing ended, when it ended before an answer
	Answered     time.Time
	Talk         time.Duration
	Recording    string
	MemberHungUp bool // the call ended because the phone hung up (else the caller did)
}

// RingMany rings every endpoint at once. The first to answer is bridged with the caller
// (and recorded when asked); the others stop ringing with the reason "answered
// elsewhere", and RingMany returns when that call ends. If none answers within the
// timeout, they all stop ringing and Missed says why each was not reached. If the caller
// hangs up, every phone still ringing is hung up and RingMany returns ErrHangup.
func (c *Call) RingMany(ctx context.Context, opts RingOptions) (RingResult, error) {
	res := RingResult{Missed: map[string]Unanswered{}}
	legs := map[string]string{} // live leg id -> endpoint
	c.onCleanup(func(ctx context.Context) error {
		c.hangupLegs(ctx, legs, ari.HangupNormal)
		return nil
	})
	var keys []string
	defer func() { c.sub.Remove(keys...) }() // later events of these legs are of no use
	for _, ep := range opts.Endpoints {
		id, err := c.originateLeg(ctx, ep, opts.Timeout)
		if err != nil {
			c.log.Warn().Err(err).Str("endpoint", ep).Msg("cannot dial the phone")
			res.Missed[ep] = Unanswered{Status: DialUnavailable}
			continue
		}
		keys = append(keys, "channel:"+id)
		legs[id] = ep
	}
	// The caller hears ringing: a 180 before the call is answered, and once it is (after a
	// menu, say) Asterisk plays the ringback tone into the channel until RingStop.
	ringing := len(legs) > 0 && (opts.Ringback || !c.answered)
	if ringing {
		if err := c.client.Channels.Ring(ctx, c.channelID); err != nil {
			c.hangupLegs(context.WithoutCancel(ctx), legs, ari.HangupNormal)
			clear(legs)
			return res, c.channelErr("ring", err)
		}
	}
	winner, inApp, err := c.firstToAnswer(ctx, legs, opts.Timeout, res.Missed)
	if err != nil {
		return res, err
	}
	if ringing {
		c.stopRingback(ctx)
	}
	if winner == "" {
		return res, nil
	}
	res.Winner = legs[winner]
	delete(legs, winner)
	c.hangupLegs(ctx, legs, ari.HangupAnsweredElsewhere)
	clear(legs)
	legs[winner] = res.Winner // hung up by cleanup if the caller leaves first
	res.Answered = time.Now()
	if opts.OnAnswer != nil {
		opts.OnAnswer(res.Winner)
	}
	rec, connected, err := c.connectLeg(ctx, winner, res.Winner, inApp, opts.RecordName, opts.RecordFormat)
	if err != nil {
		return res, err
	}
	if !connected { // the member hung up as it answered
		res.MemberHungUp = true
		return res, nil
	}
	res.Recording = rec
	if rec != "" && opts.OnRecording != nil {
		opts.OnRecording(rec, res.Answered)
	}
	err = c.waitEither(winner, &res.Recording)
	if err == nil {
		res.MemberHungUp = true
		delete(legs, winner)
	}
	res.Talk = time.Since(res.Answered)
	return res, err
}

// firstToAnswer waits, up to timeout, for the first of the ringing legs (id -> endpoint)
// to answer and returns its id, with inApp true when it has entered the application
// already; "" when none did. Each leg that stops ringing unanswered leaves legs and has
// why in missed (by endpoint); at the timeout the legs still ringing are hung up. If the
// caller hangs up, every leg is hung up and the error is ErrHangup.
func (c *Call) firstToAnswer(ctx context.Context, legs map[string]string, timeout time.Duration, missed map[string]Unanswered) (winner string, inApp bool, err error) {
	gone := func(id string, why Unanswered) {
		missed[legs[id]] = why
		delete(legs, id)
	}
	deadline := time.Now().Add(timeout)
	for len(legs) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			c.hangupLegs(ctx, legs, ari.HangupNoAnswer)
			for id := range legs {
				gone(id, Unanswered{Status: DialNoAnswer, Cause: causeNoAnswer})
			}
			return "", false, nil
		}
		ev, err := c.next(left)
		if err != nil {
			c.hangupLegs(context.WithoutCancel(ctx), legs, ari.HangupNormal)
			clear(legs)
			return "", false, err
		}
		switch e := ev.(type) {
		case *ari.StasisStart: // an originated channel enters the application when answered
			if _, ok := legs[e.Channel.ID]; ok {
				return e.Channel.ID, true, nil
			}
		case *ari.Dial:
			if _, ok := legs[e.Peer.ID]; !ok {
				continue
			}
			if st, cause, done := dialStatusOf(e.DialStatus); done {
				if st == DialAnswered {
					return e.Peer.ID, false, nil
				}
				gone(e.Peer.ID, Unanswered{Status: st, Cause: cause})
			}
		case *ari.ChannelStateChange:
			if _, ok := legs[e.Channel.ID]; ok && e.Channel.State == "Up" {
				return e.Channel.ID, false, nil
			}
		case *ari.ChannelDestroyed:
			if _, ok := legs[e.Channel.ID]; ok {
				gone(e.Channel.ID, Unanswered{Status: statusOfCause(e.Cause), Cause: e.Cause})
			}
		}
	}
	return "", false, nil
}

// hangupLegs hangs up the given legs with reason, ignoring those already gone.
func (c *Call) hangupLegs(ctx context.Context, legs map[string]string, reason string) {
	for id, ep := range legs {
		if err := c.client.Channels.Hangup(ctx, id, reason); err != nil && !ari.IsNotFound(err) {
			c.log.Warn().Err(err).Str("endpoint", ep).Msg("stop ringing")
		}
	}
}

// Q.850 hangup causes of a phone's leg that did not answer.
const (
	causeBusy             = 17
	causeNoUserResponding = 18
	causeNoAnswer         = 19
	causeRejected         = 21
)

// statusOfCause maps a Q.850 hangup cause of an unanswered leg to a dial status.
func statusOfCause(cause int) DialStatus {
	switch cause {
	case causeBusy:
		return DialBusy
	case causeNoUserResponding, causeNoAnswer:
		return DialNoAnswer
	case causeRejected:
		return DialDeclined
	default:
		return DialUnavailable
	}
}

// dialStatusOf maps a Dial event's dialstatus to how ringing ended and the hangup cause
// it stands for (0 when none); done is false while ringing goes on.
func dialStatusOf(s string) (st DialStatus, cause int, done bool) {
	switch s {
	case "ANSWER":
		return DialAnswered, 0, true
	case "BUSY":
		return DialBusy, causeBusy, true
	case "NOANSWER":
		return DialNoAnswer, causeNoAnswer, true
	case "CHANUNAVAIL", "CONGESTION":
		return DialUnavailable, 0, true
	}
	return "", 0, false
}

// DeviceState is Asterisk's state of a device such as "PJSIP/4001" (ari.Device* values:
// NOT_INUSE, INUSE, RINGING, UNAVAILABLE...).
func (c *Call) DeviceState(ctx context.Context, device string) (string, error) {
	d, err := c.client.DeviceStates.Get(ctx, device)
	if err != nil {
		return "", fmt.Errorf("device state of %s: %w", device, err)
	}
	return d.State, nil
}
