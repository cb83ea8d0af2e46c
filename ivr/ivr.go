// Package ivr runs the routing file's menus: the seed's SVI on 900 and any menu an admin
// writes. A menu answers (unless answer: false), plays its prompts in order, and reads
// the caller's keys; a key pressed during a prompt stops it at once and counts (barge-in),
// and keys typed ahead are kept for the next read.
//
// How keys are read (config's package doc has the file's side of it):
//
//   - An entry ends as soon as it matches a choice that no longer choice starts with. A key
//     that no choice (nor, with direct_dial, extension number) can start with makes the
//     entry invalid at once. Otherwise the menu waits digit_timeout for the next key, then
//     takes what was typed. "#" ends an entry early unless a choice continues with it.
//   - With direct_dial, an entry naming an extension of the routing file runs that
//     extension's flow; a choice with the same digits wins.
//   - An invalid entry plays invalid.prompt (DefaultInvalidPrompt when the file is silent:
//     the caller always hears that the key was wrong), then runs invalid.action, or else
//     starts the menu over from its first prompt.
//   - No key within timeout after the prompts runs on_timeout.action, or else replays the
//     prompts from on_timeout.replay_from.
//   - Invalid entries and timeouts count as retries, per visit of a menu: the
//     max_retries-th runs after_retries instead; without after_retries the caller hears
//     GoodbyePrompt and is hung up. max_retries 0 never gives up (the seed).
//   - A choice {menu: x} enters x; back returns to the menu that led there, or hangs up in
//     a menu entered directly. Entering a menu that is already on the way back (a
//     sub-menu's "main menu" choice) returns to it rather than nesting deeper.
//   - Any other action (extension, dial, queue, voicemail, room, play, hangup...) is handed
//     to the Runner, which performs it on the same call; the menu is over.
package ivr

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/config"
)

// DefaultInvalidPrompt is played after an invalid entry when the menu names no
// invalid.prompt: Asterisk's "I'm sorry, that's not a valid extension. Please try again."
const DefaultInvalidPrompt = "sound:invalid"

// GoodbyePrompt is played before hanging up a caller who used up max_retries in a menu
// with no after_retries.
const GoodbyePrompt = "sound:goodbye"

// Call is what a menu needs of a call. *call.Call satisfies it.
type Call interface {
	Answer(ctx context.Context) error
	// Play plays media in order; with interrupt, a key pressed stops it at once and Play
	// returns true, the key staying available to WaitDigit.
	Play(ctx context.Context, interrupt bool, media ...string) (interrupted bool, err error)
	// WaitDigit returns the oldest key pressed and not yet read, waiting up to timeout
	// for one; "" when none came.
	WaitDigit(ctx context.Context, timeout time.Duration) (string, error)
	Logger() *zerolog.Logger
	SetState(state string)
}

// Runner performs an action a menu leads to, on the same call, and returns when it is
// over.
type Runner func(ctx context.Context, a config.Action) error

// Handler runs the menus of one routing file.
type Handler struct {
	menus      map[string]config.Menu
	extensions map[string]bool // dialable from menus with direct_dial
}

// New builds the menus of a routing file that config has validated.
func New(f *config.File) (*Handler, error) {
	if f == nil {
		return nil, fmt.Errorf("ivr: no routing file")
	}
	h := &Handler{menus: f.Menus, extensions: map[string]bool{}}
	for number := range f.Extensions {
		h.extensions[number] = true
	}
	for name, m := range f.Menus {
		if len(m.Prompts) == 0 {
			return nil, fmt.Errorf("ivr: menu %q has no prompts", name)
		}
	}
	return h, nil
}

// Serve runs menu name on c until the caller's choice leads out of the menus (run then
// performs it and Serve returns what run returns), the menus hang up, or the caller
// hangs up (the call's error).
func (h *Handler) Serve(ctx context.Context, c Call, name string, run Runner) error {
	path := []string{name} // the menus entered, the current one last, for back
	for {
		current := path[len(path)-1]
		a, err := h.visit(ctx, c, current)
		if err != nil {
			return err
		}
		switch a.Kind {
		case config.ActMenu:
			if i := slices.Index(path, a.Menu); i >= 0 {
				path = path[:i+1]
			} else {
				path = append(path, a.Menu)
			}
			continue
		case config.ActBack:
			if len(path) == 1 {
				note(c, current, "back from a menu entered directly: hang up")
				return run(ctx, config.Action{Kind: config.ActHangup, Hangup: true, Line: a.Line})
			}
			path = path[:len(path)-1]
			note(c, current, "back to menu "+path[len(path)-1])
			continue
		}
		return run(ctx, a)
	}
}

// visit runs one visit of a menu and returns the action it leads to.
func (h *Handler) visit(ctx context.Context, c Call, name string) (config.Action, error) {
	m, ok := h.menus[name]
	if !ok {
		return config.Action{}, fmt.Errorf("ivr: menu %q is not in the routing file", name)
	}
	c.SetState("menu " + name)
	note(c, name, "menu "+name)
	if m.Answer {
		if err := c.Answer(ctx); err != nil {
			return config.Action{}, err
		}
	}
	retries, from := 0, 0
	for {
		key, err := h.prompts(ctx, c, m, from)
		if err != nil {
			return config.Action{}, err
		}
		if key == "" {
			retries++
			if a := m.OnTimeout.Action; a != nil {
				note(c, name, fmt.Sprintf("no key within %s: %s", m.Timeout, Describe(*a)))
				return *a, nil
			}
			if m.MaxRetries > 0 && retries >= m.MaxRetries {
				note(c, name, fmt.Sprintf("no key within %s, retry %d of %d: %s", m.Timeout, retries, m.MaxRetries, afterWhat(m)))
				return h.after(ctx, c, m)
			}
			note(c, name, fmt.Sprintf("no key within %s: replay from prompt %d%s", m.Timeout, m.OnTimeout.ReplayFrom, retryNote(m, retries)))
			from = m.OnTimeout.ReplayFrom - 1
			continue
		}
		entry, err := h.entry(ctx, c, m, key)
		if err != nil {
			return config.Action{}, err
		}
		if a, ok := h.resolve(m, entry); ok {
			note(c, name, fmt.Sprintf("entry %s: %s", entry, Describe(a)))
			return a, nil
		}
		retries++
		prompt := m.Invalid.Prompt
		if prompt == "" {
			prompt = DefaultInvalidPrompt
		}
		var then string
		switch {
		case m.Invalid.Action != nil:
			then = Describe(*m.Invalid.Action)
		case m.MaxRetries > 0 && retries >= m.MaxRetries:
			then = fmt.Sprintf("retry %d of %d: %s", retries, m.MaxRetries, afterWhat(m))
		default:
			then = "start over" + retryNote(m, retries)
		}
		note(c, name, fmt.Sprintf("entry %s: not a choice: play %s, %s", entry, prompt, then))
		if _, err := c.Play(ctx, true, prompt); err != nil {
			return config.Action{}, err
		}
		switch {
		case m.Invalid.Action != nil:
			return *m.Invalid.Action, nil
		case m.MaxRetries > 0 && retries >= m.MaxRetries:
			return h.after(ctx, c, m)
		}
		from = 0
	}
}

// prompts plays the menu's prompts from index from, stopping at a key, and returns the
// first key of an entry, or "" when none came within the menu's timeout.
func (h *Handler) prompts(ctx context.Context, c Call, m config.Menu, from int) (string, error) {
	for _, p := range m.Prompts[from:] {
		interrupted, err := c.Play(ctx, true, p)
		if err != nil {
			return "", err
		}
		if interrupted {
			break
		}
	}
	return c.WaitDigit(ctx, m.Timeout)
}

// entry reads the keys that follow first until the entry is complete (see the package
// doc) and returns them all.
func (h *Handler) entry(ctx context.Context, c Call, m config.Menu, first string) (string, error) {
	entry := first
	for m.DigitTimeout > 0 && h.continues(m, entry) {
		d, err := c.WaitDigit(ctx, m.DigitTimeout)
		if err != nil {
			return "", err
		}
		if d == "" || d == "#" && !h.continues(m, entry+"#") && !h.matches(m, entry+"#") {
			break
		}
		entry += d
	}
	return entry, nil
}

// continues reports whether a longer choice (or dialable extension) starts with entry.
func (h *Handler) continues(m config.Menu, entry string) bool {
	for k := range m.Choices {
		if len(k) > len(entry) && strings.HasPrefix(k, entry) {
			return true
		}
	}
	if m.DirectDial {
		for k := range h.extensions {
			if len(k) > len(entry) && strings.HasPrefix(k, entry) {
				return true
			}
		}
	}
	return false
}

// matches reports whether entry is a complete choice or dialable extension.
func (h *Handler) matches(m config.Menu, entry string) bool {
	_, ok := h.resolve(m, entry)
	return ok
}

// resolve is the action of a complete entry.
func (h *Handler) resolve(m config.Menu, entry string) (config.Action, bool) {
	if a, ok := m.Choices[entry]; ok {
		return a, true
	}
	if m.DirectDial && h.extensions[entry] {
		return config.Action{Kind: config.ActExtension, Extension: entry}, true
	}
	return config.Action{}, false
}

// after is where a menu goes once max_retries are used up.
func (h *Handler) after(ctx context.Context, c Call, m config.Menu) (config.Action, error) {
	if m.AfterRetries != nil {
		return *m.AfterRetries, nil
	}
	if _, err := c.Play(ctx, false, GoodbyePrompt); err != nil {
		return config.Action{}, err
	}
	return config.Action{Kind: config.ActHangup, Hangup: true}, nil
}

func afterWhat(m config.Menu) string {
	if m.AfterRetries != nil {
		return Describe(*m.AfterRetries)
	}
	return "play " + GoodbyePrompt + ", hang up"
}

func retryNote(m config.Menu, retries int) string {
	if m.MaxRetries == 0 {
		return ""
	}
	return fmt.Sprintf(" (retry %d of %d)", retries, m.MaxRetries)
}

// note logs what a menu decided; `ariflow simulate` shows the same lines as steps.
func note(c Call, menu, what string) {
	c.Logger().Info().Str("menu", menu).Msg(what)
}

// Describe says what an action does, in a few words: "extension 2001", "menu sales".
func Describe(a config.Action) string {
	switch a.Kind {
	case config.ActExtension:
		return "extension " + a.Extension
	case config.ActDial:
		if a.Dial != nil {
			return fmt.Sprintf("ring %s for %s", a.Dial.Endpoint, a.Dial.RingTime)
		}
	case config.ActMenu:
		return "menu " + a.Menu
	case config.ActBack:
		return "back"
	case config.ActQueue:
		return "queue " + a.Queue
	case config.ActVoicemail:
		return "voicemail of " + a.Voicemail
	case config.ActVoicemailMain:
		if a.VoicemailMain != nil && a.VoicemailMain.Mailbox != "" {
			return "voicemail messages of " + a.VoicemailMain.Mailbox
		}
		return "voicemail messages"
	case config.ActRoom:
		return "conference room " + a.Room
	case config.ActPlay:
		return "play " + strings.Join(a.Play, ", ") + ", hang up"
	case config.ActHangup:
		return "hang up"
	}
	return string(a.Kind)
}
