package admin

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/ivr"
	"github.com/ariflow/ariflow/schedule"
)

// absenceList is every extension's absence mode.
type absenceList struct {
	XMLName struct{}      `json:"-" xml:"absences"`
	Absence []absenceInfo `json:"absence" xml:"absence"`
}

// absenceInfo is one extension's absence mode. Its times are pointers, nil when zero:
// encoding/xml's omitempty keeps a zero time.Time (an XML client read "absent until year 1").
type absenceInfo struct {
	XMLName struct{}   `json:"-" xml:"absence"`
	Exten   string     `json:"exten" xml:"exten"`
	On      bool       `json:"on" xml:"on"`
	By      string     `json:"by,omitempty" xml:"by,omitempty"`
	At      *time.Time `json:"at,omitzero" xml:"at,omitempty"`
	Until   *time.Time `json:"until,omitzero" xml:"until,omitempty"`
}

func infoOf(st absence.State, now time.Time) absenceInfo {
	return absenceInfo{Exten: st.Exten, On: st.ActiveAt(now), By: st.By, At: timeOrNil(st.At), Until: timeOrNil(st.Until)}
}

// timeOrNil is t, or nil when t is zero: a time both JSON and XML leave out.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) listAbsence(w http.ResponseWriter, r *http.Request) {
	now := s.deps.Now()
	stored, err := s.deps.Absence.List()
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	byExten := map[string]absence.State{}
	for _, st := range stored {
		byExten[st.Exten] = st
	}
	out := absenceList{Absence: []absenceInfo{}}
	for exten := range s.deps.App.Routing().File.Extensions {
		st, ok := byExten[exten]
		if !ok {
			st = absence.State{Exten: exten}
		}
		out.Absence = append(out.Absence, infoOf(st, now))
	}
	sort.Slice(out.Absence, func(i, j int) bool { return out.Absence[i].Exten < out.Absence[j].Exten })
	write(w, r, http.StatusOK, out)
}

// extension checks the {exten} of a request names an extension of the routing file.
func (s *Server) extension(w http.ResponseWriter, r *http.Request) (string, bool) {
	exten := r.PathValue("exten")
	if _, ok := s.deps.App.Routing().File.Extensions[exten]; !ok {
		writeError(w, r, http.StatusNotFound, "exten", "no extension "+exten+" in the routing file")
		return "", false
	}
	return exten, true
}

func (s *Server) getAbsence(w http.ResponseWriter, r *http.Request) {
	exten, ok := s.extension(w, r)
	if !ok {
		return
	}
	st, err := s.deps.Absence.Get(exten)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	write(w, r, http.StatusOK, infoOf(st, s.deps.Now()))
}

type absenceRequest struct {
	On    *bool  `json:"on"`
	Until string `json:"until"`
}

func (s *Server) setAbsence(w http.ResponseWriter, r *http.Request) {
	exten, ok := s.extension(w, r)
	if !ok {
		return
	}
	var req absenceRequest
	if !decode(w, r, &req) {
		return
	}
	if req.On == nil {
		writeError(w, r, http.StatusBadRequest, "on", "on (true or false) is required")
		return
	}
	if req.Until != "" && !*req.On {
		writeError(w, r, http.StatusBadRequest, "until", "until only with on: true")
		return
	}
	now := s.deps.Now()
	var until time.Time
	if req.Until != "" {
		t, err := time.Parse(time.RFC3339, req.Until)
		if err != nil || !t.After(now) {
			writeError(w, r, http.StatusBadRequest, "until", "until must be a future RFC 3339 time, e.g. 2026-12-01T09:00:00+01:00")
			return
		}
		until = t
	}
	st, err := s.deps.Absence.Set(exten, *req.On, who(r), now, until)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	s.changed(r, "absence %s on=%v", exten, *req.On)
	write(w, r, http.StatusOK, infoOf(st, now))
}

// scheduleList is what each schedule says now.
type scheduleList struct {
	XMLName   struct{}       `json:"-" xml:"schedules"`
	Schedules []scheduleInfo `json:"schedules" xml:"schedule"`
}

type scheduleInfo struct {
	Name   string     `json:"name" xml:"name"`
	State  string     `json:"state" xml:"state"`
	Reason string     `json:"reason" xml:"reason"`
	Until  *time.Time `json:"until,omitzero" xml:"until,omitempty"` // nil when the state never ends
}

func (s *Server) schedules(w http.ResponseWriter, r *http.Request) {
	routing := s.deps.App.Routing()
	now := s.deps.Now()
	out := scheduleList{Schedules: []scheduleInfo{}}
	for name := range routing.File.Schedules {
		sched, ok := routing.Extensions().Schedule(name)
		if !ok {
			continue
		}
		st := sched.At(now)
		out.Schedules = append(out.Schedules, scheduleInfo{Name: name, State: st.State.String(), Reason: st.Reason, Until: timeOrNil(st.Until)})
	}
	sort.Slice(out.Schedules, func(i, j int) bool { return out.Schedules[i].Name < out.Schedules[j].Name })
	write(w, r, http.StatusOK, out)
}

// problemList answers a routing check or a reload.
type problemList struct {
	XMLName  struct{}  `json:"-" xml:"routing"`
	OK       bool      `json:"ok" xml:"ok"`
	Summary  string    `json:"summary,omitempty" xml:"summary,omitempty"`
	Problems []problem `json:"problems" xml:"problem"`
	// RestartNeeded: after a reload, the settings that changed but apply at the next restart.
	RestartNeeded settingNames `json:"restart_needed,omitempty" xml:"restart_needed,omitempty"`
}

// settingNames are the names of settings: in XML, one <setting> each inside the element,
// which is left out when there are none (a "restart_needed>setting" tag writes an empty
// <restart_needed> even then).
type settingNames []string

// MarshalXML writes the names as <setting> elements in start.
func (s settingNames) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Settings []string `xml:"setting"`
	}{s}, start)
}

type problem struct {
	Line int    `json:"line" xml:"line"`
	Text string `json:"message" xml:"message"`
	Full string `json:"text" xml:"text"` // file:line: what is wrong
}

func problemsOf(err error) []problem {
	var ps config.Problems
	if !errors.As(err, &ps) {
		return []problem{{Text: err.Error(), Full: err.Error()}}
	}
	out := make([]problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, problem{Line: p.Line, Text: p.Msg, Full: p.String()})
	}
	return out
}

func (s *Server) checkRouting(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, r, http.StatusRequestEntityTooLarge, "", "a routing file must be under 1 MiB")
		return
	}
	f, err := config.Parse("posted.yaml", data)
	if err != nil {
		write(w, r, http.StatusUnprocessableEntity, problemList{Problems: problemsOf(err)})
		return
	}
	write(w, r, http.StatusOK, problemList{OK: true, Summary: f.Summary(), Problems: []problem{}})
}

func (s *Server) reloadRouting(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Reload(); err != nil {
		s.log.Warn().Str("by", who(r)).Msg("admin: reload refused, the last good routing file stays")
		write(w, r, http.StatusUnprocessableEntity, problemList{Problems: problemsOf(err)})
		return
	}
	s.changed(r, "reload the routing file")
	answer := problemList{OK: true, Summary: s.deps.App.Routing().File.Summary(), Problems: []problem{}}
	if s.deps.RestartNeeded != nil {
		answer.RestartNeeded = s.deps.RestartNeeded()
	}
	write(w, r, http.StatusOK, answer)
}

// pathSteps is a simulated call.
type pathSteps struct {
	XMLName struct{} `json:"-" xml:"simulation"`
	From    string   `json:"from" xml:"from"`
	To      string   `json:"to" xml:"to"`
	At      string   `json:"at" xml:"at"`
	Steps   []string `json:"steps" xml:"step"`
}

func (s *Server) simulate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	routing := s.deps.App.Routing()
	from, to := q.Get("from"), q.Get("to")
	if !validDial(to) {
		writeError(w, r, http.StatusBadRequest, "to", "to must be a number of 0-9, * and #")
		return
	}
	at := s.deps.Now().In(routing.File.Location())
	if v := q.Get("at"); v != "" {
		t, err := schedule.ParseWhen(v, at)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "at", "at: "+err.Error())
			return
		}
		at = t
	}
	keys := q.Get("digits")
	if err := ivr.CheckKeys(keys); err != nil {
		writeError(w, r, http.StatusBadRequest, "digits", "digits: "+err.Error())
		return
	}
	steps, err := routing.ExplainKeys(from, to, keys, at)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	write(w, r, http.StatusOK, pathSteps{From: from, To: to, At: at.In(routing.File.Location()).Format("Monday 2006-01-02 15:04 MST"), Steps: steps})
}

type moduleRequest struct {
	Module string `json:"module"`
}

func (s *Server) reloadModule(w http.ResponseWriter, r *http.Request) {
	var req moduleRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Module == "" || strings.ContainsAny(req.Module, "/ \t\n") || len(req.Module) > 64 {
		writeError(w, r, http.StatusBadRequest, "module", "module must be a module name such as res_pjsip.so")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := s.deps.ReloadModule(ctx, req.Module); err != nil {
		writeAppError(w, r, err, "module")
		return
	}
	s.changed(r, "reload Asterisk module %s", req.Module)
	write(w, r, http.StatusOK, status{Status: "reloaded", Detail: req.Module})
}

func (s *Server) restart(w http.ResponseWriter, r *http.Request) {
	if s.deps.Restart == nil {
		writeError(w, r, http.StatusNotImplemented, "", "restart is not available in this process")
		return
	}
	s.changed(r, "graceful restart")
	write(w, r, http.StatusAccepted, status{Status: "restarting", Detail: "no new calls; calls in progress may finish; the service manager starts ariflow again"})
	go s.deps.Restart()
}
