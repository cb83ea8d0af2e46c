package app

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/ivr"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/spy"
	"github.com/ariflow/ariflow/store"
)

// Services are the long-lived parts every routing uses; they outlive reloads.
type Services struct {
	DB        *store.DB // the embedded database (nil in unit tests of routing alone)
	Absence   extension.Absences
	Notices   extension.Notices
	Voicemail extension.Voicemail // nil: VoicemailStandIn (tests of the routing alone)
	Queues    *queue.Manager      // the queues' live state and log (nil: a new one per routing)
	Rooms     *conference.Manager // the conference rooms' live state (nil: a new one per routing)
	Now       func() time.Time
	Logger    zerolog.Logger
}

// Routing is one loaded routing file with its flows built. A call keeps the Routing it
// started with, even when the file is reloaded under it.
type Routing struct {
	File     *config.File
	LoadedAt time.Time
	ext      *extension.Handler
	features map[config.ActionKind]Feature
	now      func() time.Time
	// admission is the file's limits on new calls; a reload starts them afresh.
	admission admission
}

// NewRouting builds the flows of a routing file that config has validated.
func NewRouting(f *config.File, s Services) (*Routing, error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Voicemail == nil {
		s.Voicemail = VoicemailStandIn{}
	}
	ext, err := extension.New(f, extension.Deps{Absence: s.Absence, Notices: s.Notices, Voicemail: s.Voicemail, Now: s.Now})
	if err != nil {
		return nil, err
	}
	features, err := buildFeatures(f, s)
	if err != nil {
		return nil, err
	}
	return &Routing{File: f, LoadedAt: s.Now(), ext: ext, features: features, now: s.Now, admission: newAdmission(f.Limits)}, nil
}

// Extensions is the extension flow of this routing.
func (r *Routing) Extensions() *extension.Handler { return r.ext }

// Serve runs a new call from the action of its dialed number to its end.
func (r *Routing) Serve(ctx context.Context, c *call.Call) error {
	a, ok := r.File.Lookup(c.Exten())
	if !ok {
		c.Logger().Warn().Msg("dialed number is not in the routing file")
		if err := c.Answer(ctx); err != nil {
			return err
		}
		_, err := c.Play(ctx, false, "sound:ss-noservice")
		return err
	}
	return r.Run(ctx, c, a)
}

// Run performs one action on a call.
func (r *Routing) Run(ctx context.Context, c *call.Call, a config.Action) error {
	c.SetState(string(a.Kind))
	if a.MusicClass != "" {
		c.SetMusicClass(a.MusicClass)
	}
	switch {
	case a.Extension != "":
		return r.ext.Serve(ctx, c, a.Extension)
	case a.Absence != "":
		return r.ext.ServeAbsence(ctx, c, a.Absence == "on")
	case a.Dial != nil:
		_, err := c.Dial(ctx, call.DialOptions{Endpoint: a.Dial.Endpoint, Timeout: a.Dial.RingTime, DialContext: r.File.Asterisk.DialContext})
		return err
	case len(a.Play) > 0:
		if err := c.Answer(ctx); err != nil {
			return err
		}
		_, err := c.Play(ctx, false, a.Play...)
		return err
	case a.Hangup:
		return nil
	}
	if feature, ok := r.features[a.Kind]; ok {
		return feature(ctx, c, a, func(ctx context.Context, next config.Action) error { return r.Run(ctx, c, next) })
	}
	return unavailable(ctx, c, a)
}

// ResumeAfterRing is the flow of a caller back from Asterisk's Dial unanswered (status)
// whose call this process does not know, as the app restarted while the phone rang:
// extension exten's flow goes on (its voicemail); after a plain dial action ("") the
// caller is hung up, as that action would.
func (r *Routing) ResumeAfterRing(status call.DialStatus, exten string) func(context.Context, *call.Call) error {
	return func(ctx context.Context, c *call.Call) error {
		c.Logger().Info().Str("status", string(status)).Msg("back from Asterisk's Dial, unanswered")
		if _, ok := r.File.Extensions[exten]; !ok {
			return nil
		}
		return r.ext.AfterRing(ctx, c, exten, status)
	}
}

// JoinRoom is the flow of a phone invited into conference room (App.Invite) at endpoint
// ("" when unknown): it joins the room, the routing file's or one created at run time,
// listed by endpoint rather than by its caller ID (the room's name, as every phone
// invited).
func (r *Routing) JoinRoom(room, endpoint string) func(context.Context, *call.Call) error {
	return func(ctx context.Context, c *call.Call) error {
		if endpoint != "" {
			ctx = context.WithValue(ctx, invitedAt{}, endpoint)
		}
		return r.Run(ctx, c, config.Action{Kind: config.ActRoom, Room: room})
	}
}

// invitedAt is the context key of the endpoint an invited phone was rung at (JoinRoom).
type invitedAt struct{}

// RejoinRoom is the flow of a member found in conference room's bridge after the app
// restarted (App's reconcile): back in the room, its keys work again. A phone the admin
// invited at endpoint ("" for a caller) is listed by it again (JoinRoom).
func (r *Routing) RejoinRoom(room, bridge, endpoint string) func(context.Context, *call.Call) error {
	return func(ctx context.Context, c *call.Call) error {
		ctx = context.WithValue(ctx, rejoinBridge{}, bridge)
		if endpoint != "" {
			ctx = context.WithValue(ctx, invitedAt{}, endpoint)
		}
		return r.Run(ctx, c, config.Action{Kind: config.ActRoom, Room: room})
	}
}

// rejoinBridge is the context key of the bridge a call rejoins its room in (RejoinRoom).
type rejoinBridge struct{}

// unavailable refuses, with a log line and a prompt, an action this routing has no
// feature for (the voicemail actions when Services has no voicemail service, as in unit
// tests of the routing alone): the caller hears ss-noservice rather than silence.
func unavailable(ctx context.Context, c *call.Call, a config.Action) error {
	c.Logger().Error().Str("action", string(a.Kind)).Int("line", a.Line).
		Msg("no feature serves this action here; the caller hears ss-noservice")
	if err := c.Answer(ctx); err != nil {
		return err
	}
	_, err := c.Play(ctx, false, "sound:ss-noservice")
	return err
}

// Explain says what a call from caller to number at t would do, step by step, without
// placing it: `ariflow simulate`.
func (r *Routing) Explain(caller, number string, t time.Time) ([]string, error) {
	return r.ExplainKeys(caller, number, "", t)
}

// ExplainKeys is Explain for a caller who presses keys in the menus on the way: 0-9, *
// and #, and t for no key until the timeout ("5t1").
func (r *Routing) ExplainKeys(caller, number, keys string, t time.Time) ([]string, error) {
	a, ok := r.File.Lookup(number)
	if !ok {
		return []string{fmt.Sprintf("%s is not in the routing file: play ss-noservice, hang up", number)}, nil
	}
	steps := []string{fmt.Sprintf("%s dials %s: %s", caller, number, string(a.Kind))}
	return r.explainAction(steps, explained{caller: caller, number: number, keys: keys, at: t}, a)
}

// explained is the call Explain follows: who dials what, the keys still to press in menus,
// when, and the hold music class an action chose on the way.
type explained struct {
	caller, number, keys string
	at                   time.Time
	music                string
}

// explainAction adds to steps what action a does on call x.
func (r *Routing) explainAction(steps []string, x explained, a config.Action) ([]string, error) {
	caller, number, t := x.caller, x.number, x.at
	if a.MusicClass != "" {
		x.music = a.MusicClass
	}
	switch {
	case a.Extension != "":
		d, err := r.ext.Decide(a.Extension, caller, t)
		steps = append(steps, d.Steps...)
		return steps, err
	case a.Absence != "":
		if _, ok := r.File.Extensions[caller]; !ok {
			return append(steps, caller+" is not an extension: play invalid"), nil
		}
		return append(steps, r.ext.DescribeAbsence(caller, a.Absence == "on", t)), nil
	case a.Menu != "":
		return r.explainMenu(steps, x, a.Menu)
	case a.Queue != "":
		return append(steps, queue.Explain(r.File, a.Queue, x.music, number, caller, t)...), nil
	case a.Room != "":
		return append(steps, conference.Explain(r.File, a.Room)...), nil
	case a.Spy != nil:
		return append(steps, spy.Explain(r.File, caller, a.Spy.Mode)...), nil
	}
	return append(steps, ivr.Describe(a)), nil // dial, play, voicemail, hang up: one step
}

// VoicemailStandIn answers, says nobody is available, and records nothing. It is the
// extension flow's voicemail when Services has none (unit tests of the routing alone);
// serve always gives the real one.
type VoicemailStandIn struct{}

// Leave plays vm-nobodyavail and reports that no message was left.
func (VoicemailStandIn) Leave(ctx context.Context, c extension.Call, box, reason string) (bool, error) {
	c.Logger().Warn().Str("box", box).Str("reason", reason).Msg("voicemail stand-in: no message recorded")
	c.SetState("voicemail " + box)
	if err := c.Answer(ctx); err != nil {
		return false, err
	}
	_, err := c.Play(ctx, false, "sound:vm-nobodyavail")
	return false, err
}
