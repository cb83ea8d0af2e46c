package voicemail

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/recordings"
)

// Greeting kinds a box may have recorded (menu 0): file "greet-<kind>" in the box's folder.
const (
	GreetUnavail = "unavail"
	GreetBusy    = "busy"
	GreetTemp    = "temp"
	GreetName    = "name"
)

// greeting returns the recording of a box's greeting of kind, if it was recorded.
func (s *Service) greeting(box, kind string) (string, bool) {
	name := s.recName(box, "greet-"+kind)
	_, err := os.Stat(s.stored(name))
	return "recording:" + name, err == nil
}

// greetingMedia is what a caller hears before the beep: the temporary greeting, else the
// busy or unavailable one, else a spoken default naming the box (its recorded name, or
// "the person at extension 1000"), "is on the phone" for busy, "is unavailable" otherwise.
func (s *Service) greetingMedia(box, reason string) []string {
	if m, ok := s.greeting(box, GreetTemp); ok {
		return []string{m}
	}
	kind, says := GreetUnavail, "sound:vm-isunavail"
	if reason == "busy" {
		kind, says = GreetBusy, "sound:vm-isonphone"
	}
	if m, ok := s.greeting(box, kind); ok {
		return []string{m}
	}
	if m, ok := s.greeting(box, GreetName); ok {
		return []string{m, says}
	}
	out := []string{"sound:vm-theperson"}
	if d := digits(box); d != "" {
		out = append(out, d)
	}
	return append(out, says)
}

// Leave takes a message for box: answer, greeting (a key # skips it), "leave your message
// after the tone", beep, record until #, silence, the maximum duration or the caller hanging
// up. A message shorter than the minimum is discarded; a full box (MaxMessages in INBOX)
// says so and records nothing. left reports whether a message was kept. A recording that
// does not end normally (the connection to Asterisk lost, the call stopped) is kept if its
// file was written; when the database cannot take the message, the caller hears Apology.
func (s *Service) Leave(ctx context.Context, c Call, box, reason string) (left bool, err error) {
	log := c.Logger().With().Str("box", box).Str("reason", reason).Logger()
	c.SetState("voicemail " + box)
	if err := c.Answer(ctx); err != nil {
		return false, err
	}
	if _, ok := s.box(box); !ok {
		log.Error().Msg("voicemail: the box is not in the routing file")
		_, err := c.Play(ctx, false, "sound:vm-nobox")
		return false, err
	}
	cfg := s.cfg()
	// as app_voicemail's maxmsg: the limit is on the new messages (INBOX)
	inbox, _, _, err := s.Counts(box)
	if err != nil {
		return false, fmt.Errorf("voicemail: count %s: %w", box, err)
	}
	if cfg.MaxMessages > 0 && inbox >= cfg.MaxMessages {
		log.Warn().Int("messages", inbox).Msg("voicemail: box full; nothing recorded")
		_, err := c.Play(ctx, false, "sound:vm-mailboxfull", "sound:vm-goodbye")
		return false, err
	}
	c.ClearDigits()
	if _, err := c.Play(ctx, true, s.greetingMedia(box, reason)...); err != nil {
		return false, err
	}
	if d := c.TakeDigit(); d != "#" {
		if _, err := c.Play(ctx, true, "sound:vm-intro"); err != nil {
			return false, err
		}
	}
	c.ClearDigits()

	number, name := c.Caller()
	now := s.deps.Now()
	m := Message{ID: newID(now), Box: box, Folder: "INBOX", Caller: number, CallerName: name, Time: now}
	m.Recording = s.recName(box, m.ID)
	if err := os.MkdirAll(s.boxDir(box), 0o755); err != nil {
		return false, s.notStored(ctx, c, &log, m, false, err)
	}
	// the pending row gives a message restored after a crash its caller and time
	if err := s.deps.DB.PutJSON(bucketPending, m.Recording, m); err != nil {
		return false, s.notStored(ctx, c, &log, m, false, err) // nothing recorded yet
	}
	res, recErr := c.Record(ctx, call.RecordOptions{Name: m.Recording, Format: s.format.Load().(string),
		MaxDuration: cfg.MaxDuration, MaxSilence: cfg.MaxSilence, Beep: true, TerminateOn: "#"})
	audio := s.stored(m.Recording) // in the format it was recorded in, should a reload change it
	if storageFault(recErr) || recErr == nil && !recordings.Written(audio) {
		if recErr == nil {
			recErr = recordings.ErrNotWritten
		}
		return false, s.notStored(ctx, c, &log, m, res.HungUp, recErr)
	}
	if recErr != nil && !recordings.Written(audio) {
		// the pending row stays: if Asterisk stores the file after all, the next start keeps it
		return false, fmt.Errorf("voicemail: record %s: %w", box, recErr)
	}
	if recErr != nil {
		// the connection to Asterisk lost, the call stopped, no end reported after the
		// hang-up: the file is there, so the message is kept now, as any other, rather
		// than left unlisted until the next start
		log.Warn().Err(recErr).Str("message_id", m.ID).Msg("voicemail: the recording did not end normally; its file is kept as the message")
	}
	// end plays media and ends the flow; after a recording that did not end normally,
	// nobody is told, and the error ends the call unless the caller had hung up
	end := func(left bool, media ...string) (bool, error) {
		if recErr != nil && !res.HungUp {
			return left, fmt.Errorf("voicemail: record %s: %w", box, recErr)
		}
		return left, s.goodbye(ctx, c, res.HungUp, media...)
	}
	m.Duration = res.Duration // Asterisk's count, when the file's header cannot tell
	if d := wavDuration(audio); d > 0 {
		m.Duration = d
	}
	// a length nobody could tell (no end reported, a format without a header) is not short
	if m.Duration < cfg.MinDuration && (m.Duration > 0 || recErr == nil) {
		log.Info().Str("duration", m.Duration.String()).Msg("voicemail: message shorter than the minimum; discarded")
		if err := os.Remove(audio); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Warn().Err(err).Msg("voicemail: remove short message")
		}
		if err := s.deps.DB.Delete(bucketPending, m.Recording); err != nil {
			log.Warn().Err(err).Msg("voicemail: clear pending row")
		}
		return end(false, "sound:vm-goodbye")
	}
	unlock := s.lock(box)
	err = s.save(m)
	unlock()
	if err != nil {
		// not notStored: the audio is safe on disk, and with its pending row the next start
		// restores it. Not listed until then, so the caller is asked to call again.
		log.Error().Err(err).Str("message_id", m.ID).
			Msg("voicemail: the message's row cannot be written; its file and pending row are kept for the next start to restore it; the caller hears an apology")
		return end(false, Apology...)
	}
	if err := s.deps.DB.Delete(bucketPending, m.Recording); err != nil {
		log.Warn().Err(err).Msg("voicemail: clear pending row")
	}
	log.Info().Str("message_id", m.ID).Str("duration", m.Duration.String()).Bool("hung_up", res.HungUp).Msg("voicemail: message left")
	if s.deps.Notices != nil {
		s.deps.Notices.VoicemailLeft(box, m.Caller, m.CallerName, m.Duration, audio)
	}
	return end(true, "sound:vm-msgsaved", "sound:vm-goodbye")
}

// Sorry is what a caller hears when what they say cannot be stored (the recording folder
// unwritable, the disk full): "I'm sorry. Please try your call again later."
var Sorry = call.Sorry

// Apology is Sorry then "Goodbye.": what a caller hears, rather than a silent line, before
// the app hangs up: one leaving a message that cannot be stored, one calling a box whose
// phone login is locked.
var Apology = []string{Sorry[0], Sorry[1], "sound:vm-goodbye"}

// storageFault reports whether err is Asterisk failing to store a recording (it refused
// the record request, or the recording failed) rather than the caller leaving or the
// connection to Asterisk being lost.
func storageFault(err error) bool {
	if err == nil || errors.Is(err, call.ErrHangup) || errors.Is(err, call.ErrConnectionLost) {
		return false
	}
	return errors.Is(err, call.ErrRecordingFailed) || ari.StatusOf(err) >= 400
}

// notStored handles a message that could not be stored: the error is logged, nothing is
// claimed in the box (the pending row and any partial file go), and the caller hears the
// apology (unless they hung up), then the flow ends.
func (s *Service) notStored(ctx context.Context, c Call, log *zerolog.Logger, m Message, hungUp bool, cause error) error {
	log.Error().Err(cause).Str("message_id", m.ID).Msg("voicemail: the message cannot be stored; the caller hears an apology")
	if err := os.Remove(s.stored(m.Recording)); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn().Err(err).Msg("voicemail: remove the unstored message")
	}
	if err := s.deps.DB.Delete(bucketPending, m.Recording); err != nil {
		log.Warn().Err(err).Msg("voicemail: clear pending row")
	}
	c.ClearDigits()
	return s.goodbye(ctx, c, hungUp, Apology...)
}

// goodbye plays media unless the caller has left.
func (s *Service) goodbye(ctx context.Context, c Call, hungUp bool, media ...string) error {
	if hungUp {
		return nil
	}
	_, err := c.Play(ctx, false, media...)
	if errors.Is(err, call.ErrHangup) {
		return nil
	}
	return err
}
