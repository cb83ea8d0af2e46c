// Package app is the Stasis application: it keeps the ARI connection, turns each channel
// entering the application into a call run by one goroutine, routes it by the dialed
// number through the current routing file, reloads that file, and drains calls on shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
)

// ErrDraining refuses new calls while the app shuts down.
var ErrDraining = errors.New("app is shutting down")

// Options configure an App.
type Options struct {
	Client  *ari.Client
	AppName string
	Logger  zerolog.Logger
	Routing *Routing // the first routing; Reload replaces it
	// CallBuffer is how many events a call may have waiting before they are counted as
	// dropped (default 256).
	CallBuffer int
	// OnConnState hears the ARI connection going up and down (for metrics and readiness).
	OnConnState func(up bool)
}

// App is the running Stasis application.
type App struct {
	client  *ari.Client
	appName string
	bus     *ari.Bus
	log     zerolog.Logger
	buffer  int
	onState func(bool)

	routing  atomic.Pointer[Routing]
	draining atomic.Bool
	up       atomic.Bool

	mu    sync.Mutex
	calls map[string]*call.Call // by caller channel id
	// transferred are the callers Redirect sent back through the dialplan, by channel id,
	// with when: their new call is not a new caller for the limits.
	transferred map[string]time.Time
	// live counts the goroutines of calls and refusals, under mu, so that Drain can wait
	// for the last without a WaitGroup's Add racing its Wait; idle is closed then.
	live int
	idle chan struct{}

	callsCtx    context.Context
	cancelCalls context.CancelCauseFunc

	total atomic.Uint64

	refusalLog                        zerolog.Logger // sampled: see refuse
	refusedMaxCalls, refusedPerSecond atomic.Uint64
}

// New builds the App; Run starts it.
func New(opts Options) (*App, error) {
	if opts.Client == nil || opts.Routing == nil {
		return nil, errors.New("app: a client and a routing are required")
	}
	if opts.AppName == "" {
		opts.AppName = "ariflow"
	}
	if opts.CallBuffer <= 0 {
		opts.CallBuffer = 256
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	a := &App{
		client: opts.Client, appName: opts.AppName, bus: ari.NewBus(opts.Logger),
		log: opts.Logger, buffer: opts.CallBuffer, onState: opts.OnConnState,
		calls: map[string]*call.Call{}, transferred: map[string]time.Time{}, callsCtx: ctx, cancelCalls: cancel,
		refusalLog: opts.Logger.Sample(&zerolog.BurstSampler{Burst: 5, Period: 10 * time.Second}),
	}
	a.routing.Store(opts.Routing)
	return a, nil
}

// Routing is the routing new calls get.
func (a *App) Routing() *Routing { return a.routing.Load() }

// SetRouting makes r the routing of calls from now on; calls in progress keep theirs.
func (a *App) SetRouting(r *Routing) { a.routing.Store(r) }

// Connected reports whether the events websocket is up.
func (a *App) Connected() bool { return a.up.Load() }

// Bus is the event bus; a subscriber sees the events of the keys it holds.
func (a *App) Bus() *ari.Bus { return a.bus }

// Run receives events until ctx is done. It does not wait for calls: see Drain.
func (a *App) Run(ctx context.Context) error {
	return a.client.Run(ctx, a.onEvent)
}

// ConnState is the client's OnState callback: pass it in ari.Options.
func (a *App) ConnState(s ari.ConnState) {
	was := a.up.Swap(s.Up)
	if s.Up {
		a.log.Info().Int("attempt", s.Attempt).Msg("ARI connected")
		if !was {
			go a.reconcile()
		}
	} else if was {
		a.log.Warn().Err(s.Err).Msg("ARI connection lost")
	}
	if a.onState != nil {
		a.onState(s.Up)
	}
}

// onEvent runs on the client's reader goroutine, in event order. It registers a new
// call's subscription before the next event is published, so a call misses nothing.
func (a *App) onEvent(ev ari.Event) {
	if e, ok := ev.(*ari.StasisStart); ok && !call.IsOwnChannel(e.Args) {
		a.start(e.Channel, e.Args, true)
	}
	a.bus.Publish(ev)
}

// start makes and runs the call of a channel in the application, unless it has one
// already (a channel adopted after a reconnect whose StasisStart then arrives late).
// A caller back from Asterisk's Dial that no call owns (this process started while the
// phone rang) goes on with what follows an unanswered ring. fresh says the channel has
// just entered the application: only such a caller may be refused by the routing file's
// limits, and only when no call of this process had its channel.
func (a *App) start(ch ari.Channel, args []string, fresh bool) {
	if status, exten, ok := call.IsReturnFromDial(args); ok {
		a.startFlow(ch, []string{exten}, a.routing.Load().ResumeAfterRing(status, exten), false)
		return
	}
	if room, endpoint, ok := invitedArgs(args); ok { // a phone the admin invited into a room
		a.startFlow(ch, []string{room}, a.routing.Load().JoinRoom(room, endpoint), false)
		return
	}
	a.startFlow(ch, args, nil, fresh)
}

// startFlow is start with the flow the call runs: nil for the routing's (the dialed
// number's action), else flow (a call taken back after a restart). limited puts the call
// under the routing file's limits.
func (a *App) startFlow(ch ari.Channel, args []string, flow func(context.Context, *call.Call) error, limited bool) {
	exten := ch.Dialplan.Exten
	if len(args) > 0 && args[0] != "" {
		exten = args[0]
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old, had := a.calls[ch.ID]
	if had && !old.Ending() {
		return // a live call has it already
	} // a call that is ending (a redirect hands its channel back to us) is replaced
	_, moved := a.transferred[ch.ID]
	delete(a.transferred, ch.ID)
	routing := a.routing.Load()
	if limited && !had && !moved {
		if limit := routing.admission.over(len(a.calls), routing.now()); limit != "" {
			a.refuse(ch, exten, limit)
			return
		}
	}
	log := a.log.With().Str("call_id", ch.ID).Str("channel", ch.Name).
		Str("caller", ch.Caller.Number).Str("exten", exten).Logger()
	sub := a.bus.Subscribe(a.buffer, "channel:"+ch.ID)
	c := call.New(call.Params{
		ChannelID: ch.ID, ChannelName: ch.Name, CallerNumber: ch.Caller.Number, CallerName: ch.Caller.Name, Exten: exten, Dialplan: ch.Dialplan.Context,
		Language: routing.File.Sounds.Language, App: a.appName, Client: a.client, Sub: sub, Logger: log, Parent: a.callsCtx,
	})
	a.calls[ch.ID] = c
	a.live++
	a.total.Add(1)
	if flow == nil {
		flow = routing.Serve
	}
	// While draining, a new caller is refused; a call already under way (a caller back
	// from Asterisk's Dial, a phone invited in, a call taken back) goes on to its end.
	go a.serve(c, flow, limited && !had && !moved)
}

// goroutineDone counts a call's or a refusal's goroutine out: the last one out during a
// drain ends the drain's wait.
func (a *App) goroutineDone() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.live--
	if a.live == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
}

// serve is the call's goroutine: run the flow, then hang up and clean up, once. A new
// caller (fresh) is refused while the app drains.
func (a *App) serve(c *call.Call, flow func(context.Context, *call.Call) error, fresh bool) {
	defer a.goroutineDone()
	defer func() {
		a.mu.Lock()
		if a.calls[c.ChannelID()] == c { // a redirected channel may already be a new call
			delete(a.calls, c.ChannelID())
		}
		a.mu.Unlock()
	}()
	log := c.Logger()
	reason := "normal"
	defer func() {
		if p := recover(); p != nil {
			log.Error().Interface("panic", p).Msg("call flow panicked; hanging up")
			reason = "failure"
		}
		if err := c.Close(reason); err != nil {
			log.Warn().Err(err).Msg("cleanup")
		}
		log.Info().Str("duration", time.Since(c.Started()).Round(time.Millisecond).String()).Msg("call ended")
	}()
	log.Info().Msg("call started")
	if fresh && a.draining.Load() {
		reason = "congestion"
		log.Warn().Msg("refused: shutting down")
		return
	}
	err := flow(c.Context(), c)
	switch {
	case err == nil, errors.Is(err, call.ErrHangup):
	case errors.Is(err, call.ErrRedirected):
		log.Info().Msg("call handed off")
	case errors.Is(err, call.ErrInDialplan):
		log.Info().Msg("call handed to Asterisk's Dial")
	case errors.Is(err, context.Canceled), errors.Is(err, ErrDraining), errors.Is(err, call.ErrConnectionLost):
		log.Warn().Err(context.Cause(c.Context())).Msg("call stopped")
	default:
		reason = "failure"
		log.Error().Err(err).Msg("call flow failed")
	}
}

// Calls lists the live calls, oldest first.
func (a *App) Calls() []call.Snapshot {
	a.mu.Lock()
	out := make([]call.Snapshot, 0, len(a.calls))
	for _, c := range a.calls {
		out = append(out, c.Snapshot())
	}
	a.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// CallsInDial lists the callers Asterisk's Dial has in the routing's dial context whose
// call the app no longer runs (asterisk.dial_context: the ring was handed off), for the
// admin's list of live calls: ringing or connected, and to which phone.
func (a *App) CallsInDial(ctx context.Context) ([]call.Snapshot, error) {
	dc := a.routing.Load().File.Asterisk.DialContext
	if dc == "" {
		return nil, nil
	}
	chans, err := a.client.Channels.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	var out []call.Snapshot
	for _, ch := range chans {
		if ch.Dialplan.Context != dc {
			continue
		}
		a.mu.Lock()
		c, followed := a.calls[ch.ID]
		a.mu.Unlock()
		if followed && !c.Ending() {
			continue // listed with the app's calls
		}
		exten, endpoint, _ := call.ParseDialExten(ch.Dialplan.Exten)
		state := "ringing " + endpoint
		if ch.State == "Up" {
			state = "connected " + endpoint
		}
		out = append(out, call.Snapshot{ID: ch.ID, Channel: ch.ID, Caller: ch.Caller.Number, Exten: exten,
			State: state + " (Asterisk's Dial)", Started: ch.CreationTime.Time})
	}
	return out, nil
}

// Total is how many calls the app has taken since it started.
func (a *App) Total() uint64 { return a.total.Load() }

// UnusedEvents are the event types no part of the app reads. Asterisk is asked not to send
// them (the application's event filter, set on every connect): ChannelVarset alone is more
// than half of a call's events (every variable Dial, Answer and the bridge set), and each
// one costs Asterisk a JSON dump and a websocket write, and the app a decode.
var UnusedEvents = []string{"ChannelVarset", "ChannelDialplan", "ChannelCallerId", "ChannelConnectedLine",
	"ChannelCreated", "ChannelEnteredBridge", "BridgeCreated", "BridgeDestroyed"}

// filterEvents sets the application's event filter to leave out UnusedEvents. Should
// Asterisk refuse, the app goes on receiving them (it ignores them): logged only.
func (a *App) filterEvents() {
	f := ari.EventFilters{}
	for _, t := range UnusedEvents {
		f.Disallowed = append(f.Disallowed, ari.EventFilter{Type: t})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.client.Applications.SetEventFilter(ctx, a.appName, f); err != nil {
		a.log.Warn().Err(err).Msg("cannot set the application's event filter; unused events keep coming")
	}
}

// reconcile runs on every (re)connect. Calls whose channel Asterisk no longer has (it
// was restarted, or hung them up while we were away) are ended, and so are calls whose
// phone hung up meanwhile (see endLonelyCalls). Channels in the
// application that no call owns are taken in: a caller whose StasisStart went to another
// connection (one Asterisk completed late and then handed the application to) is routed
// from the start; a phone leg whose call is gone is hung up. A caller connected to a phone
// by a call the app no longer has (it was restarted) is taken back (see takeBackBridges);
// other channels in a bridge are left as they are.
func (a *App) reconcile() {
	a.filterEvents()
	a.mu.Lock()
	calls := make([]*call.Call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	// The listings get 10 s; what follows them, a request or two per channel taken back or
	// hung up (hundreds after a restart under load), gets 10 s more and 100 ms per channel.
	listCtx, cancelList := context.WithTimeout(a.callsCtx, 10*time.Second)
	defer cancelList()
	channels, err := a.client.Channels.List(listCtx)
	if err != nil {
		a.log.Warn().Err(err).Msg("reconcile: cannot list channels")
		return
	}
	ctx, cancel := context.WithTimeout(a.callsCtx, 10*time.Second+time.Duration(len(channels))*100*time.Millisecond)
	defer cancel()
	listed := make(map[string]bool, len(channels))
	for _, ch := range channels {
		listed[ch.ID] = true
	}
	for _, c := range calls { // each began before the listing: unlisted, it is gone (asked again)
		if listed[c.ChannelID()] {
			continue
		}
		if _, err := a.client.Channels.Get(ctx, c.ChannelID()); ari.IsNotFound(err) {
			c.Logger().Warn().Msg("channel gone after reconnect; ending the call")
			c.End(call.ErrConnectionLost)
		}
	}
	snaps := make([]call.Snapshot, len(calls))
	for i, c := range calls {
		snaps[i] = c.Snapshot()
	}
	bridges, err := a.client.Bridges.List(listCtx)
	if err != nil {
		a.log.Warn().Err(err).Msg("reconcile: cannot list bridges")
		return
	}
	bridged := map[string]bool{}
	for _, b := range bridges {
		for _, id := range b.Channels {
			bridged[id] = true
		}
	}
	a.endLonelyCalls(calls, snaps, bridges)
	// What Asterisk holds for the application: its bridges, and the channels it is
	// subscribed to, among them the phones still ringing (they enter it when answered).
	app, err := a.client.Applications.Get(listCtx, a.appName)
	if err != nil {
		a.log.Warn().Err(err).Msg("reconcile: cannot read the application")
		app = nil
	}
	a.takeBackBridges(ctx, channels, bridges, app)
	for _, ch := range channels {
		if bridged[ch.ID] {
			continue
		}
		args, ours := stasisArgs(ch.Dialplan, a.appName)
		if !ours {
			// A phone still ringing is not in the application yet, but subscribed to it.
			if callID, thisRun, ok := call.LegOf(ch.ID); ok && app != nil && slices.Contains(app.ChannelIDs, ch.ID) {
				a.hangUpOrphanLeg(ctx, ch, callID, thisRun)
			}
			continue
		}
		if call.IsOwnChannel(args) {
			if len(args) > 1 {
				_, thisRun, ok := call.LegOf(ch.ID)
				a.hangUpOrphanLeg(ctx, ch, args[1], thisRun || !ok)
			}
			continue
		}
		if c := a.callOf(ch.ID); c != nil {
			if _, _, back := call.IsReturnFromDial(args); back && c.InDial() {
				// Back from Asterisk's Dial while the connection was down: its StasisStart
				// was lost, and the call that follows the ring would wait for it forever.
				a.log.Warn().Str("channel", ch.Name).Strs("args", args).Msg("reconcile: a caller back from Asterisk's Dial")
				a.bus.Publish(&ari.StasisStart{EventBase: ari.EventBase{Type: "StasisStart", Application: a.appName}, Args: args, Channel: ch})
			}
			continue
		}
		if a.draining.Load() {
			continue
		}
		// The listing is some requests old: a call that ended or handed its caller off
		// since is not started again from it.
		now, err := a.client.Channels.Get(ctx, ch.ID)
		if err != nil {
			continue
		}
		if nowArgs, ours := stasisArgs(now.Dialplan, a.appName); !ours || !slices.Equal(nowArgs, args) || a.hasCall(ch.ID) {
			continue
		}
		a.log.Warn().Str("channel", ch.Name).Strs("args", args).Msg("reconcile: taking in a channel no call owns")
		a.start(ch, args, false)
	}
}

// hangUpOrphanLeg hangs up a phone's channel a call dialed, ringing or answered, when
// no live call of this process is waiting for it: its call ended while the connection was
// down, or it was dialed before the app restarted (its caller, if still there, is routed
// again and rings the phone anew).
func (a *App) hangUpOrphanLeg(ctx context.Context, ch ari.Channel, callID string, thisRun bool) {
	if thisRun && a.hasCall(callID) {
		return
	}
	a.log.Warn().Str("channel", ch.Name).Str("call_id", callID).Msg("reconcile: hanging up a phone leg whose call is gone")
	if err := a.client.Channels.Hangup(ctx, ch.ID, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
		a.log.Warn().Err(err).Msg("reconcile: hang up")
	}
}

// hasCall reports whether a live call has that id (its caller channel's id).
func (a *App) hasCall(id string) bool { return a.callOf(id) != nil }

// callOf is the live call of channel id, or nil.
func (a *App) callOf(id string) *call.Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[id]
}

// invitedArgs reports whether args are the Stasis arguments of a phone Invite rang
// (ArgRoom, the room, the endpoint): the room and the endpoint ("" when absent), the
// endpoint's own commas, which Stasis split at, put back.
func invitedArgs(args []string) (room, endpoint string, ok bool) {
	if len(args) < 2 || args[0] != ArgRoom {
		return "", "", false
	}
	return args[1], strings.Join(args[2:], ","), true
}

// stasisArgs reads the Stasis arguments of a channel in application app from its
// dialplan location (app_data "ariflow,1000" or "ariflow,ariflow-leg,<callid>").
func stasisArgs(d ari.DialplanCEP, app string) (args []string, ok bool) {
	if !strings.EqualFold(d.AppName, "Stasis") {
		return nil, false
	}
	parts := strings.Split(d.AppData, ",")
	if parts[0] != app {
		return nil, false
	}
	return parts[1:], true
}

// Drain stops taking new callers (refused with congestion), waits for the calls in
// progress to end until ctx is done (a caller back from Asterisk's Dial, a phone invited
// into a room, are calls in progress), then hangs up the rest and waits for their cleanup.
func (a *App) Drain(ctx context.Context) error {
	a.mu.Lock()
	a.draining.Store(true)
	if a.live > 0 && a.idle == nil {
		a.idle = make(chan struct{})
	}
	done := a.idle
	a.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	n := len(a.Calls())
	a.log.Warn().Int("calls", n).Msg("drain deadline passed: hanging up the remaining calls")
	a.cancelCalls(fmt.Errorf("shutdown: %w", ErrDraining))
	<-done
	return nil
}

// Draining reports whether the app has stopped taking calls.
func (a *App) Draining() bool { return a.draining.Load() }
