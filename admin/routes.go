package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/notify"
)

// App is what the API needs of the running application (*app.App).
type App interface {
	Calls() []call.Snapshot
	CallsInDial(ctx context.Context) ([]call.Snapshot, error)
	Total() uint64
	Refusals() app.Refusals
	Connected() bool
	Routing() *app.Routing
	Originate(ctx context.Context, endpoint, exten, callerID string, timeout time.Duration) (string, error)
	Invite(ctx context.Context, endpoint, room, callerID string, timeout time.Duration) (string, error)
	Redirect(ctx context.Context, channelID, exten string) error
	Hangup(ctx context.Context, channelID, reason string) error
}

// Absences is the absence-mode store.
type Absences interface {
	Get(exten string) (absence.State, error)
	Set(exten string, on bool, by string, at, until time.Time) (absence.State, error)
	List() ([]absence.State, error)
}

// Deps are the parts of the running process the API reads and drives.
type Deps struct {
	App          App
	Absence      Absences
	ReloadModule func(ctx context.Context, module string) error // Asterisk's module reload (ari.AsteriskService)
	Reload       func() error                                   // re-read the routing file; config.Problems when refused
	// RestartNeeded, optional, names the current file's settings that wait for a restart
	// (changed since the start; a reload cannot apply them): the reload answer lists them.
	RestartNeeded func() []string
	Restart       func()              // graceful restart of the app (drain, then exit for the supervisor to start it again)
	NotifyStats   func() notify.Stats // optional
	Queues        Queues              // optional: the queues' live state
	Voicemail     Voicemail           // optional: the voicemail service
	Rooms         Rooms               // optional: the conference rooms
	Now           func() time.Time
}

func (d *Deps) check() error {
	if d.App == nil || d.Absence == nil || d.Reload == nil || d.ReloadModule == nil {
		return errors.New("admin: App, Absence, Reload and ReloadModule are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return nil
}

// route is one entry of the API, and of its OpenAPI document.
type route struct {
	method, pattern, summary string
	public                   bool
	request                  string // the JSON body it takes, for the OpenAPI document
	handler                  http.Handler
}

// routes is the API: the mux and /api/openapi.json are both made from it.
func (s *Server) routes() []route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []route{
		{method: "GET", pattern: "/healthz", summary: "the process answers", public: true, handler: h(s.health)},
		{method: "GET", pattern: "/readyz", summary: "ARI connected and a routing file loaded", public: true, handler: h(s.ready)},
		{method: "GET", pattern: "/metrics", summary: "Prometheus metrics", handler: s.metrics.handler()},
		{method: "GET", pattern: "/api/openapi.json", summary: "this document", handler: h(s.openAPI)},
		{method: "GET", pattern: "/api/calls", summary: "live calls (core show channels concise)", handler: h(s.listCalls)},
		{method: "POST", pattern: "/api/calls/originate", summary: "ring an endpoint, then route it to a number (channel originate)", request: `{"endpoint":"PJSIP/2000","exten":"1000","caller_id":"optional","timeout_seconds":30}`, handler: h(s.originate)},
		{method: "POST", pattern: "/api/calls/{channel}/redirect", summary: "send a live call to a number (channel redirect)", request: `{"exten":"1000"}`, handler: h(s.redirect)},
		{method: "DELETE", pattern: "/api/calls/{channel}", summary: "hang a live call up", handler: h(s.hangup)},
		{method: "GET", pattern: "/api/recordings", summary: "recordings, newest first; ?exten=&from=YYYY-MM-DD&to=YYYY-MM-DD", handler: h(s.listRecordings)},
		{method: "GET", pattern: "/api/recordings/audio/{name...}", summary: "download a recording", handler: h(s.downloadRecording)},
		{method: "DELETE", pattern: "/api/recordings/audio/{name...}", summary: "delete a recording and its sidecar", handler: h(s.deleteRecording)},
		{method: "GET", pattern: "/api/queues", summary: "queues: callers waiting (position, wait) and members (status)", handler: h(s.listQueues)},
		{method: "GET", pattern: "/api/queues/{queue}", summary: "one queue, live", handler: h(s.getQueue)},
		{method: "POST", pattern: "/api/queues/{queue}/members", summary: "member login, logout, pause or unpause", request: `{"member":"PJSIP/4001","action":"pause","reason":"lunch"}`, handler: h(s.memberAction)},
		{method: "GET", pattern: "/api/queues/{queue}/log", summary: "the queue log (entered, connected, abandoned, ...), oldest first; ?limit=200", handler: h(s.queueLog)},
		{method: "GET", pattern: "/api/voicemail/{box}", summary: "a box's messages, oldest first; ?folder=INBOX|Old|Work|Family|Friends|Urgent", handler: h(s.listMessages)},
		{method: "GET", pattern: "/api/voicemail/{box}/{id}/audio", summary: "download a message", handler: h(s.messageAudio)},
		{method: "POST", pattern: "/api/voicemail/{box}/{id}/heard", summary: "mark a message heard (it moves to Old; the lamp follows)", handler: h(s.markHeard)},
		{method: "DELETE", pattern: "/api/voicemail/{box}/{id}", summary: "delete a message (the lamp follows)", handler: h(s.deleteMessage)},
		{method: "GET", pattern: "/api/rooms", summary: "conference rooms and who is in them (caller, joined, muted, admin)", handler: h(s.listRooms)},
		{method: "POST", pattern: "/api/rooms", summary: "create a room at run time", request: `{"name":"Salle_2","max_members":5,"pin":"optional","admin_pin":"optional"}`, handler: h(s.createRoom)},
		{method: "GET", pattern: "/api/rooms/{room}", summary: "one room", handler: h(s.getRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/invite", summary: "ring a phone and put it in the room once it answers", request: `{"endpoint":"PJSIP/2000","caller_id":"optional","timeout_seconds":30}`, handler: h(s.inviteToRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/lock", summary: "lock or unlock a room", request: `{"locked":true}`, handler: h(s.lockRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/members/{channel}/mute", summary: "mute or unmute a member", request: `{"muted":true}`, handler: h(s.muteMember)},
		{method: "DELETE", pattern: "/api/rooms/{room}/members/{channel}", summary: "kick a member", handler: h(s.kickMember)},
		{method: "GET", pattern: "/api/absence", summary: "absence mode of every extension", handler: h(s.listAbsence)},
		{method: "GET", pattern: "/api/absence/{exten}", summary: "absence mode of one extension", handler: h(s.getAbsence)},
		{method: "PUT", pattern: "/api/absence/{exten}", summary: "turn absence on or off", request: `{"on":true,"until":"optional RFC 3339 time"}`, handler: h(s.setAbsence)},
		{method: "GET", pattern: "/api/schedules", summary: "whether each schedule is open now, and until when", handler: h(s.schedules)},
		{method: "POST", pattern: "/api/routing/check", summary: "validate a routing file (the body, YAML)", request: "routing file YAML", handler: h(s.checkRouting)},
		{method: "POST", pattern: "/api/routing/reload", summary: "reload the routing file; a bad one is refused and the old one kept; restart_needed names changed settings only a restart applies", handler: h(s.reloadRouting)},
		{method: "GET", pattern: "/api/routing/simulate", summary: "the path of a call: ?from=2000&to=1000&at=YYYY-MM-DD HH:MM", handler: h(s.simulate)},
		{method: "POST", pattern: "/api/asterisk/reload", summary: "reload an Asterisk module", request: `{"module":"res_pjsip.so"}`, handler: h(s.reloadModule)},
		{method: "POST", pattern: "/api/restart", summary: "graceful restart of ariflow (drain, then exit for the service manager)", handler: h(s.restart)},
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	write(w, r, http.StatusOK, status{Status: "ok"})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	switch {
	case !s.deps.App.Connected():
		write(w, r, http.StatusServiceUnavailable, status{Status: "ARI not connected"})
	case s.deps.App.Routing() == nil:
		write(w, r, http.StatusServiceUnavailable, status{Status: "no routing file"})
	default:
		write(w, r, http.StatusOK, status{Status: "ready"})
	}
}

// status is a one-word answer.
type status struct {
	XMLName struct{} `json:"-" xml:"status"`
	Status  string   `json:"status" xml:"value"`
	Detail  string   `json:"detail,omitempty" xml:"detail,omitempty"`
}

// errStatus maps an app error to an HTTP status; an error of Asterisk's is ariStatus's.
func errStatus(err error) int {
	switch {
	case errors.Is(err, app.ErrNoSuchCall):
		return http.StatusNotFound
	case errors.Is(err, app.ErrUnknownNumber):
		return http.StatusUnprocessableEntity
	}
	return ariStatus(err)
}

func (s *Server) changed(r *http.Request, what string, args ...any) {
	s.log.Info().Str("by", who(r)).Msg("admin: " + fmt.Sprintf(what, args...))
}
