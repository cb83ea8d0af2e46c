package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/app/call"
)

// callList is the live calls.
type callList struct {
	XMLName struct{}   `json:"-" xml:"calls"`
	Calls   []callInfo `json:"calls" xml:"call"`
}

// callInfo is one live call, as `core show channels concise` gave it.
type callInfo struct {
	ID        string    `json:"id" xml:"id"`
	Channel   string    `json:"channel" xml:"channel"`
	Caller    string    `json:"caller" xml:"caller"`
	Exten     string    `json:"exten" xml:"exten"`
	State     string    `json:"state" xml:"state"`
	Started   time.Time `json:"started" xml:"started"`
	Seconds   int       `json:"duration_seconds" xml:"duration_seconds"`
	Bridge    string    `json:"bridge,omitempty" xml:"bridge,omitempty"`
	Recording string    `json:"recording,omitempty" xml:"recording,omitempty"`
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	write(w, r, http.StatusOK, callList{Calls: s.liveCalls(r.Context())})
}

// liveCalls are the app's calls, then the callers it handed to Asterisk's Dial (should
// Asterisk not say which, they are logged and left out).
func (s *Server) liveCalls(ctx context.Context) []callInfo {
	out := []callInfo{}
	for _, c := range s.deps.App.Calls() {
		out = append(out, snapshotInfo(c))
	}
	inDial, err := s.deps.App.CallsInDial(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("admin: the calls in Asterisk's Dial are left out of the list")
	}
	for _, c := range inDial {
		out = append(out, snapshotInfo(c))
	}
	return out
}

// snapshotInfo describes a live call; its duration is real elapsed time (Deps.Now is the
// office's clock, for hours and absence, which tests may set to another day).
func snapshotInfo(c call.Snapshot) callInfo {
	return callInfo{ID: c.ID, Channel: c.Channel, Caller: c.Caller, Exten: c.Exten, State: c.State,
		Started: c.Started, Seconds: int(time.Since(c.Started).Seconds()), Bridge: c.Bridge, Recording: c.Recording}
}

// ringRequest is what rings a phone: an originate's and an invitation's.
type ringRequest struct {
	Endpoint string `json:"endpoint"`
	CallerID string `json:"caller_id"`
	Timeout  int    `json:"timeout_seconds"`
}

// valid refuses, with a 400 naming the field, a bad endpoint or timeout.
func (q ringRequest) valid(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case !validEndpoint(q.Endpoint):
		writeError(w, r, http.StatusBadRequest, "endpoint", "endpoint must be TECH/resource, e.g. PJSIP/2000")
		return false
	case q.Timeout < 0 || q.Timeout > 600:
		writeError(w, r, http.StatusBadRequest, "timeout_seconds", "timeout_seconds must be between 0 and 600")
		return false
	}
	return true
}

// ringFor is how long the phone rings; 0 is the app's default.
func (q ringRequest) ringFor() time.Duration { return time.Duration(q.Timeout) * time.Second }

type originateRequest struct {
	ringRequest
	Exten string `json:"exten"`
}

// originated answers an originate.
type originated struct {
	XMLName struct{} `json:"-" xml:"originated"`
	Channel string   `json:"channel" xml:"channel"`
}

func (s *Server) originate(w http.ResponseWriter, r *http.Request) {
	var req originateRequest
	if !decode(w, r, &req) {
		return
	}
	if !req.valid(w, r) {
		return
	}
	if !validDial(req.Exten) {
		writeError(w, r, http.StatusBadRequest, "exten", "exten must be a number of 0-9, * and #")
		return
	}
	id, err := s.deps.App.Originate(r.Context(), req.Endpoint, req.Exten, req.CallerID, req.ringFor())
	if err != nil {
		writeAppError(w, r, err, numberOr(err, "endpoint")) // else Asterisk refused to ring it
		return
	}
	s.changed(r, "originate %s -> %s (channel %s)", req.Endpoint, req.Exten, id)
	write(w, r, http.StatusAccepted, originated{Channel: id})
}

// numberOr names the field at fault in a call's error: exten when the routing file has no
// such number, else field.
func numberOr(err error, field string) string {
	if errors.Is(err, app.ErrUnknownNumber) {
		return "exten"
	}
	return field
}

type redirectRequest struct {
	Exten string `json:"exten"`
}

func (s *Server) redirect(w http.ResponseWriter, r *http.Request) {
	var req redirectRequest
	if !decode(w, r, &req) {
		return
	}
	if !validDial(req.Exten) {
		writeError(w, r, http.StatusBadRequest, "exten", "exten must be a number of 0-9, * and #")
		return
	}
	ch := r.PathValue("channel")
	if err := s.deps.App.Redirect(r.Context(), ch, req.Exten); err != nil {
		writeAppError(w, r, err, numberOr(err, "channel"))
		return
	}
	s.changed(r, "redirect %s -> %s", ch, req.Exten)
	write(w, r, http.StatusAccepted, status{Status: "redirected"})
}

func (s *Server) hangup(w http.ResponseWriter, r *http.Request) {
	ch := r.PathValue("channel")
	if err := s.deps.App.Hangup(r.Context(), ch, ""); err != nil {
		writeAppError(w, r, err, "channel")
		return
	}
	s.changed(r, "hang up %s", ch)
	write(w, r, http.StatusOK, status{Status: "hung up"})
}

// validEndpoint accepts TECH/resource with no spaces or control characters.
func validEndpoint(s string) bool {
	tech, res, ok := strings.Cut(s, "/")
	return ok && tech != "" && res != "" && len(s) <= 128 && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// validDial accepts a dial string of 0-9, * and #.
func validDial(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '*' && r != '#' {
			return false
		}
	}
	return true
}
