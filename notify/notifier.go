package notify

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of [NotifierConfig].
const (
	DefaultQueueSize      = 256
	DefaultAttempts       = 3
	DefaultMinBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff     = 4 * time.Second
	DefaultAttemptTimeout = 5 * time.Second
	DefaultMaxAge         = 10 * time.Minute
	DefaultPauseAfter     = 3
	DefaultPause          = 30 * time.Second
)

// Client is what a [Notifier] needs from Mattermost; [*Mattermost] is one.
type Client interface {
	CreatePost(ctx context.Context, p Post) (*PostResult, error)
	UploadFile(ctx context.Context, channelID, filename string, r io.Reader) (string, error)
}

// NotifierConfig tunes a [Notifier]. Zero values mean the defaults.
type NotifierConfig struct {
	Templates      Templates
	ChannelID      string        // where to post; "" means the client's channel
	QueueSize      int           // notices waiting to be sent; DefaultQueueSize
	Attempts       int           // tries per notice, the first included; DefaultAttempts
	MinBackoff     time.Duration // wait after the first failure, doubled each time; DefaultMinBackoff
	MaxBackoff     time.Duration // longest wait between attempts; DefaultMaxBackoff
	AttemptTimeout time.Duration // bound of one attempt (upload and post); DefaultAttemptTimeout
	// MaxAge: a notice not posted this long after Notify took it is dropped rather than
	// posted late ("call from 2000" an hour after the call is noise); DefaultMaxAge.
	MaxAge time.Duration
	// After PauseAfter notices in a row were dropped for failing, no attempt is made for
	// Pause: notices wait in the queue meanwhile (and may pass MaxAge), Notify still
	// returns at once; then the next notice is tried. DefaultPauseAfter, DefaultPause.
	PauseAfter int
	Pause      time.Duration
	Logger     zerolog.Logger
	// Now is the clock that stamps each notice when Notify takes it; {time} shows that time
	// in its location (return time.Now().In(office) for the office's zone). time.Now when nil.
	Now func() time.Time
}

// Stats counts what a [Notifier] did since it started.
type Stats struct {
	Sent    uint64 // notices posted
	Failed  uint64 // attempts that failed (a notice may fail several times, then be sent)
	Dropped uint64 // notices given up: queue full, too old, retries exhausted, not retryable, closed
	Queued  int    // notices waiting now
}

// Notifier posts notices in the background, so that a call never waits for Mattermost.
// One goroutine drains a bounded queue; each notice is tried a few times with exponential
// back-off and jitter, then dropped, counted and logged. Every attempt at a notice sends
// the same pending_post_id, so a retry after an answer that came too late does not post
// it twice. When Mattermost is down or hung, what it would post late is dropped instead:
// the oldest notice when the queue is full, a notice older than MaxAge, and after
// PauseAfter notices failed in a row it is left alone for Pause.
//
// To export the counters to Prometheus without this package depending on it, register
// prometheus.NewCounterFunc(opts, func() float64 { return float64(n.Stats().Sent) }) and
// the like.
type Notifier struct {
	client Client
	cfg    NotifierConfig
	log    zerolog.Logger

	mu     sync.Mutex // guards closed and sending on queue
	closed bool
	queue  chan queued

	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
	done   chan struct{}

	sent, failed, dropped atomic.Uint64

	// The worker's own state.
	failedInRow int       // notices dropped for failing since the last one posted
	pauseUntil  time.Time // no attempt before then
	expired     int       // notices dropped for their age, not yet logged
}

// NewNotifier checks cfg and starts the notifier's goroutine; stop it with Close.
func NewNotifier(c Client, cfg NotifierConfig) (*Notifier, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("notify: "+format, a...)) }
	if c == nil {
		bad("no Mattermost client")
	}
	if cfg.ChannelID != "" && !ValidID(cfg.ChannelID) {
		bad("channel_id %q is not a Mattermost id (26 lowercase letters and digits)", cfg.ChannelID)
	}
	setDefault := func(name string, v *int, def int) {
		if *v == 0 {
			*v = def
		} else if *v < 0 {
			bad("%s must be > 0, got %d", name, *v)
		}
	}
	setDefaultDur := func(name string, v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		} else if *v < 0 {
			bad("%s must be > 0, got %s", name, *v)
		}
	}
	setDefault("queue size", &cfg.QueueSize, DefaultQueueSize)
	setDefault("attempts", &cfg.Attempts, DefaultAttempts)
	setDefaultDur("min back-off", &cfg.MinBackoff, DefaultMinBackoff)
	setDefaultDur("max back-off", &cfg.MaxBackoff, DefaultMaxBackoff)
	setDefaultDur("attempt timeout", &cfg.AttemptTimeout, DefaultAttemptTimeout)
	setDefaultDur("max age", &cfg.MaxAge, DefaultMaxAge)
	setDefault("pause after", &cfg.PauseAfter, DefaultPauseAfter)
	setDefaultDur("pause", &cfg.Pause, DefaultPause)
	if cfg.MinBackoff > 0 && cfg.MaxBackoff > 0 && cfg.MinBackoff > cfg.MaxBackoff {
		bad("min back-off %s is longer than max back-off %s", cfg.MinBackoff, cfg.MaxBackoff)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{
		client: c, cfg: cfg, log: cfg.Logger.With().Str("component", "notify").Logger(),
		queue: make(chan queued, cfg.QueueSize), ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go n.run()
	return n, nil
}

// queued is a notice waiting to be sent, with the time Notify took it: at on the
// notifier's clock, for {time}; taken on the monotonic clock, for its age.
type queued struct {
	notice Notice
	at     time.Time
	taken  time.Time
}

// Notify queues a notice, stamped with the notifier's clock, and returns at once. When the
// queue is full, the oldest notice waiting is dropped to make room (counted and logged):
// it is the one that would be posted latest. When the notifier is closed, the notice is
// dropped, counted and logged, and Notify returns false.
func (n *Notifier) Notify(notice Notice) bool {
	if notice == nil {
		return false
	}
	q := queued{notice: notice, at: n.cfg.Now(), taken: time.Now()}
	n.mu.Lock()
	closed := n.closed
	var oldest Notice
	if !closed {
		if len(n.queue) == cap(n.queue) {
			select {
			case old := <-n.queue:
				oldest = old.notice
			default: // the worker took it first
			}
		}
		n.queue <- q // there is room: only Notify sends, under n.mu
	}
	n.mu.Unlock()
	switch {
	case closed:
		n.logDrop(notice, "notifier closed")
		return false
	case oldest != nil:
		n.logDrop(oldest, "queue full, the oldest notice makes room")
	}
	return true
}

// logDrop counts and logs a notice dropped before its turn.
func (n *Notifier) logDrop(notice Notice, reason string) {
	total := n.dropped.Add(1)
	n.log.Warn().Str("kind", string(notice.Kind())).Str("exten", notice.target()).
		Uint64("dropped_total", total).Msg("notice dropped: " + reason)
}

// Close stops taking notices and sends those queued until ctx ends; then it abandons the
// attempt under way and drops what is left (counted and logged). It returns ctx's error
// when it had to abandon notices. Close may be called more than once.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.queue)
	}
	n.mu.Unlock()
	select {
	case <-n.done:
		n.cancel()
		return nil
	case <-ctx.Done():
		n.cancel()
		<-n.done
		return fmt.Errorf("notify: close: %w", context.Cause(ctx))
	}
}

// Stats returns the counters.
func (n *Notifier) Stats() Stats {
	return Stats{Sent: n.sent.Load(), Failed: n.failed.Load(), Dropped: n.dropped.Load(), Queued: len(n.queue)}
}

func (n *Notifier) run() {
	defer close(n.done)
	abandoned := 0
	for q := range n.queue {
		if n.ctx.Err() != nil {
			abandoned++
			n.dropped.Add(1)
			continue
		}
		n.deliver(q)
		if len(n.queue) == 0 {
			n.logExpired()
		}
	}
	n.logExpired()
	if abandoned > 0 {
		n.log.Error().Int("count", abandoned).Msg("notices dropped: notifier closed before they were sent")
	}
}

// deliver tries one notice up to Attempts times, after the pause if one is on, while it is
// not older than MaxAge.
func (n *Notifier) deliver(q queued) {
	log := n.log.With().Str("kind", string(q.notice.Kind())).Str("exten", q.notice.target()).Logger()
	d := delivery{msg: n.cfg.Templates.RenderAt(q.notice, q.at), pendingID: crand.Text()}
	_, d.audio = q.notice.media()
	var err error
	attempt := 0
	for attempt < n.cfg.Attempts {
		wait := time.Until(n.pauseUntil) // before the first attempt; the back-off before the others
		if attempt > 0 {
			wait = n.backoff(attempt, err)
		}
		if wait > 0 && !n.sleep(wait) {
			break
		}
		if time.Since(q.taken) > n.cfg.MaxAge {
			n.expired++
			n.dropped.Add(1)
			return
		}
		n.logExpired() // this notice ends a run of expired ones
		attempt++
		if err = n.attempt(&d, log); err == nil {
			n.sent.Add(1)
			log.Debug().Int("attempt", attempt).Msg("notice posted")
			n.succeeded(log)
			return
		}
		n.failed.Add(1)
		ev := log.Warn().Int("attempt", attempt).Int("attempts", n.cfg.Attempts).Err(err)
		var api *APIError
		if errors.As(err, &api) {
			ev = ev.Int("status", api.Status).Str("mm_error_id", api.ID)
		}
		ev.Msg("notice attempt failed")
		if !Retryable(err) || n.ctx.Err() != nil {
			break
		}
	}
	total := n.dropped.Add(1)
	log.Error().Int("attempts_made", attempt).Uint64("dropped_total", total).Err(err).Msg("notice dropped")
	n.failedNotice(log)
}

// succeeded ends a run of failed notices.
func (n *Notifier) succeeded(log zerolog.Logger) {
	if n.failedInRow >= n.cfg.PauseAfter {
		log.Info().Int("failed_in_row", n.failedInRow).Msg("Mattermost posts again")
	}
	n.failedInRow = 0
}

// failedNotice counts a notice dropped for failing; after PauseAfter in a row, and after
// each one that fails then, no attempt is made for Pause.
func (n *Notifier) failedNotice(log zerolog.Logger) {
	n.failedInRow++
	if n.failedInRow < n.cfg.PauseAfter {
		return
	}
	n.pauseUntil = time.Now().Add(n.cfg.Pause)
	if n.failedInRow == n.cfg.PauseAfter {
		log.Warn().Int("failed_in_row", n.failedInRow).Dur("pause", n.cfg.Pause).
			Msg("Mattermost keeps failing: notices wait between attempts, and those older than max_age are dropped")
	}
}

// logExpired logs, once for a run of them, the notices dropped for their age.
func (n *Notifier) logExpired() {
	if n.expired == 0 {
		return
	}
	n.log.Warn().Int("count", n.expired).Dur("max_age", n.cfg.MaxAge).Uint64("dropped_total", n.dropped.Load()).
		Msg("notices dropped: not posted within max_age, too late to matter")
	n.expired = 0
}

// delivery is one notice being delivered: the audio is uploaded once across attempts, and
// every attempt sends the same pending_post_id.
type delivery struct {
	msg       string
	pendingID string
	audio     *Attachment
	fileIDs   []string
}

func (n *Notifier) attempt(d *delivery, log zerolog.Logger) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.AttemptTimeout)
	defer cancel()
	if d.audio != nil {
		id, err := n.upload(ctx, d.audio)
		switch {
		case err == nil:
			d.fileIDs = []string{id}
		case errors.Is(err, errors.ErrUnsupported):
			log.Debug().Msg("audio not attached: file upload needs the REST API")
		case Retryable(err) || n.ctx.Err() != nil:
			return err
		default:
			log.Warn().Err(err).Str("file", d.audio.Name).Msg("audio not attached: posting without it")
		}
		d.audio = nil
	}
	_, err := n.client.CreatePost(ctx, Post{ChannelID: n.cfg.ChannelID, Message: d.msg, FileIDs: d.fileIDs, PendingPostID: d.pendingID})
	return err
}

func (n *Notifier) upload(ctx context.Context, a *Attachment) (string, error) {
	if a.Open == nil {
		return "", &permanentError{fmt.Errorf("notify: attachment %s has no Open", a.Name)}
	}
	r, err := a.Open()
	if err != nil {
		return "", &permanentError{fmt.Errorf("notify: open %s: %w", a.Name, err)}
	}
	defer r.Close()
	id, err := n.client.UploadFile(ctx, n.cfg.ChannelID, a.Name, r)
	if err != nil {
		return "", fmt.Errorf("notify: upload %s: %w", a.Name, err)
	}
	return id, nil
}

// backoff is the wait after the given number of failed attempts: MinBackoff doubled each
// time up to MaxBackoff, with "equal jitter" (between half and all of it), and at least a
// Retry-After the server asked for (cut to MaxBackoff).
func (n *Notifier) backoff(failures int, err error) time.Duration {
	d := n.cfg.MinBackoff
	for i := 1; i < failures && d < n.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.cfg.MaxBackoff)
	d = d/2 + rand.N(d/2+1)
	var api *APIError
	if errors.As(err, &api) && api.RetryAfter > d {
		d = min(api.RetryAfter, n.cfg.MaxBackoff)
	}
	return d
}

// sleep waits d, or returns false when the notifier is abandoned.
func (n *Notifier) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}
