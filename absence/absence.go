// Package absence keeps each extension's absence mode (the seed's *77 / *88) in the embedded
// database, so it survives restarts, with an audit trail of who changed it and when.
// Absence is permanent, or temporary: it ends by itself at a given instant (for example
// the next change of the office schedule).
package absence

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ariflow/ariflow/store"
)

const (
	stateBucket = "absence"
	auditBucket = "absence_audit"
)

// DB is the part of the embedded database absence needs.
type DB interface {
	PutAndAppend(bucket, key string, v any, log string) error
	GetJSON(bucket, key string, v any) error
	ForEach(bucket string, fn func(key string, value []byte) error) error
}

// State is one extension's absence mode.
type State struct {
	Exten string    `json:"exten"`
	On    bool      `json:"on"`
	By    string    `json:"by"`             // who set it: an extension, or "admin@<address>" (the admin API)
	At    time.Time `json:"at"`             // when it was set
	Until time.Time `json:"until,omitzero"` // when a temporary absence ends; zero: until turned off
}

// ActiveAt reports whether the absence is in force at t.
func (s State) ActiveAt(t time.Time) bool {
	return s.On && (s.Until.IsZero() || t.Before(s.Until))
}

// Service reads and changes absence modes.
type Service struct {
	db       DB
	onChange func(State)
	mu       sync.Mutex // one change at a time, so EndExpired never ends a newer absence
}

// ExpiredBy is State.By of an absence turned off by EndExpired, at its end time.
const ExpiredBy = "its end time"

// New returns a Service over db; onChange (optional) hears every change, after it is stored.
func New(db DB, onChange func(State)) *Service {
	return &Service{db: db, onChange: onChange}
}

// Set turns absence on or off for exten. until, when not zero, makes it temporary.
// The change and its audit entry are stored durably, together, before Set returns: on an
// error neither is, so the caller can say the change failed.
func (s *Service) Set(exten string, on bool, by string, at, until time.Time) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set(exten, on, by, at, until)
}

func (s *Service) set(exten string, on bool, by string, at, until time.Time) (State, error) {
	st := State{Exten: exten, On: on, By: by, At: at.UTC()}
	if on && !until.IsZero() {
		st.Until = until.UTC()
	}
	if err := s.db.PutAndAppend(stateBucket, exten, st, auditBucket); err != nil {
		return State{}, fmt.Errorf("absence: set %s: %w", exten, err)
	}
	if s.onChange != nil {
		s.onChange(st)
	}
	return st, nil
}

// EndExpired turns off, as a change like any other (stored, audited, heard by the change
// hook, so the chat says it ended), every temporary absence whose end is not after now,
// and returns the states it stored. ActiveAt already treats such an absence as over:
// this only records and announces it.
func (s *Service) EndExpired(now time.Time) ([]State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	var ended []State
	for _, st := range list {
		if !st.On || st.Until.IsZero() || now.Before(st.Until) {
			continue
		}
		off, err := s.set(st.Exten, false, ExpiredBy, st.Until, time.Time{})
		if err != nil {
			return ended, err
		}
		ended = append(ended, off)
	}
	return ended, nil
}

// Get returns exten's stored absence state; an extension never set is present (On false).
func (s *Service) Get(exten string) (State, error) {
	var st State
	err := s.db.GetJSON(stateBucket, exten, &st)
	if errors.Is(err, store.ErrNotFound) {
		return State{Exten: exten}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("absence: get %s: %w", exten, err)
	}
	return st, nil
}

// Absent reports whether exten is absent at t.
func (s *Service) Absent(exten string, t time.Time) (bool, error) {
	st, err := s.Get(exten)
	return st.ActiveAt(t), err
}

// List returns every extension's stored state, in extension order.
func (s *Service) List() ([]State, error) {
	return decodeAll(s.db, stateBucket)
}

// Audit returns every change ever made, oldest first.
func (s *Service) Audit() ([]State, error) {
	return decodeAll(s.db, auditBucket)
}

func decodeAll(db DB, bucket string) ([]State, error) {
	var out []State
	err := db.ForEach(bucket, func(_ string, v []byte) error {
		var st State
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("absence: read %s: %w", bucket, err)
	}
	return out, nil
}
