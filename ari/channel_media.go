package ari

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RecordRequest is the input of [ChannelService.Record] and [BridgeService.Record].
type RecordRequest struct {
	Name        string        // required: recording name, may contain "/" (sub-folders of the spool)
	Format      string        // required: file format, e.g. "wav", "ulaw"
	MaxDuration time.Duration // 0: no limit
	MaxSilence  time.Duration // 0: no limit
	IfExists    string        // "fail" (default), "overwrite", "append"
	Beep        bool          // play a beep before recording
	TerminateOn string        // DTMF that ends the recording: "none" (default), "any", "*", "#"
}

// values returns the query parameters of r.
func (r RecordRequest) values() query {
	return query{}.
		set("name", r.Name).
		set("format", r.Format).
		setSeconds("maxDurationSeconds", r.MaxDuration).
		setSeconds("maxSilenceSeconds", r.MaxSilence).
		set("ifExists", r.IfExists).
		setBool("beep", r.Beep).
		set("terminateOn", r.TerminateOn)
}

// DTMF is the input of [ChannelService.SendDTMF]; zero durations use Asterisk's defaults.
type DTMF struct {
	Digits   string        // required: digits to send, e.g. "123#"
	Before   time.Duration // pause before the first digit
	Between  time.Duration // pause between digits (default 100ms)
	Duration time.Duration // length of each digit (default 100ms)
	After    time.Duration // pause after the last digit
}

// Mute directions for [ChannelService.Mute] and [ChannelService.Unmute]; "" means both
// (sent explicitly: Asterisk 22 rejects an unmute without a direction).
const (
	DirectionBoth = "both"
	DirectionIn   = "in"
	DirectionOut  = "out"
)

// Play starts playing media (URIs such as "sound:hello-world", "recording:name",
// "tone:ring", "digits:123") in sequence to the channel. playbackID names the playback
// (Asterisk picks one when empty); follow it with the Playback* events.
func (s *ChannelService) Play(ctx context.Context, id, playbackID string, media ...string) (*Playback, error) {
	return s.PlayIn(ctx, id, playbackID, "", media...)
}

// PlayIn is Play with the prompts in language lang ("fr", "en_GB"; "" keeps the channel's
// language): a sound missing in that language plays in Asterisk's default one.
func (s *ChannelService) PlayIn(ctx context.Context, id, playbackID, lang string, media ...string) (*Playback, error) {
	return s.PlayWith(ctx, id, playbackID, PlayOptions{Lang: lang}, media...)
}

// PlayOptions are a playback's settings beyond its media.
type PlayOptions struct {
	Lang string        // the prompts' language; "" keeps the channel's
	Skip time.Duration // how far forward and reverse move it (skipms); 0: Asterisk's 3000 ms
}

// PlayWith is Play with opts.
func (s *ChannelService) PlayWith(ctx context.Context, id, playbackID string, opts PlayOptions, media ...string) (*Playback, error) {
	q := query{}.set("media", strings.Join(media, ",")).set("playbackId", playbackID).set("lang", opts.Lang)
	if opts.Skip > 0 {
		q = q.set("skipms", strconv.FormatInt(opts.Skip.Milliseconds(), 10))
	}
	var pb Playback
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "play"}, query: q.values(), out: &pb})
	if err != nil {
		return nil, err
	}
	return &pb, nil
}

// Record starts recording the channel; follow it with the Recording* events.
func (s *ChannelService) Record(ctx context.Context, id string, req RecordRequest) (*LiveRecording, error) {
	var rec LiveRecording
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "record"},
		query: req.values().values(), out: &rec})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// StartMOH plays music on hold of class (the default class when "") to the channel.
func (s *ChannelService) StartMOH(ctx context.Context, id, class string) error {
	q := query{}.set("mohClass", class)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "moh"}, query: q.values()})
}

// StopMOH stops music on hold on the channel.
func (s *ChannelService) StopMOH(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id, "moh"}})
}

// StartSilence plays silence to the channel.
func (s *ChannelService) StartSilence(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "silence"}})
}

// StopSilence stops playing silence to the channel.
func (s *ChannelService) StopSilence(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id, "silence"}})
}

// SendDTMF sends DTMF digits to the channel.
func (s *ChannelService) SendDTMF(ctx context.Context, id string, d DTMF) error {
	q := query{}.set("dtmf", d.Digits)
	for _, p := range []struct {
		k string
		v time.Duration
	}{{"before", d.Before}, {"between", d.Between}, {"duration", d.Duration}, {"after", d.After}} {
		if p.v != 0 {
			q.set(p.k, millis(p.v))
		}
	}
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "dtmf"}, query: q.values()})
}

// GetVar returns the value of a channel variable or function, e.g. "CALLERID(num)".
func (s *ChannelService) GetVar(ctx context.Context, id, name string) (string, error) {
	var v variable
	q := query{}.set("variable", name)
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"channels", id, "variable"}, query: q.values(), out: &v})
	return v.Value, err
}

// SetVar sets a channel variable or function, e.g. "TALK_DETECT(set)".
func (s *ChannelService) SetVar(ctx context.Context, id, name, value string) error {
	q := query{}.set("variable", name).set("value", value)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "variable"}, query: q.values()})
}

// Mute mutes the channel in direction (Direction* constants; "" for both).
func (s *ChannelService) Mute(ctx context.Context, id, direction string) error {
	q := query{}.set("direction", cmp.Or(direction, DirectionBoth))
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "mute"}, query: q.values()})
}

// Unmute unmutes the channel in direction (Direction* constants; "" for both).
func (s *ChannelService) Unmute(ctx context.Context, id, direction string) error {
	q := query{}.set("direction", cmp.Or(direction, DirectionBoth))
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id, "mute"}, query: q.values()})
}

// Hold puts the channel on hold.
func (s *ChannelService) Hold(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "hold"}})
}

// Unhold takes the channel off hold.
func (s *ChannelService) Unhold(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id, "hold"}})
}
