package call

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// RecordOptions describe a recording of the caller alone (a voicemail message, a greeting).
type RecordOptions struct {
	Name        string        // recording name, may contain "/"; must not exist yet
	Format      string        // "wav" by default
	MaxDuration time.Duration // 0: no limit
	MaxSilence  time.Duration // 0: no limit; Asterisk's own silence threshold applies
	Beep        bool          // a beep before recording
	TerminateOn string        // DTMF that ends the recording: "#", "*", "any", "" (none)
}

// RecordResult is how a recording of the caller ended.
type RecordResult struct {
	Name     string
	Duration time.Duration // what the file holds (whole seconds, as Asterisk counts)
	Talking  time.Duration // of which not silence
	HungUp   bool          // the caller hung up during the recording (the file is kept)
}

// ErrRecordingFailed is Asterisk reporting a recording failed (RecordingFailed): it could
// not write the file.
var ErrRecordingFailed = errors.New("recording failed")

// recordAfterHangup is how long a recording may take to be stored once the caller has hung
// up: Asterisk finishes it by itself and keeps the file.
const recordAfterHangup = 5 * time.Second

// Record records the caller until a terminating key, the maximum duration or silence, or the
// caller hanging up, and returns once Asterisk has stored the file. A caller hanging up
// ends the recording, not the call's flow: Record reports it in HungUp and returns no error,
// so that what was said is kept. Keys pressed during the recording are dropped.
func (c *Call) Record(ctx context.Context, o RecordOptions) (RecordResult, error) {
	if o.Format == "" {
		o.Format = "wav"
	}
	term := o.TerminateOn
	if term == "" {
		term = "none"
	}
	c.sub.Add("recording:" + o.Name)
	defer c.sub.Remove("recording:" + o.Name)
	c.setRecording(o.Name)
	defer c.setRecording("")
	_, err := c.client.Channels.Record(ctx, c.channelID, ari.RecordRequest{
		Name: o.Name, Format: o.Format, MaxDuration: o.MaxDuration, MaxSilence: o.MaxSilence,
		Beep: o.Beep, TerminateOn: term,
	})
	if err != nil {
		return RecordResult{}, c.channelErr("record "+o.Name, err)
	}
	res := RecordResult{Name: o.Name, HungUp: c.hungUp}
	var after <-chan time.Time
	for {
		if res.HungUp && after == nil {
			t := time.NewTimer(recordAfterHangup)
			defer t.Stop()
			after = t.C
		}
		select {
		case <-ctx.Done():
			return res, context.Cause(ctx)
		case <-after:
			return res, fmt.Errorf("record %s: not stored %s after the caller hung up", o.Name, recordAfterHangup)
		case ev, ok := <-c.sub.C():
			if !ok {
				return res, ErrConnectionLost
			}
			c.observe(ev)
			res.HungUp = c.hungUp
			switch e := ev.(type) {
			case *ari.RecordingFinished:
				if e.Recording.Name == o.Name {
					res.Duration = time.Duration(e.Recording.Duration) * time.Second
					res.Talking = time.Duration(e.Recording.TalkingDuration) * time.Second
					c.ClearDigits()
					return res, nil
				}
			case *ari.RecordingFailed:
				if e.Recording.Name == o.Name {
					c.ClearDigits()
					return res, fmt.Errorf("record %s: %w: %s", o.Name, ErrRecordingFailed, e.Recording.Cause)
				}
			}
		}
	}
}

func (c *Call) setRecording(name string) {
	c.mu.Lock()
	c.recName = name
	c.mu.Unlock()
}

// PlayControls are the keys that steer a playback while it plays (PlayControlled).
type PlayControls struct {
	Skip    time.Duration // how far Back and Forward move; 0: ARI's default skipms, 3000 ms
	Back    string        // rewinds by Skip
	Forward string        // fast-forwards by Skip
	Pause   string        // pauses, and resumes on the next press
	Stop    string        // keys that stop the playback and are returned, e.g. "123456789#"
}

// PlayControlled plays one media to the caller; the control keys steer it, a stop key ends it
// and is returned ("" when it played to its end).
func (c *Call) PlayControlled(ctx context.Context, media string, k PlayControls) (string, error) {
	id := c.newID("play")
	c.sub.Add("playback:" + id)
	defer c.sub.Remove("playback:" + id)
	if _, err := c.client.Channels.PlayWith(ctx, c.channelID, id, ari.PlayOptions{Lang: c.lang, Skip: k.Skip}, media); err != nil {
		return "", c.channelErr("play "+media, err)
	}
	paused := false
	is := func(d, keys string) bool { return len(d) == 1 && strings.Contains(keys, d) }
	for {
		ev, err := c.next(0)
		if err != nil {
			return "", err
		}
		switch e := ev.(type) {
		case *ari.PlaybackFinished:
			if e.Playback.ID == id {
				return "", nil
			}
		case *ari.ChannelDtmfReceived:
			if e.Channel.ID != c.channelID {
				continue
			}
			d := c.TakeDigit()
			op := ""
			switch {
			case is(d, k.Back):
				op = "reverse"
			case is(d, k.Forward):
				op = "forward"
			case is(d, k.Pause):
				op = "pause"
				if paused {
					op = "unpause"
				}
				paused = !paused
			case is(d, k.Stop):
				if err := c.client.Playbacks.Stop(ctx, id); err != nil && !ari.IsNotFound(err) {
					c.log.Warn().Err(err).Str("playback", id).Msg("stop playback")
				}
				return d, nil
			}
			if op != "" {
				if err := c.client.Playbacks.Control(ctx, id, op); err != nil && !ari.IsNotFound(err) {
					c.log.Warn().Err(err).Str("playback", id).Str("op", op).Msg("playback control")
				}
			}
		}
	}
}
