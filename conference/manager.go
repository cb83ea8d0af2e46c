// Package conference is the conference rooms: callers to a room's number meet in one
// mixing bridge. The Manager keeps every room's live state (members, bridge, lock, music)
// for all calls and outlives routing reloads; the Handler runs one caller's stay in a room
// (PIN, count announcement, in-room keys). Members are counted here, never by counting the
// bridge's channels (music and recordings add channels of their own).
package conference

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// Errors of the Manager's operations.
var (
	ErrFull      = errors.New("the room is full")
	ErrLocked    = errors.New("the room is locked")
	ErrNoRoom    = errors.New("no such room")
	ErrNoMember  = errors.New("no such member in the room")
	ErrRoomTaken = errors.New("a room of that name exists")
	ErrNoARI     = errors.New("no ARI connection yet")
	// ErrSamePINs refuses a room whose admin PIN is its PIN: every caller typing the PIN
	// would enter as an admin (the routing file refuses it too).
	ErrSamePINs = errors.New("admin_pin must differ from pin")
)

// BridgeType makes the mixing bridges report the members' keys as ChannelDtmfReceived.
const BridgeType = "mixing,dtmf_events"

// Member is what the admin API shows of a room's member.
type Member struct {
	Channel string    `json:"channel" xml:"channel"`
	CallID  string    `json:"call_id" xml:"call_id"`
	Caller  string    `json:"caller" xml:"caller"`                 // the caller ID's number; a phone invited in: its endpoint
	Name    string    `json:"name,omitempty" xml:"name,omitempty"` // the caller ID's name
	Joined  time.Time `json:"joined" xml:"joined"`
	Muted   bool      `json:"muted" xml:"muted"`
	Admin   bool      `json:"admin" xml:"admin"`
}

// RoomInfo is what the admin API shows of a room.
type RoomInfo struct {
	XMLName    struct{} `json:"-" xml:"room"`
	Name       string   `json:"name" xml:"name"`
	MaxMembers int      `json:"max_members" xml:"max_members"`
	Locked     bool     `json:"locked" xml:"locked"`
	AllMuted   bool     `json:"all_muted" xml:"all_muted"` // the admin's key 5: members other than admins muted
	Runtime    bool     `json:"runtime" xml:"runtime"`     // created through the API, not in the routing file
	Bridge     string   `json:"bridge,omitempty" xml:"bridge,omitempty"`
	Recording  string   `json:"recording,omitempty" xml:"recording,omitempty"`
	Members    []Member `json:"members" xml:"member"` // in XML, one <member> each
}

// member is one caller in a room; wake tells its call's goroutine to look at kicked.
type member struct {
	Member
	wake     chan struct{}
	kicked   bool
	inBridge bool
}

// room is one room's live state; it exists while it has members.
type room struct {
	cfg       config.Room
	bridge    string // "" until the first member enters
	members   []*member
	locked    bool
	allMuted  bool
	moh       bool
	recording string
	recMeta   recordings.Meta // the recording's sidecar, but its duration: who opened the room, when
}

// Manager is the rooms' live state, shared by every call and the admin API.
type Manager struct {
	log zerolog.Logger

	mu      sync.Mutex
	client  *ari.Client
	rooms   map[string]*room       // live rooms by name
	runtime map[string]config.Room // rooms created at run time
	seq     int
}

// NewManager makes the rooms' state. The ARI connection comes with the first call (Attach).
func NewManager(log zerolog.Logger) *Manager {
	return &Manager{log: log, rooms: map[string]*room{}, runtime: map[string]config.Room{}}
}

// Attach gives the manager the ARI connection calls run on; the latest one wins.
func (m *Manager) Attach(c *ari.Client) {
	m.mu.Lock()
	m.client = c
	m.mu.Unlock()
}

// Create adds a room at run time (the seed's "create a conference"). Its settings are
// those of a routing file's room; the name must not be taken, and an admin PIN must
// differ from the PIN (ErrSamePINs).
func (m *Manager) Create(cfg config.Room, file map[string]config.Room) error {
	if cfg.Name == "" {
		return errors.New("conference: a room needs a name")
	}
	if cfg.PIN != "" && cfg.PIN == cfg.AdminPIN {
		return ErrSamePINs
	}
	if cfg.MaxMembers <= 0 {
		cfg.MaxMembers = 5
	}
	if cfg.MusicClass == "" {
		cfg.MusicClass = "default"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := file[cfg.Name]; ok {
		return fmt.Errorf("%w: %q", ErrRoomTaken, cfg.Name)
	}
	if _, ok := m.runtime[cfg.Name]; ok {
		return fmt.Errorf("%w: %q", ErrRoomTaken, cfg.Name)
	}
	m.runtime[cfg.Name] = cfg
	return nil
}

// Runtime returns a room created at run time.
func (m *Manager) Runtime(name string) (config.Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg, ok := m.runtime[name]
	return cfg, ok
}

// Rooms lists the rooms that have members, and the run-time rooms, by name.
func (m *Manager) Rooms() []RoomInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []RoomInfo{}
	for name, r := range m.rooms {
		_, rt := m.runtime[name]
		out = append(out, r.info(rt))
	}
	for name, cfg := range m.runtime {
		if _, live := m.rooms[name]; !live {
			out = append(out, RoomInfo{Name: name, MaxMembers: cfg.MaxMembers, Runtime: true, Members: []Member{}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Room returns one room's state; a room without members is found only when it was
// created at run time.
func (m *Manager) Room(name string) (RoomInfo, error) {
	for _, r := range m.Rooms() {
		if r.Name == name {
			return r, nil
		}
	}
	return RoomInfo{}, fmt.Errorf("%w: %q", ErrNoRoom, name)
}

// Members is how many members a room has.
func (m *Manager) Members(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.rooms[name]; ok {
		return len(r.members)
	}
	return 0
}

func (r *room) info(runtime bool) RoomInfo {
	ri := RoomInfo{Name: r.cfg.Name, MaxMembers: r.cfg.MaxMembers, Locked: r.locked, AllMuted: r.allMuted, Runtime: runtime,
		Bridge: r.bridge, Recording: r.recording, Members: make([]Member, 0, len(r.members))}
	for _, mb := range r.members {
		ri.Members = append(ri.Members, mb.Member)
	}
	return ri
}

// switches is the room's switches.
func (r *room) switches() Switches { return Switches{Locked: r.locked, AllMuted: r.allMuted} }

func (r *room) find(channel string) *member {
	for _, mb := range r.members {
		if mb.Channel == channel {
			return mb
		}
	}
	return nil
}

// live returns a live room, or ErrNoRoom; the lock is held.
func (m *Manager) live(name string) (*room, error) {
	r, ok := m.rooms[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q has no members", ErrNoRoom, name)
	}
	return r, nil
}

// Kick makes a member leave: it hears conf-kicked and is hung up.
func (m *Manager) Kick(name, channel string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.live(name)
	if err != nil {
		return err
	}
	mb := r.find(channel)
	if mb == nil {
		return fmt.Errorf("%w: %s", ErrNoMember, channel)
	}
	mb.kicked = true
	select {
	case mb.wake <- struct{}{}:
	default:
	}
	m.log.Info().Str("room", name).Str("channel", channel).Msg("member kicked")
	return nil
}

// Mute stops (or with on false, lets again) a member's voice reach the room.
func (m *Manager) Mute(ctx context.Context, name, channel string, on bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.live(name)
	if err != nil {
		return err
	}
	mb := r.find(channel)
	if mb == nil {
		return fmt.Errorf("%w: %s", ErrNoMember, channel)
	}
	return m.mute(ctx, mb, on)
}

// mute changes one member's mute; the lock is held.
func (m *Manager) mute(ctx context.Context, mb *member, on bool) error {
	if m.client == nil {
		return ErrNoARI
	}
	var err error
	if on {
		err = m.client.Channels.Mute(ctx, mb.Channel, ari.DirectionIn)
	} else {
		err = m.client.Channels.Unmute(ctx, mb.Channel, ari.DirectionIn)
	}
	if err != nil {
		return fmt.Errorf("conference: mute %s: %w", mb.Channel, err)
	}
	mb.Muted = on
	if err := m.client.Channels.SetVar(ctx, mb.Channel, MutedVar, map[bool]string{true: "1", false: "0"}[on]); err != nil {
		m.log.Warn().Err(err).Str("channel", mb.Channel).Msg("a member taken back after a restart of the app would not know its mute")
	}
	return nil
}

// Lock closes (or with on false, opens) a room to new members other than admins.
func (m *Manager) Lock(ctx context.Context, name string, on bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.live(name)
	if err != nil {
		return err
	}
	r.locked = on
	m.log.Info().Str("room", name).Bool("locked", on).Msg("room lock")
	m.keepSwitches(ctx, r, r.members...)
	return nil
}

// MuteAll mutes (or unmutes) every member who is not an admin; it returns whether the
// room is now muted.
func (m *Manager) MuteAll(ctx context.Context, name string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.live(name)
	if err != nil {
		return false, err
	}
	r.allMuted = !r.allMuted
	var errs []error
	for _, mb := range r.members {
		if !mb.Admin {
			errs = append(errs, m.mute(ctx, mb, r.allMuted))
		}
	}
	m.keepSwitches(ctx, r, r.members...)
	return r.allMuted, errors.Join(errs...)
}

// LastJoined is the channel of the member who joined last, other than except; "" if none.
func (m *Manager) LastJoined(name, except string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[name]
	if !ok {
		return ""
	}
	for i := len(r.members) - 1; i >= 0; i-- {
		if r.members[i].Channel != except {
			return r.members[i].Channel
		}
	}
	return ""
}
