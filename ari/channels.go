package ari

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ChannelService is the /channels resource: [Client.Channels].
type ChannelService struct{ c *Client }

// OriginateRequest is the input of [ChannelService.Originate].
type OriginateRequest struct {
	Endpoint       string            // required: what to dial, e.g. "PJSIP/1000"
	ChannelID      string            // id for the new channel; Asterisk picks one when empty
	OtherChannelID string            // id for the second leg of a Local channel
	App            string            // Stasis application to enter on answer (instead of the dialplan)
	AppArgs        []string          // arguments for App, sent comma-joined
	Context        string            // dialplan target when App is empty
	Extension      string            // dialplan target when App is empty
	Priority       int64             // dialplan target when App is empty
	Label          string            // dialplan label, instead of Priority
	CallerID       string            // caller id for the new channel, e.g. `"Reception" <100>`
	Timeout        time.Duration     // dial timeout (Asterisk's default 30s when 0; negative: none)
	Variables      map[string]string // channel variables, sent as {"variables": {...}}
	Originator     string            // id of the channel that causes this one (for linkedid, codecs)
	Formats        string            // comma list of formats when there is no originator, "ulaw,alaw"
}

// CreateRequest is the input of [ChannelService.Create]: a channel that enters App
// without being dialed; [ChannelService.Dial] dials it.
type CreateRequest struct {
	Endpoint       string            // required, e.g. "PJSIP/1000"
	App            string            // required: Stasis application the channel is placed in
	AppArgs        []string          // arguments for App, sent comma-joined
	ChannelID      string            // id for the new channel; Asterisk picks one when empty
	OtherChannelID string            // id for the second leg of a Local channel
	Originator     string            // id of the channel that causes this one
	Formats        string            // comma list of formats when there is no originator
	Variables      map[string]string // channel variables, sent as {"variables": {...}}
}

// SnoopRequest is the input of [ChannelService.Snoop].
type SnoopRequest struct {
	SnoopID string   // id for the snoop channel; Asterisk picks one when empty
	Spy     string   // audio to hear: "none" (default), "both", "out", "in"
	Whisper string   // audio to inject: "none" (default), "both", "out", "in"
	App     string   // required: Stasis application the snoop channel is placed in
	AppArgs []string // arguments for App, sent comma-joined
}

// ContinueRequest is the input of [ChannelService.Continue]; empty fields keep the
// channel's current dialplan location.
type ContinueRequest struct {
	Context   string
	Extension string
	Priority  int
	Label     string
}

// Hangup reasons accepted by [ChannelService.Hangup]; "" lets Asterisk choose (normal).
const (
	HangupNormal            = "normal"
	HangupBusy              = "busy"
	HangupCongestion        = "congestion"
	HangupNoAnswer          = "no_answer"
	HangupTimeout           = "timeout"
	HangupRejected          = "rejected"
	HangupUnallocated       = "unallocated"
	HangupNormalUnspecified = "normal_unspecified"
	HangupNumberIncomplete  = "number_incomplete"
	HangupCodecMismatch     = "codec_mismatch"
	HangupInterworking      = "interworking"
	HangupFailure           = "failure"
	HangupAnsweredElsewhere = "answered_elsewhere"
)

// Get returns the channel with the given id.
func (s *ChannelService) Get(ctx context.Context, id string) (*Channel, error) {
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"channels", id}, out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// List returns every active channel.
func (s *ChannelService) List(ctx context.Context) ([]Channel, error) {
	var chs []Channel
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"channels"}, out: &chs})
	return chs, err
}

// Originate dials req.Endpoint; on answer the channel enters req.App (or the dialplan).
// It returns the new channel as Asterisk created it (not yet answered).
func (s *ChannelService) Originate(ctx context.Context, req OriginateRequest) (*Channel, error) {
	q := query{}.
		set("endpoint", req.Endpoint).
		set("channelId", req.ChannelID).
		set("otherChannelId", req.OtherChannelID).
		set("app", req.App).
		set("appArgs", strings.Join(req.AppArgs, ",")).
		set("context", req.Context).
		set("extension", req.Extension).
		set("label", req.Label).
		set("callerId", req.CallerID).
		setSeconds("timeout", req.Timeout).
		set("originator", req.Originator).
		set("formats", req.Formats)
	if req.Priority != 0 {
		q.set("priority", strconv.FormatInt(req.Priority, 10))
	}
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"channels"}, query: q.values(),
		body: varsBody(req.Variables), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// Create makes a channel in req.App without dialing it; see [ChannelService.Dial].
func (s *ChannelService) Create(ctx context.Context, req CreateRequest) (*Channel, error) {
	q := query{}.
		set("endpoint", req.Endpoint).
		set("app", req.App).
		set("appArgs", strings.Join(req.AppArgs, ",")).
		set("channelId", req.ChannelID).
		set("otherChannelId", req.OtherChannelID).
		set("originator", req.Originator).
		set("formats", req.Formats)
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", "create"}, query: q.values(),
		body: varsBody(req.Variables), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// Dial dials a channel made by [ChannelService.Create]. caller is the optional id of the
// channel that is calling (for connected line); timeout 0 means no timeout.
func (s *ChannelService) Dial(ctx context.Context, id, caller string, timeout time.Duration) error {
	q := query{}.set("caller", caller).setSeconds("timeout", timeout)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "dial"}, query: q.values()})
}

// Answer answers the channel.
func (s *ChannelService) Answer(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "answer"}})
}

// Ring indicates ringing to the channel.
func (s *ChannelService) Ring(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "ring"}})
}

// RingStop stops ringing indication on the channel.
func (s *ChannelService) RingStop(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id, "ring"}})
}

// Progress indicates call progress (early media) to the channel.
func (s *ChannelService) Progress(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "progress"}})
}

// Hangup hangs up the channel with reason (one of the Hangup* constants; "" for normal).
func (s *ChannelService) Hangup(ctx context.Context, id, reason string) error {
	q := query{}.set("reason", reason)
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"channels", id}, query: q.values()})
}

// Redirect sends the channel to another endpoint (a SIP 302 for PJSIP), e.g. "PJSIP/2000".
func (s *ChannelService) Redirect(ctx context.Context, id, endpoint string) error {
	q := query{}.set("endpoint", endpoint)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "redirect"}, query: q.values()})
}

// Continue makes the channel leave Stasis and continue in the dialplan at req.
func (s *ChannelService) Continue(ctx context.Context, id string, req ContinueRequest) error {
	q := query{}.set("context", req.Context).set("extension", req.Extension).set("label", req.Label)
	if req.Priority != 0 {
		q.set("priority", strconv.Itoa(req.Priority))
	}
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "continue"}, query: q.values()})
}

// Move moves the channel from this Stasis application to app, with args.
func (s *ChannelService) Move(ctx context.Context, id, app string, args ...string) error {
	q := query{}.set("app", app).set("appArgs", strings.Join(args, ","))
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "move"}, query: q.values()})
}

// Snoop makes a snoop channel on the channel (to listen to it, or whisper into it) and
// places it in req.App. It returns the snoop channel.
func (s *ChannelService) Snoop(ctx context.Context, id string, req SnoopRequest) (*Channel, error) {
	q := query{}.
		set("spy", req.Spy).
		set("whisper", req.Whisper).
		set("app", req.App).
		set("appArgs", strings.Join(req.AppArgs, ",")).
		set("snoopId", req.SnoopID)
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"channels", id, "snoop"}, query: q.values(), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}
