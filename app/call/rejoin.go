package call

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ariflow/ariflow/ari"
)

// IsCallBridge reports whether a bridge is one a call made to connect its caller (see
// Dial and RingMany): named after the call's id, with an id that call gave it. It returns
// that call's id, which is also its caller channel's id.
func IsCallBridge(b ari.Bridge) (callID string, ok bool) {
	if b.Name == "" || len(b.ID) <= len(b.Name)+len("-bridge-") {
		return "", false
	}
	return b.Name, b.ID[:len(b.Name)+len("-bridge-")] == b.Name+"-bridge-"
}

// Rejoin takes back a connected call that the app no longer followed (it was restarted
// while the caller talked to a phone): the caller is in bridgeID with the phone. The call
// watches them as Dial would have: when the phone leaves, Rejoin returns nil and closing
// the call hangs the caller up; when the caller hangs up, it returns ErrHangup and the
// call's cleanup hangs up the phone. Either way the bridge is destroyed.
func (c *Call) Rejoin(ctx context.Context, bridgeID string) error {
	c.answered = true
	c.sub.Add("bridge:" + bridgeID) // ChannelLeftBridge of every member, before we look
	var others []string
	c.onCleanup(func(ctx context.Context) error {
		var errs []error // one failure does not keep the rest from being cleaned up
		for _, id := range others {
			if err := c.client.Channels.Hangup(ctx, id, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("hang up %s: %w", id, err))
			}
		}
		if err := c.client.Bridges.Destroy(ctx, bridgeID); err != nil && !ari.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("destroy bridge: %w", err))
		}
		return errors.Join(errs...)
	})
	c.mu.Lock()
	c.bridgeID = bridgeID
	c.mu.Unlock()
	b, err := c.client.Bridges.Get(ctx, bridgeID)
	if ari.IsNotFound(err) {
		return nil // gone meanwhile: nobody to talk to
	}
	if err != nil {
		return fmt.Errorf("taking back bridge %s: %w", bridgeID, err)
	}
	if !slices.Contains(b.Channels, c.channelID) {
		return nil
	}
	for _, id := range b.Channels {
		if id != c.channelID {
			others = append(others, id)
			c.sub.Add("channel:" + id)
		}
	}
	c.setState("connected (taken back)")
	c.log.Info().Str("bridge", bridgeID).Strs("with", others).Msg("connected call taken back")
	for len(others) > 0 {
		ev, err := c.next(0)
		if err != nil {
			return err
		}
		var left string
		switch e := ev.(type) {
		case *ari.ChannelLeftBridge:
			if e.Bridge.ID == bridgeID {
				left = e.Channel.ID
			}
		case *ari.StasisEnd:
			left = e.Channel.ID
		case *ari.ChannelHangupRequest:
			left = e.Channel.ID
		case *ari.ChannelDestroyed:
			left = e.Channel.ID
		}
		if left != "" && left != c.channelID && slices.Contains(others, left) {
			c.log.Info().Str("channel", left).Msg("the other side hung up")
			return nil
		}
	}
	return nil
}
