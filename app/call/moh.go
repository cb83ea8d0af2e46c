package call

import (
	"context"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// SetMusicClass makes class the call's hold music from now on, before the class any later
// StartMOH names, as Asterisk's CHANNEL(musicclass) does; "" lets StartMOH's class play.
// Call it from the call's own goroutine.
func (c *Call) SetMusicClass(class string) { c.music = class }

// StartMOH plays hold music to the caller until StopMOH, a playback or a bridge takes its
// place: the call's class (SetMusicClass) if it has one, else class ("" for Asterisk's
// default).
func (c *Call) StartMOH(ctx context.Context, class string) error {
	if c.music != "" {
		class = c.music
	}
	if err := c.client.Channels.StartMOH(ctx, c.channelID, class); err != nil {
		return c.channelErr("start hold music "+class, err)
	}
	return nil
}

// StopMOH stops the caller's hold music; stopping music that is not playing is no error.
func (c *Call) StopMOH(ctx context.Context) error {
	if err := c.client.Channels.StopMOH(ctx, c.channelID); err != nil {
		if ari.StatusOf(err) == 409 && !c.hungUp {
			return nil
		}
		return c.channelErr("stop hold music", err)
	}
	return nil
}

// Idle waits up to d (0: no limit) or until wake is signalled, whichever comes first,
// keeping the keys the caller presses and noticing a hang-up (ErrHangup). It reports
// whether wake was signalled. Another goroutine may signal wake; only the call's own
// goroutine calls Idle.
func (c *Call) Idle(ctx context.Context, d time.Duration, wake <-chan struct{}) (bool, error) {
	if c.hungUp {
		return false, ErrHangup
	}
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return false, context.Cause(ctx)
		case <-c.ctx.Done():
			return false, context.Cause(c.ctx)
		case <-timer:
			return false, nil
		case <-wake:
			return true, nil
		case ev, ok := <-c.sub.C():
			if !ok {
				return false, ErrConnectionLost
			}
			c.observe(ev)
			if c.hungUp {
				return false, ErrHangup
			}
		}
	}
}
