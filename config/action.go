package config

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ActionKind names what an Action does; it is the action's key in the file.
type ActionKind string

// The action kinds.
const (
	ActExtension     ActionKind = "extension"      // the full extension flow of Extension
	ActDial          ActionKind = "dial"           // ring Dial.Endpoint directly
	ActMenu          ActionKind = "menu"           // enter menu Menu
	ActBack          ActionKind = "back"           // return to the parent menu (menus only)
	ActQueue         ActionKind = "queue"          // wait in queue Queue
	ActVoicemail     ActionKind = "voicemail"      // leave a message in box Voicemail
	ActVoicemailMain ActionKind = "voicemail_main" // log in to listen to messages
	ActRoom          ActionKind = "room"           // join conference room Room
	ActSpy           ActionKind = "spy"            // ask for an extension and spy on it
	ActAbsence       ActionKind = "absence"        // turn the caller's absence on or off
	ActPlay          ActionKind = "play"           // play Play, then hang up
	ActHangup        ActionKind = "hangup"         // hang up
	ActQueueMember   ActionKind = "queue_member"   // the calling phone logs in/out of a queue, or pauses
)

// actionKinds lists the kinds in the order messages show them.
var actionKinds = []ActionKind{ActExtension, ActDial, ActMenu, ActBack, ActQueue, ActVoicemail,
	ActVoicemailMain, ActRoom, ActSpy, ActAbsence, ActPlay, ActHangup, ActQueueMember}

// Action is what happens to a call: exactly one kind, whose field is set.
type Action struct {
	Kind          ActionKind
	Line          int
	Extension     string         // ActExtension: extension number
	Dial          *Dial          // ActDial
	Menu          string         // ActMenu: menu name
	Back          bool           // ActBack: always true
	Queue         string         // ActQueue: queue name
	Voicemail     string         // ActVoicemail: box number
	VoicemailMain *VoicemailMain // ActVoicemailMain
	Room          string         // ActRoom: room name
	Spy           *SpyAction     // ActSpy
	Absence       string         // ActAbsence: "on" or "off"
	Play          []string       // ActPlay: media URIs
	Hangup        bool           // ActHangup: always true
	QueueMember   *QueueMember   // ActQueueMember

	// MusicClass, beside a queue or menu action, is the call's hold music from here on,
	// before any queue's own class (the seed's Set(CHANNEL(musicclass)=musique)); "" keeps
	// the queue's.
	MusicClass string
}

// QueueMember is a member's feature code: the calling phone (the queue member whose
// endpoint's resource is the caller's number) logs in, logs out, pauses or unpauses, or
// toggles between logged in and out.
type QueueMember struct {
	Queue string
	Op    string // one of QueueMemberOps
}

// QueueMemberOps are the operations of a queue_member action.
var QueueMemberOps = []string{"login", "logout", "toggle", "pause", "unpause"}

// Dial rings an endpoint directly.
type Dial struct {
	Endpoint string        // TECH/resource
	RingTime time.Duration // default: extension_defaults.ring_time
}

// VoicemailMain logs in to voicemail; Mailbox "" asks the caller for the box.
type VoicemailMain struct {
	Mailbox string
}

// SpyAction spies on an extension the caller types; Mode defaults to spy.mode.
type SpyAction struct {
	Mode string
}

func kindNames() string {
	s := make([]string, len(actionKinds))
	for i, k := range actionKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func isKind(s string) bool {
	for _, k := range actionKinds {
		if string(k) == s {
			return true
		}
	}
	return false
}

// action decodes an action node; inMenu allows back. It returns nil after a problem.
func (d *decoder) action(where string, n *yaml.Node, inMenu bool) *Action {
	ps := d.fields(n, where, "an action")
	var known, music []pair
	for _, p := range ps {
		switch {
		case isKind(p.key):
			known = append(known, p)
		case p.key == "music_class":
			music = append(music, p)
		default:
			d.add(p.k.Line, where, "unknown action %q (want one of %s, and music_class beside a queue or menu)", p.key, kindNames())
		}
	}
	if len(known)+len(music) != len(ps) {
		return nil
	}
	switch len(known) {
	case 0:
		if n.Kind == yaml.MappingNode || n.ShortTag() == "!!null" {
			d.add(n.Line, where, "needs an action: one of %s", kindNames())
		}
		return nil
	case 1:
	default:
		keys := make([]string, len(known))
		for i, p := range known {
			keys[i] = p.key
		}
		d.add(n.Line, where, "has %d actions (%s); want exactly one", len(known), strings.Join(keys, ", "))
		return nil
	}
	p := known[0]
	a := &Action{Kind: ActionKind(p.key), Line: n.Line}
	before := len(d.probs)
	for _, m := range music {
		d.musicClass(where, m, a)
	}
	name := func(kind refKind) string {
		s := d.str(where, p)
		d.ref(kind, s, p.line(), where)
		return s
	}
	sub := where + ": " + p.key
	switch a.Kind {
	case ActExtension:
		a.Extension = name(refExtension)
	case ActMenu:
		a.Menu = name(refMenu)
	case ActQueue:
		a.Queue = name(refQueue)
	case ActRoom:
		a.Room = name(refRoom)
	case ActVoicemail:
		a.Voicemail = name(refBox)
	case ActDial:
		a.Dial = d.dial(where, p)
	case ActVoicemailMain:
		a.VoicemailMain = &VoicemailMain{}
		for _, q := range d.fields(p.v, where, p.key) {
			if q.key != "mailbox" {
				d.unknown(sub, q)
				continue
			}
			a.VoicemailMain.Mailbox = d.str(sub, q)
			d.ref(refBox, a.VoicemailMain.Mailbox, q.line(), where)
		}
	case ActSpy:
		a.Spy = &SpyAction{Mode: d.f.Spy.Mode}
		for _, q := range d.fields(p.v, where, p.key) {
			if q.key != "mode" {
				d.unknown(sub, q)
				continue
			}
			d.oneOf(sub, q, SpyModes, &a.Spy.Mode)
		}
	case ActAbsence:
		d.oneOf(where, p, []string{"on", "off"}, &a.Absence)
	case ActPlay:
		a.Play = d.media(where, p)
	case ActBack:
		a.Back = d.mustTrue(where, p)
		if a.Back && !inMenu {
			d.add(p.k.Line, where, "back is only valid inside a menu")
		}
	case ActHangup:
		a.Hangup = d.mustTrue(where, p)
	case ActQueueMember:
		a.QueueMember = &QueueMember{}
		for _, q := range d.fields(p.v, where, p.key) {
			switch q.key {
			case "queue":
				a.QueueMember.Queue = d.str(sub, q)
				d.ref(refQueue, a.QueueMember.Queue, q.line(), where)
			case "op":
				d.oneOf(sub, q, QueueMemberOps, &a.QueueMember.Op)
			default:
				d.unknown(sub, q)
			}
		}
		if len(d.probs) == before && (a.QueueMember.Queue == "" || a.QueueMember.Op == "") {
			d.add(p.line(), sub, "queue and op are both required")
		}
	}
	if len(d.probs) > before {
		return nil
	}
	return a
}

// dial decodes `dial: TECH/res` or `dial: {endpoint, ring_time}`.
func (d *decoder) dial(where string, p pair) *Dial {
	dl := &Dial{RingTime: d.f.ExtensionDefaults.RingTime}
	if p.v.Kind == yaml.ScalarNode && p.v.ShortTag() != "!!null" {
		dl.Endpoint = d.endpoint(where, p)
		return dl
	}
	n := len(d.probs)
	w := where + ": dial"
	ps := d.fields(p.v, where, p.key)
	for _, q := range ps {
		switch q.key {
		case "endpoint":
			dl.Endpoint = d.endpoint(w, q)
		case "ring_time":
			d.duration(w, q, true, &dl.RingTime)
		default:
			d.unknown(w, q)
		}
	}
	if dl.Endpoint == "" && len(d.probs) == n {
		d.add(p.line(), w, "endpoint is required")
	}
	return dl
}

// endpoint decodes a TECH/resource string.
func (d *decoder) endpoint(where string, p pair) string {
	s, ok := d.scalar(where, p, "an endpoint")
	if ok && !isEndpoint(s) {
		d.bad(where, p, "%q must look like TECH/resource, e.g. PJSIP/1000", s)
		return ""
	}
	return s
}

// media decodes one media URI or a non-empty list of them.
func (d *decoder) media(where string, p pair) []string {
	n := len(d.probs)
	var items []item
	if p.v.Kind == yaml.ScalarNode {
		if s, ok := d.scalar(where, p, "media"); ok {
			items = []item{{s, p.line()}}
		}
	} else {
		items = d.strings(where, p)
		if len(items) == 0 && len(d.probs) == n {
			d.bad(where, p, "needs at least one media URI")
		}
	}
	for _, it := range items {
		if msg := checkMedia(it.val); msg != "" {
			d.add(it.line, where, "%s: %s", p.key, msg)
		}
	}
	return values(items)
}

// mustTrue decodes a flag that is only meaningful as true.
func (d *decoder) mustTrue(where string, p pair) bool {
	b, n := false, len(d.probs)
	d.boolean(where, p, &b)
	if len(d.probs) == n && !b {
		d.bad(where, p, "must be true (remove the action instead)")
	}
	return b
}

// musicClass decodes an action's music_class (p) into a: a defined class, beside an action
// that can lead to hold music (a queue, or a menu whose choices may).
func (d *decoder) musicClass(where string, p pair, a *Action) {
	if a.Kind != ActQueue && a.Kind != ActMenu {
		d.add(p.k.Line, where, "music_class goes beside a queue or menu action, not %s: no hold music plays there", a.Kind)
		return
	}
	a.MusicClass = d.str(where, p)
	d.ref(refMusic, a.MusicClass, p.line(), where)
}
