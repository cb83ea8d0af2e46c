package conference

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// Call is what a room needs of a call; *call.Call has it.
type Call interface {
	ID() string
	ChannelID() string
	Caller() (number, name string)
	Logger() *zerolog.Logger
	Answer(ctx context.Context) error
	Play(ctx context.Context, interrupt bool, media ...string) (bool, error)
	ReadDigits(ctx context.Context, max int, terminators string, timeout time.Duration) (string, bool, error)
	WaitKey(ctx context.Context, wake <-chan struct{}) (string, bool, error)
	SetConferenceState(room, bridgeID string)
}

// The keys in a room. Any other key plays conf-errormenu.
const (
	KeyMute    = "1" // mute or unmute yourself
	KeyCount   = "2" // hear how many others are in the room
	KeyLeave   = "3" // leave the room
	KeyLock    = "4" // admins: lock or unlock the room
	KeyMuteAll = "5" // admins: mute or unmute every member who is not an admin
	KeyKick    = "6" // admins: kick the member who joined last
)

// PINAttempts is how many PINs a caller may try before being hung up.
const PINAttempts = 3

// Deps are what the rooms use beyond the routing file.
type Deps struct {
	Manager *Manager         // required: the rooms' shared state
	Now     func() time.Time // the clock for recording names
}

// Handler runs callers through the rooms of one routing file.
type Handler struct {
	rooms  map[string]config.Room
	deps   Deps
	namer  recordings.Namer
	format string
	lang   string // sounds.language: the join and leave sounds' language
	recDir string // recordings.directory: where a recorded room's sidecar goes
}

// New builds the rooms of a routing file.
func New(file *config.File, deps Deps) (*Handler, error) {
	if deps.Manager == nil {
		return nil, errors.New("conference: a manager is required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	loc, err := time.LoadLocation(file.Timezone)
	if err != nil {
		return nil, fmt.Errorf("conference: time zone %q: %w", file.Timezone, err)
	}
	return &Handler{
		rooms: file.Rooms, deps: deps, format: file.Recordings.Format, lang: file.Sounds.Language, recDir: file.Recordings.Directory,
		namer: recordings.Namer{Pattern: file.Recordings.Name, Prefix: file.Recordings.Prefix, Location: loc},
	}, nil
}

// room is room name's settings: the routing file's, or those of a room created at run time.
func (h *Handler) room(name string) (config.Room, bool) {
	if cfg, ok := h.rooms[name]; ok {
		return cfg, true
	}
	return h.deps.Manager.Runtime(name)
}

// Rooms are the routing file's rooms, for the admin API's create (names must differ).
func (h *Handler) Rooms() map[string]config.Room { return h.rooms }

// CountPrompt is what a member hears of how many others are in the room, as ConfBridge
// says it: alone, one other, or N others.
func CountPrompt(others int) []string {
	switch {
	case others <= 0:
		return []string{"sound:conf-onlyperson"}
	case others == 1:
		return []string{"sound:conf-onlyone"}
	default:
		return []string{"sound:conf-thereare", fmt.Sprintf("number:%d", others), "sound:conf-otherinparty"}
	}
}

// Serve runs a caller's stay in room name: PIN, seat (or conf-full / conf-locked), the
// count, then the room's keys until the caller leaves, hangs up or is kicked.
func (h *Handler) Serve(ctx context.Context, c Call, name string) error {
	number, callerName := c.Caller()
	return h.serve(ctx, c, name, number, callerName)
}

// ServeInvited is Serve for a phone the admin rang into the room at endpoint: its caller
// ID is the room's name, the same for every phone invited, so the room lists it by
// endpoint.
func (h *Handler) ServeInvited(ctx context.Context, c Call, name, endpoint string) error {
	return h.serve(ctx, c, name, endpoint, "")
}

// serve is Serve with the member listed as number and callerName.
func (h *Handler) serve(ctx context.Context, c Call, name, number, callerName string) error {
	m := h.deps.Manager
	cfg, ok := h.room(name)
	if !ok {
		return fmt.Errorf("conference: no room %q", name)
	}
	log := c.Logger().With().Str("room", name).Logger()
	if err := c.Answer(ctx); err != nil {
		return err
	}
	admin, ok, err := askPIN(ctx, c, cfg)
	if err != nil || !ok {
		if err == nil {
			log.Warn().Msg("wrong PIN too many times")
			_, err = c.Play(ctx, false, "sound:vm-goodbye")
		}
		return err
	}
	seat, err := m.Reserve(cfg, Member{Channel: c.ChannelID(), CallID: c.ID(), Caller: number, Name: callerName, Admin: admin})
	switch {
	case errors.Is(err, ErrFull):
		log.Info().Int("max", cfg.MaxMembers).Msg("room full: caller refused")
		_, err = c.Play(ctx, false, "sound:conf-full")
		return err
	case errors.Is(err, ErrLocked):
		log.Info().Msg("room locked: caller refused")
		_, err = c.Play(ctx, false, "sound:conf-locked")
		return err
	case err != nil:
		return err
	}
	seat.lang = h.lang
	defer h.leave(ctx, c, seat)
	if cfg.AnnounceCount {
		if _, err := c.Play(ctx, false, CountPrompt(seat.Others())...); err != nil {
			return err
		}
	}
	num, _ := c.Caller()
	rec := ""
	if cfg.Record {
		rec = h.namer.Name(cfg.Name, num, c.ID(), h.deps.Now())
	}
	bridge, err := m.Enter(ctx, seat, rec, h.format)
	if err != nil {
		return err
	}
	if opened := seat.Opened(); opened != nil && h.recDir != "" {
		sidecar := recordings.CallSidecar{Dir: h.recDir, Log: *c.Logger(), Meta: *opened}
		sidecar.Begin(opened.Name, opened.Start)
	}
	c.SetConferenceState(name, bridge)
	return h.keys(ctx, c, name, seat, admin)
}

// keys serves the member's keys until they leave.
func (h *Handler) keys(ctx context.Context, c Call, name string, seat *Seat, admin bool) error {
	m := h.deps.Manager
	for {
		key, woke, err := c.WaitKey(ctx, seat.Wake())
		if err != nil {
			return err
		}
		if woke {
			if seat.Kicked(m) {
				c.Logger().Info().Str("room", name).Msg("kicked out of the room")
				_, err := c.Play(ctx, false, "sound:conf-kicked")
				return err
			}
			continue
		}
		var say []string
		switch {
		case key == KeyMute:
			muted := !seat.Muted(m)
			if err := m.Mute(ctx, name, c.ChannelID(), muted); err != nil {
				return err
			}
			say = []string{map[bool]string{true: "sound:conf-muted", false: "sound:conf-unmuted"}[muted]}
		case key == KeyCount:
			say = CountPrompt(m.Members(name) - 1)
		case key == KeyLeave:
			_, err := c.Play(ctx, false, "sound:vm-goodbye")
			return err
		case admin && key == KeyLock:
			locked := !h.locked(name)
			if err := m.Lock(ctx, name, locked); err != nil {
				return err
			}
			say = []string{map[bool]string{true: "sound:conf-lockednow", false: "sound:conf-unlockednow"}[locked]}
		case admin && key == KeyMuteAll:
			all, err := m.MuteAll(ctx, name)
			if err != nil {
				c.Logger().Warn().Err(err).Msg("mute all")
			}
			say = []string{map[bool]string{true: "sound:conf-now-muted", false: "sound:conf-now-unmuted"}[all]}
		case admin && key == KeyKick:
			last := m.LastJoined(name, c.ChannelID())
			if last == "" || m.Kick(name, last) != nil {
				say = []string{"sound:conf-errormenu"}
			} else {
				say = []string{"sound:conf-kicked"}
			}
		default:
			say = []string{"sound:conf-errormenu"}
		}
		if _, err := c.Play(ctx, true, say...); err != nil {
			return err
		}
	}
}

func (h *Handler) locked(name string) bool {
	info, err := h.deps.Manager.Room(name)
	return err == nil && info.Locked
}

// askPIN asks for the room's PIN when it has one (or an admin PIN): the admin PIN makes
// an admin; without a user PIN, any other entry (even none) enters as a user. It reports
// false after PINAttempts wrong PINs.
func askPIN(ctx context.Context, c Call, cfg config.Room) (admin, ok bool, err error) {
	if cfg.PIN == "" && cfg.AdminPIN == "" {
		return false, true, nil
	}
	for range PINAttempts {
		if _, err := c.Play(ctx, true, "sound:conf-getpin"); err != nil {
			return false, false, err
		}
		pin, _, err := c.ReadDigits(ctx, 16, "#", 6*time.Second)
		if err != nil {
			return false, false, err
		}
		switch {
		case cfg.AdminPIN != "" && pin == cfg.AdminPIN:
			return true, true, nil
		case cfg.PIN == "" || pin == cfg.PIN:
			return false, true, nil
		}
		if _, err := c.Play(ctx, false, "sound:conf-invalidpin"); err != nil {
			return false, false, err
		}
	}
	return false, false, nil
}

// leave gives the member's seat back (Manager.Leave); the last one out of a recorded room
// writes the recording's sidecar, as a recorded call's.
func (h *Handler) leave(ctx context.Context, c Call, seat *Seat) {
	rec := h.deps.Manager.Leave(context.WithoutCancel(ctx), seat)
	if rec == nil || h.recDir == "" {
		return
	}
	sidecar := recordings.CallSidecar{Dir: h.recDir, Log: *c.Logger(), Meta: *rec}
	sidecar.End(true, time.Duration(rec.Duration*float64(time.Second)))
}
