package conference

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// Seat is a member's place in a room, from Reserve to Leave.
type Seat struct {
	room   string
	m      *member
	others int              // members already there when the seat was taken
	lang   string           // the routing file's sounds.language at the member's call: its join and leave sounds play in it
	opened *recordings.Meta // the room's recording, when this member's entry began it
}

// Opened is the room's recording when the member's entry began it, else nil.
func (s *Seat) Opened() *recordings.Meta { return s.opened }

// Others is how many members were in the room when the seat was taken.
func (s *Seat) Others() int { return s.others }

// Wake is signalled when the manager has news for the member (a kick).
func (s *Seat) Wake() <-chan struct{} { return s.m.wake }

// Kicked reports whether the member was told to leave.
func (s *Seat) Kicked(m *Manager) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.m.kicked
}

// Muted reports whether the member is muted (by a key, mute all or the admin API).
func (s *Seat) Muted(m *Manager) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.m.Muted
}

// Channel is the member's channel.
func (s *Seat) Channel() string { return s.m.Channel }

// Reserve takes a seat in room cfg for a caller, counted at once so that callers joining
// together cannot overfill it. A full (ErrFull) or locked (ErrLocked) room refuses anyone
// but an admin.
func (m *Manager) Reserve(cfg config.Room, who Member) (*Seat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[cfg.Name]
	if !ok {
		r = &room{cfg: cfg}
	}
	r.cfg = cfg // a reloaded routing file's settings apply from the next member on
	if !who.Admin {
		if r.locked {
			return nil, ErrLocked
		}
		if len(r.members) >= r.cfg.MaxMembers {
			return nil, ErrFull
		}
	}
	if who.Joined.IsZero() {
		who.Joined = time.Now()
	}
	mb := &member{Member: who, wake: make(chan struct{}, 1)}
	others := len(r.members)
	r.members = append(r.members, mb)
	m.rooms[cfg.Name] = r
	return &Seat{room: cfg.Name, m: mb, others: others}, nil
}

// Enter puts a seated member's channel into the room's bridge, making the bridge (and its
// recording, under recName when the room records) for the first one. Music plays to a
// member alone and stops when a second enters; others hear the join sound. A member's keys
// reach the app (ChannelDtmfReceived) and are absorbed: the others' phones never get them.
func (m *Manager) Enter(ctx context.Context, s *Seat, recName, format string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[s.room]
	if !ok || r.find(s.m.Channel) == nil {
		return "", fmt.Errorf("%w: %s", ErrNoMember, s.m.Channel)
	}
	if m.client == nil {
		return "", ErrNoARI
	}
	if r.bridge == "" {
		m.seq++
		id := newBridgeID(r.cfg.Name, time.Now().UnixMilli(), m.seq)
		if _, err := m.client.Bridges.Create(ctx, ari.BridgeCreate{ID: id, Type: BridgeType, Name: bridgeNamePrefix + r.cfg.Name}); err != nil {
			if ari.Unanswered(err) { // it may have been made all the same: no room would ever use it
				if derr := m.client.Bridges.Destroy(context.WithoutCancel(ctx), id); derr != nil && !ari.IsNotFound(derr) {
					m.log.Warn().Err(derr).Str("room", r.cfg.Name).Str("bridge", id).Msg("a bridge made without an answer from Asterisk may be left")
				}
			}
			return "", fmt.Errorf("conference: create bridge: %w", err)
		}
		r.bridge = id
		m.log.Info().Str("room", r.cfg.Name).Str("bridge", id).Msg("room opened")
		if r.cfg.Record && recName != "" {
			if r.recording = m.record(ctx, id, recName, format); r.recording != "" {
				r.recMeta = recordings.Meta{Name: r.recording, Format: format, CallID: s.m.CallID,
					Caller: s.m.Caller, CallerName: s.m.Name, Callee: r.cfg.Name, Start: time.Now()}
				opened := r.recMeta
				s.opened = &opened
			}
		}
	}
	if r.allMuted && !s.m.Admin {
		if err := m.mute(ctx, s.m, true); err != nil {
			m.log.Warn().Err(err).Msg("mute a new member of a muted room")
		}
	}
	if err := m.client.Bridges.AddChannel(ctx, r.bridge, ari.AddChannel{Channel: []string{s.m.Channel}, AbsorbDTMF: true}); err != nil {
		return "", fmt.Errorf("conference: enter %s: %w", r.cfg.Name, err)
	}
	if s.m.Admin { // kept by Asterisk, for a restart of the app (WasAdmin)
		if err := m.client.Channels.SetVar(ctx, s.m.Channel, AdminVar, r.cfg.Name); err != nil {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Msg("an admin taken back after a restart of the app would be a plain member")
		}
	}
	if r.switches() != (Switches{}) { // none on: nothing to keep, as on a channel never told
		m.keepSwitches(ctx, r, s.m)
	}
	m.log.Info().Str("room", r.cfg.Name).Str("caller", s.m.Caller).Int("members", len(r.members)).Bool("admin", s.m.Admin).Msg("member joined")
	n := r.entered(s.m)
	m.music(ctx, r, n)
	if n > 1 && r.cfg.JoinSound != "" {
		m.play(ctx, r, r.cfg.JoinSound, s.lang)
	}
	return r.bridge, nil
}

// entered counts the members in the bridge, marking mb as one of them.
func (r *room) entered(mb *member) int {
	mb.inBridge = true
	n := 0
	for _, x := range r.members {
		if x.inBridge {
			n++
		}
	}
	return n
}

// music starts the room's hold music for a member alone and stops it when there are more.
func (m *Manager) music(ctx context.Context, r *room, inBridge int) {
	switch {
	case inBridge == 1 && r.cfg.MusicWhenAlone && !r.moh:
		if err := m.client.Bridges.StartMOH(ctx, r.bridge, r.cfg.MusicClass); err != nil {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Msg("start hold music")
			return
		}
		r.moh = true
	case inBridge != 1 && r.moh:
		// 409 "Bridge isn't playing music": Asterisk stops a bridge's music itself when
		// its last channel leaves (a seat still reserved keeps the room open): stopped.
		if err := m.client.Bridges.StopMOH(ctx, r.bridge); err != nil && !ari.IsNotFound(err) && ari.StatusOf(err) != http.StatusConflict {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Msg("stop hold music")
		}
		r.moh = false
	}
}

// play plays a sound to the whole room, in language lang, without waiting for it.
func (m *Manager) play(ctx context.Context, r *room, media, lang string) {
	m.seq++
	id := fmt.Sprintf("%s-tone-%d", r.bridge, m.seq)
	if _, err := m.client.Bridges.PlayIn(ctx, r.bridge, id, lang, media); err != nil {
		m.log.Warn().Err(err).Str("room", r.cfg.Name).Str("media", media).Msg("play to the room")
	}
}

// record records the bridge under name, or a free variant of it; "" when it cannot.
func (m *Manager) record(ctx context.Context, bridge, name, format string) string {
	if format == "" {
		format = "wav"
	}
	for attempt := range 20 {
		candidate := recordings.Candidate(name, attempt)
		_, err := m.client.Bridges.Record(ctx, bridge, ari.RecordRequest{Name: candidate, Format: format, IfExists: "fail"})
		if err == nil {
			return candidate
		}
		if st := ari.StatusOf(err); st != 409 && st != 422 {
			m.log.Error().Err(err).Str("recording", candidate).Msg("room recording failed to start")
			return ""
		}
	}
	return ""
}

// Leave gives a member's seat back: the channel leaves the bridge (when still there),
// the others hear the leave sound, a member left alone gets music, and the last one out
// closes the room. When that ends the room's recording, rec describes it for its sidecar
// (caller: who opened the room; callee: the room).
func (m *Manager) Leave(ctx context.Context, s *Seat) (rec *recordings.Meta) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[s.room]
	if !ok {
		return nil
	}
	kept := r.members[:0]
	for _, x := range r.members {
		if x != s.m {
			kept = append(kept, x)
		}
	}
	r.members = kept
	m.log.Info().Str("room", r.cfg.Name).Str("caller", s.m.Caller).Int("members", len(r.members)).Msg("member left")
	if m.client == nil || r.bridge == "" {
		if len(r.members) == 0 {
			delete(m.rooms, s.room)
		}
		return nil
	}
	if s.m.inBridge {
		err := m.client.Bridges.RemoveChannel(ctx, r.bridge, s.m.Channel)
		if err != nil && !gone(err) {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Msg("remove a member from the bridge")
		}
	}
	if len(r.members) == 0 {
		if err := m.client.Bridges.Destroy(ctx, r.bridge); err != nil && !ari.IsNotFound(err) {
			m.log.Warn().Err(err).Str("room", r.cfg.Name).Msg("close the room's bridge")
		}
		m.log.Info().Str("room", r.cfg.Name).Msg("room closed")
		delete(m.rooms, s.room)
		if r.recording != "" && !r.recMeta.Start.IsZero() {
			meta := r.recMeta
			meta.Duration = time.Since(meta.Start).Round(time.Millisecond).Seconds()
			return &meta
		}
		return nil
	}
	n := 0
	for _, x := range r.members {
		if x.inBridge {
			n++
		}
	}
	if n > 0 && s.m.inBridge && r.cfg.LeaveSound != "" {
		m.play(ctx, r, r.cfg.LeaveSound, s.lang)
	}
	m.music(ctx, r, n)
	return nil
}

// gone reports an error of a request about a channel that has already left.
func gone(err error) bool {
	st := ari.StatusOf(err)
	return st == 400 || st == 404 || st == 422 || st == 409 || strings.Contains(err.Error(), "not in bridge")
}
