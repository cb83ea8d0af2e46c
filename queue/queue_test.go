package queue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
)

const all = "PJSIP/4001,PJSIP/4002,PJSIP/4003"

// serve runs c through queue q in the background and returns a channel of its result.
func serve(h *Handler, c *fakeCall, q string, run Runner) <-chan error {
	done := make(chan error, 1)
	go func() { done <- h.Serve(context.Background(), c, q, run) }()
	return done
}

func runNoter(c *fakeCall) Runner {
	return func(_ context.Context, a config.Action) error {
		c.note("run %s %s", a.Kind, strings.Join(a.Play, " "))
		return nil
	}
}

func checkEvents(t *testing.T, c *fakeCall, want ...string) {
	t.Helper()
	if got := c.Events(); !slices.Equal(got, want) {
		t.Errorf("the caller went through\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// Nobody answers: every member rings for the member timeout, again after each retry
// pause, until max_wait sends the caller to after_max_wait.
func TestRetryThenMaxWait(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		q := testQueue(func(q *config.Queue) {
			q.MaxWait = time.Minute
			q.AfterMaxWait = &config.Action{Kind: config.ActPlay, Play: []string{"sound:goodbye"}}
		})
		h, m := newHandler(t, db, q)
		c := newFakeCall("c1", "2000")
		c.ring = nobodyAnswers
		if err := <-serve(h, c, "sales", runNoter(c)); err != nil {
			t.Fatal(err)
		}
		checkEvents(t, c,
			"0s: answer", "0s: music classic",
			"0s: ring "+all+" for 20s",
			"25s: ring "+all+" for 20s",
			"50s: ring "+all+" for 10s", // cut short by max_wait
			"1m0s: run play sound:goodbye")
		got := events(t, m, "sales")
		if got[0] != EvEnterQueue || got[len(got)-1] != EvExitWithTimeout {
			t.Errorf("queue log %v, want ENTERQUEUE ... EXITWITHTIMEOUT", got)
		}
		if n := strings.Count(strings.Join(got, ";"), EvRingNoAnswer); n != 9 {
			t.Errorf("%d RINGNOANSWER in %v, want 3 members x 3 rings", n, got)
		}
	})
}

// The first member to answer takes the call; the caller leaves the queue connected and
// the member rests for the wrap-up time before the next caller rings it.
func TestConnectedThenWrapUp(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		q := testQueue(func(q *config.Queue) { q.Members = []string{"PJSIP/4001"}; q.WrapUp = 10 * time.Second })
		h, m := newHandler(t, db, q)
		first := newFakeCall("c1", "2000")
		first.ring = answersAfter(2*time.Second, 5*time.Second)
		done1 := serve(h, first, "sales", nil)
		time.Sleep(time.Second)
		second := newFakeCall("c2", "3000")
		second.ring = answersAfter(time.Second, time.Second)
		done2 := serve(h, second, "sales", nil)
		synctest.Wait()
		if got, _ := m.Members("sales"); got[0].Status != StatusRinging {
			t.Errorf("4001 is %q while it rings", got[0].Status)
		}
		if got, _ := m.Callers("sales"); len(got) != 2 || got[1].Caller != "3000" || got[1].Position != 2 {
			t.Errorf("callers %+v, want 3000 second", got)
		}
		if err := <-done1; err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Members("sales"); got[0].Status != StatusWrapUp || got[0].Calls != 1 {
			t.Errorf("after the call 4001 is %+v, want in wrap-up with 1 call", got[0])
		}
		if err := <-done2; err != nil {
			t.Fatal(err)
		}
		checkEvents(t, first, "0s: answer", "0s: music classic", "0s: ring PJSIP/4001 for 20s", "2s: connected PJSIP/4001")
		// 4001 hangs up at 7s and rests until 17s: the second caller, who looks again
		// every retry pause, rings it then.
		checkEvents(t, second, "0s: answer", "0s: music classic", "16s: ring PJSIP/4001 for 20s", "17s: connected PJSIP/4001")
		want := []string{EvEnterQueue, EvEnterQueue, EvConnect + " PJSIP/4001", EvCompleteAgent + " PJSIP/4001",
			EvConnect + " PJSIP/4001", EvCompleteAgent + " PJSIP/4001"}
		if got := events(t, m, "sales"); !slices.Equal(got, want) {
			t.Errorf("queue log %v, want %v", got, want)
		}
	})
}

// A second caller is told its position 2 on joining and again every announce_every;
// once the first caller hangs up, it is told it is next.
func TestPositionAnnouncements(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		q := testQueue(func(q *config.Queue) { q.AnnouncePosition = true; q.AnnounceEvery = 30 * time.Second })
		h, m := newHandler(t, db, q)
		for _, ep := range q.Members {
			if err := m.Pause("sales", ep, true, "lunch"); err != nil {
				t.Fatal(err)
			}
		}
		first := newFakeCall("c1", "2000")
		done1 := serve(h, first, "sales", nil)
		time.Sleep(10 * time.Second)
		second := newFakeCall("c2", "3000")
		done2 := serve(h, second, "sales", nil)
		time.Sleep(40 * time.Second)
		close(first.hangup)
		if err := <-done1; !errors.Is(err, call.ErrHangup) {
			t.Errorf("first caller: %v, want ErrHangup", err)
		}
		time.Sleep(30 * time.Second)
		close(second.hangup)
		<-done2
		checkEvents(t, second, "0s: answer",
			"0s: play sound:queue-thereare number:2 sound:queue-callswaiting", "3s: music classic",
			"33s: play sound:queue-thereare number:2 sound:queue-callswaiting", "36s: music classic",
			"1m6s: play sound:queue-youarenext", "1m7s: music classic")
		entries, _ := m.Log("sales", 0)
		var abandons []Entry
		for _, e := range entries {
			if e.Event == EvAbandon {
				abandons = append(abandons, e)
			}
		}
		if len(abandons) != 2 || abandons[0].Position != 1 || abandons[0].Wait != 50 || abandons[1].Wait != 70 {
			t.Errorf("abandons %+v, want the first at position 1 after 50 s, the second after 70 s", abandons)
		}
	})
}

// The estimated wait is what is left of the queue's average hold time, as Asterisk's
// say_position: (holdtime + 30 s - waited) in whole minutes, "minute" for one, nothing
// under one.
func TestAnnouncement(t *testing.T) {
	const two = "sound:queue-thereare number:2 sound:queue-callswaiting"
	for _, tc := range []struct {
		name             string
		pos              int
		holdtime, waited time.Duration
		want             string
	}{
		{"next", 1, 0, 0, "sound:queue-youarenext"},
		{"third", 3, 20 * time.Second, 0, "sound:queue-thereare number:3 sound:queue-callswaiting"},
		{"with the estimated wait", 2, 150 * time.Second, 0, two + " sound:queue-holdtime number:3 sound:queue-minutes"},
		{"less after waiting", 2, 3 * time.Minute, 100 * time.Second, two + " sound:queue-holdtime number:1 sound:queue-minute"},
		{"one minute", 2, 40 * time.Second, 0, two + " sound:queue-holdtime number:1 sound:queue-minute"},
		{"none left", 2, 3 * time.Minute, 3 * time.Minute, two},
		{"waited past the average", 2, time.Minute, 5 * time.Minute, two},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(Announcement(tc.pos, tc.holdtime, tc.waited), " "); got != tc.want {
				t.Errorf("Announcement = %s, want %s", got, tc.want)
			}
		})
	}
}

// join_empty: false turns callers away when nobody can take calls; max_length turns them
// away when the queue is full; leave_empty: true sends a waiting caller on when the last
// member logs out.
func TestEmptyAndFullQueues(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		after := &config.Action{Kind: config.ActPlay, Play: []string{"sound:vm-nobodyavail"}}
		q := testQueue(func(q *config.Queue) {
			q.Name, q.JoinEmpty, q.LeaveEmpty, q.MaxLength, q.AfterMaxWait = "support", false, true, 1, after
		})
		h, m := newHandler(t, db, q)
		for _, ep := range q.Members[1:] {
			if err := m.Logout("support", ep); err != nil {
				t.Fatal(err)
			}
		}
		waiting := newFakeCall("c1", "2000")
		waiting.ring = nobodyAnswers
		done := serve(h, waiting, "support", runNoter(waiting))
		time.Sleep(time.Second)
		full := newFakeCall("c2", "3000")
		if err := <-serve(h, full, "support", runNoter(full)); err != nil {
			t.Fatal(err)
		}
		checkEvents(t, full, "0s: run play sound:vm-nobodyavail")
		if err := m.Logout("support", "PJSIP/4001"); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		late := newFakeCall("c3", "4000")
		if err := <-serve(h, late, "support", runNoter(late)); err != nil {
			t.Fatal(err)
		}
		checkEvents(t, late, "0s: run play sound:vm-nobodyavail")
		want := []string{EvRemoveMember + " PJSIP/4002", EvRemoveMember + " PJSIP/4003", EvEnterQueue,
			EvFull, EvRemoveMember + " PJSIP/4001", EvRingNoAnswer + " PJSIP/4001", EvExitEmpty, EvJoinEmpty}
		if got := events(t, m, "support"); !slices.Equal(got, want) {
			t.Errorf("queue log %v, want %v", got, want)
		}
	})
}

// Logging out and pausing last across a restart (a new manager on the same database).
func TestMemberStateSurvivesRestart(t *testing.T) {
	db := openDB(t)
	q := testQueue(nil)
	_, m := newHandler(t, db, q)
	if err := m.Logout("sales", "PJSIP/4002"); err != nil {
		t.Fatal(err)
	}
	if err := m.Pause("sales", "PJSIP/4003", true, "lunch"); err != nil {
		t.Fatal(err)
	}
	if err := m.Logout("sales", "PJSIP/9999"); !errors.Is(err, ErrUnknownMember) {
		t.Errorf("logout of a stranger: %v", err)
	}
	if err := m.Login("nope", "PJSIP/4001"); !errors.Is(err, ErrUnknownQueue) {
		t.Errorf("login to an unknown queue: %v", err)
	}
	_, again := newHandler(t, db, q)
	members, err := again.Members("sales")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ms := range members {
		got = append(got, ms.Endpoint+" "+ms.Status+" "+ms.PauseReason)
	}
	want := []string{"PJSIP/4001 available ", "PJSIP/4002 logged out ", "PJSIP/4003 paused lunch"}
	if !slices.Equal(got, want) {
		t.Errorf("after a restart members are %q, want %q", got, want)
	}
	if err := again.Login("sales", "PJSIP/4002"); err != nil {
		t.Fatal(err)
	}
	if err := again.Pause("sales", "PJSIP/4003", false, ""); err != nil {
		t.Fatal(err)
	}
	want = []string{EvRemoveMember + " PJSIP/4002", EvPause + " PJSIP/4003", EvAddMember + " PJSIP/4002", EvUnpause + " PJSIP/4003"}
	if got := events(t, again, "sales"); !slices.Equal(got, want) {
		t.Errorf("queue log %v, want %v", got, want)
	}
}

// A member Asterisk reports on a call is rung only when the queue rings members in use;
// an unavailable one never is.
func TestMembersInUse(t *testing.T) {
	devices := map[string]string{"PJSIP/4001": "INUSE", "PJSIP/4002": "UNAVAILABLE"}
	for _, tc := range []struct {
		name      string
		ringInUse bool
		want      string
	}{
		{"skipped", false, "0s: ring PJSIP/4003 for 20s"},
		{"rung with ring_in_use", true, "0s: ring PJSIP/4001,PJSIP/4003 for 20s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			synctest.Test(t, func(t *testing.T) {
				h, _ := newHandler(t, db, testQueue(func(q *config.Queue) { q.RingInUse = tc.ringInUse }))
				c := newFakeCall("c1", "2000")
				c.devices = devices
				c.ring = answersAfter(0, time.Second)
				if err := <-serve(h, c, "sales", nil); err != nil {
					t.Fatal(err)
				}
				if got := c.Events(); len(got) < 3 || got[2] != tc.want {
					t.Errorf("the caller went through %q, want %q third", got, tc.want)
				}
			})
		})
	}
}

// While the first caller rings one member, the next caller rings another free one.
func TestNextCallerRingsTheMembersLeft(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		h, _ := newHandler(t, db, testQueue(func(q *config.Queue) { q.Strategy = "linear" }))
		first := newFakeCall("c1", "2000")
		first.ring = answersAfter(5*time.Second, time.Second)
		done1 := serve(h, first, "sales", nil)
		time.Sleep(time.Second)
		second := newFakeCall("c2", "3000")
		second.ring = answersAfter(time.Second, time.Second)
		if err := <-serve(h, second, "sales", nil); err != nil {
			t.Fatal(err)
		}
		<-done1
		checkEvents(t, second, "0s: answer", "0s: music classic", "0s: ring PJSIP/4002 for 20s", "1s: connected PJSIP/4002")
	})
}

// Under ringall the members who did not answer are free as soon as one did: while 4001
// talks to the first caller, they show available and the next caller rings them at
// once. 4003, busy before the answer, is logged as not answering at the answer's time,
// not at the end of the call.
func TestRingallFreesTheOthersAtTheAnswer(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		h, m := newHandler(t, db, testQueue(nil))
		first := newFakeCall("c1", "2000")
		talk := answersAfter(2*time.Second, time.Minute)
		first.ring = func(c *fakeCall, opts call.RingOptions) (call.RingResult, error) {
			res, err := talk(c, opts)
			res.Missed["PJSIP/4003"] = call.Unanswered{Status: call.DialBusy}
			return res, err
		}
		done1 := serve(h, first, "sales", nil)
		time.Sleep(5 * time.Second)
		var got []string
		members, _ := m.Members("sales")
		for _, ms := range members {
			got = append(got, ms.Endpoint+" "+ms.Status)
		}
		if want := []string{"PJSIP/4001 in call", "PJSIP/4002 available", "PJSIP/4003 available"}; !slices.Equal(got, want) {
			t.Errorf("at 5 s members are %q, want %q", got, want)
		}
		second := newFakeCall("c2", "3000")
		second.ring = answersAfter(time.Second, time.Second)
		if err := <-serve(h, second, "sales", nil); err != nil {
			t.Fatal(err)
		}
		checkEvents(t, second, "0s: answer", "0s: music classic", "0s: ring PJSIP/4002,PJSIP/4003 for 20s", "1s: connected PJSIP/4002")
		if err := <-done1; err != nil {
			t.Fatal(err)
		}
		entries, _ := m.Log("sales", 0)
		var connect, miss Entry
		for _, e := range entries {
			switch {
			case e.CallID == "c1" && e.Event == EvConnect:
				connect = e
			case e.CallID == "c1" && e.Event == EvRingNoAnswer:
				miss = e
			}
		}
		if miss.Member != "PJSIP/4003" || miss.Reason != "busy" || !miss.Time.Equal(connect.Time) {
			t.Errorf("the miss is logged as %+v, want 4003 busy at the answer (%s)", miss, connect.Time)
		}
	})
}

// failsAt makes the endpoints in fail end at once with their status; any other answers
// at once and talks for a second.
func failsAt(fail map[string]call.DialStatus) func(*fakeCall, call.RingOptions) (call.RingResult, error) {
	answer := answersAfter(0, time.Second)
	return func(c *fakeCall, opts call.RingOptions) (call.RingResult, error) {
		if st, ok := fail[opts.Endpoints[0]]; ok {
			return call.RingResult{Missed: map[string]call.Unanswered{opts.Endpoints[0]: {Status: st}}}, nil
		}
		return answer(c, opts)
	}
}

// One member at a time, a member busy or unreachable costs no retry pause: the next one
// rings at once, as Asterisk's ring_one. Only once every member was tried in vain does
// the caller wait the retry pause, and the next round starts at the top again.
func TestBusyMemberCostsNoPause(t *testing.T) {
	t.Run("the next member rings at once", func(t *testing.T) {
		db := openDB(t)
		synctest.Test(t, func(t *testing.T) {
			h, _ := newHandler(t, db, testQueue(func(q *config.Queue) { q.Strategy = "linear" }))
			c := newFakeCall("c1", "2000")
			c.ring = failsAt(map[string]call.DialStatus{"PJSIP/4001": call.DialBusy})
			if err := <-serve(h, c, "sales", nil); err != nil {
				t.Fatal(err)
			}
			checkEvents(t, c, "0s: answer", "0s: music classic",
				"0s: ring PJSIP/4001 for 20s", "0s: ring PJSIP/4002 for 20s", "0s: connected PJSIP/4002")
		})
	})
	t.Run("a round then the retry pause", func(t *testing.T) {
		db := openDB(t)
		synctest.Test(t, func(t *testing.T) {
			h, _ := newHandler(t, db, testQueue(func(q *config.Queue) {
				q.Strategy, q.MaxWait = "linear", 8*time.Second
				q.AfterMaxWait = &config.Action{Kind: config.ActPlay, Play: []string{"sound:goodbye"}}
			}))
			c := newFakeCall("c1", "2000")
			c.ring = failsAt(map[string]call.DialStatus{
				"PJSIP/4001": call.DialBusy, "PJSIP/4002": call.DialUnavailable, "PJSIP/4003": call.DialDeclined})
			if err := <-serve(h, c, "sales", runNoter(c)); err != nil {
				t.Fatal(err)
			}
			checkEvents(t, c, "0s: answer", "0s: music classic",
				"0s: ring PJSIP/4001 for 8s", "0s: ring PJSIP/4002 for 8s", "0s: ring PJSIP/4003 for 8s",
				"5s: ring PJSIP/4001 for 3s", "5s: ring PJSIP/4002 for 3s", "5s: ring PJSIP/4003 for 3s",
				"8s: run play sound:goodbye")
		})
	})
}

// A caller first in line while a member is free is not told it is next: its members
// ring at once.
func TestFirstCallerRingsWithoutAnnouncement(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		h, _ := newHandler(t, db, testQueue(func(q *config.Queue) { q.AnnouncePosition = true }))
		c := newFakeCall("c1", "2000")
		c.ring = answersAfter(time.Second, time.Second)
		if err := <-serve(h, c, "sales", nil); err != nil {
			t.Fatal(err)
		}
		checkEvents(t, c, "0s: answer", "0s: music classic", "0s: ring "+all+" for 20s", "1s: connected PJSIP/4001")
	})
}

// A login, logout or pause the database cannot keep is refused and changes nothing: the
// member is as it was, now and after a restart.
func TestMemberChangeUnsavedChangesNothing(t *testing.T) {
	db := openDB(t)
	_, m := newHandler(t, db, testQueue(nil))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Logout("sales", "PJSIP/4001"); err == nil {
		t.Error("logout with a closed database: no error")
	}
	if err := m.Pause("sales", "PJSIP/4002", true, "lunch"); err == nil {
		t.Error("pause with a closed database: no error")
	}
	members, err := m.Members("sales")
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range members {
		if ms.Status != StatusAvailable || ms.PauseReason != "" {
			t.Errorf("%s is %q %q after a change that was not saved, want available", ms.Endpoint, ms.Status, ms.PauseReason)
		}
	}
}

// A wait that ends on an error that is not the caller's hang-up (here the app stopping)
// is logged EXITWITHERROR with the error, not ABANDON.
func TestErrorIsNotAnAbandon(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		q := testQueue(nil)
		h, m := newHandler(t, db, q)
		for _, ep := range q.Members {
			if err := m.Pause("sales", ep, true, ""); err != nil {
				t.Fatal(err)
			}
		}
		ctx, stop := context.WithCancel(context.Background())
		c := newFakeCall("c1", "2000")
		done := make(chan error, 1)
		go func() { done <- h.Serve(ctx, c, "sales", nil) }()
		time.Sleep(10 * time.Second)
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v, want context.Canceled", err)
		}
		entries, _ := m.Log("sales", 0)
		last := entries[len(entries)-1]
		if last.Event != EvExitWithError || last.Reason != context.Canceled.Error() || last.Wait != 10 {
			t.Errorf("the caller's stay ends the log as %+v, want EXITWITHERROR (context canceled) after 10 s", last)
		}
	})
}

// After a reload adds a member, callers of the old routing ring the new list, and Asterisk's
// word on the new member counts too: 4004, on a call, is not rung. A queue the reload
// removed is forgotten: the admin no longer lists it.
func TestReloadedMembers(t *testing.T) {
	db := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		h, m := newHandler(t, db, testQueue(func(q *config.Queue) { q.Members = []string{"PJSIP/4001"} }))
		m.Configure(map[string]config.Queue{
			"sales": testQueue(func(q *config.Queue) { q.Members = []string{"PJSIP/4001", "PJSIP/4004"} }),
			"new":   testQueue(func(q *config.Queue) { q.Name = "new" }),
		})
		c := newFakeCall("c1", "2000")
		c.devices = map[string]string{"PJSIP/4004": "INUSE"}
		c.ring = answersAfter(0, time.Second)
		if err := <-serve(h, c, "sales", nil); err != nil {
			t.Fatal(err)
		}
		if got := c.Events(); len(got) < 3 || got[2] != "0s: ring PJSIP/4001 for 20s" {
			t.Errorf("the caller went through %q, want 4001 rung alone (4004 is on a call)", got)
		}
	})
	m := NewManager(nil, zerolog.Nop())
	m.Configure(map[string]config.Queue{"old": testQueue(func(q *config.Queue) { q.Name = "old" })})
	m.Configure(map[string]config.Queue{"sales": testQueue(nil)})
	if got := m.Queues(); !slices.Equal(got, []string{"sales"}) {
		t.Errorf("queues after the reload: %q, want only sales", got)
	}
}
