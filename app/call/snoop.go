package call

import (
	"context"
	"errors"
	"fmt"

	"github.com/ariflow/ariflow/ari"
)

// ErrSnoopFailed means the target could not be snooped on because it is gone: Asterisk
// does not know it (404), or the snoop channel was destroyed before it entered the
// application. Other failures (an Asterisk error, a bridge that cannot take the snoop)
// are reported as they are.
var ErrSnoopFailed = errors.New("snoop failed")

// LiveChannels lists Asterisk's channels, except the call's own.
func (c *Call) LiveChannels(ctx context.Context) ([]ari.Channel, error) {
	all, err := c.client.Channels.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	out := all[:0]
	for _, ch := range all {
		if ch.ID != c.channelID {
			out = append(out, ch)
		}
	}
	return out, nil
}

// Snoop makes a snoop channel on target with the spy and whisper directions ("none",
// "in", "out", "both") and bridges it with the caller, in one bridge the call keeps for
// all its snoops. The call then hears target's events (its hang-up) and the snoop's. The
// snoop is hung up when the call ends, by StopSnoop, or at once when Snoop fails after
// making it. The caller hanging up meanwhile is ErrHangup; the target gone, ErrSnoopFailed.
func (c *Call) Snoop(ctx context.Context, target, spy, whisper string) (string, error) {
	id := c.newID("snoop")
	c.sub.Add("channel:" + id)
	c.sub.Add("channel:" + target)
	if _, err := c.client.Channels.Snoop(ctx, target, ari.SnoopRequest{
		SnoopID: id, Spy: spy, Whisper: whisper, App: c.app, AppArgs: []string{ArgLeg, c.id},
	}); err != nil {
		if ari.IsNotFound(err) {
			return "", fmt.Errorf("%w: snoop on %s: %w", ErrSnoopFailed, target, err)
		}
		if ari.Unanswered(err) {
			c.dropUnansweredChannel(ctx, id, "a snoop on "+target)
		}
		return "", fmt.Errorf("snoop on %s: %w", target, err)
	}
	c.onCleanup(func(ctx context.Context) error { return c.hangupSnoop(ctx, id) })
	if err := c.joinSnoop(ctx, id, target); err != nil {
		if herr := c.hangupSnoop(context.WithoutCancel(ctx), id); herr != nil {
			c.log.Warn().Err(herr).Str("snoop", id).Msg("a snoop that failed stays on its target until the call ends")
		}
		return "", err
	}
	return id, nil
}

// joinSnoop waits for snoop id to enter the application and puts it in the call's bridge.
func (c *Call) joinSnoop(ctx context.Context, id, target string) error {
	ok, err := c.waitStasisStart(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: the snoop on %s never entered the application", ErrSnoopFailed, target)
	}
	c.mu.Lock()
	bridgeID := c.bridgeID
	c.mu.Unlock()
	if bridgeID == "" {
		_, err := c.bridge(ctx, id)
		return err
	}
	if err := c.client.Bridges.AddChannel(ctx, bridgeID, ari.AddChannel{Channel: []string{id}}); err != nil {
		return fmt.Errorf("add snoop to bridge: %w", err)
	}
	return nil
}

// StopSnoop hangs up a snoop the call made.
func (c *Call) StopSnoop(ctx context.Context, id string) error { return c.hangupSnoop(ctx, id) }

func (c *Call) hangupSnoop(ctx context.Context, id string) error {
	if err := c.client.Channels.Hangup(ctx, id, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("hang up snoop: %w", err)
	}
	return nil
}

// WaitSnoop waits while the caller listens through snoop id on target: it returns a key
// the caller pressed, or ended when the target (or the snoop) went away.
func (c *Call) WaitSnoop(ctx context.Context, id, target string) (digit string, ended bool, err error) {
	for {
		if d := c.TakeDigit(); d != "" {
			return d, false, nil
		}
		ev, err := c.next(0)
		if err != nil {
			return "", false, err
		}
		if err := ctx.Err(); err != nil {
			return "", false, err
		}
		var ch string
		switch e := ev.(type) {
		case *ari.StasisEnd:
			ch = e.Channel.ID
		case *ari.ChannelHangupRequest:
			ch = e.Channel.ID
		case *ari.ChannelDestroyed:
			ch = e.Channel.ID
		}
		if ch != "" && (ch == id || ch == target) {
			return "", true, nil
		}
	}
}
