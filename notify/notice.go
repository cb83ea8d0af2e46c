package notify

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Kind names a notice type, for logs and templates.
type Kind string

// The notice kinds.
const (
	KindCall      Kind = "call"
	KindMissed    Kind = "missed"
	KindAbsence   Kind = "absence"
	KindVoicemail Kind = "voicemail"
)

// Notice is one event to announce: a [Call], [Missed], [Absence] or [Voicemail].
type Notice interface {
	// Kind says which template renders it.
	Kind() Kind
	// placeholders returns the "{name}", value pairs, untrusted values already defused.
	placeholders() []string
	// target is the extension or box concerned, for logs.
	target() string
	// media returns a voicemail's link and audio.
	media() (link string, audio *Attachment)
}

// Call is an incoming call to an extension (the seed's notice). Caller and CallerName come
// from the network and are defused.
type Call struct {
	Caller     string // caller ID number
	CallerName string // caller ID name
	Exten      string // the dialed extension
}

// Missed is a call that nobody answered.
type Missed struct {
	Caller     string
	CallerName string
	Exten      string
}

// Absence is absence mode turned on or off for an extension.
type Absence struct {
	Exten string
	On    bool
	By    string // who changed it: an extension, "admin"
}

// Voicemail is a new message in a mailbox. Link, when set, is shown as is (it is built by
// the app, not by the caller); Audio, when set, is uploaded and attached to the post.
type Voicemail struct {
	Box        string
	Caller     string
	CallerName string
	Duration   time.Duration
	Link       string
	Audio      *Attachment
}

// Attachment is a file to upload with a notice. Open is called for each attempt.
type Attachment struct {
	Name string // file name shown in Mattermost, "msg0001.wav"
	Open func() (io.ReadCloser, error)
}

// Kind implements [Notice].
func (Call) Kind() Kind { return KindCall }

// Kind implements [Notice].
func (Missed) Kind() Kind { return KindMissed }

// Kind implements [Notice].
func (Absence) Kind() Kind { return KindAbsence }

// Kind implements [Notice].
func (Voicemail) Kind() Kind { return KindVoicemail }

func (c Call) target() string      { return logValue(c.Exten) }
func (c Missed) target() string    { return logValue(c.Exten) }
func (a Absence) target() string   { return logValue(a.Exten) }
func (v Voicemail) target() string { return logValue(v.Box) }

// logValue caps a value that may come from the network before it goes to a log line.
func logValue(s string) string {
	if len(s) > MaxFieldRunes {
		return strings.ToValidUTF8(s[:MaxFieldRunes], "") + "…"
	}
	return s
}

func (Call) media() (string, *Attachment)        { return "", nil }
func (Missed) media() (string, *Attachment)      { return "", nil }
func (Absence) media() (string, *Attachment)     { return "", nil }
func (v Voicemail) media() (string, *Attachment) { return v.Link, v.Audio }

func (c Call) placeholders() []string   { return callerPairs(c.Caller, c.CallerName, c.Exten) }
func (c Missed) placeholders() []string { return callerPairs(c.Caller, c.CallerName, c.Exten) }

func (a Absence) placeholders() []string {
	state := "désactivé"
	if a.On {
		state = "activé"
	}
	return []string{"{exten}", Defuse(a.Exten), "{state}", state, "{by}", Defuse(a.By)}
}

func (v Voicemail) placeholders() []string {
	return append(callerPairs(v.Caller, v.CallerName, v.Box),
		"{box}", Defuse(v.Box), "{mailbox}", Defuse(v.Box), "{duration}", FormatDuration(v.Duration), "{link}", v.Link)
}

// unknownCaller stands for an empty caller ID number.
const unknownCaller = "inconnu"

func callerPairs(caller, name, exten string) []string {
	c := Defuse(caller)
	if c == "" {
		c = unknownCaller
	}
	return []string{"{caller}", c, "{caller_name}", Defuse(name), "{exten}", Defuse(exten)}
}

// FormatDuration writes a message length the French way: "42 s", "1 min 05 s".
func FormatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	return fmt.Sprintf("%d min %02d s", s/60, s%60)
}

// TimeLayout formats {time}: the local time the notice was made, 24-hour clock ("14:05").
const TimeLayout = "15:04"

// placeholderNames are the placeholders each kind fills, without braces. Each notice's
// placeholders method fills these names but "time", which Render fills for every kind.
var placeholderNames = map[Kind][]string{
	KindCall:      {"caller", "caller_name", "exten", "time"},
	KindMissed:    {"caller", "caller_name", "exten", "time"},
	KindAbsence:   {"exten", "state", "by", "time"},
	KindVoicemail: {"caller", "caller_name", "exten", "box", "mailbox", "duration", "link", "time"},
}

// Placeholders returns the names, without braces, of the placeholders a template of kind k
// may use: those its notices fill (nil for an unknown kind). Package config checks the
// routing file's templates against them.
func Placeholders(k Kind) []string { return slices.Clone(placeholderNames[k]) }

// Default templates, a routing file's when it names none (package config); the call one
// is the seed's message.
const (
	DefaultCallTemplate      = "Message en provenance de {caller} pour {exten}"
	DefaultMissedTemplate    = "Appel manqué de {caller} pour {exten}"
	DefaultAbsenceTemplate   = "Absence {state} pour {exten}"
	DefaultVoicemailTemplate = "Nouveau message de {caller} pour {mailbox} ({duration})"
)

// Templates are the admin's messages, one per kind; an empty one means its default.
// Placeholders ([Placeholders] lists them per kind): {time} (every kind: when the notice
// was made, "14:05"); {caller}, {caller_name}, {exten} (calls, missed calls, voicemail,
// whose {exten} is the box); {box} (or {mailbox}, the routing file's name), {duration}
// ("1 min 05 s"), {link} (voicemail); {exten}, {state} ("activé"/"désactivé") and {by}
// (absence). Substitution is plain text replacement, not a template language: an unknown
// placeholder stays as written. Templates are trusted (Markdown allowed); values from
// callers are defused with [Defuse] before substitution.
type Templates struct {
	Call      string `yaml:"call_template"`
	Missed    string `yaml:"missed_template"`
	Absence   string `yaml:"absence_template"`
	Voicemail string `yaml:"voicemail_template"`
}

// For returns the template used for kind k.
func (t Templates) For(k Kind) string {
	pick := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	switch k {
	case KindCall:
		return pick(t.Call, DefaultCallTemplate)
	case KindMissed:
		return pick(t.Missed, DefaultMissedTemplate)
	case KindAbsence:
		return pick(t.Absence, DefaultAbsenceTemplate)
	case KindVoicemail:
		return pick(t.Voicemail, DefaultVoicemailTemplate)
	}
	return ""
}

// Render builds the message for n made now: RenderAt(n, time.Now()).
func (t Templates) Render(n Notice) string { return t.RenderAt(n, time.Now()) }

// RenderAt builds the message for n made at the given time, which {time} shows in its own
// location. A voicemail Link not placed by the template with {link} is appended on its own
// line.
func (t Templates) RenderAt(n Notice, at time.Time) string {
	tmpl := t.For(n.Kind())
	msg := strings.NewReplacer(append(n.placeholders(), "{time}", at.Format(TimeLayout))...).Replace(tmpl)
	if link, _ := n.media(); link != "" && !strings.Contains(tmpl, "{link}") {
		msg += "\n" + link
	}
	return msg
}
