package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// DefaultDialplanContext is where Redirect sends a channel that did not come through the
// dialplan (one the app originated): the context of the lab and of the README's
// extensions.conf, whose one line sends every number back to the application.
const DefaultDialplanContext = "internal"

// ErrNoSuchCall is returned for a channel the app has no live call on.
var ErrNoSuchCall = errors.New("no live call on that channel")

// ErrUnknownNumber is returned for a number the routing file does not route.
var ErrUnknownNumber = errors.New("the routing file does not route that number")

// Originate rings endpoint (the seed's `channel originate SIP/2000 extension 1000@internal`);
// when it answers, its channel enters the application with exten as the dialed number and
// is routed like any call: an extension rings, a menu plays. It returns the new channel's id.
func (a *App) Originate(ctx context.Context, endpoint, exten, callerID string, timeout time.Duration) (string, error) {
	if _, ok := a.Routing().File.Lookup(exten); !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownNumber, exten)
	}
	if callerID == "" { // the seed's originate: the rung phone calls exten
		_, resource, _ := strings.Cut(endpoint, "/")
		callerID = resource + " <" + resource + ">"
	}
	return a.ring(ctx, endpoint, callerID, timeout, exten)
}

// ArgRoom is the first Stasis argument of a phone rung by Invite; the second is the room,
// the third the endpoint it was rung at.
const ArgRoom = "ariflow-room"

// Invite rings endpoint and, once it answers, puts it in conference room (the seed's
// admin "creating a conference": `channel originate SIP/2000 application ConfBridge
// Salle_1`): how a room created at run time gets its members. The phone shows the room's
// name as the caller unless callerID says otherwise; the room lists it by endpoint. The
// caller checks the room exists.
func (a *App) Invite(ctx context.Context, endpoint, room, callerID string, timeout time.Duration) (string, error) {
	if callerID == "" {
		callerID = room
	}
	return a.ring(ctx, endpoint, callerID, timeout, ArgRoom, room, endpoint)
}

// ring originates a call to endpoint that enters the application with args once
// answered, within timeout (30 s when 0).
func (a *App) ring(ctx context.Context, endpoint, callerID string, timeout time.Duration, args ...string) (string, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	id := "ariflow-ring-" + rand.Text()
	ch, err := a.client.Channels.Originate(ctx, ari.OriginateRequest{
		Endpoint: endpoint, ChannelID: id, App: a.appName, AppArgs: args, CallerID: callerID, Timeout: timeout,
	})
	if err != nil {
		if ari.Unanswered(err) { // the phone may ring all the same, for a request reported failed
			if herr := a.client.Channels.Hangup(context.WithoutCancel(ctx), id, ari.HangupNormal); herr != nil && !ari.IsNotFound(herr) {
				a.log.Warn().Err(herr).Str("endpoint", endpoint).Msg("a phone rung without an answer from Asterisk may ring on")
			}
		}
		return "", fmt.Errorf("originate %s: %w", endpoint, err)
	}
	a.log.Info().Str("endpoint", endpoint).Strs("args", args).Str("channel", ch.ID).Msg("originated")
	return ch.ID, nil
}

// inDialContext reports whether channelID is a channel in the routing's dial context.
func (a *App) inDialContext(ctx context.Context, channelID string) bool {
	dc := a.routing.Load().File.Asterisk.DialContext
	if dc == "" {
		return false
	}
	ch, err := a.client.Channels.Get(ctx, channelID)
	return err == nil && ch.Dialplan.Context == dc
}

// Redirect sends a live call's caller to another number (the seed's `channel redirect
// ... internal,1000,1`): the caller's channel leaves its current flow, whatever it was
// connected to is hung up, and it starts again at exten.
func (a *App) Redirect(ctx context.Context, channelID, exten string) error {
	if _, ok := a.Routing().File.Lookup(exten); !ok {
		return fmt.Errorf("%w: %q", ErrUnknownNumber, exten)
	}
	a.mu.Lock()
	c, ok := a.calls[channelID]
	a.mu.Unlock()
	if !ok {
		return ErrNoSuchCall
	}
	dialplan := c.DialplanContext()
	if dialplan == "" { // a channel the app originated never went through the dialplan
		dialplan = DefaultDialplanContext
	}
	// The call's flow ends (its playback stopped, what it was connected to hung up), then
	// Continue takes the channel out of Stasis into the dialplan, whose one line sends it
	// back to the application with exten as its argument: a new call, routed afresh.
	a.mu.Lock()
	for id, at := range a.transferred { // ones that never came back (hung up meanwhile)
		if time.Since(at) > time.Minute {
			delete(a.transferred, id)
		}
	}
	a.transferred[channelID] = time.Now()
	a.mu.Unlock()
	err := c.HandOff(func(ctx context.Context) error {
		return a.client.Channels.Continue(ctx, channelID, ari.ContinueRequest{Context: dialplan, Extension: exten, Priority: 1})
	})
	if err != nil {
		c.Logger().Warn().Err(err).Str("to", exten).Msg("not redirected")
		a.mu.Lock()
		delete(a.transferred, channelID)
		a.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrNotRedirected, err)
	}
	c.Logger().Info().Str("to", exten).Msg("redirected")
	return nil
}

// ErrNotRedirected is Redirect's refusal of a call it cannot hand off (ending, or in
// Asterisk's Dial): nothing was done.
var ErrNotRedirected = errors.New("not redirected")

// Hangup hangs up a live call's caller with an ARI reason: one of the app's calls, or a
// caller in Asterisk's Dial in the dial context (listed by CallsInDial).
func (a *App) Hangup(ctx context.Context, channelID, reason string) error {
	a.mu.Lock()
	_, ok := a.calls[channelID]
	a.mu.Unlock()
	if !ok && !a.inDialContext(ctx, channelID) {
		return ErrNoSuchCall
	}
	if reason == "" {
		reason = ari.HangupNormal
	}
	err := a.client.Channels.Hangup(ctx, channelID, reason)
	if ari.IsNotFound(err) {
		return ErrNoSuchCall
	}
	return err
}
