package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
)

const queueBody = `
queues:
  sales:
    strategy: %s
    member_timeout: 20s
    retry: 50ms
    music_class: classic
    members: [PJSIP/4001, PJSIP/4002, PJSIP/4003]
    record: true
numbers: {"600": {queue: sales}}
`

func queueRouting(strategy string) string { return strings.Replace(queueBody, "%s", strategy, 1) }

// newQueueFixture is a fixture whose phones are all idle (the fake server's default
// device state is INUSE).
func newQueueFixture(t *testing.T, strategy string) *fixture {
	return newQueueFixtureWith(t, queueRouting(strategy))
}

// newQueueFixtureWith is newQueueFixture with the routing file given.
func newQueueFixtureWith(t *testing.T, routing string) *fixture {
	f := newFixture(t, routing)
	f.srv.Handle(http.MethodGet, "/deviceStates/{name}", func(r *http.Request) (int, any) {
		return http.StatusOK, map[string]any{"name": r.PathValue("name"), "state": "NOT_INUSE"}
	})
	return f
}

// enterQueue calls 600 and waits for the caller to be answered and hear hold music.
func (f *fixture) enterQueue(channelID, class string) {
	f.t.Helper()
	f.enterQueueAt(channelID, "600", class)
}

// enterQueueAt is enterQueue for a caller dialing number.
func (f *fixture) enterQueueAt(channelID, number, class string) {
	f.t.Helper()
	f.call(channelID, number)
	f.want(http.MethodPost, "/channels/"+channelID+"/answer")
	moh := f.want(http.MethodPost, "/channels/"+channelID+"/moh")
	if got := moh.Query.Get("mohClass"); got != class {
		f.t.Errorf("hold music class %q, want %s", got, class)
	}
}

// legs waits for n phone legs to be originated on behalf of channelID; it returns the
// legs' ids by endpoint.
func (f *fixture) legs(channelID string, n int) map[string]string {
	f.t.Helper()
	out := map[string]string{}
	for range n {
		ep, leg := f.originated(channelID)
		out[ep] = leg
	}
	return out
}

func TestQueueRingallFirstAnswerWins(t *testing.T) {
	f := newQueueFixture(t, "ringall")
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 3)
	if len(legs) != 3 {
		t.Fatalf("rang %v, want the three members", legs)
	}
	f.answer(legs["PJSIP/4002"])
	f.want(http.MethodDelete, "/channels/c1/moh")
	for _, ep := range []string{"PJSIP/4001", "PJSIP/4003"} {
		r := f.want(http.MethodDelete, "/channels/"+legs[ep])
		if got := r.Query.Get("reason"); got != "answered_elsewhere" {
			t.Errorf("%s hung up with reason %q, want answered_elsewhere", ep, got)
		}
	}
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	add := f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel")
	if got := add.Query.Get("channel"); got != "c1,"+legs["PJSIP/4002"] {
		t.Errorf("bridged %q, want the caller and 4002", got)
	}
	rec := f.want(http.MethodPost, "/bridges/"+bridge+"/record")
	if got := rec.Query.Get("name"); got != "monitor/600-2026:11:23_10h00m00s" {
		t.Errorf("recording %q, want it named after the queue's number", got)
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(legs["PJSIP/4002"])})
	f.want(http.MethodDelete, "/channels/c1")
	f.waitIdle()
}

// A queue without record: true bridges the caller and the member and records nothing, as
// the seed's queue.
func TestQueueRecordsOnlyWhenAsked(t *testing.T) {
	f := newQueueFixtureWith(t, strings.Replace(queueRouting("ringall"), "    record: true\n", "", 1))
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 3)
	f.answer(legs["PJSIP/4001"])
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	f.want(http.MethodPost, "/bridges/"+bridge+"/addChannel")
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(legs["PJSIP/4001"])})
	f.want(http.MethodDelete, "/channels/c1")
	f.waitIdle()
	if f.touched(http.MethodPost, "/bridges/"+bridge+"/record") {
		t.Error("a queue without record: true recorded the call")
	}
}

func TestQueueCallerHangingUpStopsEveryMember(t *testing.T) {
	f := newQueueFixture(t, "ringall")
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 3)
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	for ep, id := range legs {
		if r := f.want(http.MethodDelete, "/channels/"+id); r.Query.Get("reason") != "normal" {
			t.Errorf("%s hung up with %q", ep, r.Query.Get("reason"))
		}
	}
	f.waitIdle()
}

// An entry point's music_class is its callers' hold music in the queue, before the
// queue's own (the seed's Set(CHANNEL(musicclass)=musique) before Queue()); callers of
// the queue's other number hear the queue's class.
func TestQueueEntryPointPicksTheHoldMusic(t *testing.T) {
	f := newQueueFixtureWith(t, strings.Replace(queueRouting("ringall"), `numbers: {"600": {queue: sales}}`,
		`numbers: {"600": {queue: sales}, "601": {queue: sales, music_class: musique}}
music_classes: {musique: {directory: moh/attente}}`, 1))
	for _, c := range []struct{ channel, number, class string }{{"c1", "601", "musique"}, {"c2", "600", "classic"}} {
		f.enterQueueAt(c.channel, c.number, c.class)
		legs := f.legs(c.channel, 3)
		f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(c.channel)})
		for _, id := range legs {
			f.wantPath(http.MethodDelete, "/channels/"+id)
		}
		f.waitIdle()
	}
}

// ariflow simulate names the hold music a caller hears in the queue: the class its entry
// point chose, even through a menu, else the queue's.
func TestExplainSaysWhichHoldMusic(t *testing.T) {
	file, err := config.Parse("test.yaml", []byte(`asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
queues: {sales: {members: [PJSIP/4001], music_class: classic}}
music_classes: {musique: {directory: moh/attente}}
menus: {m: {prompts: [sound:a], choices: {"3": {queue: sales}}}}
numbers: {"600": {queue: sales}, "601": {queue: sales, music_class: musique}, "602": {menu: m, music_class: musique}}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := app.NewRouting(file, app.Services{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ number, keys, want string }{
		{"600", "", "wait with hold music classic"},
		{"601", "", "wait with hold music musique"},
		{"602", "3", "wait with hold music musique"},
	} {
		steps, err := r.ExplainKeys("1000", c.number, c.keys, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(steps, c.want) {
			t.Errorf("%s then keys %q: steps %q, want the step %q", c.number, c.keys, steps, c.want)
		}
	}
}

// A member that hangs up just as it answers, before its channel enters the application,
// is not bridged: the others have stopped ringing, and the caller, whose hold music
// stopped, is hung up rather than left in silence.
func TestQueueMemberGoneAsItAnswersIsNotBridged(t *testing.T) {
	f := newQueueFixture(t, "ringall")
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 3)
	f.push("Dial", dialEvent(legs["PJSIP/4002"], "ANSWER"))
	f.want(http.MethodDelete, "/channels/c1/moh")
	for _, ep := range []string{"PJSIP/4001", "PJSIP/4003"} {
		f.wantPath(http.MethodDelete, "/channels/"+legs[ep])
	}
	f.push("ChannelDestroyed", map[string]any{"cause": 16, "cause_txt": "Normal Clearing", "channel": aritest.Channel(legs["PJSIP/4002"])})
	f.wantPath(http.MethodDelete, "/channels/c1")
	f.waitIdle()
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/bridges") {
			t.Errorf("a bridge was made for a member that was gone: %s %s", r.Method, r.Path)
		}
	}
}

// Nobody answers: after the retry pause every member rings again.
func TestQueueRingsAgainAfterTheRetryPause(t *testing.T) {
	f := newQueueFixture(t, "ringall")
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 3)
	for _, id := range legs {
		f.push("Dial", dialEvent(id, "NOANSWER"))
	}
	again := f.legs("c1", 3)
	if len(again) != 3 {
		t.Errorf("second round rang %v", again)
	}
}

// The one-at-a-time strategies ring one member per attempt, in their order.
func TestQueueStrategiesRingOneMemberAtATime(t *testing.T) {
	for _, tc := range []struct {
		strategy string
		want     []string // the members rung on three attempts nobody answers
	}{
		{"linear", []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
		{"rrmemory", []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
		{"leastrecent", []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
		{"fewestcalls", []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
	} {
		t.Run(tc.strategy, func(t *testing.T) {
			f := newQueueFixture(t, tc.strategy)
			f.enterQueue("c1", "classic")
			var got []string
			for range tc.want {
				for ep, id := range f.legs("c1", 1) {
					got = append(got, ep)
					f.push("Dial", dialEvent(id, "BUSY"))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rang %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueueRandomRingsEveryMemberOnceARound(t *testing.T) {
	f := newQueueFixture(t, "random")
	f.enterQueue("c1", "classic")
	var got []string
	for range 3 {
		for ep, id := range f.legs("c1", 1) {
			got = append(got, ep)
			f.push("Dial", dialEvent(id, "NOANSWER"))
		}
	}
	slices.Sort(got)
	if want := []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}; !slices.Equal(got, want) {
		t.Errorf("rang %v in a round, want each member once", got)
	}
}

// The strategies with a memory ring the next caller's first member by what the first
// caller's call did: 4001 took it, so rrmemory, leastrecent and fewestcalls start with
// 4002 while linear starts with 4001 again.
func TestQueueStrategiesRememberPreviousCalls(t *testing.T) {
	for _, tc := range []struct{ strategy, second string }{
		{"linear", "PJSIP/4001"},
		{"rrmemory", "PJSIP/4002"},
		{"leastrecent", "PJSIP/4002"},
		{"fewestcalls", "PJSIP/4002"},
	} {
		t.Run(tc.strategy, func(t *testing.T) {
			f := newQueueFixture(t, tc.strategy)
			f.enterQueue("c1", "classic")
			first := f.legs("c1", 1)
			if _, ok := first["PJSIP/4001"]; !ok {
				t.Fatalf("first caller rang %v, want 4001", first)
			}
			f.answer(first["PJSIP/4001"])
			bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
			f.want(http.MethodPost, "/bridges/"+bridge+"/record")
			f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(first["PJSIP/4001"])})
			f.want(http.MethodDelete, "/channels/c1")
			f.waitIdle()

			f.enterQueue("c2", "classic")
			second := f.legs("c2", 1)
			if _, ok := second[tc.second]; !ok {
				t.Errorf("second caller rang %v first, want %s", second, tc.second)
			}
		})
	}
}

// A phone Asterisk reports on a call is not rung.
func TestQueueSkipsMembersOnACall(t *testing.T) {
	f := newFixture(t, queueRouting("ringall"))
	f.srv.Handle(http.MethodGet, "/deviceStates/{name}", func(r *http.Request) (int, any) {
		state := "NOT_INUSE"
		if r.PathValue("name") == "PJSIP/4002" {
			state = "INUSE"
		}
		return http.StatusOK, map[string]any{"name": r.PathValue("name"), "state": state}
	})
	f.enterQueue("c1", "classic")
	legs := f.legs("c1", 2)
	if _, rung := legs["PJSIP/4002"]; rung || len(legs) != 2 {
		t.Errorf("rang %v, want 4001 and 4003 but not 4002 (on a call)", legs)
	}
}

// The queues' state lives in Services.Queues: a reload that changes the members keeps
// who is logged out, and the new routing's members are the ones listed.
func TestQueueStateOutlivesReload(t *testing.T) {
	m := queue.NewManager(nil, zerolog.Nop())
	load := func(members string) {
		t.Helper()
		file, err := config.Parse("r.yaml", []byte(`
asterisk: {url: "http://127.0.0.1:8088/ari", username: u, password: p}
queues: {sales: {members: [`+members+`]}}
numbers: {"600": {queue: sales}}
`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.NewRouting(file, app.Services{Queues: m}); err != nil {
			t.Fatal(err)
		}
	}
	load("PJSIP/4001, PJSIP/4002")
	if err := m.Logout("sales", "PJSIP/4002"); err != nil {
		t.Fatal(err)
	}
	load("PJSIP/4002, PJSIP/4003")
	members, err := m.Members("sales")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ms := range members {
		got = append(got, ms.Endpoint+" "+ms.Status)
	}
	if want := []string{"PJSIP/4002 logged out", "PJSIP/4003 available"}; !slices.Equal(got, want) {
		t.Errorf("after the reload members are %q, want %q", got, want)
	}
}
