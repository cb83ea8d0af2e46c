package call

import (
	"context"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// ARI is the connection the call runs on, for long-lived state shared by many calls (a
// conference room's bridge outlives the call that created it).
func (c *Call) ARI() *ari.Client { return c.client }

// AppName is the Stasis application the call's own channels are placed in.
func (c *Call) AppName() string { return c.app }

// WaitKey waits until the caller presses a key (returned), wake is signalled (woke), or
// the caller hangs up (ErrHangup). Another goroutine may signal wake; only the call's own
// goroutine calls WaitKey.
func (c *Call) WaitKey(ctx context.Context, wake <-chan struct{}) (digit string, woke bool, err error) {
	for {
		if d := c.TakeDigit(); d != "" {
			return d, false, nil
		}
		if c.hungUp {
			return "", false, ErrHangup
		}
		select {
		case <-ctx.Done():
			return "", false, context.Cause(ctx)
		case <-c.ctx.Done():
			return "", false, context.Cause(c.ctx)
		case <-wake:
			return "", true, nil
		case ev, ok := <-c.sub.C():
			if !ok {
				return "", false, ErrConnectionLost
			}
			c.observe(ev)
		}
	}
}

// ReadDigits collects keys until one of the terminators, max keys, or timeout without a
// key; it returns the keys without the terminator and whether a terminator ended them.
// A key pressed during an earlier prompt counts as the first.
func (c *Call) ReadDigits(ctx context.Context, max int, terminators string, timeout time.Duration) (string, bool, error) {
	var got []byte
	for len(got) < max {
		d, err := c.WaitDigit(ctx, timeout)
		if err != nil || d == "" {
			return string(got), false, err
		}
		if len(d) == 1 && containsByte(terminators, d[0]) {
			return string(got), true, nil
		}
		got = append(got, d...)
	}
	return string(got), false, nil
}

func containsByte(s string, b byte) bool {
	for i := range len(s) {
		if s[i] == b {
			return true
		}
	}
	return false
}

// SetConferenceState names the room the caller is in, for the admin API's call list.
func (c *Call) SetConferenceState(room, bridgeID string) {
	c.mu.Lock()
	c.state = "room " + room
	c.bridgeID = bridgeID
	c.mu.Unlock()
}
