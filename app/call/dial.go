package call

import (
	"context"
	"fmt"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/recordings"
)

// DialStatus is how ringing a phone ended.
type DialStatus string

// The outcomes of Dial. Every status but DialAnswered sends an extension's caller to voicemail.
const (
	DialAnswered    DialStatus = "answered"
	DialBusy        DialStatus = "busy"
	DialNoAnswer    DialStatus = "noanswer"
	DialDeclined    DialStatus = "declined"
	DialUnavailable DialStatus = "unavailable"
)

// DialOptions says whom to ring and what to do once connected.
type DialOptions struct {
	Endpoint     string        // e.g. "PJSIP/1000"
	Timeout      time.Duration // how long it rings
	RecordName   string        // when set, the whole call is recorded under this name (a suffix on collision)
	RecordFormat string        // "wav" by default
}

// DialResult is what happened.
type DialResult struct {
	Status    DialStatus
	Cause     int           // Asterisk's hangup cause of the phone's leg, when it failed
	Talk      time.Duration // time connected
	Recording string        // the recording's name, when one was made
	Answered  time.Time
}

// Dial rings an endpoint while the caller hears ringing. When the phone answers, the two
// are bridged (and recorded when asked) until either hangs up; Dial then returns
// DialAnswered. Otherwise it returns why the phone was not reached. If the caller hangs up
// first, the phone stops ringing and Dial returns ErrHangup.
func (c *Call) Dial(ctx context.Context, opts DialOptions) (DialResult, error) {
	legID := c.newID("leg")
	c.sub.Add("channel:" + legID)
	legGone := false
	c.onCleanup(func(ctx context.Context) error {
		if legGone {
			return nil
		}
		if err := c.client.Channels.Hangup(ctx, legID, "normal"); err != nil && !ari.IsNotFound(err) {
			return fmt.Errorf("hang up %s: %w", opts.Endpoint, err)
		}
		return nil
	})

	_, err := c.client.Channels.Create(ctx, ari.CreateRequest{
		Endpoint:   opts.Endpoint,
		App:        c.app,
		AppArgs:    []string{ArgLeg, c.id},
		ChannelID:  legID,
		Originator: c.channelID,
		Variables:  map[string]string{"CALLERID(num)": c.callerNumber, "CALLERID(name)": c.callerName},
	})
	if err != nil {
		legGone = true
		c.log.Warn().Err(err).Str("endpoint", opts.Endpoint).Msg("cannot create the phone's channel")
		return DialResult{Status: DialUnavailable}, nil
	}
	// The caller hears ringing: a 180 before the call is answered, and once it is (after a
	// menu, say) Asterisk plays the ringback tone into the channel until RingStop. Asked
	// while the phone's channel enters the application, so that the two overlap rather
	// than add up before the phone is dialed.
	if err := c.client.Channels.Ring(ctx, c.channelID); err != nil {
		return DialResult{}, c.channelErr("ring", err)
	}
	// create returns before the channel is in the application: dialing it at once can
	// fail with 409 "Channel not in Stasis application". Its StasisStart says it is ready.
	if ok, err := c.waitStasisStart(legID); err != nil || !ok {
		if err == nil {
			c.log.Warn().Str("endpoint", opts.Endpoint).Msg("the phone's channel never entered the application")
			c.stopRingback(ctx)
		}
		return DialResult{Status: DialUnavailable}, err
	}
	c.setState("ringing " + opts.Endpoint)
	if err := c.client.Channels.Dial(ctx, legID, c.channelID, opts.Timeout); err != nil {
		c.log.Warn().Err(err).Str("endpoint", opts.Endpoint).Msg("cannot dial the phone")
		c.stopRingback(ctx)
		return DialResult{Status: DialUnavailable}, nil
	}

	status, cause, err := c.waitLeg(ctx, legID, opts.Timeout)
	if err != nil {
		return DialResult{}, err
	}
	c.stopRingback(ctx)
	if status != DialAnswered {
		legGone = true
		c.log.Info().Str("endpoint", opts.Endpoint).Str("status", string(status)).Int("cause", cause).Msg("not answered")
		return DialResult{Status: status, Cause: cause}, nil
	}

	res := DialResult{Status: DialAnswered, Answered: time.Now()}
	if err := c.Answer(ctx); err != nil {
		return res, err
	}
	bridgeID, err := c.bridge(ctx, legID)
	if err != nil {
		return res, err
	}
	c.setState("connected " + opts.Endpoint)
	if opts.RecordName != "" {
		res.Recording = c.recordBridge(ctx, bridgeID, opts.RecordName, opts.RecordFormat)
	}
	c.log.Info().Str("endpoint", opts.Endpoint).Str("recording", res.Recording).Msg("connected")
	err = c.waitEither(legID, &res.Recording)
	legGone = err == nil // the phone hung up; otherwise cleanup hangs it up
	res.Talk = time.Since(res.Answered)
	return res, err
}

// stopRingback stops the ringback tone an answered caller hears while a phone rings (an
// unanswered caller's 180 needs no stopping: what comes next answers or ends the call).
func (c *Call) stopRingback(ctx context.Context) {
	if !c.answered {
		return
	}
	if err := c.client.Channels.RingStop(ctx, c.channelID); err != nil && !ari.IsNotFound(err) {
		c.log.Warn().Err(err).Msg("stop ringback")
	}
}

// waitLeg waits for the phone's leg to answer or fail, up to timeout.
func (c *Call) waitLeg(ctx context.Context, legID string, timeout time.Duration) (DialStatus, int, error) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			if err := c.client.Channels.Hangup(ctx, legID, "no_answer"); err != nil && !ari.IsNotFound(err) {
				c.log.Warn().Err(err).Msg("stop ringing")
			}
			return DialNoAnswer, 19, nil
		}
		ev, err := c.next(left)
		if err != nil {
			return "", 0, err // the caller left: cleanup hangs the phone up
		}
		switch e := ev.(type) {
		case *ari.Dial:
			if e.Peer.ID != legID {
				continue
			}
			switch e.DialStatus {
			case "ANSWER":
				return DialAnswered, 0, nil
			case "BUSY":
				return DialBusy, 17, nil
			case "NOANSWER":
				return DialNoAnswer, 19, nil
			case "CHANUNAVAIL", "CONGESTION":
				return DialUnavailable, 0, nil
			}
		case *ari.ChannelStateChange:
			if e.Channel.ID == legID && e.Channel.State == "Up" {
				return DialAnswered, 0, nil
			}
		case *ari.ChannelDestroyed:
			if e.Channel.ID == legID {
				return statusOfCause(e.Cause), e.Cause, nil
			}
		}
	}
}

// waitStasisStart waits for a channel the call created to enter the application; false
// when it was destroyed first or took more than five seconds.
func (c *Call) waitStasisStart(id string) (bool, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		ev, err := c.next(left)
		if err != nil {
			return false, err
		}
		switch e := ev.(type) {
		case *ari.StasisStart:
			if e.Channel.ID == id {
				return true, nil
			}
		case *ari.ChannelDestroyed:
			if e.Channel.ID == id {
				return false, nil
			}
		}
	}
}

// statusOfCause maps a Q.850 hangup cause of an unanswered leg to a dial status.
func statusOfCause(cause int) DialStatus {
	switch cause {
	case 17:
		return DialBusy
	case 18, 19:
		return DialNoAnswer
	case 21:
		return DialDeclined
	default:
		return DialUnavailable
	}
}

// bridge puts the caller and the leg into a new mixing bridge, destroyed when the call ends.
func (c *Call) bridge(ctx context.Context, legID string) (string, error) {
	id := c.newID("bridge")
	c.sub.Add("bridge:" + id)
	if _, err := c.client.Bridges.Create(ctx, ari.BridgeCreate{ID: id, Type: "mixing", Name: c.id}); err != nil {
		return "", fmt.Errorf("create bridge: %w", err)
	}
	c.onCleanup(func(ctx context.Context) error {
		if err := c.client.Bridges.Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
			return fmt.Errorf("destroy bridge: %w", err)
		}
		return nil
	})
	c.mu.Lock()
	c.bridgeID = id
	c.mu.Unlock()
	if err := c.client.Bridges.AddChannel(ctx, id, ari.AddChannel{Channel: []string{c.channelID, legID}}); err != nil {
		return "", c.channelErr("add to bridge", err)
	}
	return id, nil
}

// recordBridge records the bridge under name, or name-2, name-3... if taken. A recording
// that cannot start is logged and the call goes on unrecorded.
func (c *Call) recordBridge(ctx context.Context, bridgeID, name, format string) string {
	if format == "" {
		format = "wav"
	}
	for attempt := range 20 {
		candidate := recordings.Candidate(name, attempt)
		_, err := c.client.Bridges.Record(ctx, bridgeID, ari.RecordRequest{Name: candidate, Format: format, IfExists: "fail"})
		if err == nil {
			c.mu.Lock()
			c.recName = candidate
			c.mu.Unlock()
			c.sub.Add("recording:" + candidate)
			return candidate
		}
		if st := ari.StatusOf(err); st != 409 && st != 422 {
			c.log.Error().Err(err).Str("recording", candidate).Msg("recording failed to start; the call goes on unrecorded")
			return ""
		}
	}
	c.log.Error().Str("recording", name).Msg("no free recording name; the call goes on unrecorded")
	return ""
}

// waitEither waits until the caller or the leg hangs up. A recording of the call that
// fails or stops meanwhile (Asterisk could not write it: the folder unwritable, the disk
// full; it reports RecordingFinished at once, or at the first failed write) is logged;
// the call goes on unrecorded. A failed one is cleared from *recording; a stopped one is
// kept, for whoever writes its sidecar to check what the file holds.
func (c *Call) waitEither(legID string, recording *string) error {
	for {
		ev, err := c.next(0)
		if err != nil {
			return err
		}
		switch e := ev.(type) {
		case *ari.RecordingFailed:
			if *recording != "" && e.Recording.Name == *recording {
				c.log.Error().Str("recording", *recording).Str("cause", e.Recording.Cause).
					Msg("recording failed; the call goes on unrecorded")
				*recording = ""
				c.setRecording("")
			}
		case *ari.RecordingFinished:
			if *recording != "" && e.Recording.Name == *recording {
				c.log.Error().Str("recording", *recording).Int("seconds", e.Recording.Duration).
					Msg("recording stopped during the call (Asterisk could not write it?); the call goes on unrecorded")
				c.setRecording("")
			}
		case *ari.StasisEnd:
			if e.Channel.ID == legID {
				return nil
			}
		case *ari.ChannelHangupRequest:
			if e.Channel.ID == legID {
				return nil
			}
		case *ari.ChannelDestroyed:
			if e.Channel.ID == legID {
				return nil
			}
		}
	}
}
