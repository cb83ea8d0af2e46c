package admin

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/voicemail"
)

// Voicemail is the voicemail service (*voicemail.Service).
type Voicemail interface {
	Messages(box, folder string) ([]voicemail.Message, error)
	Message(box, id string) (voicemail.Message, error)
	AudioPath(m voicemail.Message) string
	MarkHeard(box, id string) (voicemail.Message, error)
	Delete(box, id string) error
}

// messageList is a box's messages, oldest first.
type messageList struct {
	XMLName  struct{}      `json:"-" xml:"voicemail"`
	Box      string        `json:"box" xml:"box"`
	Owner    string        `json:"owner,omitempty" xml:"owner,omitempty"` // the box's name in the routing file
	Messages []messageInfo `json:"messages" xml:"message"`
}

type messageInfo struct {
	XMLName  struct{}  `json:"-" xml:"message"`
	ID       string    `json:"id" xml:"id"`
	Folder   string    `json:"folder" xml:"folder"`
	Caller   string    `json:"caller" xml:"caller"`
	Name     string    `json:"caller_name,omitempty" xml:"caller_name,omitempty"`
	Time     time.Time `json:"time" xml:"time"`
	Duration float64   `json:"duration_seconds" xml:"duration_seconds"`
	Heard    bool      `json:"heard" xml:"heard"`
	Audio    string    `json:"audio" xml:"audio"`
}

func infoOfMessage(m voicemail.Message) messageInfo {
	return messageInfo{ID: m.ID, Folder: m.Folder, Caller: m.Caller, Name: m.CallerName, Time: m.Time,
		Duration: m.Duration.Seconds(), Heard: m.Heard, Audio: "/api/voicemail/" + m.Box + "/" + m.ID + "/audio"}
}

// box checks the {box} of a request names a box of the routing file.
func (s *Server) box(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.deps.Voicemail == nil {
		writeError(w, r, http.StatusNotFound, "", "no voicemail in this process")
		return "", false
	}
	box := r.PathValue("box")
	if _, ok := s.deps.App.Routing().File.Voicemail.Boxes[box]; !ok {
		writeError(w, r, http.StatusNotFound, "box", "no mailbox "+box+" in the routing file")
		return "", false
	}
	return box, true
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	box, ok := s.box(w, r)
	if !ok {
		return
	}
	folder, ok := folderNamed(r.URL.Query().Get("folder"))
	if !ok {
		writeError(w, r, http.StatusBadRequest, "folder", "folder must be one of "+strings.Join(voicemail.Folders, ", ")+" (or none for all)")
		return
	}
	msgs, err := s.deps.Voicemail.Messages(box, folder)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "", err.Error())
		return
	}
	owner := s.deps.App.Routing().File.Voicemail.Boxes[box].Name
	out := messageList{Box: box, Owner: owner, Messages: []messageInfo{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, infoOfMessage(m))
	}
	write(w, r, http.StatusOK, out)
}

// folderNamed is the voicemail folder named name, whatever its case ("old": "Old"); ""
// names none (every folder). ok is false when there is no such folder.
func folderNamed(name string) (folder string, ok bool) {
	if name == "" {
		return "", true
	}
	for _, f := range voicemail.Folders {
		if strings.EqualFold(f, name) {
			return f, true
		}
	}
	return "", false
}

// message finds the {box}/{id} of a request; ids come from the list, never from a path.
func (s *Server) message(w http.ResponseWriter, r *http.Request) (voicemail.Message, bool) {
	box, ok := s.box(w, r)
	if !ok {
		return voicemail.Message{}, false
	}
	m, err := s.deps.Voicemail.Message(box, r.PathValue("id"))
	if err != nil {
		writeError(w, r, voicemailStatus(err), "id", err.Error())
		return voicemail.Message{}, false
	}
	return m, true
}

func (s *Server) messageAudio(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	path := s.deps.Voicemail.AudioPath(m)
	f, err := os.Open(path)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "id", "the message's audio is missing")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", recordings.ContentType(path))
	http.ServeContent(w, r, "", m.Time, f)
}

func (s *Server) markHeard(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	m, err := s.deps.Voicemail.MarkHeard(m.Box, m.ID)
	if err != nil {
		writeError(w, r, voicemailStatus(err), "id", err.Error())
		return
	}
	s.changed(r, "voicemail %s/%s marked heard", m.Box, m.ID)
	write(w, r, http.StatusOK, infoOfMessage(m))
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.message(w, r)
	if !ok {
		return
	}
	if err := s.deps.Voicemail.Delete(m.Box, m.ID); err != nil {
		writeError(w, r, voicemailStatus(err), "id", err.Error())
		return
	}
	s.changed(r, "voicemail %s/%s deleted", m.Box, m.ID)
	write(w, r, http.StatusOK, status{Status: "deleted", Detail: m.ID})
}

func voicemailStatus(err error) int {
	if errors.Is(err, voicemail.ErrNoMessage) || errors.Is(err, voicemail.ErrNoBox) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
