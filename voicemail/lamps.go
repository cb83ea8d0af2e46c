package voicemail

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Message-waiting lamps. Debian's Asterisk has neither res_ari_mailboxes nor
// res_mwi_external, so ARI cannot set a mailbox's counts. Asterisk's app_voicemail can: with
// pollmailboxes=yes it counts the msgNNNN.txt files of
// {spool}/default/{box}/INBOX (new) and Old (old) for every subscribed mailbox, and PJSIP
// sends NOTIFY message-summary to phones whose AOR has mailboxes={box}@default. The
// service keeps one msgNNNN.txt per message there (an index card naming the message; the
// audio stays in the recording directory), rewritten whenever a box changes.
//
// That spool is also where the dialplan's app_voicemail kept its own messages (a card and
// its audio of the same name). Those are imported before the cards are rewritten (see
// import.go); only ariflow's own cards, marked cardMarker, are ever replaced.

// cardMarker is in the comment that opens each of ariflow's index cards.
const cardMarker = "ariflow index card"

// updateLamp rewrites a box's index cards in app_voicemail's spool; errors are logged, a
// lamp is not worth failing a call for.
func (s *Service) updateLamp(box string) {
	if s.deps.Spool == "" {
		return
	}
	if err := s.writeCards(box); err != nil {
		s.deps.Logger.Warn().Err(err).Str("box", box).Msg("voicemail: message-waiting lamp not updated")
	}
}

// lampLock is the lock of a box's spool folder: one import and rewrite at a time. It is
// not the box's lock, which callers of save may hold.
func (s *Service) lampLock(box string) func() {
	return s.lock("\x00spool/" + box)
}

// writeCards imports app_voicemail's messages of the box, if any, then rewrites ariflow's
// cards: one per message, INBOX as new, every other folder as old. A card of
// app_voicemail's that could not be imported is left as it is (its message is still
// counted), and ariflow's cards take the numbers it leaves free.
func (s *Service) writeCards(box string) error {
	defer s.lampLock(box)()
	s.importSpool(box)
	msgs, err := s.Messages(box, "")
	if err != nil {
		return err
	}
	byFolder := map[string][]Message{}
	for _, m := range msgs {
		f := m.Folder
		if f != "INBOX" {
			f = "Old" // the lamp knows new and old only
		}
		byFolder[f] = append(byFolder[f], m)
	}
	for _, folder := range []string{"INBOX", "Old"} {
		dir := filepath.Join(s.deps.Spool, "default", box, folder)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		old, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		taken := map[string]bool{} // msgNNNN of app_voicemail's files left in place
		for _, e := range old {
			stem, ext, _ := strings.Cut(e.Name(), ".")
			if !strings.HasPrefix(stem, "msg") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if ext == "txt" && ariflowCard(path) {
				if err := os.Remove(path); err != nil {
					return err
				}
				continue
			}
			taken[stem] = true
		}
		n := 0
		for _, m := range byFolder[folder] {
			for taken[fmt.Sprintf("msg%04d", n)] {
				n++
			}
			card := fmt.Sprintf(";\n; Message Information file (%s; audio: %s)\n;\n[message]\norigmailbox=%s\ncontext=default\ncallerid=%s\norigtime=%d\nduration=%d\nmsg_id=%s\n",
				cardMarker, m.Recording, box, cardValue(m.Caller), m.Time.Unix(), int(m.Duration.Seconds()), m.ID)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("msg%04d.txt", n)), []byte(card), 0o644); err != nil {
				return err
			}
			n++
		}
	}
	return nil
}

// ariflowCard reports whether the card at path is one of ariflow's: cardMarker in a comment
// line before the [message] section (a caller ID, on a field line, cannot make one). A card
// that cannot be read is not.
func ariflowCard(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && markedCard(data)
}

func markedCard(data []byte) bool {
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			return false
		}
		if strings.HasPrefix(line, ";") && strings.Contains(line, cardMarker) {
			return true
		}
	}
	return false
}

// cardValue keeps an untrusted caller number on one line of the card.
func cardValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
