package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/notify"
	"github.com/ariflow/ariflow/notify/mmtest"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/store"
)

// paris is the office's zone in every test routing file.
var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Monday 23 November 2026, at the given wall time in Paris.
func monday(hour, minute int) time.Time {
	return time.Date(2026, 11, 23, hour, minute, 0, 0, paris)
}

// routingHead is the part of every test routing file that points at the lab.
// asterisk is more lines of its asterisk section ("  key: value\n"), or "".
func routingHead(lab *labtest.Lab, dir, recPrefix, asterisk string) string {
	return fmt.Sprintf(`
asterisk:
  url: %s
  username: %s
  password: %s
  app: %s
%stimezone: Europe/Paris
database: %s
recordings:
  directory: %s
  prefix: %s
`, lab.ARIURL, lab.ARIUser, lab.ARIPassword, lab.App, asterisk, filepath.Join(dir, "ariflow.db"), lab.SpoolDir, recPrefix)
}

// writeRouting writes the routing file of an `ariflow serve` subprocess into dir: the lab
// head (with asterisk's more lines, see routingHead), then body, checked first. It returns
// its path.
func writeRouting(t *testing.T, lab *labtest.Lab, dir, asterisk, body string) string {
	t.Helper()
	yaml := routingHead(lab, dir, "itest/"+t.Name()+"/", asterisk) + body
	if _, err := config.Parse("routing.yaml", []byte(yaml)); err != nil {
		t.Fatalf("routing file refused: %v", err)
	}
	routing := filepath.Join(dir, "routing.yaml")
	if err := os.WriteFile(routing, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return routing
}

// clock is the app's injectable time.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) Set(t time.Time) { c.t.Store(&t) }

// Now is the set time plus the real time elapsed since it was set would be more exact;
// the tests only need the moment they chose.
func (c *clock) Now() time.Time {
	if p := c.t.Load(); p != nil {
		return *p
	}
	return time.Now()
}

// syncBuffer collects the app's logs for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is one app serving a routing file against the lab's Asterisk.
type harness struct {
	t             *testing.T
	lab           *labtest.Lab
	dir           string
	clock         *clock
	logs          *syncBuffer
	mm            *mmtest.Server
	notifier      *notify.Notifier
	db            *store.DB
	app           *app.App
	observer      *ari.Subscription
	vm            *voicemailSpy
	queues        *queue.Manager
	rooms         *conference.Manager
	stop          func()
	ariURL        string        // the app's ARI base URL
	noticeTimeout time.Duration // options.noticeTimeout
}

type options struct {
	body         string // the routing file after routingHead and the notify section
	callTemplate string // notify.call_template, when not the seed's
	now          time.Time
	dir          string // reuse a previous harness's directory (its database)
	ariURL       string // the app's ARI base URL when not the lab's (e.g. a proxy in between)
	// noticeTimeout bounds one attempt to post a notice; 1 s when zero
	noticeTimeout time.Duration
	// recordingName is recordings.name (placeholders {exten}, {caller}, {time}) when set
	recordingName string
	// dialContext is asterisk.dial_context when set (rings handed to Asterisk's Dial)
	dialContext string
}

// start runs an app with the routing file made of the lab head and body.
func start(t *testing.T, o options) *harness {
	t.Helper()
	lab := labtest.Require(t)
	h := &harness{t: t, lab: lab, dir: o.dir, clock: &clock{}, logs: &syncBuffer{}, ariURL: o.ariURL, noticeTimeout: o.noticeTimeout}
	if h.ariURL == "" {
		h.ariURL = lab.ARIURL
	}
	if h.dir == "" {
		h.dir = t.TempDir()
	}
	if !o.now.IsZero() {
		h.clock.Set(o.now)
	}
	recPrefix := "itest/" + strings.ReplaceAll(t.Name(), "/", "_") + "/"
	if err := os.RemoveAll(filepath.Join(lab.SpoolDir, recPrefix)); err != nil { // recordings of earlier runs
		t.Fatal(err)
	}
	asterisk := ""
	if o.dialContext != "" {
		asterisk = "  dial_context: " + o.dialContext + "\n"
	}
	yaml := routingHead(lab, h.dir, recPrefix, asterisk)
	if o.recordingName != "" { // routingHead ends inside the recordings section
		yaml += fmt.Sprintf("  name: %q\n", o.recordingName)
	}
	{ // every test app posts its notices to a Mattermost stand-in
		h.mm = mmtest.NewServer(mmtest.Options{})
		t.Cleanup(h.mm.Close)
		yaml += fmt.Sprintf(`
notify:
  mattermost:
    url: %s
    token: %s
    channel_id: %s
`, h.mm.URL, mmtest.DefaultToken, mmtest.DefaultChannelID)
		if o.callTemplate != "" {
			yaml += fmt.Sprintf("  call_template: %q\n", o.callTemplate)
		}
	}
	yaml += o.body
	file, err := config.Parse(filepath.Join(h.dir, "routing.yaml"), []byte(yaml))
	if err != nil {
		t.Fatalf("test routing file refused:\n%v\n%s", err, yaml)
	}
	h.run(file)
	return h
}

func (h *harness) run(file *config.File) {
	t := h.t
	log := zerolog.New(zerolog.MultiLevelWriter(h.logs, zerolog.NewTestWriter(t))).With().Timestamp().Logger()
	db, err := store.Open(file.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	h.db = db
	services := app.Services{DB: db, Absence: absence.New(db, nil), Now: h.clock.Now, Logger: log}
	services.Queues = queue.NewManager(db, log)
	h.queues = services.Queues
	services.Rooms = conference.NewManager(log)
	h.rooms = services.Rooms
	if h.mm != nil {
		clientCfg, notifierCfg, _, err := app.NotifySettings(file)
		if err != nil {
			t.Fatal(err)
		}
		client, err := notify.NewMattermost(clientCfg)
		if err != nil {
			t.Fatal(err)
		}
		notifierCfg.Logger = log
		notifierCfg.MinBackoff, notifierCfg.MaxBackoff, notifierCfg.AttemptTimeout = 50*time.Millisecond, 200*time.Millisecond, time.Second
		if h.noticeTimeout > 0 {
			notifierCfg.AttemptTimeout = h.noticeTimeout
		}
		h.notifier, err = notify.NewNotifier(client, notifierCfg)
		if err != nil {
			t.Fatal(err)
		}
		services.Notices = app.Notices{N: h.notifier}
	}
	vm, err := app.NewVoicemail(context.Background(), file, services)
	if err != nil {
		t.Fatal(err)
	}
	h.vm = &voicemailSpy{next: vm}
	services.Voicemail = h.vm
	routing, err := app.NewRouting(file, services)
	if err != nil {
		t.Fatal(err)
	}
	var a *app.App
	client, err := ari.New(ari.Options{
		BaseURL: h.ariURL, Username: h.lab.ARIUser, Password: h.lab.ARIPassword, Application: h.lab.App,
		Logger: log, PingInterval: time.Second, OnState: func(s ari.ConnState) { a.ConnState(s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err = app.New(app.Options{Client: client, AppName: h.lab.App, Logger: log, Routing: routing})
	if err != nil {
		t.Fatal(err)
	}
	h.app = a
	h.observer = a.Bus().Subscribe(4096, "type:PlaybackStarted", "type:PlaybackFinished", "type:StasisStart", "type:RecordingFinished",
		"type:PlaybackContinuing", "type:ChannelTalkingStarted")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = a.Drain(dctx)
		dcancel()
		cancel()
		<-done
		if h.notifier != nil {
			nctx, ncancel := context.WithTimeout(context.Background(), time.Second)
			_ = h.notifier.Close(nctx)
			ncancel()
		}
		_ = db.Close()
	}
	t.Cleanup(h.stop)
	h.waitConnected()
}

func (h *harness) waitConnected() {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !h.app.Connected() {
		if time.Now().After(deadline) {
			h.t.Fatalf("app did not connect to ARI; logs:\n%s", h.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restart stops the app and starts a new one on the same routing file and database.
func (h *harness) restart(file *config.File) {
	h.stop()
	h.run(file)
}

// waitEvent waits for an observed event matching pred.
func (h *harness) waitEvent(timeout time.Duration, what string, pred func(ari.Event) bool) ari.Event {
	h.t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev := <-h.observer.C():
			if pred(ev) {
				return ev
			}
		case <-timer.C:
			h.t.Fatalf("no %s within %s; app logs:\n%s", what, timeout, h.logs.String())
			return nil
		}
	}
}

// waitPlayback waits for the app to start playing media (e.g. "sound:closed").
func (h *harness) waitPlayback(media string, timeout time.Duration) {
	h.t.Helper()
	h.waitEvent(timeout, "playback of "+media, func(ev ari.Event) bool {
		switch e := ev.(type) {
		case *ari.PlaybackStarted:
			return e.Playback.MediaURI == media
		case *ari.PlaybackContinuing: // the next media of a playback's list
			return e.Playback.MediaURI == media
		}
		return false
	})
}

// waitIdle waits until the app has no call left.
func (h *harness) waitIdle(timeout time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for len(h.app.Calls()) > 0 {
		if time.Now().After(deadline) {
			h.t.Fatalf("calls still up after %s: %+v", timeout, h.app.Calls())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// voicemailSpy is the real voicemail, noting why each call got there.
type voicemailSpy struct {
	next    extension.Voicemail
	mu      sync.Mutex
	reasons []string
}

func (v *voicemailSpy) Leave(ctx context.Context, c extension.Call, box, reason string) (bool, error) {
	v.mu.Lock()
	v.reasons = append(v.reasons, box+":"+reason)
	v.mu.Unlock()
	return v.next.Leave(ctx, c, box, reason)
}

// Unwrap is the voicemail the spy watches (the app finds its service through it).
func (v *voicemailSpy) Unwrap() extension.Voicemail { return v.next }

func (v *voicemailSpy) Reasons() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.reasons...)
}
