package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
)

// faultsBody has the calls every fault test keeps up while it strikes: 1000 (a caller
// talks to phone 1000), 2000 (a caller talks to phone 2000, which hangs up during the
// fault), 900 (a menu whose key 1 rings phone 2001; with no key it plays again) and 3000 (a
// phone that rings long); 7001 serves the call after the fault.
const faultsBody = `
extensions:
  "1000": {endpoint: PJSIP/1000, ring_time: 10s}
  "2000": {endpoint: PJSIP/2000, ring_time: 10s}
  "2001": {endpoint: PJSIP/2001, ring_time: 10s}
  "3000": {endpoint: PJSIP/3000, ring_time: 30s}
menus:
  svi:
    prompts: [sound:service1, sound:service2]
    timeout: 2s
    choices: {"1": {extension: "2001"}}
    on_timeout: {replay_from: 1}
numbers:
  "900": {menu: svi}
  "7001": {play: [sound:hello]}
`

// The callers' numbers, so that the tests find each caller's channel in ARI.
const (
	talkerNumber = "2101" // talks to phone 1000
	menuNumber   = "2102" // in the menu
	ringerNumber = "2103" // rings phone 3000, hangs up while the app cannot see it
	leftNumber   = "2104" // talks to phone 2000, which hangs up while the app cannot see it
)

// upCalls are the calls of faultsBody in progress, and the phones they ring.
type upCalls struct {
	talker, menu, ringer, left                 *labtest.Proc
	phone1000, phone2000, phone2001, phone3000 *labtest.Proc
	menuChannel                                string
}

// placeUpCalls puts up four calls: a caller talking to phone 1000 (the caller hangs up
// after talkMs), a caller in the menu (who presses 1 when cued, see uac_key_on_cue.xml), a
// caller talking to phone 2000 (the phone hangs up 3 s after answering), and a caller
// ringing phone 3000 who gives up 2 s after hearing it ring. It returns once they are all
// up (phones 1000 and 2000 answered, the menu caller answered, phone 3000 ringing), which
// is the moment for the fault: phone 2000 and the ringer end their calls during it.
func placeUpCalls(t *testing.T, lab *labtest.Lab, talkMs int) *upCalls {
	t.Helper()
	u := &upCalls{
		phone1000: lab.Phone(t, "1000", "uas_answer.xml"),
		phone2001: lab.Phone(t, "2001", "uas_answer.xml"),
		phone3000: lab.Phone(t, "3000", "uas_noanswer.xml"),
	}
	u.talker = lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: talkerNumber,
		Vars: map[string]string{"hold_ms": fmt.Sprint(talkMs)}, Timeout: 90 * time.Second})
	if !u.phone1000.WaitReceived("ACK", 1, 15*time.Second) {
		t.Fatal("phone 1000 was not connected to its caller")
	}
	u.menu = lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_key_on_cue.xml", Service: "900", From: menuNumber,
		Vars: map[string]string{"key": "1", "hold_ms": "2000"}, Timeout: 90 * time.Second})
	u.menuChannel = waitChannel(t, lab, menuNumber, "Up")
	u.phone2000 = lab.StartSIPp(t, labtest.SIPpRun{Phone: "2000", Scenario: "uas_answer_hangup.xml",
		Vars: map[string]string{"ring_ms": "200", "hold_ms": "3000"}, Timeout: 60 * time.Second})
	u.left = lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "2000", From: leftNumber, Timeout: 60 * time.Second})
	if !u.phone2000.WaitReceived("ACK", 1, 15*time.Second) {
		t.Fatal("phone 2000 was not connected to its caller")
	}
	u.ringer = lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_cancel.xml", Service: "3000", From: ringerNumber,
		Vars: map[string]string{"cancel_ms": "2000"}, Timeout: 60 * time.Second})
	if !u.phone3000.WaitReceived("INVITE", 1, 15*time.Second) {
		t.Fatal("phone 3000 did not ring")
	}
	for name, p := range map[string]*labtest.Proc{"phone 2000": u.phone2000, "the caller ringing 3000": u.ringer} {
		select {
		case <-p.Done():
			t.Fatalf("%s ended its call before the fault (the machine is too slow for this test's timing)", name)
		default:
		}
	}
	return u
}

// talkerStillUp fails the test if the caller talking to phone 1000 is no longer on the
// line: the fault must not have cut them off (they hang up after talkMs, long after).
func (u *upCalls) talkerStillUp(t *testing.T) {
	t.Helper()
	select {
	case <-u.talker.Done():
		t.Fatalf("the call with phone 1000 ended before the app was back: %s", u.talker.Wait().Summary())
	default:
	}
}

// endedDuringFault waits for phone 2000 to hang up and the ringing caller to cancel,
// while the app cannot see it.
func (u *upCalls) endedDuringFault(t *testing.T) {
	t.Helper()
	u.ringer.Wait().AssertOK(t)
	u.phone2000.Wait().AssertOK(t)
}

// menuAgainThenKey checks that the menu caller hears the menu's first prompt again after
// the fault (a PlaybackStarted on their channel seen by obs after mark), then cues the
// caller to press 1, which must ring phone 2001.
func (u *upCalls) menuAgainThenKey(t *testing.T, obs *observer, mark int) {
	t.Helper()
	obs.wait(t, mark, 30*time.Second, "the menu's first prompt played again to the menu caller", func(ev ari.Event) bool {
		e, ok := ev.(*ari.PlaybackStarted)
		return ok && e.Playback.TargetURI == "channel:"+u.menuChannel && e.Playback.MediaURI == "sound:service1"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := obs.client.Channels.SendDTMF(ctx, u.menuChannel, ari.DTMF{Digits: "1"}); err != nil {
		t.Fatalf("cue to the menu caller: %v", err)
	}
	if !u.phone2001.WaitReceived("INVITE", 1, 15*time.Second) {
		t.Error("key 1 in the menu after the fault did not ring phone 2001")
	}
}

// allEndedWell waits for every SIPp of the calls and checks each went as scripted: the
// talker hung up first (so the app never cut it), the phones saw their calls end (BYE for
// the answered ones, CANCEL for phone 3000), the menu caller reached phone 2001, the caller
// whose phone 2000 hung up was hung up (BYE) rather than left in silence.
func (u *upCalls) allEndedWell(t *testing.T) {
	t.Helper()
	for name, p := range map[string]*labtest.Proc{
		"caller talking to 1000": u.talker, "phone 1000": u.phone1000, "menu caller": u.menu,
		"phone 2001": u.phone2001, "phone 3000 (hung up: CANCEL)": u.phone3000,
		"caller whose phone 2000 hung up (gets a BYE)": u.left,
	} {
		if res := p.Wait(); !res.OK() {
			t.Errorf("%s: %s\n%s", name, res.Summary(), res.Tails(30))
		}
	}
}

// waitChannel waits until ARI lists a channel whose caller number is number in state,
// and returns its id.
func waitChannel(t *testing.T, lab *labtest.Lab, number, state string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var chans []ari.Channel
		lab.ARIGet(t, "/channels", &chans)
		for _, ch := range chans {
			if ch.Caller.Number == number && ch.State == state && !strings.Contains(ch.Dialplan.AppData, "ariflow-leg") {
				return ch.ID
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no channel of caller %s in state %s; channels: %+v", number, state, chans)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// observer is a second ARI application, not ariflow, that the test subscribes to the
// channels it watches: it sees what the app does to them without taking calls from it.
type observer struct {
	client *ari.Client
	app    string
	mu     sync.Mutex
	events []ari.Event
	added  chan struct{}
}

func newObserver(t *testing.T, lab *labtest.Lab) *observer {
	t.Helper()
	o := &observer{app: "ariflow-faults-observer", added: make(chan struct{}, 1)}
	up := make(chan struct{}, 1)
	var err error
	o.client, err = ari.New(ari.Options{BaseURL: lab.ARIURL, Username: lab.ARIUser, Password: lab.ARIPassword,
		Application: o.app, Logger: zerolog.Nop(), PingInterval: time.Second,
		OnState: func(s ari.ConnState) {
			if s.Up {
				select {
				case up <- struct{}{}:
				default:
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = o.client.Run(ctx, func(ev ari.Event) {
			o.mu.Lock()
			o.events = append(o.events, ev)
			o.mu.Unlock()
			select {
			case o.added <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("the observer did not connect to ARI")
	}
	return o
}

// watch subscribes the observer to a channel's events.
func (o *observer) watch(t *testing.T, channelID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := o.client.Applications.Subscribe(ctx, o.app, "channel:"+channelID); err != nil {
		t.Fatalf("observer: subscribe to %s: %v", channelID, err)
	}
}

// mark is the position of the next event: wait(mark, ...) looks only at later ones.
func (o *observer) mark() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.events)
}

// wait waits for an event after mark matching pred.
func (o *observer) wait(t *testing.T, mark int, timeout time.Duration, what string, pred func(ari.Event) bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		o.mu.Lock()
		evs := o.events[mark:]
		o.mu.Unlock()
		for _, ev := range evs {
			if pred(ev) {
				return
			}
		}
		mark += len(evs)
		select {
		case <-o.added:
		case <-deadline:
			t.Fatalf("no sign within %s that %s", timeout, what)
		}
	}
}

// goroutines counts the test process's goroutines: all of them, and those running the
// app's code (a call's goroutine, the app's loops).
func goroutines() (total, app int) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		total++
		if strings.Contains(g, "github.com/ariflow/ariflow/app.") || strings.Contains(g, "github.com/ariflow/ariflow/app/") {
			app++
		}
	}
	return total, app
}

// idleConnGoroutines bounds the goroutines that kept-alive HTTP connections to ARI may
// add after some traffic: net/http keeps at most 2 idle connections per host
// (DefaultMaxIdleConnsPerHost), each with a reading and a writing goroutine, for the app,
// the observer and labtest; a proxy in between runs 3 more per connection.
const idleConnGoroutines = 2 * ((2 + 3) + 2 + 2)

// noGoroutineLeak waits until the app runs no more goroutines than at baseline and the
// process no more than baseline plus what idle connections explain.
func noGoroutineLeak(t *testing.T, baseTotal, baseApp int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		total, app := goroutines()
		if app <= baseApp && total <= baseTotal+idleConnGoroutines {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 4<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d in all (%d before), %d in the app (%d before):\n%s", total, baseTotal, app, baseApp, buf)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ariProxy stands between the app and Asterisk's ARI port: Cut closes every connection
// through it and refuses new ones (accepting and closing them at once) until Restore.
type ariProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newARIProxy(t *testing.T, ariURL string) *ariProxy {
	t.Helper()
	u, err := url.Parse(ariURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ariProxy{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// URL is the ARI base URL through the proxy.
func (p *ariProxy) URL() string { return "http://" + p.ln.Addr().String() + "/ari" }

func (p *ariProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(c) })
	}
}

func (p *ariProxy) pipe(c net.Conn) {
	defer p.forget(c)
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		s.Close()
		return
	}
	p.conns[s] = true
	p.mu.Unlock()
	defer p.forget(s)
	done := make(chan struct{}, 2)
	for _, pair := range [][2]net.Conn{{s, c}, {c, s}} {
		go func() {
			_, _ = io.Copy(pair[0], pair[1])
			done <- struct{}{}
		}()
	}
	<-done // one way ended: end both
	c.Close()
	s.Close()
	<-done
}

func (p *ariProxy) forget(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// Cut drops every connection and refuses new ones.
func (p *ariProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets connections through again.
func (p *ariProxy) Restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// The app's ARI connection (events websocket and requests) is cut mid-call and refused for
// a while, during which a caller ringing a phone gives up and a phone in a call hangs up.
// When it comes back: the caller talking to phone 1000 was never cut off and is hung up
// cleanly when they hang up; the menu caller hears the menu again and their key works;
// phone 3000, whose caller left, stops ringing; the caller whose phone hung up is hung up;
// nothing is left in Asterisk and no goroutine in the app.
func TestARIConnectionDroppedMidCall(t *testing.T) {
	lab := labtest.Require(t)
	proxy := newARIProxy(t, lab.ARIURL)
	h := start(t, options{body: faultsBody, ariURL: proxy.URL()})
	obs := newObserver(t, lab)
	baseTotal, baseApp := goroutines()

	u := placeUpCalls(t, lab, 15000)
	obs.watch(t, u.menuChannel)

	proxy.Cut()
	for h.app.Connected() {
		time.Sleep(20 * time.Millisecond)
	}
	mark := obs.mark()
	u.endedDuringFault(t)
	proxy.Restore()
	h.waitConnected()
	u.talkerStillUp(t)

	if !u.phone3000.WaitReceived("CANCEL", 1, 15*time.Second) {
		t.Error("phone 3000 still rings after its caller left")
	}
	u.menuAgainThenKey(t, obs, mark)
	u.allEndedWell(t)
	h.waitIdle(15 * time.Second)
	lab.NoLeftovers(t)
	noGoroutineLeak(t, baseTotal, baseApp)
	logs := h.logs.String()
	for _, want := range []string{"channel gone after reconnect", "the other side hung up while the connection was down"} {
		if !strings.Contains(logs, want) { // else the fault missed what this test is about
			t.Errorf("the app's log lacks %q:\n%s", want, logs)
		}
	}
}

// Asterisk restarts while a caller talks to a phone, another is in the menu and a third
// rings a phone, a fourth talks to phone 2000: every channel dies with it (the lab's
// restart hangs them up, so the app mostly hears of it before the connection drops; calls
// it did not hear of end when the reconnect finds their channel gone). The app reconnects,
// has ended the four calls (no goroutine or bridge left), and serves the next call.
func TestAsteriskRestartWithCallsUp(t *testing.T) {
	h := start(t, options{body: faultsBody})
	lab := h.lab
	baseTotal, baseApp := goroutines()
	u := placeUpCalls(t, lab, 60000)
	if n := len(h.app.Calls()); n != 4 {
		t.Fatalf("live calls before the restart = %d, want 4: %+v", n, h.app.Calls())
	}

	lab.RestartAsterisk(t)
	for _, p := range []*labtest.Proc{u.talker, u.menu, u.ringer, u.left, u.phone1000, u.phone2000, u.phone2001, u.phone3000} {
		p.Kill() // their calls died with Asterisk; some never hear of it
	}
	h.waitIdle(30 * time.Second)
	h.waitConnected()
	noGoroutineLeak(t, baseTotal, baseApp)

	res := lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "7001", From: "2000", Timeout: 20 * time.Second})
	res.AssertOK(t)
	h.waitPlayback("sound:hello", 5*time.Second)
	h.waitIdle(5 * time.Second)
	lab.NoLeftovers(t)
	if logs := h.logs.String(); !strings.Contains(logs, "ARI connection lost") || strings.Count(logs, "ARI connected") < 2 {
		t.Errorf("the app's logs do not show the connection lost, then made again:\n%s", logs)
	}
}

// The app is killed (SIGKILL: no drain) with four calls up and started again. The caller
// talking to phone 1000 stays connected (neither side sees a BYE until the caller's
// scripted hang-up, and then the phone gets one), the menu caller hears the menu again and
// their key works, phone 3000 (whose caller left while the app was down) stops ringing,
// the caller whose phone 2000 hung up while the app was down is hung up; nothing is left
// in Asterisk.
func TestAppKilledAndRestartedWithCallsUp(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	routing := writeRouting(t, lab, dir, "", faultsBody)
	obs := newObserver(t, lab)

	first := startServe(t, bin, routing, filepath.Join(dir, "first.log"))
	u := placeUpCalls(t, lab, 15000)
	obs.watch(t, u.menuChannel)
	first.kill(t)
	mark := obs.mark()
	u.endedDuringFault(t)

	second := startServe(t, bin, routing, filepath.Join(dir, "second.log"))
	second.waitLog(t, "reconcile: taking back a connected call")
	u.talkerStillUp(t)
	if !u.phone3000.WaitReceived("CANCEL", 1, 15*time.Second) {
		t.Error("phone 3000 still rings after its caller left")
	}
	u.menuAgainThenKey(t, obs, mark)
	u.allEndedWell(t)
	lab.NoLeftovers(t)
	logs := second.logs()
	for _, want := range []string{"reconcile: taking back a connected call", "reconcile: taking in a channel no call owns",
		"reconcile: hanging up a phone leg whose call is gone"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the restarted app's log lacks %q:\n%s", want, logs)
		}
	}
	second.stop(t)
}
