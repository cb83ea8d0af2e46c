package ivr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
)

// TimeoutKey in the keys given to Walk stands for a caller who presses nothing until
// the menu's timeout (or, in the middle of an entry, its digit_timeout) passes.
const TimeoutKey = 't'

// errNoMoreKeys ends a walk whose keys ran out while a menu waits for one.
var errNoMoreKeys = errors.New("no more keys")

// MaxWalkKeys is the most keys Walk takes: a long walk through menus, not a flood.
const MaxWalkKeys = 100

// CheckKeys reports keys Walk cannot press: more than MaxWalkKeys, or one that is not 0-9,
// *, # or TimeoutKey.
func CheckKeys(keys string) error {
	if len(keys) > MaxWalkKeys {
		return fmt.Errorf("%d keys: at most %d", len(keys), MaxWalkKeys)
	}
	for _, k := range keys {
		if !strings.ContainsRune("0123456789*#", k) && k != TimeoutKey {
			return fmt.Errorf("keys %q: %q is not a key (0-9, *, # or %c for a timeout)", keys, k, TimeoutKey)
		}
	}
	return nil
}

// Walk says, step by step, where keys lead in menu name, without a call: the same menu
// logic as Serve, with a caller who presses each key at the first moment the menu
// listens (during the first prompt, barging in) and TimeoutKey for no key. It returns the
// steps and the action the menus end on, or nil when the keys ran out while a menu
// still waits.
func (h *Handler) Walk(name, keys string) (steps []string, end *config.Action, err error) {
	if err := CheckKeys(keys); err != nil {
		return nil, nil, err
	}
	w := &walker{keys: keys}
	w.log = zerolog.New(io.Discard).Hook(zerolog.HookFunc(func(_ *zerolog.Event, _ zerolog.Level, msg string) {
		w.steps = append(w.steps, msg)
	}))
	err = h.Serve(context.Background(), w, name, func(_ context.Context, a config.Action) error {
		end = &a
		return nil
	})
	if errors.Is(err, errNoMoreKeys) {
		w.steps = append(w.steps, "waits for a key")
		return w.steps, nil, nil
	}
	return w.steps, end, err
}

// walker is a scripted Call for Walk.
type walker struct {
	keys     string
	steps    []string
	log      zerolog.Logger
	answered bool
}

func (w *walker) Logger() *zerolog.Logger { return &w.log }
func (w *walker) SetState(string)         {}

func (w *walker) Answer(context.Context) error {
	if !w.answered {
		w.answered = true
		w.steps = append(w.steps, "answer")
	}
	return nil
}

// Play is interrupted by the next key unless it is a timeout.
func (w *walker) Play(_ context.Context, interrupt bool, media ...string) (bool, error) {
	next := w.keys != "" && w.keys[0] != TimeoutKey
	if interrupt && next {
		w.steps = append(w.steps, fmt.Sprintf("play %s: key %c stops it", strings.Join(media, ", "), w.keys[0]))
		return true, nil
	}
	w.steps = append(w.steps, "play "+strings.Join(media, ", "))
	return false, nil
}

// WaitDigit takes the next key; TimeoutKey is no key.
func (w *walker) WaitDigit(context.Context, time.Duration) (string, error) {
	if w.keys == "" {
		return "", errNoMoreKeys
	}
	k := w.keys[0]
	w.keys = w.keys[1:]
	if k == TimeoutKey {
		return "", nil
	}
	return string(k), nil
}
