package admin

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/ariflow/ariflow/queue"
)

// Queues is the live state and log of the queues (*queue.Manager).
type Queues interface {
	Queues() []string
	Callers(queue string) ([]queue.CallerState, error)
	Members(queue string) ([]queue.MemberState, error)
	Login(queue, ep string) error
	Logout(queue, ep string) error
	Pause(queue, ep string, paused bool, reason string) error
	Log(queue string, limit int) ([]queue.Entry, error)
}

// queueList is every queue, live.
type queueList struct {
	XMLName struct{}    `json:"-" xml:"queues"`
	Queues  []queueInfo `json:"queues" xml:"queue"`
}

// queueInfo is one queue, live.
type queueInfo struct {
	XMLName struct{}            `json:"-" xml:"queue"`
	Name    string              `json:"name" xml:"name"`
	Callers []queue.CallerState `json:"callers" xml:"caller"`
	Members memberStates        `json:"members" xml:"member"`
}

// memberStates are a queue's members. In XML, as in JSON (omitzero), a member's last_call
// is left out when it never took a call: encoding/xml's omitempty keeps a zero time.
type memberStates []queue.MemberState

// MarshalXML writes one start element (<member>) per member.
func (ms memberStates) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, m := range ms {
		v := struct {
			queue.MemberState
			LastCall *time.Time `xml:"last_call,omitempty"` // shadows MemberState's
		}{MemberState: m}
		if !m.LastCall.IsZero() {
			v.LastCall = &m.LastCall
		}
		if err := e.EncodeElement(v, start); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) queueInfo(name string) (queueInfo, error) {
	callers, err := s.deps.Queues.Callers(name)
	if err != nil {
		return queueInfo{}, err
	}
	members, err := s.deps.Queues.Members(name)
	return queueInfo{Name: name, Callers: callers, Members: members}, err
}

// hasQueues answers 404 when the process has no queue state.
func (s *Server) hasQueues(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Queues == nil {
		writeError(w, r, http.StatusNotFound, "", "no queues in this process")
		return false
	}
	return true
}

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) {
	if !s.hasQueues(w, r) {
		return
	}
	out := queueList{Queues: []queueInfo{}}
	for _, name := range s.deps.Queues.Queues() {
		q, err := s.queueInfo(name)
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, "", err.Error())
			return
		}
		out.Queues = append(out.Queues, q)
	}
	write(w, r, http.StatusOK, out)
}

func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) {
	if !s.hasQueues(w, r) {
		return
	}
	q, err := s.queueInfo(r.PathValue("queue"))
	if err != nil {
		writeError(w, r, queueStatus(err), "queue", err.Error())
		return
	}
	write(w, r, http.StatusOK, q)
}

type memberRequest struct {
	Member string `json:"member"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

func (s *Server) memberAction(w http.ResponseWriter, r *http.Request) {
	if !s.hasQueues(w, r) {
		return
	}
	var req memberRequest
	if !decode(w, r, &req) {
		return
	}
	if !validEndpoint(req.Member) {
		writeError(w, r, http.StatusBadRequest, "member", "member must be an endpoint such as PJSIP/4001")
		return
	}
	name := r.PathValue("queue")
	var err error
	switch req.Action {
	case "login":
		err = s.deps.Queues.Login(name, req.Member)
	case "logout":
		err = s.deps.Queues.Logout(name, req.Member)
	case "pause", "unpause":
		err = s.deps.Queues.Pause(name, req.Member, req.Action == "pause", req.Reason)
	default:
		writeError(w, r, http.StatusBadRequest, "action", "action must be login, logout, pause or unpause")
		return
	}
	if err != nil {
		writeError(w, r, queueStatus(err), "queue", err.Error())
		return
	}
	s.changed(r, "queue %s: %s %s", name, req.Action, req.Member)
	q, _ := s.queueInfo(name)
	write(w, r, http.StatusOK, q)
}

// queueLog is a queue's log, oldest first.
type queueLog struct {
	XMLName struct{}      `json:"-" xml:"log"`
	Entries []queue.Entry `json:"entries" xml:"entry"`
}

func (s *Server) queueLog(w http.ResponseWriter, r *http.Request) {
	if !s.hasQueues(w, r) {
		return
	}
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, r, http.StatusBadRequest, "limit", "limit must be a number from 1 to 10000")
			return
		}
		limit = n
	}
	name := r.PathValue("queue")
	if _, err := s.deps.Queues.Members(name); err != nil {
		writeError(w, r, queueStatus(err), "queue", err.Error())
		return
	}
	entries, err := s.deps.Queues.Log(name, limit)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	if entries == nil {
		entries = []queue.Entry{}
	}
	write(w, r, http.StatusOK, queueLog{Entries: entries})
}

func queueStatus(err error) int {
	if errors.Is(err, queue.ErrUnknownQueue) || errors.Is(err, queue.ErrUnknownMember) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
