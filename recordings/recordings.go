// Package recordings names call recordings the way the seed did
// (EXTEN-YYYY:MM:DD_HHhMMmSSs.wav), never reuses a name, keeps a JSON sidecar of each
// recording's metadata beside its audio, lists them newest first, and removes those older
// than the routing file's retention.
package recordings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// VoicemailFolder is the folder under the recordings' prefix where voicemail keeps its
// messages and greetings: they are not call recordings, and List leaves them out.
const VoicemailFolder = "voicemail"

// TimeLayout is the seed's ${STRFTIME(${EPOCH},,%Y:%m:%d_%Hh%Mm%Ss)} as a Go layout.
const TimeLayout = "2006:01:02_15h04m05s"

// Namer turns a call into a recording name such as "monitor/1000-2023:06:10_10h30m20s".
type Namer struct {
	Pattern  string         // placeholders {exten}, {caller}, {time}, {callid}; default "{exten}-{time}"
	Prefix   string         // a folder inside Asterisk's recording spool, e.g. "monitor/"
	Location *time.Location // the office's zone for {time}; UTC when nil
}

// Name is the recording name for a call to exten from caller that started at t.
// Caller-controlled parts are reduced to safe file-name characters.
func (n Namer) Name(exten, caller, callID string, t time.Time) string {
	loc := n.Location
	if loc == nil {
		loc = time.UTC
	}
	pattern := n.Pattern
	if pattern == "" {
		pattern = "{exten}-{time}"
	}
	name := strings.NewReplacer(
		"{exten}", SafeName(exten),
		"{caller}", SafeName(caller),
		"{callid}", SafeName(callID),
		"{time}", t.In(loc).Format(TimeLayout),
	).Replace(pattern)
	return n.Prefix + name
}

// Candidate is the name to try on the attempt-th collision: the name itself first, then
// name-2, name-3, ... so a recording is never overwritten.
func Candidate(name string, attempt int) string {
	if attempt == 0 {
		return name
	}
	return name + "-" + strconv.Itoa(attempt+1)
}

// SafeName keeps letters, digits, '+', '.', '_' and '-' of s (at most 64 of them) and turns
// everything else into '_', so a caller ID can never reach outside the recording folder.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '+', r == '_', r == '-':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}

// Meta is what the sidecar file says about one recording.
type Meta struct {
	Name       string    `json:"name"`
	Format     string    `json:"format"`
	CallID     string    `json:"call_id"`
	Caller     string    `json:"caller"`
	CallerName string    `json:"caller_name,omitempty"`
	Callee     string    `json:"callee"`
	Start      time.Time `json:"start"`
	Duration   float64   `json:"duration_seconds"`
	// Unfinished: written as the recording began, and never replaced because the app
	// did not see the call end (it was stopped mid-call). List gives it the duration up to
	// the audio file's last write.
	Unfinished bool `json:"unfinished,omitempty"`
}

// Sidecar is the path of the metadata file beside the recording name in dir.
func Sidecar(dir, name string) string { return filepath.Join(dir, filepath.FromSlash(name)+".json") }

// WriteSidecar writes m beside its recording in dir, atomically (temporary file, then
// rename). It refuses (ErrNotWritten) when the recording's audio is missing or empty, so
// that no sidecar claims a file Asterisk could not store; an unfinished m, written as the
// recording begins, is written before there is any audio.
func WriteSidecar(dir string, m Meta) error {
	if !m.Unfinished && !Written(AudioPath(dir, m.Name, m.Format)) {
		return fmt.Errorf("recordings: sidecar for %s: %w", m.Name, ErrNotWritten)
	}
	path := Sidecar(dir, m.Name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("recordings: sidecar for %s: %w", m.Name, err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("recordings: sidecar for %s: %w", m.Name, err)
	}
	tmp := path + ".tmp"
	err = os.WriteFile(tmp, data, 0o644)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // a full disk leaves an empty one behind
		return fmt.Errorf("recordings: sidecar for %s: %w", m.Name, err)
	}
	return nil
}

// ErrNotWritten is WriteSidecar's refusal to describe audio that is not there.
var ErrNotWritten = errors.New("the audio file is missing or empty")

// CallSidecar is the sidecar of one recorded call, written twice: unfinished as the
// recording begins (what is left should the app stop mid-call), complete when the call
// has ended. Set Dir, Log and Meta's call fields (format, caller, callee...), then call
// Begin and End. Their failures are logged: the call goes on.
type CallSidecar struct {
	Dir  string
	Log  zerolog.Logger
	Meta Meta
}

// Begin writes the unfinished sidecar of recording name, of a call answered at start.
func (s *CallSidecar) Begin(name string, start time.Time) {
	s.Meta.Name, s.Meta.Start, s.Meta.Unfinished = name, start, true
	if err := WriteSidecar(s.Dir, s.Meta); err != nil {
		s.Log.Error().Err(err).Str("recording", name).Msg("recording without its sidecar until the call ends")
	}
}

// End writes the complete sidecar, for a call that talked for talk. stored is false when
// the recording failed during the call: there is no audio to describe, and the unfinished
// sidecar Begin wrote is removed, as it is when the audio turns out missing
// (ErrNotWritten). End does nothing before Begin.
func (s *CallSidecar) End(stored bool, talk time.Duration) {
	if s.Meta.Name == "" {
		return
	}
	s.Meta.Duration, s.Meta.Unfinished = talk.Seconds(), false
	if stored {
		err := WriteSidecar(s.Dir, s.Meta)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrNotWritten) {
			s.Log.Error().Err(err).Str("recording", s.Meta.Name).Msg("recording kept without its complete sidecar")
			return
		}
	}
	// the folder is unwritable or the disk full: the call went on unrecorded
	s.Log.Error().Str("recording", s.Meta.Name).Msg("recording not stored; no sidecar written")
	if err := os.Remove(Sidecar(s.Dir, s.Meta.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.Log.Error().Err(err).Str("recording", s.Meta.Name).Msg("the sidecar of a recording not stored is left")
	}
}

// Choosable are the formats the routing file may choose for recordings and voicemail.
var Choosable = []string{"wav", "wav49", "gsm", "ulaw", "alaw", "sln", "g722"}

// Formats are the formats Asterisk may have recorded a file in: Choosable, and wav16.
var Formats = append(Choosable[:len(Choosable):len(Choosable)], "wav16")

// Ext is the file extension, without the dot, that Asterisk gives a recording in format:
// "WAV" for wav49 (GSM in a WAV container; main/file.c build_filename), the format itself
// otherwise, "wav" when format is empty.
func Ext(format string) string {
	switch format {
	case "":
		return "wav"
	case "wav49":
		return "WAV"
	}
	return format
}

// ContentType is the media type of an audio file by its path's extension: audio/wav for
// both WAV containers (wav, wav49's .WAV), audio/basic for μ-law, and
// application/octet-stream for the raw formats no browser plays.
func ContentType(path string) string {
	switch filepath.Ext(path) {
	case ".wav", ".WAV", ".wav16":
		return "audio/wav"
	case ".ulaw":
		return "audio/basic"
	case ".gsm":
		return "audio/gsm"
	}
	return "application/octet-stream"
}

// AudioPath is where the audio of recording name in format ("wav" when empty) is in dir.
func AudioPath(dir, name, format string) string {
	return filepath.Join(dir, filepath.FromSlash(name)+"."+Ext(format))
}

// Find is the audio file of the existing recording name in dir: in format, else in any of
// Formats (the routing file's format may have changed since it was recorded). It is
// AudioPath(dir, name, format) when there is no such file.
func Find(dir, name, format string) string {
	path := AudioPath(dir, name, format)
	if present(path) {
		return path
	}
	for _, f := range Formats {
		if Ext(f) == Ext(format) {
			continue // tried first
		}
		if p := AudioPath(dir, name, f); present(p) {
			return p
		}
	}
	return path
}

func present(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Written reports whether Asterisk wrote the audio file at path: a regular file that is
// not empty. A read-only folder leaves no file, a full disk an empty one.
func Written(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Size() > 0
}

// Entry is one stored recording.
type Entry struct {
	Name    string    `json:"name"` // as Asterisk knows it, e.g. "monitor/1000-2023:06:10_10h30m20s"
	Path    string    `json:"-"`
	Format  string    `json:"format"` // the file's extension: "WAV" for wav49, else the format
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modified"`
	Meta    *Meta     `json:"meta,omitempty"`
}

// Start is when the recorded call began: the sidecar's start, else the file's time.
func (e Entry) Start() time.Time {
	if e.Meta != nil && !e.Meta.Start.IsZero() {
		return e.Meta.Start
	}
	return e.ModTime
}

// audioExt are the extensions of Formats' files, with the dot.
var audioExt = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range Formats {
		m["."+Ext(f)] = true
	}
	return m
}()

// List returns the call recordings under dir/prefix, newest first: not voicemail's files,
// in any folder named VoicemailFolder (under prefix, or under an earlier prefix voicemail
// still uses until a restart).
func List(dir, prefix string) ([]Entry, error) {
	root := filepath.Join(dir, filepath.FromSlash(prefix))
	var out []Entry
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() && d.Name() == VoicemailFolder && path != root {
			return fs.SkipDir
		}
		ext := filepath.Ext(path)
		if d.IsDir() || !audioExt[ext] {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.ToSlash(rel), ext)
		e := Entry{Name: name, Path: path, Format: strings.TrimPrefix(ext, "."), Size: info.Size(), ModTime: info.ModTime()}
		if data, err := os.ReadFile(Sidecar(dir, name)); err == nil {
			var m Meta
			if json.Unmarshal(data, &m) == nil {
				if m.Unfinished && m.Duration == 0 && e.ModTime.After(m.Start) {
					m.Duration = e.ModTime.Sub(m.Start).Round(time.Second).Seconds()
				}
				e.Meta = &m
			}
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recordings: list %s: %w", root, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start().Equal(out[j].Start()) {
			return out[i].Start().After(out[j].Start())
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}
