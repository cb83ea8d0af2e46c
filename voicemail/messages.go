package voicemail

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ariflow/ariflow/store"
)

// Database buckets of the voicemail.
const (
	bucketMessages = "voicemail_messages" // "<box>/<id>" -> Message, written once the audio is complete
	bucketPending  = "voicemail_pending"  // recording name -> Message, written before recording
)

// Message is one voicemail message.
type Message struct {
	ID         string        `json:"id"` // "msg-<utc time>-<random>": sorts by time
	Box        string        `json:"box"`
	Folder     string        `json:"folder"` // one of Folders
	Caller     string        `json:"caller"`
	CallerName string        `json:"caller_name,omitempty"`
	Time       time.Time     `json:"time"`
	Duration   time.Duration `json:"duration"`
	Heard      bool          `json:"heard"`
	Recording  string        `json:"recording"` // ARI recording name: play "recording:" + this
	Restored   bool          `json:"restored,omitempty"`
}

func msgKey(box, id string) string { return box + "/" + id }

// newID is a message id that sorts by time and never repeats.
func newID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "msg-" + t.UTC().Format("20060102-150405.000") + "-" + hex.EncodeToString(b[:])
}

// Messages lists a box's messages in folder ("" = all), oldest first.
func (s *Service) Messages(box, folder string) ([]Message, error) {
	var out []Message
	err := s.deps.DB.ForEach(bucketMessages, func(key string, v []byte) error {
		if !strings.HasPrefix(key, box+"/") {
			return nil
		}
		var m Message
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("message %s: %w", key, err)
		}
		if folder == "" || m.Folder == folder {
			out = append(out, m)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Counts is how many new (INBOX) and old messages a box has, and in all.
func (s *Service) Counts(box string) (newMsgs, old, all int, err error) {
	msgs, err := s.Messages(box, "")
	for _, m := range msgs {
		switch m.Folder {
		case "INBOX":
			newMsgs++
		case "Old":
			old++
		}
	}
	return newMsgs, old, len(msgs), err
}

// save writes a message's row; the box's lamp follows.
func (s *Service) save(m Message) error {
	if err := s.deps.DB.PutJSON(bucketMessages, msgKey(m.Box, m.ID), m); err != nil {
		return err
	}
	s.updateLamp(m.Box)
	return nil
}

// update changes a message's row under the box's lock, from the row as it is now (not a
// copy read earlier), and returns it; the box's lamp follows. A message deleted meanwhile
// (by the admin, by another session) is not written back: ErrNoMessage.
func (s *Service) update(box, id string, change func(*Message)) (Message, error) {
	defer s.lock(box)()
	var m Message
	err := s.deps.DB.GetJSON(bucketMessages, msgKey(box, id), &m)
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, fmt.Errorf("%w: %s/%s", ErrNoMessage, box, id)
	}
	if err != nil {
		return Message{}, err
	}
	change(&m)
	return m, s.save(m)
}

// markHeard marks a message listened to; from INBOX it moves to Old.
func markHeard(m *Message) {
	m.Heard = true
	if m.Folder == "INBOX" {
		m.Folder = "Old"
	}
}

// remove deletes a message: its file first, then its row (a row without its file is
// dropped at the next start; a file without its row would come back).
func (s *Service) remove(m Message) error {
	if err := os.Remove(s.stored(m.Recording)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := s.deps.DB.Delete(bucketMessages, msgKey(m.Box, m.ID)); err != nil {
		return err
	}
	s.updateLamp(m.Box)
	return nil
}

// restore makes the database agree with the files: a message file without its row gets one
// (from the pending row written before recording, else from the file alone), unless it is
// shorter than Deps.MinDuration (its file is removed, as Leave does); a row whose file is
// gone is dropped; pending rows left over are cleared. A message restored from its pending
// row was never announced: it gets the new-message notice.
func (s *Service) restore() error {
	root := s.boxesDir()
	pending := map[string]Message{}
	if err := s.deps.DB.ForEach(bucketPending, func(key string, v []byte) error {
		var m Message
		if json.Unmarshal(v, &m) == nil {
			pending[key] = m
		}
		return nil
	}); err != nil {
		return err
	}
	known := map[string]Message{}
	if err := s.deps.DB.ForEach(bucketMessages, func(key string, v []byte) error {
		var m Message
		if json.Unmarshal(v, &m) == nil {
			known[m.Recording] = m
		}
		return nil
	}); err != nil {
		return err
	}
	boxes, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, b := range boxes {
		if !b.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, b.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			ext := filepath.Ext(f.Name())
			id := strings.TrimSuffix(f.Name(), ext)
			if !strings.HasPrefix(id, "msg-") || ext == "" {
				continue
			}
			name := s.recName(b.Name(), id)
			if _, ok := known[name]; ok {
				continue
			}
			info, err := f.Info()
			if err != nil {
				return err
			}
			audio := filepath.Join(root, b.Name(), f.Name())
			m, fromPending := pending[name]
			if !fromPending {
				m = Message{ID: id, Box: b.Name(), Time: info.ModTime(), Recording: name}
			}
			m.Folder, m.Restored = "INBOX", true
			m.Duration = wavDuration(audio) // 0 when it cannot tell: then not judged short
			if m.Duration > 0 && m.Duration < s.deps.MinDuration {
				s.deps.Logger.Info().Str("box", m.Box).Str("recording", name).Str("duration", m.Duration.String()).
					Msg("voicemail: message left before a stop is shorter than the minimum; discarded")
				if err := os.Remove(audio); err != nil {
					s.deps.Logger.Warn().Err(err).Str("recording", name).Msg("voicemail: remove short message")
				}
				continue
			}
			if err := s.deps.DB.PutJSON(bucketMessages, msgKey(m.Box, m.ID), m); err != nil {
				return err
			}
			s.deps.Logger.Warn().Str("box", m.Box).Str("recording", name).Msg("voicemail: message restored from its file")
			if fromPending && s.deps.Notices != nil {
				s.deps.Notices.VoicemailLeft(m.Box, m.Caller, m.CallerName, m.Duration, audio)
			}
		}
	}
	for name, m := range known {
		if _, err := os.Stat(s.stored(name)); errors.Is(err, fs.ErrNotExist) {
			s.deps.Logger.Warn().Str("box", m.Box).Str("recording", name).Msg("voicemail: message without its file dropped")
			if err := s.deps.DB.Delete(bucketMessages, msgKey(m.Box, m.ID)); err != nil {
				return err
			}
		}
	}
	for name := range pending {
		if err := s.deps.DB.Delete(bucketPending, name); err != nil {
			return err
		}
	}
	return nil
}

// wavDuration reads a WAV file's length from its header (the fmt chunk's bytes per second)
// and the size of what follows the data chunk's header: PCM (wav) and GSM in a WAV
// container (wav49, whose header is longer) alike. It is 0 when it cannot tell (a file of
// another format, a damaged header): callers then keep Asterisk's own count (Leave, greetings)
// or no duration (a restored message); a message is never judged short for it.
func wavDuration(path string) time.Duration {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0
	}
	var h [12]byte
	if _, err := f.ReadAt(h[:], 0); err != nil || string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return 0
	}
	var rate int64 // bytes per second
	for off := int64(12); off+8 <= info.Size(); {
		var c [16]byte // a chunk's id and size, then the start of its content
		if _, err := f.ReadAt(c[:8], off); err != nil {
			return 0
		}
		size := int64(binary.LittleEndian.Uint32(c[4:8]))
		switch string(c[0:4]) {
		case "fmt ":
			if _, err := f.ReadAt(c[:], off+8); err != nil || size < 16 {
				return 0
			}
			rate = int64(binary.LittleEndian.Uint32(c[8:12]))
		case "data":
			if rate == 0 {
				return 0
			}
			return time.Duration(info.Size()-off-8) * time.Second / time.Duration(rate)
		}
		off += 8 + size + size%2 // chunks are padded to an even size
	}
	return 0
}
