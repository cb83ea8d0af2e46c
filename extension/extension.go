// Package extension is the seed's "Récapitulatif": what happens on a call to a person's
// extension. Post a notice, check office hours and absence mode (closed: play `closed`,
// then the called extension's voicemail), record the call, ring the phone for its ring
// time, and fall back to voicemail when nobody answers. It also serves the absence codes
// (*77 / *88) that turn absence mode on and off for the caller's own extension.
package extension

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/schedule"
)

// Call is what the flow needs of a call.
type Call interface {
	ID() string
	ChannelName() string
	Caller() (number, name string)
	Logger() *zerolog.Logger
	Answer(ctx context.Context) error
	Play(ctx context.Context, interrupt bool, media ...string) (bool, error)
	Dial(ctx context.Context, opts call.DialOptions) (call.DialResult, error)
	Hangup(ctx context.Context, reason string) error
	SetState(state string)
}

// Voicemail takes a message for box; reason is why the call got there ("busy",
// "noanswer", "closed", "absent", ...). left reports whether a message was recorded.
type Voicemail interface {
	Leave(ctx context.Context, c Call, box, reason string) (left bool, err error)
}

// Notices hears about calls; it must never block (a chat server may be down).
type Notices interface {
	CallStarted(caller, callerName, exten string)
	CallMissed(caller, callerName, exten string)
}

// Absences is the absence-mode store.
type Absences interface {
	Get(exten string) (absence.State, error)
	Set(exten string, on bool, by string, at, until time.Time) (absence.State, error)
}

// Deps are the services the flow uses.
type Deps struct {
	Absence   Absences
	Notices   Notices
	Voicemail Voicemail
	Now       func() time.Time // the clock; tests choose the moment
}

// Handler runs extension calls for one routing file.
type Handler struct {
	file      *config.File
	schedules map[string]*schedule.Schedule
	namer     recordings.Namer
	recDir    string
	deps      Deps
}

// New builds the flow for a routing file, compiling its schedules.
func New(file *config.File, deps Deps) (*Handler, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	loc, err := time.LoadLocation(file.Timezone)
	if err != nil {
		return nil, fmt.Errorf("extension: time zone %q: %w", file.Timezone, err)
	}
	h := &Handler{
		file:      file,
		schedules: map[string]*schedule.Schedule{},
		namer:     recordings.Namer{Pattern: file.Recordings.Name, Prefix: file.Recordings.Prefix, Location: loc},
		recDir:    file.Recordings.Directory,
		deps:      deps,
	}
	for name, spec := range file.Schedules {
		s, err := schedule.New(scheduleSpec(name, spec, file.Timezone))
		if err != nil {
			return nil, fmt.Errorf("extension: schedule %q: %w", name, err)
		}
		h.schedules[name] = s
	}
	return h, nil
}

// Schedule returns a compiled schedule by name.
func (h *Handler) Schedule(name string) (*schedule.Schedule, bool) {
	s, ok := h.schedules[name]
	return s, ok
}

// Decision is the path a call to an extension takes, before anything rings.
type Decision struct {
	Exten    string
	Closed   bool            // outside office hours
	Absent   bool            // absence mode on
	Schedule schedule.Status // when the extension has a schedule
	Steps    []string        // what happens, in order, for people
}

// ToVoicemail reports whether the call goes straight to `closed` and voicemail.
func (d Decision) ToVoicemail() bool { return d.Closed || d.Absent }

// Decide says what a call from caller to exten at t does. It reads absence mode but
// changes nothing: `ariflow simulate` shows it as is.
func (h *Handler) Decide(exten, caller string, t time.Time) (Decision, error) {
	ext, ok := h.file.Extensions[exten]
	if !ok {
		return Decision{}, fmt.Errorf("extension %q is not in the routing file", exten)
	}
	d := Decision{Exten: exten}
	if ext.Notify {
		d.Steps = append(d.Steps, fmt.Sprintf("post a notice: call from %s for %s", caller, exten))
	}
	if ext.Schedule != "" {
		s := h.schedules[ext.Schedule]
		d.Schedule = s.At(t)
		d.Closed = d.Schedule.State == schedule.Closed
		d.Steps = append(d.Steps, fmt.Sprintf("schedule %s: %s", ext.Schedule, describe(d.Schedule)))
	}
	if h.deps.Absence != nil {
		st, err := h.deps.Absence.Get(exten)
		if err != nil {
			return d, err
		}
		d.Absent = st.ActiveAt(t)
		if d.Absent {
			d.Steps = append(d.Steps, describeState(st, h.file.Location()))
		}
	}
	box := ext.Mailbox
	if d.ToVoicemail() {
		d.Steps = append(d.Steps, "play "+h.file.Absence.ClosedSound)
		d.Steps = append(d.Steps, voicemailStep(box, reasonOf(d)))
		return d, nil
	}
	if ext.Record {
		d.Steps = append(d.Steps, "record the call as "+h.namer.Name(exten, caller, "", t)+"."+recordings.Ext(h.file.Recordings.Format))
	}
	ring := fmt.Sprintf("ring %s for %s", ext.Endpoint, ext.RingTime)
	if dc := h.file.Asterisk.DialContext; dc != "" && !ext.Record {
		if _, plain := call.DialExten(ext.Number, ext.Endpoint, ext.RingTime); plain {
			ring += fmt.Sprintf(" with Asterisk's Dial (context %s)", dc)
		}
	}
	d.Steps = append(d.Steps, ring)
	d.Steps = append(d.Steps, "if not answered: "+voicemailStep(box, "busy or noanswer"))
	return d, nil
}

func reasonOf(d Decision) string {
	if d.Absent {
		return "absent"
	}
	return "closed"
}

func voicemailStep(box, reason string) string {
	if box == "" {
		return "no mailbox: hang up"
	}
	return fmt.Sprintf("voicemail of %s (reason %s)", box, reason)
}

func describe(s schedule.Status) string { return s.String() }

// describeState says an absence in force, in the office's time zone: "absence mode on
// (set by 1000 on Mon 2026-11-23 10:00 CET, until Mon 2026-11-23 17:00 CET)".
func describeState(st absence.State, loc *time.Location) string {
	const layout = "Mon 2006-01-02 15:04 MST"
	until := "until turned off"
	if !st.Until.IsZero() {
		until = "until " + st.Until.In(loc).Format(layout)
	}
	return fmt.Sprintf("absence mode on (set by %s on %s, %s)", st.By, st.At.In(loc).Format(layout), until)
}

// Serve runs a call to exten until it ends.
func (h *Handler) Serve(ctx context.Context, c Call, exten string) error {
	ext := h.file.Extensions[exten]
	number, name := c.Caller()
	log := c.Logger()
	now := h.deps.Now()
	if ext.Notify && h.deps.Notices != nil {
		h.deps.Notices.CallStarted(number, name, exten)
	}
	d, err := h.Decide(exten, number, now)
	if err != nil {
		log.Warn().Err(err).Msg("absence state unreadable; ringing as if present")
	}
	if d.ToVoicemail() {
		log.Info().Bool("closed", d.Closed).Bool("absent", d.Absent).Msg("to voicemail without ringing")
		c.SetState("closed")
		err := c.Answer(ctx)
		if err == nil {
			_, err = c.Play(ctx, false, h.file.Absence.ClosedSound)
		}
		if err != nil {
			if errors.Is(err, call.ErrHangup) && ext.Notify && h.deps.Notices != nil {
				h.deps.Notices.CallMissed(number, name, exten) // gone before the voicemail
			}
			return err
		}
		return h.voicemail(ctx, c, ext, exten, reasonOf(d))
	}

	opts := call.DialOptions{Endpoint: ext.Endpoint, Timeout: ext.RingTime,
		DialContext: h.file.Asterisk.DialContext, Exten: exten, Follow: ext.Notify}
	sidecar := recordings.CallSidecar{Dir: h.recDir, Log: *log, Meta: recordings.Meta{Format: h.file.Recordings.Format,
		CallID: c.ID(), Caller: number, CallerName: name, Callee: exten}}
	if ext.Record {
		opts.RecordName = h.namer.Name(exten, number, c.ID(), now)
		opts.RecordFormat = h.file.Recordings.Format
		if h.recDir != "" {
			opts.OnRecording = sidecar.Begin
		}
	}
	res, err := c.Dial(ctx, opts)
	if errors.Is(err, call.ErrHangup) && res.Status != call.DialAnswered && ext.Notify && h.deps.Notices != nil {
		h.deps.Notices.CallMissed(number, name, exten)
	}
	sidecar.End(res.Recording != "", res.Talk)
	if err != nil || res.Status == call.DialAnswered {
		return err
	}
	return h.voicemail(ctx, c, ext, exten, string(res.Status))
}

// AfterRing runs what follows an unanswered ring of exten's phone (status says how it
// ended): its voicemail, for a caller the app took back from Asterisk's Dial.
func (h *Handler) AfterRing(ctx context.Context, c Call, exten string, status call.DialStatus) error {
	return h.voicemail(ctx, c, h.file.Extensions[exten], exten, string(status))
}

func (h *Handler) voicemail(ctx context.Context, c Call, ext config.Extension, exten, reason string) error {
	number, name := c.Caller()
	left := false
	var err error
	if ext.Mailbox != "" && h.deps.Voicemail != nil {
		left, err = h.deps.Voicemail.Leave(ctx, c, ext.Mailbox, reason)
	}
	if !left && ext.Notify && h.deps.Notices != nil {
		h.deps.Notices.CallMissed(number, name, exten)
	}
	return err
}
