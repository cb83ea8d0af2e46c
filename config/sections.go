package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ariflow/ariflow/notify"
	"github.com/ariflow/ariflow/schedule"
)

// section is a top-level key and its decoder, in decoding order: defaults come before the
// sections that use them (extension_defaults and spy before actions).
type section struct {
	key string
	fn  func(d *decoder, p pair)
}

var sections = []section{
	{"asterisk", (*decoder).asterisk},
	{"timezone", (*decoder).timezone},
	{"database", func(d *decoder, p pair) { d.f.Database = d.str("", p) }},
	{"sounds", (*decoder).sounds},
	{"music_classes", (*decoder).musicClasses},
	{"schedules", (*decoder).schedules},
	{"absence", (*decoder).absence},
	{"notify", (*decoder).notify},
	{"recordings", (*decoder).recordings},
	{"extension_defaults", (*decoder).extensionDefaults},
	{"spy", (*decoder).spy},
	{"voicemail", (*decoder).voicemail},
	{"extensions", (*decoder).extensions},
	{"menus", (*decoder).menus},
	{"queues", (*decoder).queues},
	{"rooms", (*decoder).rooms},
	{"numbers", (*decoder).numbers},
	{"admin", (*decoder).admin},
	{"limits", (*decoder).limits},
}

// named iterates a mapping of named entries (menus, queues...), checking each name.
func (d *decoder) named(p pair, what string, check func(string) bool, fn func(q pair, where string)) {
	for _, q := range d.fields(p.v, "", p.key) {
		where := fmt.Sprintf("%s %q", what, q.key)
		if !check(q.key) {
			d.add(q.k.Line, where, "invalid name (use letters, digits, '_', '-' and '.')")
			continue
		}
		fn(q, where)
	}
}

// secret decodes a value/value_env pair of keys and checks exactly one is set.
func (d *decoder) secret(where string, line int, name, value, env string) {
	switch {
	case value != "" && env != "":
		d.add(line, where, "set %s or %s_env, not both", name, name)
	case value == "" && env == "":
		d.add(line, where, "%s or %s_env is required", name, name)
	}
}

// envName decodes the name of an environment variable.
func (d *decoder) envName(where string, p pair) string {
	s, ok := d.scalar(where, p, "a variable name")
	if ok && !isEnvName(s) {
		d.bad(where, p, "%q is not an environment variable name", s)
	}
	return s
}

// check reports msg about the pair's value when msg is not empty.
func (d *decoder) check(where string, p pair, msg string) {
	if msg != "" {
		d.bad(where, p, "%s", msg)
	}
}

// sound decodes one media URI.
func (d *decoder) sound(where string, p pair) string {
	s := d.str(where, p)
	if s != "" {
		d.check(where, p, checkMedia(s))
	}
	return s
}

// httpURL decodes an http(s) URL.
func (d *decoder) httpURL(where string, p pair) string {
	s := d.str(where, p)
	if s != "" {
		d.check(where, p, checkHTTPURL(s))
	}
	return s
}

// template decodes a notice or name template using only the allowed placeholders.
func (d *decoder) template(where string, p pair, allowed ...string) string {
	s := d.str(where, p)
	d.check(where, p, checkTemplate(s, allowed...))
	return s
}

func (d *decoder) asterisk(p pair) {
	a := &d.f.Asterisk
	a.Line = p.k.Line
	const w = "asterisk"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "url":
			a.URL = d.httpURL(w, q)
		case "username":
			a.Username = d.str(w, q)
		case "password":
			a.Password = d.str(w, q)
		case "password_env":
			a.PasswordEnv = d.envName(w, q)
		case "app":
			a.App = d.str(w, q)
			if a.App != "" && !isName(a.App) {
				d.bad(w, q, "%q: use letters, digits, '_', '-' and '.'", a.App)
			}
		case "dial_context":
			a.DialContext = d.str(w, q)
			if a.DialContext != "" && !isName(a.DialContext) {
				d.bad(w, q, "%q: use letters, digits, '_', '-' and '.'", a.DialContext)
			}
		case "max_connections":
			d.integer(w, q, 2, &a.MaxConnections) // the events websocket and one request
		default:
			d.unknown(w, q)
		}
	}
	if a.URL == "" {
		d.add(a.Line, w, "url is required")
	}
	if a.Username == "" {
		d.add(a.Line, w, "username is required")
	}
	d.secret(w, a.Line, "password", a.Password, a.PasswordEnv)
}

func (d *decoder) limits(p pair) {
	l := &d.f.Limits
	l.Line = p.k.Line
	const w = "limits"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "max_calls":
			d.integer(w, q, 0, &l.MaxCalls)
		case "calls_per_second":
			d.integer(w, q, 0, &l.CallsPerSecond)
		default:
			d.unknown(w, q)
		}
	}
}

func (d *decoder) timezone(p pair) {
	s, ok := d.scalar("", p, "a time zone name")
	if !ok {
		return
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		d.bad("", p, "%q is not a known time zone (e.g. Europe/Paris)", s)
		return
	}
	d.f.Timezone, d.f.loc = s, loc
}

func (d *decoder) sounds(p pair) {
	d.f.Sounds.Line = p.k.Line
	for _, q := range d.fields(p.v, "", p.key) {
		if q.key != "language" {
			d.unknown("sounds", q)
			continue
		}
		s := d.str("sounds", q)
		lang, region, _ := strings.Cut(s, "_")
		if s != "" && (len(lang) < 2 || len(lang) > 3 || strings.Trim(lang, "abcdefghijklmnopqrstuvwxyz") != "" ||
			strings.Contains(s, "_") && (len(region) != 2 || !isName(region))) {
			d.bad("sounds", q, "%q is not a language code (e.g. fr, en_GB)", s)
			continue
		}
		d.f.Sounds.Language = s
	}
}

func (d *decoder) musicClasses(p pair) {
	d.named(p, "music class", isName, func(q pair, where string) {
		mc := MusicClass{Name: q.key, Line: q.k.Line}
		for _, r := range d.fields(q.v, where, "a music class") {
			if r.key != "directory" {
				d.unknown(where, r)
				continue
			}
			mc.Directory = d.str(where, r)
		}
		d.f.MusicClasses[q.key] = mc
	})
}

func (d *decoder) schedules(p pair) {
	d.named(p, "schedule", isName, func(q pair, where string) {
		s := Schedule{Name: q.key, Line: q.k.Line}
		for _, r := range d.fields(q.v, where, "a schedule") {
			switch r.key {
			case "default":
				d.oneOf(where, r, []string{"open", "closed"}, &s.Default)
			case "open", "closed":
				items := d.strings(where, r)
				for _, it := range items {
					if msg := checkPeriod(it.val); msg != "" {
						d.add(it.line, where, "%s: %s", r.key, msg)
					}
				}
				if r.key == "open" {
					s.Open = values(items)
				} else {
					s.Closed = values(items)
				}
			case "holidays":
				s.Holidays = d.holidays(where, r)
			default:
				d.unknown(where, r)
			}
		}
		switch {
		case s.Default == "":
			d.add(s.Line, where, "default (open or closed) is required")
		case s.Default == "open" && len(s.Open) > 0:
			d.add(s.Line, where, "default is open, so its open periods change nothing")
		case s.Default == "closed" && len(s.Closed) > 0 && len(s.Open) == 0:
			// Closed periods beat open ones (a lunch break inside open hours), so they
			// matter only when some period opens.
			d.add(s.Line, where, "default is closed and no period opens, so its closed periods change nothing")
		}
		d.f.Schedules[q.key] = s
	})
}

func (d *decoder) holidays(where string, p pair) *Holidays {
	h := &Holidays{Line: p.k.Line, State: "closed"}
	where += ": holidays"
	for _, q := range d.fields(p.v, where, "holidays") {
		switch q.key {
		case "calendars":
			for _, it := range d.strings(where, q) {
				i := slices.IndexFunc(HolidayCalendars, func(c string) bool { return strings.EqualFold(c, it.val) })
				if i < 0 {
					d.add(it.line, where, "unknown calendar %q (known: %s)", it.val, strings.Join(HolidayCalendars, ", "))
					continue
				}
				h.Calendars = append(h.Calendars, HolidayCalendars[i]) // "fr" is FR
			}
		case "dates":
			items := d.strings(where, q)
			for _, it := range items {
				if err := schedule.CheckDate(it.val); err != nil {
					d.add(it.line, where, "%q is not a date YYYY-MM-DD (optionally followed by a name)", it.val)
				}
			}
			h.Dates = values(items)
		case "state":
			d.oneOf(where, q, []string{"closed", "open"}, &h.State)
		default:
			d.unknown(where, q)
		}
	}
	return h
}

func (d *decoder) absence(p pair) {
	a := &d.f.Absence
	a.Line = p.k.Line
	const w = "absence"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "on_code", "off_code":
			s := d.str(w, q)
			if s != "" && !isDial(s) {
				d.bad(w, q, "%q must be a dial string of 0-9, * and #", s)
				s = ""
			}
			if s != "" && q.key == "on_code" {
				a.OnCode = s
			} else if s != "" {
				a.OffCode = s
			}
		case "on_sound":
			a.OnSound = d.sound(w, q)
		case "off_sound":
			a.OffSound = d.sound(w, q)
		case "closed_sound":
			a.ClosedSound = d.sound(w, q)
		case "until_schedule_change":
			d.boolean(w, q, &a.UntilScheduleChange)
		default:
			d.unknown(w, q)
		}
	}
	if a.OnCode == a.OffCode {
		d.add(a.Line, w, "on_code and off_code are both %q", a.OnCode)
	}
}

func (d *decoder) notify(p pair) {
	n := &d.f.Notify
	n.Line = p.k.Line
	const w = "notify"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "mattermost":
			d.mattermost(q)
		case "call_template":
			n.CallTemplate = d.noticeTemplate(w, q, notify.KindCall)
		case "missed_template":
			n.MissedTemplate = d.noticeTemplate(w, q, notify.KindMissed)
		case "absence_template":
			n.AbsenceTemplate = d.noticeTemplate(w, q, notify.KindAbsence)
		case "voicemail_template":
			n.VoicemailTemplate = d.noticeTemplate(w, q, notify.KindVoicemail)
		default:
			d.unknown(w, q)
		}
	}
}

// noticeKinds are the notice kinds, in the order of their templates.
var noticeKinds = []notify.Kind{notify.KindCall, notify.KindMissed, notify.KindAbsence, notify.KindVoicemail}

// noticeTemplate decodes a notice template using only the placeholders that notify fills
// for its kind. A placeholder another kind fills gets its own message: it is no typo, but
// this notice does not fill it (it would be posted as written).
func (d *decoder) noticeTemplate(where string, p pair, k notify.Kind) string {
	allowed := notify.Placeholders(k)
	s := d.str(where, p)
	msg := checkTemplate(s, allowed...)
	if msg != "" {
		var known []string
		for _, kind := range noticeKinds {
			known = append(known, notify.Placeholders(kind)...)
		}
		if checkTemplate(s, known...) == "" { // well formed, each placeholder known to some kind
			var misplaced []string
			for rest := s; ; {
				i := strings.IndexByte(rest, '{')
				if i < 0 {
					break
				}
				j := strings.IndexByte(rest[i:], '}')
				if name := rest[i+1 : i+j]; !contains(allowed, name) && !contains(misplaced, "{"+name+"}") {
					misplaced = append(misplaced, "{"+name+"}")
				}
				rest = rest[i+j+1:]
			}
			verb := "is"
			if len(misplaced) > 1 {
				verb = "are"
			}
			msg = fmt.Sprintf("%q: %s %s not filled in %s notices (%s may use {%s})", s, strings.Join(misplaced, ", "), verb,
				k, p.key, strings.Join(allowed, "}, {"))
		}
	}
	d.check(where, p, msg)
	return s
}

func (d *decoder) mattermost(p pair) {
	m := &d.f.Notify.Mattermost
	m.Line = p.k.Line
	const w = "notify.mattermost"
	for _, q := range d.fields(p.v, "notify", p.key) {
		switch q.key {
		case "url":
			m.URL = d.httpURL(w, q)
		case "webhook_url":
			// The URL holds the hook's key: a problem never quotes it (problems are logged
			// and answered by the admin API).
			if m.WebhookURL = d.str(w, q); m.WebhookURL != "" && checkHTTPURL(m.WebhookURL) != "" {
				d.bad(w, q, "is not an http(s) URL (not shown: it holds the hook's key)")
			}
		case "token":
			m.Token = d.str(w, q)
		case "token_env":
			m.TokenEnv = d.envName(w, q)
		case "channel_id":
			m.ChannelID = d.str(w, q)
			if len(m.ChannelID) != 26 || strings.Trim(m.ChannelID, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
				d.bad(w, q, "%q is not a Mattermost id (26 lowercase letters and digits)", m.ChannelID)
			}
		default:
			d.unknown(w, q)
		}
	}
	api := m.URL != "" || m.Token != "" || m.TokenEnv != "" || m.ChannelID != ""
	switch {
	case m.WebhookURL != "" && api:
		d.add(m.Line, w, "use webhook_url, or url with token and channel_id, not both")
	case m.WebhookURL != "":
	case m.URL == "":
		d.add(m.Line, w, "url (or webhook_url) is required")
	default:
		if m.ChannelID == "" {
			d.add(m.Line, w, "channel_id is required")
		}
		d.secret(w, m.Line, "token", m.Token, m.TokenEnv)
	}
}

// Configured reports whether Mattermost notices are set up (API or webhook).
func (m Mattermost) Configured() bool { return m.URL != "" || m.WebhookURL != "" }
