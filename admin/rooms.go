package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
)

// Rooms is the conference rooms' live state (*conference.Manager).
type Rooms interface {
	Rooms() []conference.RoomInfo
	Create(cfg config.Room, file map[string]config.Room) error
	Kick(name, channel string) error
	Mute(ctx context.Context, name, channel string, on bool) error
	Lock(ctx context.Context, name string, on bool) error
}

// roomList is every room: the routing file's, those created at run time, and who is in.
type roomList struct {
	XMLName struct{}              `json:"-" xml:"rooms"`
	Rooms   []conference.RoomInfo `json:"rooms" xml:"room"`
}

func (s *Server) hasRooms(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Rooms == nil {
		writeError(w, r, http.StatusNotFound, "", "no conference rooms in this process")
		return false
	}
	return true
}

// rooms merges the live rooms with the routing file's empty ones.
func (s *Server) rooms() []conference.RoomInfo {
	byName := map[string]conference.RoomInfo{}
	for name, cfg := range s.deps.App.Routing().File.Rooms {
		byName[name] = conference.RoomInfo{Name: name, MaxMembers: cfg.MaxMembers, Members: []conference.Member{}}
	}
	for _, live := range s.deps.Rooms.Rooms() {
		byName[live.Name] = live
	}
	out := make([]conference.RoomInfo, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	if s.hasRooms(w, r) {
		write(w, r, http.StatusOK, roomList{Rooms: s.rooms()})
	}
}

// room finds the {room} of a request among the rooms GET lists, or answers 404.
func (s *Server) room(w http.ResponseWriter, r *http.Request) (conference.RoomInfo, bool) {
	name := r.PathValue("room")
	for _, room := range s.rooms() {
		if room.Name == name {
			return room, true
		}
	}
	writeError(w, r, http.StatusNotFound, "room", "no such room")
	return conference.RoomInfo{}, false
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	if room, ok := s.room(w, r); ok {
		write(w, r, http.StatusOK, room)
	}
}

type createRoomRequest struct {
	Name       string `json:"name"`
	MaxMembers int    `json:"max_members"`
	PIN        string `json:"pin"`
	AdminPIN   string `json:"admin_pin"`
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	var req createRoomRequest
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Name == "" || len(req.Name) > 64 || !safeRoomName(req.Name):
		writeError(w, r, http.StatusBadRequest, "name", "name must be 1 to 64 letters, digits, '_' or '-'")
		return
	case req.MaxMembers < 0 || req.MaxMembers > 100:
		writeError(w, r, http.StatusBadRequest, "max_members", "max_members must be between 1 and 100 (0: 5)")
		return
	}
	for _, pin := range []struct{ field, value string }{{"pin", req.PIN}, {"admin_pin", req.AdminPIN}} {
		if pin.value != "" && !validPIN(pin.value) {
			writeError(w, r, http.StatusBadRequest, pin.field,
				fmt.Sprintf("%s must be 1 to %d digits: callers type it, then #", pin.field, maxPINDigits))
			return
		}
	}
	file := s.deps.App.Routing().File
	cfg := config.Room{Name: req.Name, MaxMembers: req.MaxMembers, PIN: req.PIN, AdminPIN: req.AdminPIN,
		AnnounceCount: true, MusicWhenAlone: true}
	if err := s.deps.Rooms.Create(cfg, file.Rooms); err != nil {
		field := "name"
		if errors.Is(err, conference.ErrSamePINs) {
			field = "admin_pin"
		}
		writeError(w, r, roomStatus(err), field, err.Error())
		return
	}
	s.changed(r, "create room %s", req.Name)
	write(w, r, http.StatusCreated, status{Status: "created", Detail: req.Name})
}

// inviteToRoom rings a phone into a room, the routing file's or one created at run time:
// the seed's way of gathering a conference from the admin page.
func (s *Server) inviteToRoom(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	info, ok := s.room(w, r)
	if !ok {
		return
	}
	room := info.Name
	var req ringRequest
	if !decode(w, r, &req) || !req.valid(w, r) {
		return
	}
	id, err := s.deps.App.Invite(r.Context(), req.Endpoint, room, req.CallerID, req.ringFor())
	if err != nil {
		writeAppError(w, r, err, "endpoint")
		return
	}
	s.changed(r, "invite %s into room %s (channel %s)", req.Endpoint, room, id)
	write(w, r, http.StatusAccepted, originated{Channel: id})
}

// maxPINDigits is the longest PIN a caller can type: a room reads at most 16 digits, ended
// by #.
const maxPINDigits = 16

// validPIN accepts 1 to maxPINDigits digits.
func validPIN(s string) bool {
	return len(s) >= 1 && len(s) <= maxPINDigits && strings.Trim(s, "0123456789") == ""
}

func safeRoomName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

type lockRequest struct {
	Locked *bool `json:"locked"`
}

func (s *Server) lockRoom(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	var req lockRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Locked == nil {
		writeError(w, r, http.StatusBadRequest, "locked", "locked (true or false) is required")
		return
	}
	room, ok := s.room(w, r)
	if !ok {
		return
	}
	if len(room.Members) == 0 { // the manager keeps no state for an empty room
		what := "lock"
		if !*req.Locked {
			what = "unlock"
		}
		writeError(w, r, http.StatusConflict, "room", "the room has no members: nothing to "+what)
		return
	}
	name := room.Name
	if err := s.deps.Rooms.Lock(r.Context(), name, *req.Locked); err != nil {
		writeError(w, r, roomStatus(err), "room", err.Error())
		return
	}
	s.changed(r, "room %s locked=%v", name, *req.Locked)
	write(w, r, http.StatusOK, status{Status: "ok"})
}

type muteRequest struct {
	Muted *bool `json:"muted"`
}

func (s *Server) muteMember(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	var req muteRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Muted == nil {
		writeError(w, r, http.StatusBadRequest, "muted", "muted (true or false) is required")
		return
	}
	name, ch := r.PathValue("room"), r.PathValue("channel")
	if err := s.deps.Rooms.Mute(r.Context(), name, ch, *req.Muted); err != nil {
		writeError(w, r, roomStatus(err), "channel", err.Error())
		return
	}
	s.changed(r, "room %s: %s muted=%v", name, ch, *req.Muted)
	write(w, r, http.StatusOK, status{Status: "ok"})
}

func (s *Server) kickMember(w http.ResponseWriter, r *http.Request) {
	if !s.hasRooms(w, r) {
		return
	}
	name, ch := r.PathValue("room"), r.PathValue("channel")
	if err := s.deps.Rooms.Kick(name, ch); err != nil {
		writeError(w, r, roomStatus(err), "channel", err.Error())
		return
	}
	s.changed(r, "room %s: kick %s", name, ch)
	write(w, r, http.StatusOK, status{Status: "kicked"})
}

func roomStatus(err error) int {
	switch {
	case errors.Is(err, conference.ErrNoRoom), errors.Is(err, conference.ErrNoMember):
		return http.StatusNotFound
	case errors.Is(err, conference.ErrRoomTaken):
		return http.StatusConflict
	case errors.Is(err, conference.ErrSamePINs):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
