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
	Endpoint     string                                // e.g. "PJSIP/1000"
	Timeout      time.Duration                         // how long it rings
	RecordName   string                                // when set, the whole call is recorded under this name (a suffix on collision)
	RecordFormat string                                // "wav" by default
	OnRecording  func(name string, answered time.Time) // as RingOptions.OnRecording
	// DialContext, when set, hands an unrecorded ring to Asterisk's own Dial in this
	// dialplan context (routing file: asterisk.dial_context; see dialInDialplan).
	DialContext string
	Exten       string // the extension rung, for the dial context ("" for a plain dial)
	// Follow keeps the call's goroutine while Asterisk's Dial has the caller, to learn how
	// the call ended (see dialInDialplan); an extension's missed-call notice needs it.
	Follow bool
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
// first, the phone stops ringing and Dial returns ErrHangup. It is RingMany with one phone
// and ringback for a caller already answered. With opts.DialContext, Asterisk's Dial does
// the same (dialInDialplan).
func (c *Call) Dial(ctx context.Context, opts DialOptions) (DialResult, error) {
	c.setState("ringing " + opts.Endpoint)
	if _, plain := DialExten(opts.Exten, opts.Endpoint, opts.Timeout); opts.DialContext != "" && opts.RecordName == "" && plain {
		return c.dialInDialplan(ctx, opts)
	}
	r, err := c.RingMany(ctx, RingOptions{
		Endpoints: []string{opts.Endpoint}, Timeout: opts.Timeout, Ringback: true,
		RecordName: opts.RecordName, RecordFormat: opts.RecordFormat, OnRecording: opts.OnRecording,
	})
	if r.Winner != "" {
		return DialResult{Status: DialAnswered, Answered: r.Answered, Talk: r.Talk, Recording: r.Recording}, err
	}
	if err != nil {
		return DialResult{}, err
	}
	missed := r.Missed[opts.Endpoint]
	c.log.Info().Str("endpoint", opts.Endpoint).Str("status", string(missed.Status)).Int("cause", missed.Cause).Msg("not answered")
	return DialResult{Status: missed.Status, Cause: missed.Cause}, nil
}

// originateLeg dials endpoint on a new channel of the call, the phone's leg, and returns
// its id. The channel is originated: Asterisk dials it at once and it enters the
// application when answered (a created channel would have to enter the application
// before it could be dialed: one event and one request more before the phone rings).
// Until then the application is subscribed to it: its Dial, state and hang-up events come
// all the same. Asterisk's dial timeout is a second past ring, a safety net should the
// app be gone; the call hangs the leg up itself when ring is over.
func (c *Call) originateLeg(ctx context.Context, endpoint string, ring time.Duration) (string, error) {
	id := c.newID("leg")
	c.sub.Add("channel:" + id) // before the request: its first events may come before the reply
	_, err := c.client.Channels.Originate(ctx, ari.OriginateRequest{
		Endpoint:   endpoint,
		App:        c.app,
		AppArgs:    []string{ArgLeg, c.id},
		ChannelID:  id,
		Originator: c.channelID,
		Timeout:    ring + time.Second,
		Variables:  map[string]string{"CALLERID(num)": c.callerNumber, "CALLERID(name)": c.callerName},
	})
	if err != nil {
		c.sub.Remove("channel:" + id)
		if ari.Unanswered(err) {
			c.dropUnansweredChannel(ctx, id, "the phone "+endpoint)
		}
		return "", err
	}
	return id, nil
}

// dropUnansweredChannel hangs up channel id (what: "the phone PJSIP/1000", "a snoop"),
// whose making got no answer from Asterisk (ari.Unanswered): it may be there all the
// same, ringing a phone or listening to a call. It is hung up now, and again when the call
// ends in case Asterisk made it only after the first hang-up.
func (c *Call) dropUnansweredChannel(ctx context.Context, id, what string) {
	hangup := func(ctx context.Context) error {
		if err := c.client.Channels.Hangup(ctx, id, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
			return fmt.Errorf("hang up %s, made without an answer from Asterisk: %w", what, err)
		}
		return nil
	}
	if err := hangup(context.WithoutCancel(ctx)); err != nil {
		c.log.Warn().Err(err).Msg("a channel made without an answer from Asterisk may be left until the call ends")
	}
	c.onCleanup(hangup)
}

// connectLeg answers the caller and bridges it with the phone's leg that answered (inApp:
// the leg has entered the application already), recording the bridge under recordName
// when set. connected is false when the answered leg never entered the application (gone
// as it answered, or not there in five seconds): it is not bridged, and the call's
// cleanup hangs it up.
func (c *Call) connectLeg(ctx context.Context, legID, endpoint string, inApp bool, recordName, recordFormat string) (recording string, connected bool, err error) {
	if err := c.Answer(ctx); err != nil {
		return "", false, err
	}
	// The answered phone enters the application on its own, just after its answer is
	// reported: bridging it needs it there.
	if !inApp {
		ok, err := c.waitStasisStart(legID)
		if err != nil {
			return "", false, err
		}
		if !ok {
			c.log.Warn().Str("endpoint", endpoint).Msg("the answered phone never entered the application")
			return "", false, nil
		}
	}
	bridgeID, err := c.bridge(ctx, legID)
	if err != nil {
		return "", false, err
	}
	c.setState("connected " + endpoint)
	if recordName != "" {
		recording = c.recordBridge(ctx, bridgeID, recordName, recordFormat)
	}
	c.log.Info().Str("endpoint", endpoint).Str("recording", recording).Msg("connected")
	return recording, true, nil
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

// bridge puts the caller and the leg into a new mixing bridge, destroyed when the call ends.
func (c *Call) bridge(ctx context.Context, legID string) (string, error) {
	id := c.newID("bridge")
	c.sub.Add("bridge:" + id)
	// Destroyed at the end even when its creation fails: a request that got no answer
	// (ari.Unanswered) may have made it.
	c.onCleanup(func(ctx context.Context) error {
		if err := c.client.Bridges.Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
			return fmt.Errorf("destroy bridge: %w", err)
		}
		return nil
	})
	if _, err := c.client.Bridges.Create(ctx, ari.BridgeCreate{ID: id, Type: "mixing", Name: c.id}); err != nil {
		return "", fmt.Errorf("create bridge: %w", err)
	}
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
