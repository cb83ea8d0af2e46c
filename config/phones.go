package config

import (
	"fmt"
	"net/mail"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ariflow/ariflow/recordings"
	"gopkg.in/yaml.v3"
)

func (d *decoder) recordings(p pair) {
	r := &d.f.Recordings
	r.Line = p.k.Line
	const w = "recordings"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "directory":
			r.Directory = d.str(w, q)
		case "prefix":
			s := d.str(w, q)
			switch {
			case s != "" && (strings.HasPrefix(s, "/") || strings.HasPrefix(path.Clean(s), "..")):
				d.bad(w, q, "%q must stay inside the directory (relative, no ..)", s)
			case s != "" && !strings.HasSuffix(s, "/"):
				// A folder under directory: "monitor" would name files monitor1000-…
				// beside it, where neither the listing nor voicemail's recovery looks.
				d.bad(w, q, "%q is a folder under directory: end it with / (%q)", s, s+"/")
			}
			r.Prefix = s
		case "name":
			r.Name = d.template(w, q, "exten", "caller", "time")
			if strings.Contains(r.Name, "/") {
				d.bad(w, q, "%q must not contain '/' (use prefix)", r.Name)
			}
		case "format":
			d.oneOf(w, q, recordings.Choosable, &r.Format)
		case "retention":
			d.retention(w, q, &r.Retention)
		default:
			d.unknown(w, q)
		}
	}
}

// MinRetention is the shortest recordings retention the file takes: a shorter one could
// remove a recording while its call is still going on.
const MinRetention = time.Hour

// retention decodes recordings.retention: a whole number of days ("90d") or a Go duration
// ("36h"), at least MinRetention; 0 (or no key) keeps recordings forever.
func (d *decoder) retention(where string, p pair, dst *time.Duration) {
	s, ok := d.scalar(where, p, "a duration")
	if !ok {
		return
	}
	var v time.Duration
	if days, isDays := strings.CutSuffix(s, "d"); isDays {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 36500 {
			d.bad(where, p, "%q: days must be a whole number from 0 to 36500, e.g. \"90d\"", s)
			return
		}
		v = time.Duration(n) * 24 * time.Hour
	} else {
		d.duration(where, p, false, &v) // reports its own problems
	}
	if v > 0 && v < MinRetention {
		d.bad(where, p, "%s is shorter than an hour: it would remove recordings of calls still going on", s)
		return
	}
	*dst = v
}

func (d *decoder) extensionDefaults(p pair) {
	x := &d.f.ExtensionDefaults
	x.Line = p.k.Line
	const w = "extension_defaults"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "ring_time":
			d.duration(w, q, true, &x.RingTime)
		case "record":
			d.boolean(w, q, &x.Record)
		case "notify":
			d.boolean(w, q, &x.Notify)
			d.needMattermost(w, q, x.Notify)
		case "schedule":
			x.Schedule = d.str(w, q)
			d.ref(refSchedule, x.Schedule, q.line(), w)
		default:
			d.unknown(w, q)
		}
	}
}

// needMattermost reports notify: true without notify.mattermost.
func (d *decoder) needMattermost(where string, p pair, on bool) {
	if on && !d.f.Notify.Mattermost.Configured() {
		d.bad(where, p, "is true but notify.mattermost is not configured")
	}
}

func (d *decoder) extensions(p pair) {
	def := d.f.ExtensionDefaults
	for _, q := range d.fields(p.v, "", p.key) {
		where := fmt.Sprintf("extension %q", q.key)
		if !isDial(q.key) {
			d.add(q.k.Line, where, "the number must be a dial string of 0-9, * and #")
			continue
		}
		if q.key == d.f.Absence.OnCode || q.key == d.f.Absence.OffCode {
			d.add(q.k.Line, where, "the number is also an absence code")
		}
		x := Extension{Number: q.key, Line: q.k.Line, RingTime: def.RingTime, Record: def.Record,
			Notify: def.Notify, Schedule: def.Schedule}
		hasEndpoint := false
		for _, r := range d.fields(q.v, where, "an extension") {
			switch r.key {
			case "endpoint":
				x.Endpoint, hasEndpoint = d.endpoint(where, r), true
			case "ring_time":
				d.duration(where, r, true, &x.RingTime)
			case "mailbox":
				x.Mailbox = d.str(where, r)
				d.ref(refBox, x.Mailbox, r.line(), where)
			case "schedule":
				x.Schedule = d.str(where, r)
				d.ref(refSchedule, x.Schedule, r.line(), where)
			case "record":
				d.boolean(where, r, &x.Record)
			case "notify":
				d.boolean(where, r, &x.Notify)
				d.needMattermost(where, r, x.Notify)
			default:
				d.unknown(where, r)
			}
		}
		if !hasEndpoint && mapOrNull(q.v) {
			d.add(x.Line, where, "endpoint is required")
		}
		d.f.Extensions[q.key] = x
	}
}

func (d *decoder) voicemail(p pair) {
	v := &d.f.Voicemail
	v.Line = p.k.Line
	const w = "voicemail"
	var minLine, maxLine int
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "format":
			d.oneOf(w, q, recordings.Choosable, &v.Format)
		case "max_messages":
			d.integer(w, q, 1, &v.MaxMessages)
		case "max_duration":
			d.duration(w, q, true, &v.MaxDuration)
			maxLine = q.line()
		case "min_duration":
			d.duration(w, q, false, &v.MinDuration)
			minLine = q.line()
		case "max_silence":
			d.duration(w, q, false, &v.MaxSilence)
		case "silence_threshold":
			d.integer(w, q, 1, &v.SilenceThreshold)
			if v.SilenceThreshold > 32767 {
				d.bad(w, q, "must be <= 32767")
			}
		case "skip":
			d.duration(w, q, true, &v.Skip)
		case "max_logins":
			d.integer(w, q, 1, &v.MaxLogins)
		case "boxes":
			d.boxes(q)
		default:
			d.unknown(w, q)
		}
	}
	if v.MinDuration >= v.MaxDuration {
		d.add(max(minLine, maxLine, v.Line), w, "min_duration (%s) must be shorter than max_duration (%s)", v.MinDuration, v.MaxDuration)
	}
}

func (d *decoder) boxes(p pair) {
	for _, q := range d.fields(p.v, "voicemail", p.key) {
		where := fmt.Sprintf("voicemail box %q", q.key)
		if !isDigits(q.key) {
			d.add(q.k.Line, where, "the box number must be digits")
			continue
		}
		b := Box{Number: q.key, Line: q.k.Line}
		hasPIN := false
		for _, r := range d.fields(q.v, where, "a box") {
			switch r.key {
			case "pin":
				b.PIN, hasPIN = d.pin(where, r), true
			case "name":
				b.Name = d.str(where, r)
			case "email":
				b.Email = d.str(where, r)
				if _, err := mail.ParseAddress(b.Email); b.Email != "" && err != nil {
					d.bad(where, r, "%q is not an email address", b.Email)
				}
			default:
				d.unknown(where, r)
			}
		}
		if !hasPIN && mapOrNull(q.v) {
			d.add(b.Line, where, "pin is required")
		}
		d.f.Voicemail.Boxes[q.key] = b
	}
}

// pin decodes a PIN: digits only.
func (d *decoder) pin(where string, p pair) string {
	s := d.str(where, p)
	if s != "" && !isDigits(s) {
		d.bad(where, p, "must be digits only")
		return ""
	}
	return s
}

func (d *decoder) spy(p pair) {
	s := &d.f.Spy
	s.Line = p.k.Line
	const w = "spy"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "mode":
			d.oneOf(w, q, SpyModes, &s.Mode)
		case "allow":
			if q.v.Kind != yaml.SequenceNode {
				d.bad(w, q, "must be a list of {who, whom}, not %s", describe(q.v))
				continue
			}
			for i, n := range q.v.Content {
				s.Allow = append(s.Allow, d.spyRule(fmt.Sprintf("spy: allow[%d]", i), n))
			}
		default:
			d.unknown(w, q)
		}
	}
}

func (d *decoder) spyRule(where string, n *yaml.Node) SpyRule {
	r := SpyRule{Line: n.Line}
	for _, q := range d.fields(n, where, "a rule") {
		if q.key != "who" && q.key != "whom" {
			d.unknown(where, q)
			continue
		}
		items := d.strings(where, q)
		for _, it := range items {
			if it.val != "*" && !isDial(it.val) {
				d.add(it.line, where, "%s: %q must be a number or *", q.key, it.val)
			}
		}
		if q.key == "who" {
			r.Who = values(items)
		} else {
			r.Whom = values(items)
		}
	}
	if len(r.Who) == 0 || len(r.Whom) == 0 {
		d.add(r.Line, where, "who and whom must both list numbers (or *)")
	}
	return r
}

func (d *decoder) numbers(p pair) {
	for _, q := range d.fields(p.v, "", p.key) {
		where := fmt.Sprintf("number %q", q.key)
		switch {
		case !isDial(q.key):
			d.add(q.k.Line, "", "number %q must be a dial string of 0-9, * and #", q.key)
			continue
		case q.key == d.f.Absence.OnCode || q.key == d.f.Absence.OffCode:
			d.add(q.k.Line, "", "number %q is already an absence code", q.key)
		default:
			if _, ok := d.f.Extensions[q.key]; ok {
				d.add(q.k.Line, "", "number %q is already an extension (extensions are dialable as themselves)", q.key)
			}
		}
		if a := d.action(where, q.v, false); a != nil {
			d.f.Numbers[q.key] = *a
		}
	}
}

func (d *decoder) admin(p pair) {
	a := &d.f.Admin
	a.Line = p.k.Line
	const w = "admin"
	for _, q := range d.fields(p.v, "", p.key) {
		switch q.key {
		case "listen":
			a.Listen = d.str(w, q)
			d.check(w, q, checkHostPort(a.Listen))
		case "token":
			a.Token = d.str(w, q)
			d.check(w, q, TokenTooShort(a.Token))
		case "token_env":
			a.TokenEnv = d.envName(w, q)
		default:
			d.unknown(w, q)
		}
	}
	d.secret(w, a.Line, "token", a.Token, a.TokenEnv)
}
