package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/notify"
	"github.com/ariflow/ariflow/notify/mmtest"
)

// logBuffer collects log lines written from the notifier's goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// setup starts an in-memory stand-in and a notifier posting to it with token; run it inside
// a synctest bubble.
func setup(t *testing.T, token string, cfg notify.NotifierConfig) (*mmtest.Server, *notify.Notifier, *logBuffer) {
	t.Helper()
	s := mmtest.NewPipeServer(mmtest.Options{})
	t.Cleanup(s.Close)
	mm := apiConfig(s)
	mm.Token = token
	n, logs := newNotifier(t, mm, cfg)
	return s, n, logs
}

func newNotifier(t *testing.T, mm notify.MattermostConfig, cfg notify.NotifierConfig) (*notify.Notifier, *logBuffer) {
	t.Helper()
	m := newClient(t, mm)
	logs := &logBuffer{}
	cfg.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
	n, err := notify.NewNotifier(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return n, logs
}

func closeNotifier(t *testing.T, n *notify.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func wantStats(t *testing.T, n *notify.Notifier, want notify.Stats) {
	t.Helper()
	if got := n.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}

func TestNotifierDelivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		if !n.Notify(notify.Call{Caller: "0601020304", CallerName: "Alice", Exten: "1000"}) {
			t.Fatal("Notify refused the notice")
		}
		closeNotifier(t, n)
		posts := s.Posts()
		if len(posts) != 1 {
			t.Fatalf("%d posts, want 1", len(posts))
		}
		p := posts[0]
		if p.Message != "Message en provenance de 0601020304 pour 1000" || p.Token != mmtest.DefaultToken || p.ChannelID != mmtest.DefaultChannelID {
			t.Errorf("post %+v", p)
		}
		wantStats(t, n, notify.Stats{Sent: 1})
	})
}

// The same over a real loopback connection, in real time.
func TestNotifierLoopback(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	n, _ := newNotifier(t, apiConfig(s), notify.NotifierConfig{})
	n.Notify(notify.Absence{Exten: "1000", On: true})
	posts, err := s.WaitPosts(t.Context(), 1)
	if err != nil || posts[0].Message != "Absence activé pour 1000" {
		t.Fatalf("posts %+v, %v", posts, err)
	}
	closeNotifier(t, n)
	wantStats(t, n, notify.Stats{Sent: 1})
}

func TestNotifierDeadServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, logs := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s.Refuse()
		start := time.Now()
		for range 3 {
			n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		}
		if time.Since(start) != 0 {
			t.Errorf("Notify took %s of virtual time: it blocked", time.Since(start))
		}
		closeNotifier(t, n)
		wantStats(t, n, notify.Stats{Failed: 9, Dropped: 3})
		// Two back-offs per notice: 250-500 ms then 500-1000 ms.
		if d := time.Since(start); d < 3*750*time.Millisecond || d > 3*1500*time.Millisecond {
			t.Errorf("3 notices took %s, want 2.25-4.5 s of back-off", d)
		}
		if out := logs.String(); !strings.Contains(out, "connection refused") || !strings.Contains(out, `"message":"notice dropped"`) ||
			strings.Contains(out, mmtest.DefaultToken) {
			t.Errorf("logs:\n%s", logs)
		}
	})
}

func TestNotifierSlow500(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s.SetFault(mmtest.Fault{Status: 500, Delay: 2 * time.Second})
		start := time.Now()
		n.Notify(notify.Missed{Caller: "2000", Exten: "1000"})
		if time.Since(start) != 0 {
			t.Error("Notify blocked")
		}
		closeNotifier(t, n)
		wantStats(t, n, notify.Stats{Failed: 3, Dropped: 1})
		if s.Requests() != 3 {
			t.Errorf("%d requests, want 3", s.Requests())
		}
		// A 10 s answer is cut by the 5 s attempt timeout.
		s2, n2, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{Attempts: 1})
		s2.SetFault(mmtest.Fault{Status: 500, Delay: 10 * time.Second})
		start = time.Now()
		n2.Notify(notify.Missed{Caller: "2000", Exten: "1000"})
		closeNotifier(t, n2)
		if d := time.Since(start); d != notify.DefaultAttemptTimeout {
			t.Errorf("attempt lasted %s, want %s", d, notify.DefaultAttemptTimeout)
		}
		wantStats(t, n2, notify.Stats{Failed: 1, Dropped: 1})
	})
}

// With the server hung, Notify still never blocks: the queue fills, then each new notice
// takes the place of the oldest. If Notify blocked on a channel, synctest would report a
// deadlock; time.Since proves it did not wait for a timer either.
func TestNotifyNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s.SetFault(mmtest.Fault{Hang: true})
		start := time.Now()
		n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		synctest.Wait() // the worker took it and waits for the hung server
		accepted := 1
		for range 999 {
			if n.Notify(notify.Call{Caller: "2000", Exten: "1000"}) {
				accepted++
			}
		}
		if time.Since(start) != 0 {
			t.Errorf("1000 Notify calls took %s of virtual time", time.Since(start))
		}
		if accepted != 1000 {
			t.Errorf("accepted %d, want all 1000 (the oldest make room)", accepted)
		}
		wantStats(t, n, notify.Stats{Dropped: 999 - notify.DefaultQueueSize, Queued: notify.DefaultQueueSize})

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := n.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want DeadlineExceeded", err)
		}
		wantStats(t, n, notify.Stats{Failed: 1, Dropped: 1000})
		if n.Notify(notify.Call{}) {
			t.Error("Notify after Close accepted a notice")
		}
		wantStats(t, n, notify.Stats{Failed: 1, Dropped: 1001})
	})
}

func TestNotifierRetryThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, status := range []int{503, 429} {
			s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
			s.SetFault(mmtest.Fault{Status: status, Count: 2})
			n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
			closeNotifier(t, n)
			wantStats(t, n, notify.Stats{Sent: 1, Failed: 2})
			if p := s.Posts(); len(p) != 1 || s.Requests() != 3 {
				t.Errorf("status %d: %d posts after %d requests, want 1 after 3", status, len(p), s.Requests())
			}
		}
	})
}

// A 4xx other than 429 is not retried, and the token never reaches the logs.
func TestNotifierNotRetried(t *testing.T) {
	const token = "wrong-but-secret-token-1234"
	synctest.Test(t, func(t *testing.T) {
		s, n, logs := setup(t, token, notify.NotifierConfig{})
		n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		closeNotifier(t, n)
		wantStats(t, n, notify.Stats{Failed: 1, Dropped: 1})
		if s.Requests() != 1 {
			t.Errorf("%d requests, want 1 (no retry of a 401)", s.Requests())
		}
		out := logs.String()
		if !strings.Contains(out, `"status":401`) || !strings.Contains(out, "api.context.session_expired.app_error") {
			t.Errorf("log lacks the 401:\n%s", out)
		}
		if strings.Contains(out, token) {
			t.Errorf("the token is in the logs:\n%s", out)
		}

		s2, n2, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s2.SetFault(mmtest.Fault{Status: 400})
		n2.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		closeNotifier(t, n2)
		wantStats(t, n2, notify.Stats{Failed: 1, Dropped: 1})
		if s2.Requests() != 1 {
			t.Errorf("%d requests, want 1 (no retry of a 400)", s2.Requests())
		}
	})
}

func TestNotifierWebhook(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := mmtest.NewPipeServer(mmtest.Options{})
		defer s.Close()
		audio := &notify.Attachment{Name: "msg.wav", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("RIFF")), nil }}
		n, logs := newNotifier(t, notify.MattermostConfig{WebhookURL: s.HookURL(mmtest.DefaultHookKey), HTTPClient: s.Client()}, notify.NotifierConfig{})
		n.Notify(notify.Voicemail{Box: "1000", Caller: "2000", Duration: 9 * time.Second, Audio: audio})
		closeNotifier(t, n)
		p := s.Posts()
		if len(p) != 1 || p[0].Hook != mmtest.DefaultHookKey || p[0].Message != "Nouveau message de 2000 pour 1000 (9 s)" || len(s.Files()) != 0 {
			t.Errorf("posts %+v", p)
		}
		wantStats(t, n, notify.Stats{Sent: 1})

		// A failing hook: its key (a secret) stays out of the logs.
		s.Refuse()
		bad, logs := newNotifier(t, notify.MattermostConfig{WebhookURL: s.HookURL("secrethookkey"), HTTPClient: s.Client()}, notify.NotifierConfig{Attempts: 1})
		bad.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		closeNotifier(t, bad)
		if out := logs.String(); strings.Contains(out, "secrethookkey") || !strings.Contains(out, "/hooks/<redacted>") {
			t.Errorf("logs:\n%s", out)
		}
	})
}

// {time} is the notifier's clock when Notify took the notice, not when it was sent; every
// placeholder a kind allows is filled in the posted text.
func TestNotifierTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris := time.FixedZone("CET", 3600)
		clock := time.Date(2025, 3, 14, 8, 59, 0, 0, time.UTC)
		every := func(k notify.Kind) string {
			var b strings.Builder
			for _, name := range notify.Placeholders(k) {
				b.WriteString(name + "={" + name + "};")
			}
			return b.String()
		}
		tmpl := notify.Templates{Call: every(notify.KindCall), Missed: every(notify.KindMissed),
			Absence: every(notify.KindAbsence), Voicemail: every(notify.KindVoicemail)}
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{Templates: tmpl,
			Now: func() time.Time { return clock.In(paris) }})
		s.SetFault(mmtest.Fault{Status: 503, Count: 1}) // the first notice is sent after a retry
		notices := []notify.Notice{
			notify.Call{Caller: "2000", CallerName: "Bob", Exten: "1000"},
			notify.Missed{Caller: "2000", CallerName: "Bob", Exten: "1000"},
			notify.Absence{Exten: "1000", On: true, By: "admin"},
			notify.Voicemail{Box: "1000", Caller: "2000", CallerName: "Bob", Duration: 65 * time.Second, Link: "https://pbx/vm/1"},
		}
		for _, notice := range notices {
			n.Notify(notice)
			clock = clock.Add(time.Minute)
		}
		closeNotifier(t, n)
		want := []string{
			"caller=2000;caller_name=Bob;exten=1000;time=09:59;",
			"caller=2000;caller_name=Bob;exten=1000;time=10:00;",
			"exten=1000;state=activé;by=admin;time=10:01;",
			"caller=2000;caller_name=Bob;exten=1000;box=1000;mailbox=1000;duration=1 min 05 s;link=https://pbx/vm/1;time=10:02;",
		}
		posts := s.Posts()
		if len(posts) != len(want) {
			t.Fatalf("%d posts, want %d: %+v", len(posts), len(want), posts)
		}
		for i, p := range posts {
			if p.Message != want[i] || strings.ContainsAny(p.Message, "{}") {
				t.Errorf("post %d: %q, want %q", i, p.Message, want[i])
			}
		}
	})
}

func TestNotifierVoicemailAudio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		opens := 0
		audio := &notify.Attachment{Name: "msg0001.wav", Open: func() (io.ReadCloser, error) {
			opens++
			return io.NopCloser(strings.NewReader("RIFFwav")), nil
		}}
		// The upload works, the first post fails: the retry does not upload again.
		s.SetFault(mmtest.Fault{Status: 502, Count: 1, Path: "/api/v4/posts"})
		n.Notify(notify.Voicemail{Box: "1000", Caller: "2000", Duration: time.Minute, Link: "https://pbx/vm/1", Audio: audio})
		closeNotifier(t, n)
		wantStats(t, n, notify.Stats{Sent: 1, Failed: 1})
		p, f := s.Posts(), s.Files()
		if len(p) != 1 || len(f) != 1 || len(p[0].FileIDs) != 1 || p[0].FileIDs[0] != f[0].ID || string(f[0].Data) != "RIFFwav" {
			t.Fatalf("posts %+v files %+v", p, f)
		}
		if opens != 1 || p[0].Message != "Nouveau message de 2000 pour 1000 (1 min 00 s)\nhttps://pbx/vm/1" {
			t.Errorf("opened %d times, message %q", opens, p[0].Message)
		}

		// A failed upload is retried with a fresh reader.
		s2, n2, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		opens = 0
		s2.SetFault(mmtest.Fault{Status: 500, Count: 1, Path: "/api/v4/files"})
		n2.Notify(notify.Voicemail{Box: "1000", Caller: "2000", Audio: audio})
		closeNotifier(t, n2)
		wantStats(t, n2, notify.Stats{Sent: 1, Failed: 1})
		if opens != 2 || len(s2.Files()) != 1 || len(s2.Posts()) != 1 || len(s2.Posts()[0].FileIDs) != 1 {
			t.Errorf("opened %d times, files %d, posts %+v", opens, len(s2.Files()), s2.Posts())
		}

		// An upload refused for good (403): the notice goes without its audio.
		s3, n3, logs := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s3.SetFault(mmtest.Fault{Status: 403, Path: "/api/v4/files"})
		n3.Notify(notify.Voicemail{Box: "1000", Caller: "2000", Audio: audio})
		closeNotifier(t, n3)
		wantStats(t, n3, notify.Stats{Sent: 1})
		if p := s3.Posts(); len(p) != 1 || len(p[0].FileIDs) != 0 || !strings.Contains(logs.String(), "audio not attached") {
			t.Errorf("posts %+v, logs:\n%s", p, logs)
		}
	})
}

func TestNewNotifierConfig(t *testing.T) {
	_, err := notify.NewNotifier(nil, notify.NotifierConfig{QueueSize: -1, Attempts: -2, MinBackoff: 5 * time.Second, MaxBackoff: time.Second, ChannelID: "x"})
	for _, want := range []string{"no Mattermost client", "queue size must be > 0", "attempts must be > 0", "min back-off 5s is longer", `channel_id "x"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// messages lists the text of the posts s received.
func messages(s *mmtest.Server) []string {
	var out []string
	for _, p := range s.Posts() {
		out = append(out, p.Message)
	}
	return out
}

// A post Mattermost made but answered after the attempt's timeout is retried with the same
// pending_post_id: Mattermost answers with the post it made, so the notice shows once, and
// is counted as sent. The next notice has an id of its own.
func TestNotifierSlowAnswerPostsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, _ := setup(t, mmtest.DefaultToken, notify.NotifierConfig{})
		s.SetFault(mmtest.Fault{AnswerDelay: 2 * notify.DefaultAttemptTimeout, Count: 1})
		n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		synctest.Wait()
		time.Sleep(3 * notify.DefaultAttemptTimeout) // past the late answer
		n.Notify(notify.Call{Caller: "2000", Exten: "1001"})
		closeNotifier(t, n)
		want := []string{"Message en provenance de 2000 pour 1000", "Message en provenance de 2000 pour 1001"}
		if got := messages(s); !slices.Equal(got, want) || s.Requests() != 3 {
			t.Fatalf("after %d requests, posts %q, want %q", s.Requests(), got, want)
		}
		if p := s.Posts(); p[0].PendingPostID == "" || p[0].PendingPostID == p[1].PendingPostID {
			t.Errorf("pending_post_ids %q and %q: want one of its own per notice", p[0].PendingPostID, p[1].PendingPostID)
		}
		wantStats(t, n, notify.Stats{Sent: 2, Failed: 1})
	})
}

// A webhook post has no pending_post_id: once sent, a post answered after the timeout is
// not retried (it was made; a retry would show it twice). A refused connection is.
func TestNotifierWebhookTimeoutIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := mmtest.NewPipeServer(mmtest.Options{})
		defer s.Close()
		hook := notify.MattermostConfig{WebhookURL: s.HookURL(mmtest.DefaultHookKey), HTTPClient: s.Client()}
		n, logs := newNotifier(t, hook, notify.NotifierConfig{})
		s.SetFault(mmtest.Fault{AnswerDelay: 2 * notify.DefaultAttemptTimeout})
		n.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		closeNotifier(t, n)
		if got := messages(s); len(got) != 1 || s.Requests() != 1 {
			t.Errorf("after %d requests, posts %q: want one request, one post", s.Requests(), got)
		}
		wantStats(t, n, notify.Stats{Failed: 1, Dropped: 1})
		if out := logs.String(); !strings.Contains(out, "not retried: the webhook may have posted it") {
			t.Errorf("the log does not say why it was not retried:\n%s", out)
		}

		s.Refuse()
		refused, _ := newNotifier(t, hook, notify.NotifierConfig{})
		refused.Notify(notify.Call{Caller: "2000", Exten: "1000"})
		closeNotifier(t, refused)
		wantStats(t, refused, notify.Stats{Failed: notify.DefaultAttempts, Dropped: 1})
	})
}

// When the queue is full, the oldest notice waiting makes room for the new one: it is the
// one that would have been posted latest.
func TestNotifierQueueFullDropsTheOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, logs := setup(t, mmtest.DefaultToken, notify.NotifierConfig{QueueSize: 2, Attempts: 1})
		s.SetFault(mmtest.Fault{Hang: true, Count: 1})
		for _, exten := range []string{"1001", "1002", "1003", "1004"} {
			if !n.Notify(notify.Call{Caller: "2000", Exten: exten}) {
				t.Errorf("the notice for %s was refused", exten)
			}
			synctest.Wait() // the worker takes 1001 and waits for the hung server
		}
		closeNotifier(t, n)
		want := []string{"Message en provenance de 2000 pour 1003", "Message en provenance de 2000 pour 1004"}
		if got := messages(s); !slices.Equal(got, want) {
			t.Errorf("posts %q, want %q", got, want)
		}
		wantStats(t, n, notify.Stats{Sent: 2, Failed: 1, Dropped: 2})
		if out := logs.String(); !strings.Contains(out, `"exten":"1002","dropped_total":1,"message":"notice dropped: queue full, the oldest notice makes room"`) {
			t.Errorf("the oldest notice's drop is not logged:\n%s", out)
		}
	})
}

// A notice not posted within MaxAge is dropped rather than posted late; a run of them is
// logged once, with their count. The next notice is posted at once.
func TestNotifierDropsNoticesOlderThanMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, logs := setup(t, mmtest.DefaultToken, notify.NotifierConfig{Attempts: 1, MaxAge: 3 * time.Second})
		s.SetFault(mmtest.Fault{Hang: true, Count: 1})
		for _, exten := range []string{"1001", "1002", "1003"} {
			n.Notify(notify.Call{Caller: "2000", Exten: exten})
		}
		time.Sleep(notify.DefaultAttemptTimeout) // 1001 times out: the others are 5 s old
		synctest.Wait()
		n.Notify(notify.Call{Caller: "2000", Exten: "1004"})
		closeNotifier(t, n)
		if got, want := messages(s), []string{"Message en provenance de 2000 pour 1004"}; !slices.Equal(got, want) {
			t.Errorf("posts %q, want only %q", got, want)
		}
		wantStats(t, n, notify.Stats{Sent: 1, Failed: 1, Dropped: 3})
		out := logs.String()
		if strings.Count(out, "not posted within max_age") != 1 || !strings.Contains(out, `"count":2,"max_age":3000`) {
			t.Errorf("want one line for the 2 notices too old:\n%s", out)
		}
	})
}

// After PauseAfter notices in a row failed, Mattermost is left alone for Pause: notices
// wait (Notify still returns at once), then are posted once it answers again.
func TestNotifierPausesAfterFailuresInARow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, n, logs := setup(t, mmtest.DefaultToken, notify.NotifierConfig{Attempts: 1})
		s.SetFault(mmtest.Fault{Status: 500, Count: notify.DefaultPauseAfter})
		start := time.Now()
		for i := range notify.DefaultPauseAfter + 1 {
			n.Notify(notify.Call{Caller: "2000", Exten: strconv.Itoa(1000 + i)})
		}
		time.Sleep(notify.DefaultPause - time.Second)
		n.Notify(notify.Call{Caller: "2000", Exten: "1009"})
		if d := time.Since(start); d != notify.DefaultPause-time.Second {
			t.Errorf("Notify during the pause waited %s", d-(notify.DefaultPause-time.Second))
		}
		synctest.Wait()
		if r := s.Requests(); r != notify.DefaultPauseAfter {
			t.Fatalf("%d requests before the pause ended, want %d", r, notify.DefaultPauseAfter)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := messages(s); len(got) != 2 {
			t.Errorf("after the pause, posts %q: want the 2 notices that waited", got)
		}
		closeNotifier(t, n)
		wantStats(t, n, notify.Stats{Sent: 2, Failed: 3, Dropped: 3})
		out := logs.String()
		if strings.Count(out, "Mattermost keeps failing") != 1 || !strings.Contains(out, "Mattermost posts again") {
			t.Errorf("the pause and the recovery are not logged once each:\n%s", out)
		}
	})
}
