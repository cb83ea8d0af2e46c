package voicemail

import (
	"errors"
	"fmt"
)

// ErrNoMessage is returned for a message id a box does not have.
var ErrNoMessage = errors.New("voicemail: no such message")

// Message returns one message of a box.
func (s *Service) Message(box, id string) (Message, error) {
	if _, ok := s.box(box); !ok {
		return Message{}, fmt.Errorf("%w: %q", ErrNoBox, box)
	}
	msgs, err := s.Messages(box, "")
	if err != nil {
		return Message{}, err
	}
	for _, m := range msgs {
		if m.ID == id {
			return m, nil
		}
	}
	return Message{}, fmt.Errorf("%w: %s/%s", ErrNoMessage, box, id)
}

// AudioPath is where a message's audio file is, as the app sees it.
func (s *Service) AudioPath(m Message) string { return s.stored(m.Recording) }

// MarkHeard marks a message heard and moves it from INBOX to Old, as listening to it
// from the phone does; the box's lamp follows.
func (s *Service) MarkHeard(box, id string) (Message, error) {
	if _, ok := s.box(box); !ok {
		return Message{}, fmt.Errorf("%w: %q", ErrNoBox, box)
	}
	return s.update(box, id, markHeard)
}

// Delete removes a message, its audio first; the box's lamp follows.
func (s *Service) Delete(box, id string) error {
	defer s.lock(box)()
	m, err := s.Message(box, id)
	if err != nil {
		return err
	}
	return s.remove(m)
}
