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
	"github.com/ariflow/ariflow/schedule"
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
	request                  string  // an example of the body it takes: JSON, or YAML when yamlBody
	yamlBody                 bool    // the body is YAML (a routing file)
	query                    []param // the query parameters it reads
	success                  int     // its status for a good request; 200 when 0
	answer                   string  // the media type of its success; JSON, or XML when asked, when ""
	handler                  http.Handler
}

// param is a query parameter of a route.
type param struct {
	name, about string
	required    bool
}

// routes is the API: the mux and /api/openapi.json are both made from it.
func (s *Server) routes() []route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []route{
		{method: "GET", pattern: "/healthz", summary: "the process answers", public: true, handler: h(s.health)},
		{method: "GET", pattern: "/readyz", summary: "ARI connected and a routing file loaded", public: true, handler: h(s.ready)},
		{method: "GET", pattern: "/metrics", summary: "Prometheus metrics", answer: "text/plain", handler: s.metrics.handler()},
		{method: "GET", pattern: "/api/openapi.json", summary: "this document", answer: "application/json", handler: h(s.openAPI)},
		{method: "GET", pattern: "/api/calls", summary: "live calls (core show channels concise)", handler: h(s.listCalls)},
		{method: "POST", pattern: "/api/calls/originate", summary: "ring an endpoint, then route it to a number (channel originate); caller_id and timeout_seconds (0-600, 0: the app's) are optional", request: `{"endpoint":"PJSIP/2000","exten":"1000","caller_id":"2000","timeout_seconds":30}`, success: http.StatusAccepted, handler: h(s.originate)},
		{method: "POST", pattern: "/api/calls/{channel}/redirect", summary: "send a live call to a number (channel redirect)", request: `{"exten":"1000"}`, success: http.StatusAccepted, handler: h(s.redirect)},
		{method: "DELETE", pattern: "/api/calls/{channel}", summary: "hang a live call up", handler: h(s.hangup)},
		{method: "GET", pattern: "/api/recordings", summary: "recordings, newest first", query: []param{{name: "exten", about: "only the calls to or from this extension"}, {name: "from", about: "first day, YYYY-MM-DD"}, {name: "to", about: "last day, YYYY-MM-DD"}}, handler: h(s.listRecordings)},
		{method: "GET", pattern: "/api/recordings/audio/{name...}", summary: "download a recording", answer: "audio/*", handler: h(s.downloadRecording)},
		{method: "DELETE", pattern: "/api/recordings/audio/{name...}", summary: "delete a recording and its sidecar", handler: h(s.deleteRecording)},
		{method: "GET", pattern: "/api/queues", summary: "queues: callers waiting (position, wait) and members (status)", handler: h(s.listQueues)},
		{method: "GET", pattern: "/api/queues/{queue}", summary: "one queue, live", handler: h(s.getQueue)},
		{method: "POST", pattern: "/api/queues/{queue}/members", summary: "member login, logout, pause or unpause", request: `{"member":"PJSIP/4001","action":"pause","reason":"lunch"}`, handler: h(s.memberAction)},
		{method: "GET", pattern: "/api/queues/{queue}/log", summary: "the queue log (entered, connected, abandoned, ...), oldest first", query: []param{{name: "limit", about: "the last entries, 1 to 10000; 200 when absent"}}, handler: h(s.queueLog)},
		{method: "GET", pattern: "/api/voicemail/{box}", summary: "a box's messages, oldest first", query: []param{{name: "folder", about: "INBOX, Old, Work, Family, Friends or Urgent; every folder when absent"}}, handler: h(s.listMessages)},
		{method: "GET", pattern: "/api/voicemail/{box}/{id}/audio", summary: "download a message", answer: "audio/*", handler: h(s.messageAudio)},
		{method: "POST", pattern: "/api/voicemail/{box}/{id}/heard", summary: "mark a message heard (it moves to Old; the lamp follows)", handler: h(s.markHeard)},
		{method: "DELETE", pattern: "/api/voicemail/{box}/{id}", summary: "delete a message (the lamp follows)", handler: h(s.deleteMessage)},
		{method: "GET", pattern: "/api/rooms", summary: "conference rooms and who is in them (caller, joined, muted, admin)", handler: h(s.listRooms)},
		{method: "POST", pattern: "/api/rooms", summary: "create a room at run time; pin and admin_pin (1 to 16 digits) are optional", request: `{"name":"Salle_2","max_members":5,"pin":"1234","admin_pin":"9876"}`, success: http.StatusCreated, handler: h(s.createRoom)},
		{method: "GET", pattern: "/api/rooms/{room}", summary: "one room", handler: h(s.getRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/invite", summary: "ring a phone and put it in the room once it answers; caller_id and timeout_seconds are optional", request: `{"endpoint":"PJSIP/2000","caller_id":"Salle_1","timeout_seconds":30}`, success: http.StatusAccepted, handler: h(s.inviteToRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/lock", summary: "lock or unlock a room (409 when it has no members)", request: `{"locked":true}`, handler: h(s.lockRoom)},
		{method: "POST", pattern: "/api/rooms/{room}/members/{channel}/mute", summary: "mute or unmute a member", request: `{"muted":true}`, handler: h(s.muteMember)},
		{method: "DELETE", pattern: "/api/rooms/{room}/members/{channel}", summary: "kick a member", handler: h(s.kickMember)},
		{method: "GET", pattern: "/api/absence", summary: "absence mode of every extension", handler: h(s.listAbsence)},
		{method: "GET", pattern: "/api/absence/{exten}", summary: "absence mode of one extension", handler: h(s.getAbsence)},
		{method: "PUT", pattern: "/api/absence/{exten}", summary: "turn absence on or off; until (optional, on: true only) ends it", request: `{"on":true,"until":"2026-12-01T09:00:00+01:00"}`, handler: h(s.setAbsence)},
		{method: "GET", pattern: "/api/schedules", summary: "whether each schedule is open now, and until when", handler: h(s.schedules)},
		{method: "POST", pattern: "/api/routing/check", summary: "validate a routing file (the body); 422 with its problems", request: "asterisk: {url: http://127.0.0.1:8088/ari, username: ariflow, password: secret}\nextensions:\n  \"1000\": {endpoint: PJSIP/1000}\n", yamlBody: true, handler: h(s.checkRouting)},
		{method: "POST", pattern: "/api/routing/reload", summary: "reload the routing file; a bad one is refused (422) and the old one kept; restart_needed names changed settings only a restart applies", handler: h(s.reloadRouting)},
		{method: "GET", pattern: "/api/routing/simulate", summary: "the path of a call", query: []param{{name: "from", about: "the caller, 2000"}, {name: "to", about: "the number dialed, 1000", required: true}, {name: "at", about: "when, in the routing file's time zone: " + schedule.WhenFormats + "; now when absent"}, {name: "digits", about: "keys pressed in menus, in order: 0-9 * #, and t for no key until the timeout (5t1)"}}, handler: h(s.simulate)},
		{method: "POST", pattern: "/api/asterisk/reload", summary: "reload an Asterisk module", request: `{"module":"res_pjsip.so"}`, handler: h(s.reloadModule)},
		{method: "POST", pattern: "/api/restart", summary: "graceful restart of ariflow (drain, then exit for the service manager)", success: http.StatusAccepted, handler: h(s.restart)},
		{method: "GET", pattern: "/api/events", summary: "the admin page's live state (calls, queues, rooms) as server-sent events named state, one a second, until the client or the server goes", answer: "text/event-stream", handler: h(s.events)},
		{method: "GET", pattern: "/api/page/state", summary: "the admin page's live state now: calls, queues, rooms", handler: h(s.pageState)},
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
	case errors.Is(err, app.ErrNotRedirected):
		return http.StatusConflict
	}
	return ariStatus(err)
}

func (s *Server) changed(r *http.Request, what string, args ...any) {
	s.log.Info().Str("by", who(r)).Msg("admin: " + fmt.Sprintf(what, args...))
}
