package extension

import (
	"context"
	"time"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/schedule"
)

// ServeAbsence turns absence mode on or off for the caller's own extension (the seed's
// *77 and *88): the phone's, whatever caller ID it sends (config.File.CallerExtension).
// Then it plays the confirmation: `goodbye` for on, `hello` for off. A caller whose number
// is not an extension of the routing file hears that the request is invalid.
func (h *Handler) ServeAbsence(ctx context.Context, c Call, on bool) error {
	callerID, _ := c.Caller()
	number, spoofed := h.file.CallerExtension(c.ChannelName(), callerID)
	log := c.Logger()
	if spoofed {
		log.Warn().Str("caller_id", callerID).Str("extension", number).
			Msg("absence: the caller ID is not the phone's extension; the phone's counts")
	}
	if err := c.Answer(ctx); err != nil {
		return err
	}
	_, ok := h.file.Extensions[number]
	if !ok || h.deps.Absence == nil {
		log.Warn().Bool("on", on).Msg("absence code from a number that is not an extension")
		_, err := c.Play(ctx, false, "sound:invalid")
		return err
	}
	now := h.deps.Now()
	var until time.Time
	if on {
		until = h.AbsenceEnd(number, now)
	}
	st, err := h.deps.Absence.Set(number, on, number, now, until)
	if err != nil {
		log.Error().Err(err).Bool("on", on).Msg("absence mode not saved")
		_, perr := c.Play(ctx, false, call.Sorry...)
		if perr != nil {
			return perr
		}
		return err
	}
	ev := log.Info().Bool("on", on).Str("by", number)
	if !st.Until.IsZero() {
		ev = ev.Time("until", st.Until)
	} else if on && h.file.Absence.UntilScheduleChange {
		ev = ev.Str("until", "turned off (*88): no schedule change ahead")
	}
	ev.Msg("absence mode changed") // the absence store's change hook posts the notice
	sound := h.file.Absence.OffSound
	if on {
		sound = h.file.Absence.OnSound
	}
	_, err = c.Play(ctx, false, sound)
	return err
}

// AbsenceEnd is when an absence that exten turns on by code at t ends by itself, or zero
// when it lasts until turned off. With absence.until_schedule_change it covers the office's
// open hours until they next end: set while open, until closing; set while closed, until
// the close after the next opening (set on Friday evening: away all of the next open
// stretch). It is zero without that option, without a schedule, or when the schedule does
// not change within a year.
func (h *Handler) AbsenceEnd(exten string, t time.Time) time.Time {
	ext := h.file.Extensions[exten]
	if !h.file.Absence.UntilScheduleChange || ext.Schedule == "" {
		return time.Time{}
	}
	s := h.schedules[ext.Schedule]
	st := s.At(t)
	if st.State == schedule.Open || st.Until.IsZero() {
		return st.Until
	}
	return s.At(st.Until).Until
}

// DescribeAbsence says what the absence code does for exten at t, for simulate:
// "absence on for 1000 until Mon 2026-11-23 17:00 CET" or "... until turned off".
func (h *Handler) DescribeAbsence(exten string, on bool, t time.Time) string {
	if !on {
		return "absence off for " + exten
	}
	until := h.AbsenceEnd(exten, t)
	if until.IsZero() {
		return "absence on for " + exten + " until turned off (" + h.file.Absence.OffCode + ")"
	}
	return "absence on for " + exten + " until " + until.In(h.file.Location()).Format("Mon 2006-01-02 15:04 MST")
}
