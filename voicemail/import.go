package voicemail

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/store"
)

// Importing app_voicemail's messages. The dialplan ariflow replaces kept its messages in
// app_voicemail's spool, {Spool}/default/{box}/{folder}/msgNNNN.txt (the message's card:
// callerid, origtime, duration...) beside msgNNNN.{wav,WAV,gsm,...} (its audio, once per
// format of voicemail.conf's format=). ariflow keeps its lamp cards in the same folders, so
// before a box's cards are rewritten, every card there that is not one of ariflow's is taken
// as one of app_voicemail's messages and imported: a row and an audio file of ariflow's
// (named as Leave names a message), in the same folder (INBOX new, Old and the others heard,
// Urgent new), then the card and audio are removed. Nothing is removed before the message is
// ariflow's: a message that cannot be imported (no audio ariflow can play, the recording
// folder or the database refusing it) is logged and left as it is, to be tried again at the
// box's next lamp update.
//
// The order makes a stop at any point harmless: the row is written first, then the audio
// copied, then the originals removed. A row whose audio was not copied yet is dropped by the
// next start (restore), and the card, still there, is imported again; a message whose
// originals were not all removed has the same id the next time (it is derived from the
// card), so only the originals go then. Messages of folders ariflow does not have
// (app_voicemail's Cust1-5, Deleted) are not imported; they stay where they are.

// importSpool imports the box's messages left by app_voicemail, and logs how many were.
// The caller holds the box's lamp lock.
func (s *Service) importSpool(box string) {
	root := filepath.Join(s.deps.Spool, "default", box)
	n := 0
	for _, folder := range Folders {
		dir := filepath.Join(root, folder)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.deps.Logger.Error().Err(err).Str("box", box).Str("folder", dir).
				Msg("voicemail: app_voicemail's folder cannot be read; its messages are not imported")
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !spoolCard(e.Name()) {
				continue
			}
			card := filepath.Join(dir, e.Name())
			data, err := os.ReadFile(card)
			if err != nil {
				s.deps.Logger.Error().Err(err).Str("box", box).Str("card", card).
					Msg("voicemail: app_voicemail's message not imported; its files are left as they are")
				continue
			}
			if markedCard(data) {
				continue // ariflow's own: writeCards replaces it
			}
			m, fresh, err := s.importMessage(box, folder, dir, e.Name(), data)
			if err != nil {
				s.deps.Logger.Error().Err(err).Str("box", box).Str("card", card).
					Msg("voicemail: app_voicemail's message not imported; its files are left as they are")
				continue
			}
			if !fresh {
				continue // imported before: only its originals were left
			}
			s.deps.Logger.Info().Str("box", box).Str("card", card).Str("message_id", m.ID).Str("folder", m.Folder).
				Msg("voicemail: app_voicemail's message imported")
			n++
		}
	}
	if n > 0 {
		s.deps.Logger.Info().Str("box", box).Int("messages", n).Msg("voicemail: app_voicemail's messages imported")
	}
}

// spoolCard reports whether name is a message card of app_voicemail's: msg, digits, .txt.
func spoolCard(name string) bool {
	num, ok := strings.CutSuffix(strings.TrimPrefix(name, "msg"), ".txt")
	return ok && len(name) > len("msg.txt") && strings.HasPrefix(name, "msg") && strings.Trim(num, "0123456789") == ""
}

// importMessage makes the message of app_voicemail's card cardName (in dir, the box's folder)
// one of ariflow's, and removes the originals once it is. fresh is false for a message
// imported before whose originals were left: only those are removed now.
func (s *Service) importMessage(box, folder, dir, cardName string, card []byte) (m Message, fresh bool, err error) {
	stem := strings.TrimSuffix(cardName, ".txt")
	f := cardFields(card)
	src, format, files, err := s.spoolAudio(dir, stem)
	if err != nil {
		return Message{}, false, err
	}
	var t time.Time
	if sec, err := strconv.ParseInt(f["origtime"], 10, 64); err == nil && sec > 0 {
		t = time.Unix(sec, 0)
	} else {
		info, err := os.Stat(src)
		if err != nil {
			return Message{}, false, err
		}
		t = info.ModTime() // when Asterisk finished writing it
	}
	number, name := parseCallerID(f["callerid"])
	m = Message{ID: importID(box, folder, cardName, card, t), Box: box, Folder: folder, Caller: number,
		CallerName: name, Time: t, Heard: folder != "INBOX" && folder != "Urgent"}
	m.Recording = s.recName(box, m.ID)
	if d, err := strconv.Atoi(f["duration"]); err == nil && d > 0 {
		m.Duration = time.Duration(d) * time.Second
	} else {
		m.Duration = wavDuration(src) // 0 when it cannot tell
	}

	key := msgKey(box, m.ID)
	var had Message
	err = s.deps.DB.GetJSON(bucketMessages, key, &had)
	fresh = errors.Is(err, store.ErrNotFound)
	switch {
	case fresh:
		if err := s.deps.DB.PutJSON(bucketMessages, key, m); err != nil {
			return Message{}, false, fmt.Errorf("write the message's row: %w", err)
		}
	case err != nil:
		return Message{}, false, fmt.Errorf("read the message's row: %w", err)
	default:
		m = had // imported before, its originals not all removed: as it is now (heard, moved)
	}
	if !recordings.Written(s.stored(m.Recording)) {
		if err := copyAudio(src, recordings.AudioPath(s.deps.Dir, m.Recording, format)); err != nil {
			if fresh {
				if err := s.deps.DB.Delete(bucketMessages, key); err != nil {
					s.deps.Logger.Warn().Err(err).Str("box", box).Str("message_id", m.ID).
						Msg("voicemail: the row of a message not imported stays until the next start drops it")
				}
			}
			return Message{}, false, fmt.Errorf("copy the audio %s: %w", src, err)
		}
	}
	// the message is ariflow's now: its audio (in every format) goes, the card last, so that
	// a file that cannot be removed is tried again with it
	kept := false
	for _, p := range files {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.deps.Logger.Warn().Err(err).Str("box", box).Str("file", p).Msg("voicemail: app_voicemail's imported audio not removed")
			kept = true
		}
	}
	if !kept {
		if err := os.Remove(filepath.Join(dir, cardName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.deps.Logger.Warn().Err(err).Str("box", box).Str("card", filepath.Join(dir, cardName)).
				Msg("voicemail: app_voicemail's imported card not removed")
		}
	}
	return m, fresh, nil
}

// spoolAudio finds the audio of app_voicemail's message stem in dir: every file stem.* but
// the card, and the one ariflow takes, in the current format if there is one, else in the
// first of recordings.Formats that there is (app_voicemail writes one file per format it
// records in: "wav49|gsm|wav" gives .WAV, .gsm and .wav).
func (s *Service) spoolAudio(dir, stem string) (src, format string, files []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", "", nil, err
	}
	byExt := map[string]string{}
	for _, e := range entries {
		ext, ok := strings.CutPrefix(e.Name(), stem+".")
		if !ok || ext == "txt" || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		files = append(files, p)
		if recordings.Written(p) {
			byExt[ext] = p
		}
	}
	for _, f := range slices.Concat([]string{s.format.Load().(string)}, recordings.Formats) {
		if p, ok := byExt[recordings.Ext(f)]; ok {
			return p, f, files, nil
		}
	}
	if len(files) == 0 {
		return "", "", nil, errors.New("no audio beside the card")
	}
	return "", "", nil, fmt.Errorf("no audio in a format ariflow plays (%s) beside the card: %v", strings.Join(recordings.Formats, ", "), files)
}

// cardFields are the fields of a card's [message] section (app_voicemail's message file:
// origmailbox, context, callerid, origdate, origtime, msg_id, flag, duration...).
func cardFields(card []byte) map[string]string {
	out := map[string]string{}
	section := ""
	for line := range strings.SplitSeq(string(card), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		case section == "message":
			if k, v, ok := strings.Cut(line, "="); ok {
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// parseCallerID splits app_voicemail's callerid (ast_callerid_merge: `"Name" <2000>`,
// `Name <2000>`, `2000`, `Name`, or "Unknown" when the call had none) into number and name.
func parseCallerID(cid string) (number, name string) {
	cid = cardValue(strings.TrimSpace(cid))
	if i := strings.LastIndex(cid, "<"); i >= 0 {
		if j := strings.Index(cid[i:], ">"); j > 0 {
			number = strings.TrimSpace(cid[i+1 : i+j])
			name = strings.TrimSpace(cid[:i])
			if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
				name = strings.TrimSpace(name[1 : len(name)-1])
			}
			return number, name
		}
	}
	switch {
	case cid == "" || strings.EqualFold(cid, "Unknown"):
		return "", ""
	case strings.Trim(cid, "+0123456789*#") == "":
		return cid, ""
	}
	return "", strings.Trim(cid, `"`)
}

// importID is the id of an imported message: as newID's (it sorts by the time the message
// was left), its random part derived from the card, so that the same card gets the same id.
func importID(box, folder, cardName string, card []byte, t time.Time) string {
	h := sha256.New()
	for _, p := range []string{box, folder, cardName} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	h.Write(card)
	return "msg-" + t.UTC().Format("20060102-150405.000") + "-" + hex.EncodeToString(h.Sum(nil)[:3])
}

// copyAudio copies src to dst, durably: a temporary file beside dst (whose name restore
// ignores), synced, then renamed. The spool and the recording directory may be on different
// file systems, and src stays until the message's row and audio are both stored.
func copyAudio(src, dst string) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := filepath.Join(filepath.Dir(dst), ".import-"+filepath.Base(dst))
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = io.Copy(out, in); err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
