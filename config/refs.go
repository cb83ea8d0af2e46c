package config

import (
	"fmt"
	"sort"
)

// refKind is what a name refers to.
type refKind int

const (
	refExtension refKind = iota
	refMenu
	refQueue
	refRoom
	refBox
	refSchedule
	refMusic
)

// ref is a name used somewhere, checked once the whole file is decoded.
type ref struct {
	kind  refKind
	name  string
	line  int
	where string
}

// ref records a reference to check at the end; "" (a problem already) is skipped.
func (d *decoder) ref(kind refKind, name string, line int, where string) {
	if name != "" {
		d.refs = append(d.refs, ref{kind, name, line, where})
	}
}

// resolve reports every reference to something the file does not define.
func (d *decoder) resolve() {
	f := d.f
	for _, r := range d.refs {
		var ok bool
		var noun, under string
		switch r.kind {
		case refExtension:
			_, ok = f.Extensions[r.name]
			noun, under = "extension", "extensions"
		case refMenu:
			_, ok = f.Menus[r.name]
			noun, under = "menu", "menus"
		case refQueue:
			_, ok = f.Queues[r.name]
			noun, under = "queue", "queues"
		case refRoom:
			_, ok = f.Rooms[r.name]
			noun, under = "room", "rooms"
		case refBox:
			_, ok = f.Voicemail.Boxes[r.name]
			noun, under = "mailbox", "voicemail.boxes"
		case refSchedule:
			_, ok = f.Schedules[r.name]
			noun, under = "schedule", "schedules"
		case refMusic:
			_, ok = f.MusicClasses[r.name]
			ok = ok || r.name == "default" || r.name == "classic"
			noun, under = "music_class", "music_classes"
		}
		if !ok {
			d.add(r.line, r.where, "%s %q is not defined under %s", noun, r.name, under)
		}
	}
}

// checkMenuExits reports menus a caller can never leave except by hanging up: every choice,
// invalid and timeout action leads to a menu (itself or others) that cannot be left either,
// max_retries is 0 and direct_dial is off. A menu with other problems is assumed to have a
// way out, so one mistake is not reported twice.
func (d *decoder) checkMenuExits() {
	names := make([]string, 0, len(d.f.Menus))
	for name := range d.f.Menus {
		names = append(names, name)
	}
	sort.Strings(names)
	exits := make(map[string]bool, len(names))
	leaves := func(a *Action) bool {
		if a == nil {
			return false
		}
		if _, known := d.f.Menus[a.Menu]; a.Kind != ActMenu || !known {
			return true
		}
		return exits[a.Menu]
	}
	for changed := true; changed; {
		changed = false
		for _, name := range names {
			m := d.f.Menus[name]
			if exits[name] {
				continue
			}
			out := d.shaky[name] || m.MaxRetries > 0 || m.DirectDial ||
				leaves(m.Invalid.Action) || leaves(m.OnTimeout.Action)
			for _, c := range m.Choices {
				out = out || leaves(&c)
			}
			if out {
				exits[name], changed = true, true
			}
		}
	}
	for _, name := range names {
		if !exits[name] {
			d.add(d.f.Menus[name].Line, fmt.Sprintf("menu %q", name),
				"no way out: every choice, invalid and timeout leads back to a menu, and max_retries is 0")
		}
	}
}
