package app

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// The limits of config.Limits, as the log and the metrics name them.
const (
	limitMaxCalls       = "max_calls"
	limitCallsPerSecond = "calls_per_second"
)

// admission is what a routing file's limits allow of new calls: how many the app runs at
// once, and a token bucket of calls per second (a burst of up to one second's worth).
type admission struct {
	maxCalls  int
	perSecond *rate.Limiter // nil: no limit
}

func newAdmission(l config.Limits) admission {
	ad := admission{maxCalls: l.MaxCalls}
	if l.CallsPerSecond > 0 {
		ad.perSecond = rate.NewLimiter(rate.Limit(l.CallsPerSecond), l.CallsPerSecond)
	}
	return ad
}

// over names the limit a new call would go past with live calls running at now; "" when
// the call may be taken (it then takes its token of the second).
func (ad admission) over(live int, now time.Time) string {
	if ad.maxCalls > 0 && live >= ad.maxCalls {
		return limitMaxCalls
	}
	if ad.perSecond != nil && !ad.perSecond.AllowN(now, 1) {
		return limitCallsPerSecond
	}
	return ""
}

// Refusals counts the new calls refused since start, by the limit they were over.
type Refusals struct {
	MaxCalls       uint64
	CallsPerSecond uint64
}

// Refusals is how many new calls the routing file's limits have refused since start.
func (a *App) Refusals() Refusals {
	return Refusals{MaxCalls: a.refusedMaxCalls.Load(), CallsPerSecond: a.refusedPerSecond.Load()}
}

// refuse hangs up a new caller with congestion (SIP 503 before an answer) because of limit,
// in the background: the caller costs one request and no call. The log says so at most a
// few times every 10 s, with the count so far, so that a flood does not flood the log too.
// Called with a.mu held.
func (a *App) refuse(ch ari.Channel, exten, limit string) {
	counter := &a.refusedPerSecond
	if limit == limitMaxCalls {
		counter = &a.refusedMaxCalls
	}
	n := counter.Add(1)
	a.refusalLog.Warn().Str("channel", ch.Name).Str("caller", ch.Caller.Number).Str("exten", exten).
		Str("limit", limit).Uint64("refused_so_far", n).Msg("new call refused with congestion: over the routing file's limits")
	a.live++ // a.mu is held
	go func() {
		defer a.goroutineDone()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.client.Channels.Hangup(ctx, ch.ID, "congestion"); err != nil && !ari.IsNotFound(err) {
			a.log.Warn().Err(err).Str("channel", ch.Name).Msg("refused call: hangup")
		}
	}()
}
