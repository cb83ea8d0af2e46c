package extension

import (
	"context"
	"time"
)

// ServeAbsence turns absence mode on or off for the caller's own extension (the seed's
// *77 and *88), then plays the confirmation: `goodbye` for on, `hello` for off. A caller
// whose number is not an extension of the routing file hears that the request is invalid.
func (h *Handler) ServeAbsence(ctx context.Context, c Call, on bool) error {
	number, _ := c.Caller()
	log := c.Logger()
	if err := c.Answer(ctx); err != nil {
		return err
	}
	ext, ok := h.file.Extensions[number]
	if !ok || h.deps.Absence == nil {
		log.Warn().Bool("on", on).Msg("absence code from a number that is not an extension")
		_, err := c.Play(ctx, false, "sound:invalid")
		return err
	}
	now := h.deps.Now()
	var until time.Time
	if on && h.file.Absence.UntilScheduleChange && ext.Schedule != "" {
		until = h.schedules[ext.Schedule].At(now).Until
	}
	st, err := h.deps.Absence.Set(number, on, number, now, until)
	if err != nil {
		log.Error().Err(err).Bool("on", on).Msg("absence mode not saved")
		_, perr := c.Play(ctx, false, "sound:an-error-has-occurred")
		if perr != nil {
			return perr
		}
		return err
	}
	ev := log.Info().Bool("on", on).Str("by", number)
	if !st.Until.IsZero() {
		ev = ev.Time("until", st.Until)
	}
	ev.Msg("absence mode changed") // the absence store's change hook posts the notice
	sound := h.file.Absence.OffSound
	if on {
		sound = h.file.Absence.OnSound
	}
	_, err = c.Play(ctx, false, sound)
	return err
}
