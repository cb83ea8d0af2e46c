package voicemail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/recordings"
)

// options is the mailbox options menu (0 from the main menu): 1 unavailable greeting,
// 2 busy greeting, 3 name, 4 temporary greeting, 5 new PIN, * or # back.
func (ss *session) options(ctx context.Context) error {
	for turns := 0; turns < menuRepeats; turns++ {
		if _, err := ss.c.Play(ctx, true, "sound:vm-options"); err != nil {
			return err
		}
		d, err := ss.c.WaitDigit(ctx, digitTimeout)
		if err != nil {
			return err
		}
		switch d {
		case "1":
			err = ss.recordGreeting(ctx, GreetUnavail, "sound:vm-rec-unv")
		case "2":
			err = ss.recordGreeting(ctx, GreetBusy, "sound:vm-rec-busy")
		case "3":
			err = ss.recordGreeting(ctx, GreetName, "sound:vm-rec-name")
		case "4":
			err = ss.tempGreeting(ctx)
		case "5":
			err = ss.newPIN(ctx)
		case "*", "#":
			return nil
		case "":
			continue
		}
		if err != nil {
			return err
		}
		turns = -1
	}
	return nil
}

// recordGreeting records a greeting of kind after prompt: the beep, then until # (at most
// the box's maximum message duration). A recording shorter than a second keeps the old one.
func (ss *session) recordGreeting(ctx context.Context, kind, prompt string) error {
	if _, err := ss.c.Play(ctx, false, prompt); err != nil {
		return err
	}
	cfg := ss.s.cfg()
	final := ss.s.recName(ss.box, "greet-"+kind)
	tmp := final + "-new"
	if err := os.MkdirAll(ss.s.boxDir(ss.box), 0o755); err != nil {
		return ss.greetingNotStored(ctx, kind, tmp, err)
	}
	_ = os.Remove(ss.s.stored(tmp)) // a leftover, whatever its format: Asterisk would not record over it
	res, err := ss.c.Record(ctx, call.RecordOptions{Name: tmp, Format: ss.s.format.Load().(string),
		MaxDuration: cfg.MaxDuration, MaxSilence: cfg.MaxSilence, Beep: true, TerminateOn: "#"})
	audio := ss.s.stored(tmp) // in the format it was recorded in, should a reload change it
	if storageFault(err) || err == nil && !res.HungUp && !recordings.Written(audio) {
		if err == nil {
			err = recordings.ErrNotWritten
		}
		return ss.greetingNotStored(ctx, kind, tmp, err)
	}
	if err != nil {
		return err
	}
	if d := wavDuration(audio); d > 0 {
		res.Duration = d
	}
	if res.Duration < time.Second {
		_ = os.Remove(audio)
		ss.log.Info().Str("greeting", kind).Msg("voicemail: greeting too short; the old one stays")
		return nil
	}
	dest := filepath.Join(ss.s.deps.Dir, filepath.FromSlash(final)) + filepath.Ext(audio)
	if old := ss.s.stored(final); old != dest {
		_ = os.Remove(old) // the old greeting in another format: Asterisk could play it instead
	}
	if err := os.Rename(audio, dest); err != nil {
		return err
	}
	ss.log.Info().Str("greeting", kind).Str("duration", res.Duration.String()).Msg("voicemail: greeting recorded")
	if res.HungUp {
		return call.ErrHangup
	}
	_, err = ss.c.Play(ctx, true, "sound:vm-msgsaved")
	return err
}

// greetingNotStored handles a greeting Asterisk could not store (the recording folder
// unwritable, the disk full): logged, the old greeting kept, and the caller hears the
// Sorry, then the options again.
func (ss *session) greetingNotStored(ctx context.Context, kind, tmp string, cause error) error {
	ss.log.Error().Err(cause).Str("greeting", kind).Msg("voicemail: the greeting cannot be stored; the old one stays")
	_ = os.Remove(ss.s.stored(tmp))
	ss.c.ClearDigits()
	_, err := ss.c.Play(ctx, false, Sorry...)
	return err
}

// tempGreeting records the temporary greeting, or with one in place offers 1 to record it
// again and 2 to remove it.
func (ss *session) tempGreeting(ctx context.Context) error {
	if _, ok := ss.s.greeting(ss.box, GreetTemp); !ok {
		return ss.recordGreeting(ctx, GreetTemp, "sound:vm-rec-temp")
	}
	ss.c.ClearDigits()
	if _, err := ss.c.Play(ctx, true, "sound:vm-tempgreetactive", "sound:vm-tempgreeting2"); err != nil {
		return err
	}
	d, err := ss.c.WaitDigit(ctx, digitTimeout)
	if err != nil {
		return err
	}
	switch d {
	case "1":
		return ss.recordGreeting(ctx, GreetTemp, "sound:vm-rec-temp")
	case "2":
		if err := os.Remove(ss.s.stored(ss.s.recName(ss.box, "greet-"+GreetTemp))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		ss.log.Info().Msg("voicemail: temporary greeting removed")
		_, err := ss.c.Play(ctx, true, "sound:vm-tempremoved")
		return err
	}
	return nil
}

// newPIN asks for a new PIN twice; it persists and wins over the routing file until the
// file's PIN changes (pins.go).
func (ss *session) newPIN(ctx context.Context) error {
	first, err := readDigits(ctx, ss.c, 20, "sound:vm-newpassword")
	if err != nil {
		return err
	}
	second, err := readDigits(ctx, ss.c, 20, "sound:vm-reenterpassword")
	if err != nil {
		return err
	}
	if first == "" || first != second {
		_, err := ss.c.Play(ctx, true, "sound:vm-mismatch")
		return err
	}
	if err := ss.s.SetPIN(ss.box, first); err != nil {
		return err
	}
	ss.log.Info().Msg("voicemail: PIN changed from the phone")
	_, err = ss.c.Play(ctx, true, "sound:vm-passchanged")
	return err
}
