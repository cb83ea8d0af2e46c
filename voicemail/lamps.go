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

func (s *Service) writeCards(box string) error {
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
		for _, e := range old {
			if strings.HasPrefix(e.Name(), "msg") && strings.HasSuffix(e.Name(), ".txt") {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
		for i, m := range byFolder[folder] {
			card := fmt.Sprintf(";\n; Message Information file (ariflow index card; audio: %s)\n;\n[message]\norigmailbox=%s\ncontext=default\ncallerid=%s\norigtime=%d\nduration=%d\nmsg_id=%s\n",
				m.Recording, box, cardValue(m.Caller), m.Time.Unix(), int(m.Duration.Seconds()), m.ID)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("msg%04d.txt", i)), []byte(card), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
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
