package conference

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// A room's bridge, as Enter makes it: id "room-Salle_1-<ms>-<seq>", name "room Salle_1".
const (
	bridgeIDPrefix   = "room-"
	bridgeNamePrefix = "room "
)

// newBridgeID is the id of a new bridge for room, unique with the time in ms and seq.
func newBridgeID(room string, ms int64, seq int) string {
	return fmt.Sprintf("%s%s-%d-%d", bridgeIDPrefix, room, ms, seq)
}

// RoomOfBridge reports the room a bridge of Enter's making is, by its name ("room
// Salle_1"): after a restart, the rooms Asterisk still mixes.
func RoomOfBridge(b ari.Bridge) (room string, ok bool) {
	room, ok = strings.CutPrefix(b.Name, bridgeNamePrefix)
	return room, ok && room != "" && strings.HasPrefix(b.ID, bridgeIDPrefix+room+"-")
}

// Channel variables that keep a member's state in Asterisk, read when the member is taken
// back after a restart of the app: AdminVar (the room) is set as an admin enters, MutedVar
// ("1", or "0") at each change of the member's mute, which Asterisk keeps on the channel;
// SwitchesVar (Switches.String) is the room's switches, set on every member at each change
// of them and on a member entering while one is on.
const (
	AdminVar    = "ARIFLOW_ROOM_ADMIN"
	MutedVar    = "ARIFLOW_ROOM_MUTED"
	SwitchesVar = "ARIFLOW_ROOM_SWITCHES"
)

// Switches are what a room's admin turns on and off for the whole room: its lock (key 4,
// the admin API) and its "all muted" (key 5).
type Switches struct {
	Locked   bool // closed to new members other than admins
	AllMuted bool // members other than admins muted, new ones muted as they enter
}

// String is the switches as SwitchesVar keeps them: "locked,all-muted", "locked",
// "all-muted" or "none".
func (s Switches) String() string {
	var on []string
	if s.Locked {
		on = append(on, "locked")
	}
	if s.AllMuted {
		on = append(on, "all-muted")
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ",")
}

// parseSwitches reads a SwitchesVar value; anything else than the names String writes is
// off.
func parseSwitches(v string) Switches {
	var s Switches
	for name := range strings.SplitSeq(v, ",") {
		switch name {
		case "locked":
			s.Locked = true
		case "all-muted":
			s.AllMuted = true
		}
	}
	return s
}

// WasAdmin reports whether channel entered room as its admin (AdminVar).
func (m *Manager) WasAdmin(ctx context.Context, channel, room string) bool {
	return m.channelVar(ctx, channel, AdminVar) == room
}

// WasMuted reports whether channel was muted as a member (MutedVar).
func (m *Manager) WasMuted(ctx context.Context, channel string) bool {
	return m.channelVar(ctx, channel, MutedVar) == "1"
}

// keptSwitches is the room's switches as kept on a member's channel (SwitchesVar): all off
// when it has none.
func (m *Manager) keptSwitches(ctx context.Context, channel string) Switches {
	return parseSwitches(m.channelVar(ctx, channel, SwitchesVar))
}

// keepSwitches writes the room's switches on the channels of members; m.mu must be held.
// A channel that refuses is logged: taken back after a restart, its room would have them
// as they were before.
func (m *Manager) keepSwitches(ctx context.Context, r *room, members ...*member) {
	if m.client == nil {
		return
	}
	v := r.switches().String()
	for _, mb := range members {
		if err := m.client.Channels.SetVar(ctx, mb.Channel, SwitchesVar, v); err != nil && !gone(err) {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Str("channel", mb.Channel).Str("switches", v).
				Msg("a room taken back after a restart of the app would not know its switches")
		}
	}
}

// channelVar is the value of variable name on channel, "" when unset or unreadable.
func (m *Manager) channelVar(ctx context.Context, channel, name string) string {
	m.mu.Lock()
	client := m.client
	m.mu.Unlock()
	if client == nil {
		return ""
	}
	v, err := client.Channels.GetVar(ctx, channel, name)
	if err != nil {
		return ""
	}
	return v
}

// Rejoin takes back a member still in the room's bridge after the app restarted: the
// room learns its bridge again (the next caller joins the same one, max_members counts
// everyone) and the member's keys work again, an admin's too (who.Admin: WasAdmin; who.Muted:
// WasMuted). The first member taken back gives the room its switches, which every member's
// channel keeps alike (SwitchesVar): they are read from its channel, once per room. Music
// and recording go on as Asterisk left them.
func (m *Manager) Rejoin(ctx context.Context, cfg config.Room, bridge string, who Member) (*Seat, error) {
	m.mu.Lock()
	_, known := m.rooms[cfg.Name]
	m.mu.Unlock()
	var kept Switches
	if !known { // two members taken back at once may both read them: alike, as said above
		kept = m.keptSwitches(ctx, who.Channel)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[cfg.Name]
	if !ok {
		r = &room{cfg: cfg, bridge: bridge, locked: kept.Locked, allMuted: kept.AllMuted}
		m.rooms[cfg.Name] = r
		m.log.Warn().Str("room", cfg.Name).Str("bridge", bridge).Stringer("switches", kept).Msg("room taken back after a restart")
	}
	if r.bridge != bridge {
		return nil, fmt.Errorf("conference: room %s is bridge %s now, not %s", cfg.Name, r.bridge, bridge)
	}
	if who.Joined.IsZero() {
		who.Joined = time.Now() // when it joined died with the old process
	}
	mb := &member{Member: who, wake: make(chan struct{}, 1), inBridge: true}
	r.members = append(r.members, mb)
	// Asterisk plays the room's music to a member alone (started before the restart):
	// stopped when the next one enters.
	r.moh = len(r.members) == 1 && cfg.MusicWhenAlone
	return &Seat{room: cfg.Name, m: mb, others: len(r.members) - 1}, nil
}

// Rejoin runs the stay of a member found in room name's bridge after the app restarted
// (Manager.Rejoin): its keys until it leaves, hangs up or is kicked. A phone the admin
// invited at endpoint is listed by it, as ServeInvited lists it ("" for a caller). A room
// created at run time is created again, with the defaults the admin API gives.
func (h *Handler) Rejoin(ctx context.Context, c Call, name, bridge, endpoint string) error {
	m := h.deps.Manager
	cfg, ok := h.room(name)
	if !ok {
		err := m.Create(config.Room{Name: name, AnnounceCount: true, MusicWhenAlone: true}, h.rooms)
		if err != nil && !errors.Is(err, ErrRoomTaken) { // taken: by the member rejoining beside it
			return err
		}
		cfg, _ = m.Runtime(name)
	}
	number, callerName := c.Caller()
	if endpoint != "" {
		number, callerName = endpoint, ""
	}
	admin, muted := m.WasAdmin(ctx, c.ChannelID(), name), m.WasMuted(ctx, c.ChannelID())
	seat, err := m.Rejoin(ctx, cfg, bridge, Member{Channel: c.ChannelID(), CallID: c.ID(), Caller: number, Name: callerName,
		Admin: admin, Muted: muted})
	if err != nil {
		return err
	}
	seat.lang = h.lang
	defer h.leave(ctx, c, seat)
	c.Logger().Warn().Str("room", name).Bool("admin", admin).Bool("muted", muted).Msg("member taken back into the room after a restart")
	c.SetConferenceState(name, bridge)
	return h.keys(ctx, c, name, seat, admin)
}
