// Package queue is the call queue: callers wait with hold music and announcements of
// their place while members are rung by the queue's strategy (the seed's file-attente
// rings every member at once for 20 s). The Manager keeps the live state shared by every
// call and the queue log; the Handler runs one caller's stay in a queue.
package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// Call is what the queue needs of a call; *call.Call has it.
type Call interface {
	ID() string
	Caller() (number, name string)
	Exten() string
	Logger() *zerolog.Logger
	SetState(state string)
	Answer(ctx context.Context) error
	Play(ctx context.Context, interrupt bool, media ...string) (bool, error)
	StartMOH(ctx context.Context, class string) error
	StopMOH(ctx context.Context) error
	Idle(ctx context.Context, d time.Duration, wake <-chan struct{}) (bool, error)
	RingMany(ctx context.Context, opts call.RingOptions) (call.RingResult, error)
	DeviceState(ctx context.Context, device string) (string, error)
}

// Runner performs another action on the same call (the destination after max_wait).
type Runner func(ctx context.Context, a config.Action) error

// Deps are what the handler uses beyond the routing file.
type Deps struct {
	Manager *Manager         // required: the queues' shared state
	Now     func() time.Time // the clock for recording names
}

// Handler runs callers through the queues of one routing file.
type Handler struct {
	queues map[string]config.Queue
	deps   Deps
	namer  recordings.Namer
	recDir string
	format string
}

// New builds the queues of a routing file and hands their member lists to the manager.
func New(file *config.File, deps Deps) (*Handler, error) {
	if deps.Manager == nil {
		return nil, errors.New("queue: a manager is required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	loc, err := time.LoadLocation(file.Timezone)
	if err != nil {
		return nil, fmt.Errorf("queue: time zone %q: %w", file.Timezone, err)
	}
	deps.Manager.Configure(file.Queues)
	return &Handler{
		queues: file.Queues, deps: deps,
		namer:  recordings.Namer{Pattern: file.Recordings.Name, Prefix: file.Recordings.Prefix, Location: loc},
		recDir: file.Recordings.Directory, format: file.Recordings.Format,
	}, nil
}

// Serve runs a caller's stay in queue name until a member took the call and it ended,
// the caller hung up, or the caller was turned away or left (full, empty, max_wait) for
// after_max_wait.
func (h *Handler) Serve(ctx context.Context, c Call, name string, run Runner) error {
	q, ok := h.queues[name]
	if !ok {
		return fmt.Errorf("queue: no queue %q", name)
	}
	m := h.deps.Manager
	number, _ := c.Caller()
	log := c.Logger().With().Str("queue", q.Name).Logger()
	w, pos, err := m.Join(q, c.ID(), number)
	if err != nil {
		log.Info().Err(err).Msg("not queued")
		return h.leave(ctx, c, q, run)
	}
	s := &stay{h: h, c: c, q: q, w: w, log: &log}
	err = s.wait(ctx, pos)
	switch {
	case errors.Is(err, errTimeout):
		m.Leave(w, EvExitWithTimeout, "")
		return h.leave(ctx, c, q, run)
	case errors.Is(err, errEmpty):
		m.Leave(w, EvExitEmpty, "")
		return h.leave(ctx, c, q, run)
	case errors.Is(err, call.ErrHangup):
		m.Leave(w, EvAbandon, "") // no-op once connected
		return err
	case err != nil: // not the caller's doing: Asterisk failed, or the app is stopping
		m.Leave(w, EvExitWithError, err.Error())
		return err
	}
	return nil
}

// leave sends a caller who cannot wait (any more) to after_max_wait, or hangs up: the
// queue was full or empty on joining, emptied (leave_empty), or max_wait passed.
func (h *Handler) leave(ctx context.Context, c Call, q config.Queue, run Runner) error {
	if err := c.StopMOH(ctx); err != nil {
		return err
	}
	if q.AfterMaxWait == nil || run == nil {
		return nil
	}
	return run(ctx, *q.AfterMaxWait)
}

var (
	errTimeout = errors.New("max wait passed")
	errEmpty   = errors.New("no member can take calls")
)

// stay is one caller in one queue.
type stay struct {
	h   *Handler
	c   Call
	q   config.Queue
	w   *Waiter
	log *zerolog.Logger
}

// wait holds the caller until a member took the call and that call ended (nil), or
// max_wait passed (errTimeout), the queue emptied (errEmpty), or the caller left.
func (s *stay) wait(ctx context.Context, pos int) error {
	c, q, m := s.c, s.q, s.h.deps.Manager
	if q.Answer {
		if err := c.Answer(ctx); err != nil {
			return err
		}
	}
	c.SetState("queue " + q.Name)
	var deadline time.Time
	if q.MaxWait > 0 {
		deadline = s.w.Joined.Add(q.MaxWait)
	}
	// As Asterisk (announce_to_first_user off), the caller whose turn it is goes straight
	// to ringing: it is told its place only when it is not first or nobody is free.
	if q.AnnouncePosition && (pos > 1 || !m.CanRing(q, s.unreachable(ctx))) {
		if err := s.announce(ctx, pos); err != nil {
			return err
		}
	}
	if err := c.StartMOH(ctx, q.MusicClass); err != nil {
		return err
	}
	nextAnnounce := time.Now().Add(q.AnnounceEvery)
	next := false // the last member rung was busy or unreachable: ring the next one at once
	for {
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			return errTimeout
		}
		if q.LeaveEmpty && !m.Reachable(q.Name) {
			return errEmpty
		}
		if q.AnnouncePosition && q.AnnounceEvery > 0 && !now.Before(nextAnnounce) {
			if err := s.announce(ctx, m.Position(s.w)); err != nil {
				return err
			}
			if err := c.StartMOH(ctx, q.MusicClass); err != nil {
				return err
			}
			nextAnnounce = time.Now().Add(q.AnnounceEvery)
		}
		pause, wake := time.Duration(0), true // others first: until woken
		if m.MayRing(s.w) {
			pause = q.Retry // nobody free: look again after the retry pause, or when woken
			eps := m.Pick(q, s.w, s.unreachable(ctx), next)
			if len(eps) > 0 {
				done, early, err := s.ring(ctx, eps, deadline)
				if done || err != nil {
					return err
				}
				// As Asterisk's ring_one, a member one at a time that was busy or could
				// not be reached costs no pause: the next one in the round rings now.
				if early && q.Strategy != "ringall" {
					next = true
					continue
				}
			}
			if len(eps) > 0 || next {
				wake = false // nobody answered, or every member of the round was tried: the full retry pause
			}
			next = false
		}
		if err := s.idle(ctx, pause, wake, deadline, nextAnnounce); err != nil {
			return err
		}
	}
}

// unreachable lists the members Asterisk says cannot take a call now: unavailable, or
// already on a call (or ringing) unless the queue rings members in use. A state that
// cannot be read does not keep a member from ringing.
func (s *stay) unreachable(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	for _, ep := range s.h.deps.Manager.MemberList(s.q.Name) { // as Pick: a reload's members too
		st, err := s.c.DeviceState(ctx, ep)
		if err != nil {
			s.log.Debug().Err(err).Str("member", ep).Msg("device state unknown")
			continue
		}
		switch st {
		case ari.DeviceUnavailable, ari.DeviceInvalid:
			out[ep] = true
		case ari.DeviceInUse, ari.DeviceBusy, ari.DeviceRinging, ari.DeviceRingInUse, ari.DeviceOnHold:
			out[ep] = !s.q.RingInUse
		}
	}
	return out
}

// idle waits up to d (0: no limit), or until woken when wake is set, never past the
// deadline or the next announcement.
func (s *stay) idle(ctx context.Context, d time.Duration, wake bool, deadline, nextAnnounce time.Time) error {
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	limits := []time.Time{deadline}
	if s.q.AnnouncePosition && s.q.AnnounceEvery > 0 {
		limits = append(limits, nextAnnounce)
	}
	for _, t := range limits {
		if !t.IsZero() && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	var wait time.Duration
	if !until.IsZero() {
		if wait = time.Until(until); wait <= 0 {
			return nil
		}
	}
	var ch <-chan struct{}
	if wake {
		ch = s.w.Wake()
	}
	_, err := s.c.Idle(ctx, wait, ch)
	return err
}

// ring rings eps for the member timeout (cut short by the deadline). done is true once a
// member took the call and it ended; early when nobody answered because every member
// was busy, declined or could not be reached, before the timeout.
func (s *stay) ring(ctx context.Context, eps []string, deadline time.Time) (done, early bool, err error) {
	c, q, m := s.c, s.q, s.h.deps.Manager
	timeout := q.MemberTimeout
	if !deadline.IsZero() {
		timeout = min(timeout, time.Until(deadline))
	}
	number, name := c.Caller()
	opts := call.RingOptions{Endpoints: eps, Timeout: timeout}
	sidecar := recordings.CallSidecar{Dir: s.h.recDir, Log: *s.log, Meta: recordings.Meta{Format: s.h.format,
		CallID: c.ID(), Caller: number, CallerName: name, Callee: c.Exten()}}
	if q.Record && s.h.recDir != "" {
		opts.RecordName = s.h.namer.Name(c.Exten(), number, c.ID(), s.h.deps.Now())
		opts.RecordFormat = s.h.format
		opts.OnRecording = sidecar.Begin
	}
	opts.OnAnswer = func(ep string) {
		m.Connected(s.w, ep)
		if err := c.StopMOH(ctx); err != nil {
			s.log.Warn().Err(err).Msg("stop hold music")
		}
	}
	c.SetState("queue " + q.Name + ": ringing")
	res, err := c.RingMany(ctx, opts)
	missed := make(map[string]string, len(res.Missed))
	early = err == nil && len(res.Missed) > 0
	for ep, st := range res.Missed {
		missed[ep] = string(st.Status)
		early = early && st.Status != call.DialNoAnswer
	}
	// With a winner, the misses were before the answer (RingMany tells them only now,
	// once the call has ended): they are logged at the answer's time.
	m.Rang(s.w, eps, missed, res.Answered)
	if res.Winner == "" {
		c.SetState("queue " + q.Name)
		return false, early, err
	}
	m.Completed(q, s.w, res.Winner, res.Answered, res.MemberHungUp)
	sidecar.End(res.Recording != "", res.Talk)
	if errors.Is(err, call.ErrHangup) {
		err = nil
	}
	return true, false, err
}

// announce tells the caller its place (and the estimated wait, once there is one),
// pausing the hold music.
func (s *stay) announce(ctx context.Context, pos int) error {
	if pos <= 0 {
		return nil
	}
	if err := s.c.StopMOH(ctx); err != nil {
		return err
	}
	_, err := s.c.Play(ctx, false, Announcement(pos, s.h.deps.Manager.Holdtime(s.q.Name), time.Since(s.w.Joined))...)
	return err
}

// Announcement is what a caller at pos hears after waiting waited, with holdtime the
// queue's average hold time. As Asterisk's say_position, the estimated wait is what is
// left of the average, holdtime + 30 s - waited in whole minutes, said from one minute up.
func Announcement(pos int, holdtime, waited time.Duration) []string {
	var media []string
	if pos == 1 {
		media = []string{"sound:queue-youarenext"}
	} else {
		media = []string{"sound:queue-thereare", fmt.Sprintf("number:%d", pos), "sound:queue-callswaiting"}
	}
	if mins := int((holdtime + 30*time.Second - waited) / time.Minute); mins >= 1 {
		unit := "sound:queue-minutes"
		if mins == 1 {
			unit = "sound:queue-minute"
		}
		media = append(media, "sound:queue-holdtime", fmt.Sprintf("number:%d", mins), unit)
	}
	return media
}
