package admin

import (
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ariflow/ariflow/recordings"
)

// recordingList is the recordings, newest first.
type recordingList struct {
	XMLName    struct{}        `json:"-" xml:"recordings"`
	Recordings []recordingInfo `json:"recordings" xml:"recording"`
}

type recordingInfo struct {
	Name     string    `json:"name" xml:"name"`
	Format   string    `json:"format" xml:"format"`
	Size     int64     `json:"size" xml:"size"`
	Start    time.Time `json:"start" xml:"start"`
	Caller   string    `json:"caller,omitempty" xml:"caller,omitempty"`
	Callee   string    `json:"callee,omitempty" xml:"callee,omitempty"`
	Duration float64   `json:"duration_seconds,omitempty" xml:"duration_seconds,omitempty"`
	Audio    string    `json:"audio" xml:"audio"` // the download path
}

// listed returns the recordings of the current routing file's recording folder.
func (s *Server) listed() (dir string, entries []recordings.Entry, err error) {
	rc := s.deps.App.Routing().File.Recordings
	entries, err = recordings.List(rc.Directory, rc.Prefix)
	return rc.Directory, entries, err
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	loc := s.deps.App.Routing().File.Location()
	var from, to time.Time
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.ParseInLocation(time.DateOnly, v, loc)
			if err != nil {
				writeError(w, r, http.StatusBadRequest, f.name, f.name+" must be a date YYYY-MM-DD")
				return
			}
			*f.dst = t
		}
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1) // the whole last day
	}
	exten := q.Get("exten")
	_, entries, err := s.listed()
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	out := recordingList{Recordings: []recordingInfo{}}
	for _, e := range entries {
		start := e.Start()
		if (!from.IsZero() && start.Before(from)) || (!to.IsZero() && !start.Before(to)) {
			continue
		}
		if exten != "" && !recordingOf(e, exten) {
			continue
		}
		info := recordingInfo{Name: e.Name, Format: e.Format, Size: e.Size, Start: start,
			Audio: "/api/recordings/audio/" + e.Name + "." + e.Format}
		if e.Meta != nil {
			info.Caller, info.Callee, info.Duration = e.Meta.Caller, e.Meta.Callee, e.Meta.Duration
		}
		out.Recordings = append(out.Recordings, info)
	}
	write(w, r, http.StatusOK, out)
}

// recordingOf reports whether a recording is of a call to (or from) exten.
func recordingOf(e recordings.Entry, exten string) bool {
	if e.Meta != nil {
		return e.Meta.Callee == exten || e.Meta.Caller == exten
	}
	base := e.Name[strings.LastIndex(e.Name, "/")+1:]
	return strings.HasPrefix(base, exten+"-")
}

// find returns the listed recording a request names ("monitor/1000-...wav"). Only names
// the listing has are served or deleted, so no request can reach outside the folder.
func (s *Server) find(w http.ResponseWriter, r *http.Request) (recordings.Entry, string, bool) {
	name := r.PathValue("name")
	dir, entries, err := s.listed()
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return recordings.Entry{}, "", false
	}
	for _, e := range entries {
		if name == e.Name+"."+e.Format {
			return e, dir, true
		}
	}
	writeError(w, r, http.StatusNotFound, "name", "no such recording")
	return recordings.Entry{}, "", false
}

func (s *Server) downloadRecording(w http.ResponseWriter, r *http.Request) {
	e, _, ok := s.find(w, r)
	if !ok {
		return
	}
	f, err := os.Open(e.Path)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "name", "no such recording")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", recordings.ContentType(e.Path))
	w.Header().Set("Content-Disposition", `attachment; filename="`+recordings.SafeName(e.Name[strings.LastIndex(e.Name, "/")+1:])+"."+e.Format+`"`)
	http.ServeContent(w, r, "", e.ModTime, f)
}

func (s *Server) deleteRecording(w http.ResponseWriter, r *http.Request) {
	e, dir, ok := s.find(w, r)
	if !ok {
		return
	}
	if err := os.Remove(e.Path); err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	_ = os.Remove(recordings.Sidecar(dir, e.Name))
	s.changed(r, "delete recording %s", e.Name)
	write(w, r, http.StatusOK, status{Status: "deleted", Detail: e.Name})
}
