package call

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
)

// ArgRang is the first Stasis argument of a caller coming back from Asterisk's Dial in the
// dial context (see DialOptions.DialContext): the second is Asterisk's DIALSTATUS, the
// third the extension whose phone was rung ("" for a plain dial action).
const ArgRang = "ariflow-rang"

// ErrInDialplan ends a call whose caller is now in Asterisk's Dial (dialInDialplan): the
// caller is not hung up.
var ErrInDialplan = errors.New("ring handed to Asterisk's Dial")

// IsReturnFromDial reports whether Stasis arguments mark a caller coming back from the
// dial context, and if so how the ringing ended and for which extension.
func IsReturnFromDial(args []string) (status DialStatus, exten string, ok bool) {
	if len(args) < 2 || args[0] != ArgRang {
		return "", "", false
	}
	st, _, done := dialStatusOf(args[1])
	if !done {
		st = DialUnavailable // CANCEL, DONTCALL, INVALIDARGS...: not reached
	}
	if len(args) > 2 {
		exten = args[2]
	}
	return st, exten, true
}

// DialExten is the dialplan extension the caller continues at in the dial context, which
// says what Dial rings: "~<extension>~<endpoint>~<seconds>" ("~2000~PJSIP/2000~15"; the
// context matches it with _~. and cuts it on '~'). It goes with the one request that
// hands the caller over, and shows in Asterisk's `core show channels`. ok is false when it
// cannot: a character Dial's arguments or the cut would take for a separator, or longer
// than Asterisk's extensions (79 characters).
func DialExten(exten, endpoint string, ring time.Duration) (string, bool) {
	secs := max(1, int((ring+time.Second-1)/time.Second))
	s := "~" + exten + "~" + endpoint + "~" + strconv.Itoa(secs)
	return s, plainInDial(exten) && plainInDial(endpoint) && len(s) < 80
}

// ParseDialExten reads a DialExten back.
func ParseDialExten(s string) (exten, endpoint string, ok bool) {
	parts := strings.Split(s, "~")
	if len(parts) != 4 || parts[0] != "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// dialInDialplan rings opts.Endpoint with Asterisk's own Dial in opts.DialContext: the
// caller leaves the application, Dial rings the phone (the caller hears ringing), bridges
// the two when it answers and ends the call when either hangs up, as a dialplan would, at
// a dialplan's cost. An unanswered caller comes back into the application (ArgRang) and
// the flow goes on.
//
// Unless opts.Follow, the call's goroutine ends here with ErrInDialplan (the caller is
// not hung up), and a caller who comes back is a new call (the app's ResumeAfterRing).
// With opts.Follow the call keeps its goroutine throughout: the application subscribes
// to the caller's channel, sees the answer (Dial's event) and the end of the call, and
// takes the caller back itself; that costs Asterisk and the app an event for each of
// the channel's changes.
func (c *Call) dialInDialplan(ctx context.Context, opts DialOptions) (DialResult, error) {
	if opts.Follow {
		if _, err := c.client.Applications.Subscribe(ctx, c.app, "channel:"+c.channelID); err != nil {
			return DialResult{}, c.channelErr("subscribe", err)
		}
	}
	dialExten, _ := DialExten(opts.Exten, opts.Endpoint, opts.Timeout)
	c.outside.Store(true)
	if !opts.Follow {
		// From now on a caller coming back is a new call, even before this one has closed.
		c.leaving.Store(true)
	}
	err := c.client.Channels.Continue(ctx, c.channelID, ari.ContinueRequest{Context: opts.DialContext, Extension: dialExten, Priority: 1})
	if err != nil {
		c.outside.Store(false)
		c.leaving.Store(false)
		return DialResult{}, c.channelErr("continue in "+opts.DialContext, err)
	}
	if !opts.Follow {
		c.setState("in Asterisk's Dial")
		return DialResult{}, ErrInDialplan
	}
	var res DialResult
	dialed := false // Asterisk's Dial reported the phone ringing or its outcome
	for {
		ev, err := c.next(0)
		if err != nil {
			if !dialed && c.hungUp {
				c.log.Error().Str("context", opts.DialContext).
					Msg("the caller left the application for Asterisk's Dial and was hung up before it rang: is this context in extensions.conf?")
			}
			if res.Status == DialAnswered {
				res.Talk = time.Since(res.Answered)
			}
			return res, err
		}
		switch e := ev.(type) {
		case *ari.Dial:
			if e.Caller == nil || e.Caller.ID != c.channelID {
				continue
			}
			dialed = true
			if st, _, done := dialStatusOf(e.DialStatus); done && st == DialAnswered {
				res = DialResult{Status: DialAnswered, Answered: time.Now()}
				c.answered = true
				c.setState("connected " + opts.Endpoint + " (Asterisk's Dial)")
				c.log.Info().Str("endpoint", opts.Endpoint).Msg("connected")
			}
		case *ari.StasisStart:
			status, _, back := IsReturnFromDial(e.Args)
			if e.Channel.ID != c.channelID || !back { // (the call's own first StasisStart)
				continue
			}
			c.outside.Store(false)
			c.log.Info().Str("endpoint", opts.Endpoint).Str("status", string(status)).Msg("not answered")
			return DialResult{Status: status}, nil
		}
	}
}

// plainInDial reports whether s can stand in Dial's arguments as it is: the dial context
// cuts its extension on '~' and Dial its arguments on ',' ('&' would ring another phone).
func plainInDial(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("/_-.@:+*#", r):
		default:
			return false
		}
	}
	return true
}
