package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/store"
)

const testApp = "ariflow"

// fixture is an App connected to a fake ARI server.
type fixture struct {
	t      *testing.T
	srv    *aritest.Server
	app    *app.App
	queues *queue.Manager
}

func newFixture(t *testing.T, body string) *fixture {
	t.Helper()
	return newFixtureAsterisk(t, "", body)
}

// newFixtureAsterisk is newFixture with more fields of the asterisk section (", key: value").
func newFixtureAsterisk(t *testing.T, asterisk, body string) *fixture {
	t.Helper()
	srv := aritest.NewServer(t)
	dir := t.TempDir()
	yaml := `
asterisk: {url: ` + srv.URL + `, username: ` + srv.Username + `, password: ` + srv.Password + `, app: ` + testApp + asterisk + `}
timezone: Europe/Paris
database: ` + filepath.Join(dir, "test.db") + `
recordings: {directory: ` + dir + `, prefix: monitor/}
` + body
	file, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("routing refused: %v", err)
	}
	db, err := store.Open(file.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	paris, _ := time.LoadLocation("Europe/Paris")
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, paris) }
	queues := queue.NewManager(db, zerolog.Nop())
	routing, err := app.NewRouting(file, app.Services{Absence: absence.New(db, nil), Queues: queues, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var a *app.App
	client, err := ari.New(ari.Options{BaseURL: srv.URL, Username: srv.Username, Password: srv.Password,
		Application: testApp, Logger: zerolog.New(zerolog.NewTestWriter(t)), OnState: func(s ari.ConnState) { a.ConnState(s) }})
	if err != nil {
		t.Fatal(err)
	}
	a, err = app.New(app.Options{Client: client, AppName: testApp, Logger: zerolog.New(zerolog.NewTestWriter(t)), Routing: routing})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_ = a.Drain(dctx)
		dcancel()
		cancel()
		<-done
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	// The first connection's reconcile has listed channels and bridges (the captured
	// fixtures, which know none of the test's bridges) once it asks for the application.
	// A call started before that could be taken for one whose phone left meanwhile.
	if _, err := srv.WaitRequest(wctx, http.MethodGet, "/applications/"+testApp); err != nil {
		t.Fatalf("the first reconcile did not run: %v", err)
	}
	return &fixture{t: t, srv: srv, app: a, queues: queues}
}

// want waits for the app to send method on a path starting with prefix.
func (f *fixture) want(method, prefix string) aritest.Request {
	f.t.Helper()
	return f.wait(method, prefix, f.srv.WaitRequest)
}

// wantPath is want for the request to path exactly.
func (f *fixture) wantPath(method, path string) aritest.Request {
	f.t.Helper()
	return f.wait(method, path, f.srv.WaitPath)
}

func (f *fixture) wait(method, path string, wait func(context.Context, string, string) (aritest.Request, error)) aritest.Request {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := wait(ctx, method, path)
	if err != nil {
		var seen []string
		for _, r := range f.srv.Requests() {
			seen = append(seen, r.Method+" "+r.Path+"?"+r.Query.Encode())
		}
		f.t.Fatalf("no %s %s: %v; requests so far:\n%s", method, path, err, strings.Join(seen, "\n"))
	}
	return r
}

func (f *fixture) push(typ string, fields map[string]any) {
	f.srv.Push(aritest.Event(typ, fields))
}

func (f *fixture) call(channelID, exten string) {
	f.srv.Push(aritest.StasisStart(testApp, channelID, exten))
}

func playbackFinished(id, channelID string) map[string]any {
	return map[string]any{"playback": map[string]any{"id": id, "state": "done", "target_uri": "channel:" + channelID, "media_uri": "sound:x"}}
}

func (f *fixture) waitIdle() {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.app.Calls()) > 0 {
		if time.Now().After(deadline) {
			f.t.Fatalf("calls still live: %+v", f.app.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPlayActionAnswersPlaysAndHangsUp(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.call("c1", "7001")
	f.want(http.MethodPost, "/channels/c1/answer")
	play := f.want(http.MethodPost, "/channels/c1/play")
	if got := play.Query.Get("media"); got != "sound:hello" {
		t.Errorf("played %q, want sound:hello", got)
	}
	f.push("PlaybackFinished", playbackFinished(play.Query.Get("playbackId"), "c1"))
	hangup := f.want(http.MethodDelete, "/channels/c1")
	if got := hangup.Query.Get("reason"); got != "normal" {
		t.Errorf("hangup reason %q, want normal", got)
	}
	f.waitIdle()
	if f.app.Total() != 1 {
		t.Errorf("Total = %d, want 1", f.app.Total())
	}
}

// The routing file's sounds.language goes with every prompt the app plays to a caller;
// without it, Asterisk plays the channel's own language.
func TestPromptsPlayInTheFilesLanguage(t *testing.T) {
	for lang, body := range map[string]string{"fr": "sounds: {language: fr}\n", "": ""} {
		f := newFixture(t, body+`numbers: {"7001": {play: [sound:hello]}}`)
		f.call("c1", "7001")
		play := f.want(http.MethodPost, "/channels/c1/play")
		if got, set := play.Query["lang"]; lang == "" && set || lang != "" && (len(got) != 1 || got[0] != lang) {
			t.Errorf("sounds.language %q: the play asked for lang %q", lang, got)
		}
	}
}

func TestUnknownNumberHearsNoService(t *testing.T) {
	f := newFixture(t, ``)
	f.call("c1", "5555")
	play := f.want(http.MethodPost, "/channels/c1/play")
	if got := play.Query.Get("media"); got != "sound:ss-noservice" {
		t.Errorf("played %q, want sound:ss-noservice", got)
	}
}

func TestChannelsTheAppCreatesAreNotNewCalls(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.srv.Push(aritest.StasisStart(testApp, "leg1", "ariflow-leg", "c0"))
	f.call("c2", "7001") // a real call afterwards, so we know the first event was handled
	f.want(http.MethodPost, "/channels/c2/answer")
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "leg1") {
			t.Errorf("the app acted on its own leg: %s %s", r.Method, r.Path)
		}
	}
	if f.app.Total() != 1 {
		t.Errorf("Total = %d, want 1 (the leg is not a call)", f.app.Total())
	}
}

func TestDrainingRefusesNewCalls(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := f.app.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	f.call("c1", "7001")
	hangup := f.want(http.MethodDelete, "/channels/c1")
	if got := hangup.Query.Get("reason"); got != "congestion" {
		t.Errorf("hangup reason %q, want congestion", got)
	}
	for _, r := range f.srv.Requests() {
		if r.Path == "/channels/c1/answer" {
			t.Error("a call was answered while draining")
		}
	}
}

func TestDrainHangsUpCallsPastTheDeadline(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.call("c1", "7001")
	f.want(http.MethodPost, "/channels/c1/play") // and never finishes
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.app.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	f.want(http.MethodDelete, "/channels/c1")
	if n := len(f.app.Calls()); n != 0 {
		t.Errorf("%d calls left after drain", n)
	}
}

func TestCallerHangupEndsTheCall(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.call("c1", "7001")
	f.want(http.MethodPost, "/channels/c1/play")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.waitIdle()
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete && r.Path == "/channels/c1" {
			t.Error("the app hung up a channel that had already left")
		}
	}
}

// After a reconnect, a caller in the application that no call owns (its StasisStart went to
// another connection) is routed from the start; a phone leg whose call is gone is hung up,
// ringing or answered, and so is one dialed before a restart (its caller rings it anew); a
// channel in a bridge, or of another application, is left alone.
func TestReconnectTakesInChannelsNoCallOwns(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	inStasis := func(id, appData string) map[string]any {
		ch := aritest.Channel(id)
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "7001", "priority": 1, "app_name": "Stasis", "app_data": appData}
		return ch
	}
	ringing := func(id string) map[string]any { // originated, not answered yet
		ch := aritest.Channel(id)
		ch["dialplan"] = map[string]any{"context": "internal", "exten": "s", "priority": 1, "app_name": "AppDial2", "app_data": "(Outgoing Line)"}
		return ch
	}
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		return http.StatusOK, []any{
			inStasis("lost", "ariflow,7001"),
			inStasis("gone-call-leg-r1.1", "ariflow,ariflow-leg,gone-call"),
			ringing("gone-call-leg-r1.2"),
			ringing("lost-leg-r1.3"), // dialed by the previous run for the caller now taken in
			ringing("other-leg-r1.4"),
			inStasis("bridged", "ariflow,7001"),
			inStasis("other-app", "someoneelse,7001"),
		}
	})
	f.srv.Handle(http.MethodGet, "/channels/lost", func(*http.Request) (int, any) { // still there, read again
		return http.StatusOK, inStasis("lost", "ariflow,7001")
	})
	f.srv.Handle(http.MethodGet, "/bridges", func(*http.Request) (int, any) {
		b := aritest.Bridge("b1")
		b["channels"] = []string{"bridged"}
		return http.StatusOK, []any{b}
	})
	f.srv.Handle(http.MethodGet, "/applications/{app}", func(*http.Request) (int, any) {
		return http.StatusOK, map[string]any{"name": testApp, "bridge_ids": []string{},
			"channel_ids": []string{"lost", "gone-call-leg-r1.1", "gone-call-leg-r1.2", "lost-leg-r1.3", "bridged"}}
	})
	f.srv.DropConnections()
	f.want(http.MethodPost, "/channels/lost/answer")
	f.want(http.MethodPost, "/channels/lost/play")
	for _, leg := range []string{"gone-call-leg-r1.1", "gone-call-leg-r1.2", "lost-leg-r1.3"} {
		f.wantPath(http.MethodDelete, "/channels/"+leg)
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "bridged") || strings.Contains(r.Path, "other-") {
			t.Errorf("touched a channel it should leave alone: %s %s", r.Method, r.Path)
		}
	}
	// Its StasisStart arriving late does not make a second call.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv.Push(aritest.StasisStart(testApp, "lost", "7001"))
	f.call("c2", "7001")
	f.want(http.MethodPost, "/channels/c2/answer")
	if n := f.app.Total(); n != 2 {
		t.Errorf("calls taken = %d, want 2 (lost once, c2)", n)
	}
}

func TestConnectingAsksAsteriskToLeaveOutUnusedEvents(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	put := f.want(http.MethodPut, "/applications/"+testApp+"/eventFilter")
	var body struct {
		Allowed    []ari.EventFilter `json:"allowed"`
		Disallowed []ari.EventFilter `json:"disallowed"`
	}
	if err := json.Unmarshal(put.Body, &body); err != nil {
		t.Fatalf("filter body %q: %v", put.Body, err)
	}
	if len(body.Allowed) != 0 {
		t.Errorf("allowed list %v: every other event must still come", body.Allowed)
	}
	left := map[string]bool{}
	for _, d := range body.Disallowed {
		left[d.Type] = true
	}
	for _, typ := range []string{"ChannelVarset", "ChannelDialplan", "ChannelCallerId"} {
		if !left[typ] {
			t.Errorf("%s not left out (disallowed %v)", typ, body.Disallowed)
		}
	}
	// what the calls wait for must still come
	for _, typ := range []string{"StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelStateChange", "Dial",
		"PlaybackFinished", "RecordingFinished", "ChannelDtmfReceived", "ChannelHangupRequest", "ChannelLeftBridge"} {
		if left[typ] {
			t.Errorf("%s is left out, but calls wait for it", typ)
		}
	}
}

// After a reconnect, a call whose channel Asterisk no longer lists (it was restarted, or
// hung the caller up meanwhile) is ended; one whose channel is listed goes on.
func TestReconnectEndsTheCallsWhoseChannelIsGone(t *testing.T) {
	f := newFixture(t, `numbers: {"7001": {play: [sound:hello]}}`)
	f.call("gone", "7001")
	f.want(http.MethodPost, "/channels/gone/play")
	f.call("here", "7001")
	f.want(http.MethodPost, "/channels/here/play")
	f.srv.Handle(http.MethodGet, "/channels", func(*http.Request) (int, any) {
		return http.StatusOK, []any{aritest.Channel("here")}
	})
	f.srv.Handle(http.MethodGet, "/channels/gone", func(*http.Request) (int, any) {
		return http.StatusNotFound, aritest.Message("Channel not found")
	})
	f.srv.DropConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls := f.app.Calls()
		if len(calls) == 1 && calls[0].ID == "here" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("live calls after the reconnect: %+v, want only the one whose channel is listed", calls)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
