package config

import (
	"fmt"
	"sort"
	"strings"
)

func (d *decoder) menus(p pair) {
	d.named(p, "menu", isName, func(q pair, where string) {
		before := len(d.probs)
		m := Menu{Name: q.key, Line: q.k.Line, Timeout: defaultMenuTimeout, DigitTimeout: defaultDigitTimeout,
			Answer: true, Choices: map[string]Action{}}
		lines := map[string]int{} // line of each key, for checks across keys
		restartSet := false
		for _, r := range d.fields(q.v, where, "a menu") {
			lines[r.key] = r.line()
			switch r.key {
			case "prompts":
				m.Prompts = d.media(where, r)
			case "timeout":
				d.duration(where, r, true, &m.Timeout)
			case "digit_timeout":
				d.duration(where, r, false, &m.DigitTimeout)
			case "choices":
				d.choices(where, r, &m, lines)
			case "invalid":
				m.Invalid.Line = r.k.Line
				restartSet = d.invalid(where+": invalid", r, &m.Invalid)
			case "on_timeout":
				m.OnTimeout.Line = r.k.Line
				d.onTimeout(where+": on_timeout", r, &m.OnTimeout, lines)
			case "max_retries":
				d.integer(where, r, 0, &m.MaxRetries)
			case "after_retries":
				m.AfterRetries = d.action(where+": after_retries", r.v, true)
			case "direct_dial":
				d.boolean(where, r, &m.DirectDial)
			case "answer":
				d.boolean(where, r, &m.Answer)
			default:
				d.unknown(where, r)
			}
		}
		d.menuChecks(where, &m, lines, restartSet)
		if len(d.probs) > before {
			d.shaky[m.Name] = true
		}
		d.f.Menus[m.Name] = m
	})
}

func (d *decoder) choices(where string, p pair, m *Menu, lines map[string]int) {
	for _, c := range d.fields(p.v, where, p.key) {
		w := fmt.Sprintf("%s: choice %q", where, c.key)
		if !isDial(c.key) {
			d.add(c.k.Line, w, "digits must be of 0-9, * and #")
			continue
		}
		lines["choice "+c.key] = c.k.Line
		if a := d.action(w, c.v, true); a != nil {
			m.Choices[c.key] = *a
		}
	}
}

// invalid decodes a menu's invalid block and reports whether restart was written.
func (d *decoder) invalid(where string, p pair, in *Invalid) bool {
	restartSet := false
	for _, r := range d.fields(p.v, where, "invalid") {
		switch r.key {
		case "prompt":
			in.Prompt = d.sound(where, r)
		case "restart":
			restartSet = true
			d.boolean(where, r, &in.Restart)
		case "action":
			in.Action = d.action(where+": action", r.v, true)
		default:
			d.unknown(where, r)
		}
	}
	return restartSet
}

func (d *decoder) onTimeout(where string, p pair, t *OnTimeout, lines map[string]int) {
	for _, r := range d.fields(p.v, where, "on_timeout") {
		switch r.key {
		case "replay_from":
			d.integer(where, r, 1, &t.ReplayFrom)
			lines["replay_from"] = r.line()
		case "action":
			t.Action = d.action(where+": action", r.v, true)
			lines["timeout action"] = r.k.Line
		default:
			d.unknown(where, r)
		}
	}
}

// menuChecks checks a menu's keys against each other and fills the implied defaults.
func (d *decoder) menuChecks(where string, m *Menu, lines map[string]int, restartSet bool) {
	if _, ok := lines["prompts"]; !ok {
		d.add(m.Line, where, "prompts is required (at least one media URI)")
	}
	if m.DigitTimeout == 0 {
		var keys []string // every valid choice, decoded or not
		for k := range lines {
			if c, ok := strings.CutPrefix(k, "choice "); ok {
				keys = append(keys, c)
			}
		}
		sort.Strings(keys)
		for _, long := range keys {
			for _, short := range keys {
				if short != long && strings.HasPrefix(long, short) {
					d.add(lines["choice "+long], where, "choice %q starts with choice %q: that needs digit_timeout > 0", long, short)
				}
			}
		}
		if m.DirectDial {
			d.add(lines["direct_dial"], where, "direct_dial needs digit_timeout > 0")
		}
	}
	if m.AfterRetries != nil && m.MaxRetries == 0 {
		d.add(lines["after_retries"], where, "after_retries needs max_retries > 0")
	}
	in := &m.Invalid
	switch {
	case in.Action != nil && in.Restart:
		d.add(in.Line, where+": invalid", "set restart or action, not both")
	case in.Action == nil && restartSet && !in.Restart:
		d.add(in.Line, where+": invalid", "restart is false but there is no action")
	case in.Action == nil:
		in.Restart = true
	}
	t := &m.OnTimeout
	switch {
	case t.Action != nil && t.ReplayFrom != 0:
		d.add(lines["replay_from"], where+": on_timeout", "set replay_from or action, not both")
	case t.ReplayFrom > len(m.Prompts) && len(m.Prompts) > 0:
		d.add(lines["replay_from"], where+": on_timeout", "replay_from is %d but the menu has %d prompts", t.ReplayFrom, len(m.Prompts))
	case t.Action == nil && t.ReplayFrom == 0:
		t.ReplayFrom = 1
	}
}

func (d *decoder) queues(p pair) {
	d.named(p, "queue", isName, func(q pair, where string) {
		u := Queue{Name: q.key, Line: q.k.Line, Strategy: "ringall", MemberTimeout: defaultMemberTimeout,
			Retry: defaultRetry, MusicClass: defaultQueueMusic, Answer: true, JoinEmpty: true}
		var afterLine, everyLine int
		for _, r := range d.fields(q.v, where, "a queue") {
			switch r.key {
			case "strategy":
				d.oneOf(where, r, QueueStrategies, &u.Strategy)
			case "member_timeout":
				d.duration(where, r, true, &u.MemberTimeout)
			case "retry":
				d.duration(where, r, true, &u.Retry)
			case "music_class":
				u.MusicClass = d.str(where, r)
				d.ref(refMusic, u.MusicClass, r.line(), where)
			case "members":
				items := d.strings(where, r)
				seen := map[string]bool{}
				for _, it := range items {
					if !isEndpoint(it.val) {
						d.add(it.line, where, "member %q must look like TECH/resource, e.g. PJSIP/4001", it.val)
					} else if seen[it.val] {
						d.add(it.line, where, "member %q is listed twice", it.val)
					}
					seen[it.val] = true
				}
				u.Members = values(items)
			case "max_wait":
				d.duration(where, r, false, &u.MaxWait)
			case "after_max_wait":
				afterLine = r.k.Line
				u.AfterMaxWait = d.action(where+": after_max_wait", r.v, false)
			case "max_length":
				d.integer(where, r, 0, &u.MaxLength)
			case "wrap_up":
				d.duration(where, r, false, &u.WrapUp)
			case "announce_every":
				d.duration(where, r, false, &u.AnnounceEvery)
				everyLine = r.k.Line
			case "answer":
				d.boolean(where, r, &u.Answer)
			case "join_empty":
				d.boolean(where, r, &u.JoinEmpty)
			case "leave_empty":
				d.boolean(where, r, &u.LeaveEmpty)
			case "announce_position":
				d.boolean(where, r, &u.AnnouncePosition)
			case "ring_in_use":
				d.boolean(where, r, &u.RingInUse)
			case "record":
				d.boolean(where, r, &u.Record)
			default:
				d.unknown(where, r)
			}
		}
		if len(u.Members) == 0 && mapOrNull(q.v) {
			d.add(u.Line, where, "members is required (at least one endpoint)")
		}
		if afterLine > 0 && !u.TurnsAway() {
			d.add(afterLine, where, "after_max_wait is never used: it needs max_wait > 0, max_length > 0, join_empty: false or leave_empty: true")
		}
		if everyLine > 0 && !u.AnnouncePosition {
			d.add(everyLine, where, "announce_every repeats the position: it needs announce_position: true")
		}
		if a := u.AfterMaxWait; a != nil && a.Kind == ActQueue && a.Queue == u.Name {
			d.add(afterLine, where, "after_max_wait leads back to the same queue")
		}
		d.f.Queues[u.Name] = u
	})
}

func (d *decoder) rooms(p pair) {
	d.named(p, "room", isName, func(q pair, where string) {
		rm := Room{Name: q.key, Line: q.k.Line, MaxMembers: defaultMaxMembers, MusicClass: defaultRoomMusic,
			AnnounceCount: true, MusicWhenAlone: true} // the seed's Salle_1
		var adminLine int
		for _, r := range d.fields(q.v, where, "a room") {
			switch r.key {
			case "max_members":
				d.integer(where, r, 1, &rm.MaxMembers)
			case "music_class":
				rm.MusicClass = d.str(where, r)
				d.ref(refMusic, rm.MusicClass, r.line(), where)
			case "join_sound":
				rm.JoinSound = d.sound(where, r)
			case "leave_sound":
				rm.LeaveSound = d.sound(where, r)
			case "pin":
				rm.PIN = d.pin(where, r)
			case "admin_pin":
				rm.AdminPIN = d.pin(where, r)
				adminLine = r.line()
			case "announce_count":
				d.boolean(where, r, &rm.AnnounceCount)
			case "music_when_alone":
				d.boolean(where, r, &rm.MusicWhenAlone)
			case "record":
				d.boolean(where, r, &rm.Record)
			default:
				d.unknown(where, r)
			}
		}
		if rm.PIN != "" && rm.PIN == rm.AdminPIN {
			d.add(adminLine, where, "admin_pin must differ from pin")
		}
		d.f.Rooms[rm.Name] = rm
	})
}
