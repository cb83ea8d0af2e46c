package app

import (
	"context"
	"slices"
	"strings"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/conference"
)

// takeBackBridges finds, after a (re)connect, the bridges calls made to connect a caller
// with a phone (Dial, RingMany) whose call this app does not have: the app was restarted
// while they talked. A caller still in the application and in its bridge gets a call again
// that watches the bridge (call.Rejoin): the two stay connected, and when either hangs up
// the other is hung up and the bridge destroyed. A bridge whose caller is gone is ended:
// what is left in it (the phone) is hung up and the bridge destroyed. Bridges of other
// applications are left alone.
func (a *App) takeBackBridges(ctx context.Context, channels []ari.Channel, bridges []ari.Bridge, app *ari.Application) {
	// Only bridges of this application (app, nil when it could not be read): another
	// application on the same Asterisk (a second ariflow under another name, a test) has
	// bridges of the same shape.
	if a.draining.Load() || app == nil {
		return
	}
	byID := make(map[string]ari.Channel, len(channels))
	for _, ch := range channels {
		byID[ch.ID] = ch
	}
	for _, b := range bridges {
		if room, ok := conference.RoomOfBridge(b); ok && slices.Contains(app.BridgeIDs, b.ID) {
			a.takeBackRoom(ctx, byID, b, room)
			continue
		}
		owner, ok := call.IsCallBridge(b)
		if !ok || a.hasCall(owner) || !slices.Contains(app.BridgeIDs, b.ID) {
			continue
		}
		log := a.log.With().Str("bridge", b.ID).Str("call_id", owner).Logger()
		if ch, found := byID[owner]; found && slices.Contains(b.Channels, owner) {
			if args, ours := stasisArgs(ch.Dialplan, a.appName); ours && !call.IsOwnChannel(args) {
				log.Warn().Strs("channels", b.Channels).Msg("reconcile: taking back a connected call")
				bridgeID := b.ID
				a.startFlow(ch, args, func(ctx context.Context, c *call.Call) error { return c.Rejoin(ctx, bridgeID) }, false)
				continue
			}
		}
		log.Warn().Strs("channels", b.Channels).Msg("reconcile: ending a connected call whose caller is gone")
		for _, id := range b.Channels {
			if err := a.client.Channels.Hangup(ctx, id, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
				log.Warn().Err(err).Str("channel", id).Msg("reconcile: hang up")
			}
		}
		if err := a.client.Bridges.Destroy(ctx, b.ID); err != nil && !ari.IsNotFound(err) {
			log.Warn().Err(err).Msg("reconcile: destroy bridge")
		}
	}
}

// endLonelyCalls ends the live calls whose caller was connected to a phone that hung up
// while the connection was down (its events were lost): the caller is alone in the call's
// bridge, or the bridge is gone. Such a call would wait for that phone forever, the caller
// in silence; ending it hangs the caller up and destroys the bridge, as the phone's
// hang-up would have. Each snapshot must be taken before bridges were listed: a call
// that connects after the listing has a bridge the list cannot show, and is left alone.
func (a *App) endLonelyCalls(calls []*call.Call, snaps []call.Snapshot, bridges []ari.Bridge) {
	byID := make(map[string]ari.Bridge, len(bridges))
	for _, b := range bridges {
		byID[b.ID] = b
	}
	for i, c := range calls {
		s := snaps[i]
		if s.Bridge == "" || !strings.HasPrefix(s.State, "connected") || c.Ending() {
			continue
		}
		b, ok := byID[s.Bridge]
		if ok && slices.ContainsFunc(b.Channels, func(id string) bool { return id != c.ChannelID() }) {
			continue
		}
		if now := c.Snapshot(); now.Bridge != s.Bridge {
			continue // the call moved on (to voicemail, another phone) since the listing
		}
		c.Logger().Warn().Str("bridge", s.Bridge).Msg("the other side hung up while the connection was down; ending the call")
		c.End(call.ErrConnectionLost)
	}
}

// takeBackRoom gives each member still in room's bridge b whose call this app does not
// have (it restarted while they talked) a call again that rejoins the room
// (Routing.RejoinRoom): the room knows its members and its bridge again. A room bridge
// with none of its members left in the application is destroyed.
func (a *App) takeBackRoom(ctx context.Context, byID map[string]ari.Channel, b ari.Bridge, room string) {
	log := a.log.With().Str("bridge", b.ID).Str("room", room).Logger()
	members := 0
	for _, id := range b.Channels {
		ch, found := byID[id]
		if !found {
			continue
		}
		args, ours := stasisArgs(ch.Dialplan, a.appName)
		if !ours || call.IsOwnChannel(args) {
			continue
		}
		members++
		if a.hasCall(id) {
			continue // the app still follows it: a reconnect, not a restart
		}
		log.Warn().Str("channel", ch.Name).Msg("reconcile: taking back a member of a room")
		endpoint := ""
		if _, at, invited := invitedArgs(args); invited {
			args, endpoint = []string{room}, at // as start gives an invited phone's flow
		}
		a.startFlow(ch, args, a.routing.Load().RejoinRoom(room, b.ID, endpoint), false)
	}
	if members == 0 {
		log.Warn().Strs("channels", b.Channels).Msg("reconcile: closing a room none of whose members is left")
		if err := a.client.Bridges.Destroy(ctx, b.ID); err != nil && !ari.IsNotFound(err) {
			log.Warn().Err(err).Msg("reconcile: destroy bridge")
		}
	}
}
