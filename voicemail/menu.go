package voicemail

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
)

// Timeouts of the menu, as app_voicemail's.
const (
	digitTimeout = 5 * time.Second // for each key of a mailbox, PIN or choice
	menuRepeats  = 3               // a menu prompt is repeated this often without a key
)

// session is one caller logged in to one box.
type session struct {
	s       *Service
	c       Call
	box     string
	log     zerolog.Logger
	deleted map[string]bool // message ids marked with 7, deleted when the session ends
}

// Main is the mailbox menu (the seed's 456, VoiceMailMain): mailbox (unless given) and PIN,
// MaxLogins attempts, then the counts of new and old messages and the menu:
//
//	1 listen (new messages, else old)   2 change folder (then 0-5)   0 mailbox options   # goodbye
//
// While a message plays: * back and # forward by the skip (3 s), 0 pause/resume; any other
// key stops it and acts as after it. After a message: 4 previous, 5 repeat, 6 next,
// 7 delete (7 again undeletes; deletions happen when the caller leaves), 9 save to a
// folder (0-5), 3 envelope (when it was left, caller and duration), * help, # back to the
// main menu. Each message is introduced with when it was left (see received).
// A message listened to in INBOX moves to Old. Mailbox options: 1 unavailable greeting,
// 2 busy greeting, 3 name, 4 temporary greeting (recorded again or, when one exists,
// 1 to re-record or 2 to remove it), 5 new PIN, * back.
func (s *Service) Main(ctx context.Context, c Call, mailbox string) error {
	c.SetState("voicemail menu")
	if err := c.Answer(ctx); err != nil {
		return err
	}
	box, ok, err := s.login(ctx, c, mailbox)
	if err != nil || !ok {
		return quiet(err)
	}
	ss := &session{s: s, c: c, box: box, log: c.Logger().With().Str("box", box).Logger(), deleted: map[string]bool{}}
	defer ss.applyDeletions()
	c.SetState("voicemail menu " + box)
	return quiet(ss.mainMenu(ctx))
}

// quiet ends the flow without an error when the caller hung up.
func quiet(err error) error {
	if errors.Is(err, call.ErrHangup) {
		return nil
	}
	return err
}

// readDigits plays prompt (a key cuts it) and reads keys until #, max keys, or a pause.
func readDigits(ctx context.Context, c Call, max int, prompt ...string) (string, error) {
	if _, err := c.Play(ctx, true, prompt...); err != nil {
		return "", err
	}
	got := ""
	for len(got) < max {
		d, err := c.WaitDigit(ctx, digitTimeout)
		if err != nil {
			return got, err
		}
		if d == "" || d == "#" {
			break
		}
		got += d
	}
	return got, nil
}

// login asks for the mailbox (unless given) and the PIN, up to MaxLogins times, each attempt
// on a box that failed too often delayed (see tryPIN). It says goodbye and reports false
// after the last failure; a caller to a box whose phone login is locked hears the apology
// and is let go.
func (s *Service) login(ctx context.Context, c Call, mailbox string) (string, bool, error) {
	tries := max(s.cfg().MaxLogins, 1)
	for attempt := 1; attempt <= tries; attempt++ {
		box := mailbox
		var err error
		if box == "" {
			if box, err = readDigits(ctx, c, 10, "sound:vm-login"); err != nil {
				return "", false, err
			}
		}
		if until := s.lockedUntil(box); !until.IsZero() {
			return "", false, s.refuseLocked(ctx, c, box, until)
		}
		pin, err := readDigits(ctx, c, 20, "sound:vm-password")
		if err != nil {
			return "", false, err
		}
		ok, err := s.tryPIN(ctx, c.Logger(), box, pin, tries)
		if errors.Is(err, errLocked) { // locked by other calls while this one typed
			return "", false, s.refuseLocked(ctx, c, box, s.lockedUntil(box))
		}
		if err != nil {
			return "", false, err
		}
		if ok {
			c.Logger().Info().Str("box", box).Msg("voicemail: logged in")
			return box, true, nil
		}
		c.Logger().Warn().Str("box", box).Int("attempt", attempt).Msg("voicemail: wrong mailbox or PIN")
		if _, err := c.Play(ctx, false, "sound:vm-incorrect"); err != nil {
			return "", false, err
		}
	}
	_, err := c.Play(ctx, false, "sound:vm-goodbye")
	return "", false, err
}

// refuseLocked tells a caller to a box whose phone login is locked to call again later.
func (s *Service) refuseLocked(ctx context.Context, c Call, box string, until time.Time) error {
	c.Logger().Warn().Str("box", box).Time("until", until).Msg("voicemail: the box's phone login is locked after repeated failed logins; the caller hears an apology")
	c.ClearDigits()
	_, err := c.Play(ctx, false, Apology...)
	return err
}

// counts says "you have N new messages and M old messages".
func (ss *session) counts(ctx context.Context) (newMsgs, old int, err error) {
	newMsgs, old, _, err = ss.s.Counts(ss.box)
	if err != nil {
		return 0, 0, err
	}
	ss.log.Info().Int("new", newMsgs).Int("old", old).Msg("voicemail: counts")
	media := []string{"sound:vm-youhave"}
	say := func(n int, folder string) {
		if n == 0 {
			media = append(media, "sound:vm-no")
		} else {
			media = append(media, "number:"+strconv.Itoa(n))
		}
		word := "sound:vm-messages"
		if n == 1 {
			word = "sound:vm-message"
		}
		media = append(media, "sound:vm-"+folder, word)
	}
	say(newMsgs, "INBOX")
	if old > 0 || newMsgs == 0 {
		media = append(media, "sound:vm-and")
		say(old, "Old")
	}
	_, err = ss.c.Play(ctx, true, media...)
	return newMsgs, old, err
}

func (ss *session) mainMenu(ctx context.Context) error {
	newMsgs, _, err := ss.counts(ctx)
	if err != nil {
		return err
	}
	folder := "Old"
	if newMsgs > 0 {
		folder = "INBOX"
	}
	for quietTurns := 0; quietTurns < menuRepeats; {
		d := ss.c.TakeDigit()
		if d == "" {
			prompt, err := ss.instructions(folder)
			if err != nil {
				return err
			}
			if _, err := ss.c.Play(ctx, true, prompt...); err != nil {
				return err
			}
			if d, err = ss.c.WaitDigit(ctx, digitTimeout); err != nil {
				return err
			}
		}
		switch d {
		case "":
			quietTurns++
			continue
		case "1":
			if err := ss.listen(ctx, folder); err != nil {
				return err
			}
		case "2":
			f, err := ss.chooseFolder(ctx, "sound:vm-changeto")
			if err != nil {
				return err
			}
			if f != "" {
				folder = f
				if _, err := ss.c.Play(ctx, true, "sound:vm-"+f); err != nil {
					return err
				}
			}
		case "0":
			if err := ss.options(ctx); err != nil {
				return err
			}
		case "#":
			_, err := ss.c.Play(ctx, false, "sound:vm-goodbye")
			return err
		}
		quietTurns = 0
	}
	_, err = ss.c.Play(ctx, false, "sound:vm-goodbye")
	return err
}

// instructions are the main menu's prompt, as app_voicemail's vm_instructions: "Press 1
// for <folder> messages" when the current folder has messages, then the options.
func (ss *session) instructions(folder string) ([]string, error) {
	msgs, err := ss.s.Messages(ss.box, folder)
	if err != nil || len(msgs) == 0 {
		return []string{"sound:vm-opts"}, err
	}
	return []string{"sound:vm-onefor", "sound:vm-" + folder, "sound:vm-messages", "sound:vm-opts"}, nil
}

// chooseFolder asks for a folder key, 0 (INBOX) to 5 (Urgent); "" when none was chosen.
func (ss *session) chooseFolder(ctx context.Context, prompt string) (string, error) {
	ss.c.ClearDigits()
	if _, err := ss.c.Play(ctx, true, prompt, "sound:vm-savefolder"); err != nil {
		return "", err
	}
	d, err := ss.c.WaitDigit(ctx, digitTimeout)
	if err != nil || d == "" {
		return "", err
	}
	i, convErr := strconv.Atoi(d)
	if convErr != nil || i >= len(Folders) {
		return "", nil
	}
	return Folders[i], nil
}

// listen plays the messages of folder, one at a time, with the after-message keys.
func (ss *session) listen(ctx context.Context, folder string) error {
	msgs, err := ss.s.Messages(ss.box, folder)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		_, err := ss.c.Play(ctx, true, "sound:vm-no", "sound:vm-messages")
		return err
	}
	i, play := 0, true
	for {
		m := &msgs[i]
		d := ""
		if play {
			intro := []string{"sound:vm-message", "number:" + strconv.Itoa(i+1)}
			if i == 0 {
				intro = []string{"sound:vm-first", "sound:vm-message"}
			}
			intro = append(intro, ss.s.received(m.Time)...) // app_voicemail's envelope=yes
			if _, err := ss.c.Play(ctx, true, intro...); err != nil {
				return err
			}
			if d = ss.c.TakeDigit(); d == "" {
				if d, err = ss.c.PlayControlled(ctx, "recording:"+m.Recording, call.PlayControls{
					Skip: ss.s.cfg().Skip, Back: "*", Forward: "#", Pause: "0", Stop: "123456789"}); err != nil {
					return err
				}
				ss.heard(m)
			}
			play = false
		}
		if d == "" {
			d = ss.c.TakeDigit()
		}
		if d == "" {
			if _, err := ss.c.Play(ctx, true, "sound:vm-msginstruct"); err != nil {
				return err
			}
			if d, err = ss.c.WaitDigit(ctx, digitTimeout); err != nil {
				return err
			}
			if d == "" {
				return nil // back to the main menu
			}
		}
		switch d {
		case "4":
			if i == 0 {
				if _, err := ss.c.Play(ctx, true, "sound:vm-nomore"); err != nil {
					return err
				}
				continue
			}
			i, play = i-1, true
		case "5":
			play = true
		case "6":
			if i == len(msgs)-1 {
				if _, err := ss.c.Play(ctx, true, "sound:vm-nomore"); err != nil {
					return err
				}
				continue
			}
			i, play = i+1, true
		case "7":
			ss.deleted[m.ID] = !ss.deleted[m.ID]
			word := "sound:vm-deleted"
			if !ss.deleted[m.ID] {
				word = "sound:vm-undeleted"
			}
			ss.log.Info().Str("message_id", m.ID).Bool("deleted", ss.deleted[m.ID]).Msg("voicemail: message marked")
			if _, err := ss.c.Play(ctx, true, "sound:vm-message", word); err != nil {
				return err
			}
		case "9":
			f, err := ss.chooseFolder(ctx, "sound:vm-savemessage")
			if err != nil {
				return err
			}
			if f != "" {
				said := []string{"sound:vm-message", "sound:vm-savedto", "sound:vm-" + f}
				err := ss.change(m, func(m *Message) { m.Folder = f })
				if errors.Is(err, ErrNoMessage) {
					said = []string{"sound:vm-deleted"} // "Message deleted." (by the admin, meanwhile)
				} else if err != nil {
					return err
				}
				if _, err := ss.c.Play(ctx, true, said...); err != nil {
					return err
				}
			}
		case "3":
			media := append(ss.s.received(m.Time), "sound:vm-from")
			if dg := digits(m.Caller); dg != "" {
				media = append(media, dg)
			} else {
				media = append(media, "sound:vm-unknown-caller")
			}
			media = append(media, "sound:vm-duration", "number:"+strconv.Itoa(int(m.Duration.Round(time.Second).Seconds())), "sound:seconds")
			if _, err := ss.c.Play(ctx, true, media...); err != nil {
				return err
			}
		case "#":
			return nil
		}
	}
}

// heard marks a message listened to; from INBOX it moves to Old. A message deleted
// meanwhile stays deleted.
func (ss *session) heard(m *Message) {
	if m.Heard && m.Folder != "INBOX" {
		return
	}
	if err := ss.change(m, markHeard); err != nil && !errors.Is(err, ErrNoMessage) {
		ss.log.Warn().Err(err).Str("message_id", m.ID).Msg("voicemail: mark heard")
	}
}

// change updates message m from its row as it is now (see Service.update), and m with it;
// ErrNoMessage when it was deleted since the session listed it.
func (ss *session) change(m *Message, how func(*Message)) error {
	now, err := ss.s.update(ss.box, m.ID, how)
	if errors.Is(err, ErrNoMessage) {
		ss.log.Info().Str("message_id", m.ID).Msg("voicemail: the message was deleted meanwhile; left deleted")
	}
	if err == nil {
		*m = now
	}
	return err
}

// applyDeletions deletes the messages marked with 7, once the caller leaves the box.
func (ss *session) applyDeletions() {
	if len(ss.deleted) == 0 {
		return
	}
	msgs, err := ss.s.Messages(ss.box, "")
	if err != nil {
		ss.log.Error().Err(err).Msg("voicemail: deletions not applied")
		return
	}
	unlock := ss.s.lock(ss.box)
	defer unlock()
	for _, m := range msgs {
		if ss.deleted[m.ID] {
			if err := ss.s.remove(m); err != nil {
				ss.log.Error().Err(err).Str("message_id", m.ID).Msg("voicemail: delete")
				continue
			}
			ss.log.Info().Str("message_id", m.ID).Msg("voicemail: message deleted")
		}
	}
}

// received is when a message was left, as app_voicemail's play_message_datetime says it in
// English with its default format, "'vm-received' q 'digits/at' IMp" (voicemail.conf sets
// no tz), in the office's time zone (the routing file's timezone): "received", then the day
// as 'q' says it (nothing today; "yesterday"; the weekday within the last 6 days; weekday,
// month and ordinal day within a month; month and day within 6 months; month, day and year
// before), then "at", the hour of a 12-hour clock, the minutes (o'clock at :00, "oh" and
// the digit before :10) and A.M. or P.M.: "received Monday December seventh at two oh
// five P.M.". Nothing is said of a message without a time.
func (s *Service) received(t time.Time) []string {
	if t.IsZero() {
		return nil
	}
	loc := time.Local
	if f := s.file.Load(); f != nil {
		loc = f.Location()
	}
	t = t.In(loc)
	now := s.deps.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	weekday := "sound:digits/day-" + strconv.Itoa(int(t.Weekday()))
	month := "sound:digits/mon-" + strconv.Itoa(int(t.Month())-1)
	out := []string{"sound:vm-received"}
	switch {
	case t.After(today): // today: nothing
	case t.After(today.AddDate(0, 0, -1)):
		out = append(out, "sound:digits/yesterday")
	case t.After(today.AddDate(0, 0, -6)):
		out = append(out, weekday)
	case t.After(today.Add(-2628000 * time.Second)): // Asterisk's month
		out = append(append(out, weekday, month), ordinal(t.Day())...)
	case t.After(today.Add(-15768000 * time.Second)): // and its six months
		out = append(append(out, month), ordinal(t.Day())...)
	default:
		out = append(append(append(out, month), ordinal(t.Day())...), "number:"+strconv.Itoa(t.Year()))
	}
	out = append(out, "sound:digits/at", "number:"+strconv.Itoa((t.Hour()+11)%12+1))
	switch m := t.Minute(); {
	case m == 0:
		out = append(out, "sound:digits/oclock")
	case m < 10:
		out = append(out, "sound:digits/oh", "number:"+strconv.Itoa(m))
	default:
		out = append(out, "number:"+strconv.Itoa(m))
	}
	if t.Hour() < 12 {
		return append(out, "sound:digits/a-m")
	}
	return append(out, "sound:digits/p-m")
}

// ordinal says a day of the month as Asterisk's ast_say_enumeration does in English:
// "digits/h-7" (seventh), "digits/20" and "digits/h-1" (twenty-first), "digits/h-30".
func ordinal(day int) []string {
	if day < 20 || day%10 == 0 {
		return []string{"sound:digits/h-" + strconv.Itoa(day)}
	}
	return []string{"sound:digits/" + strconv.Itoa(day/10*10), "sound:digits/h-" + strconv.Itoa(day%10)}
}
