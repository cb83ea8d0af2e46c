package main

// The scenarios of rooms and spying, and what they watch of Asterisk over ARI.

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
)

// roomMembers lists the callers in a room through the admin API.
func (s *scene) roomMembers(room string) []string {
	var out struct {
		Members []struct {
			Caller string `json:"caller"`
		} `json:"members"`
	}
	if _, err := s.e.admin(http.MethodGet, "/api/rooms/"+room, "", &out); err != nil {
		s.failf("room %s: %v", room, err)
	}
	var got []string
	for _, m := range out.Members {
		got = append(got, m.Caller)
	}
	slices.Sort(got)
	return got
}

func (s *scene) waitMembers(room string, n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.roomMembers(room)
		if len(got) == n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func conferenceFull(ctx context.Context, s *scene) {
	a := s.start(sippRun{number: "999", from: "2113", scenario: "uac_call.xml", vars: map[string]string{"hold_ms": "9000"}})
	b := s.start(sippRun{number: "999", from: "2114", scenario: "uac_call.xml", vars: map[string]string{"hold_ms": "9000"}})
	members := s.waitMembers("petite", 2)
	s.see("room petite: %v", members)
	if !s.check(len(members) == 2, "room petite has %v, want 2 members", members) {
		return
	}
	sub := s.e.watch(ctx, s, "endpoint:PJSIP/sipp")
	defer sub.Cancel()
	third := s.start(sippRun{number: "999", from: "2115", scenario: "uac_hangup_by_peer.xml"})
	ok := third.wait()
	s.see("third caller: %s by Asterisk", third.result())
	s.check(ok, "the third caller was not hung up by Asterisk")
	played := s.e.played(sub)
	s.see("third caller heard %v", played)
	s.check(slices.Contains(played, "sound:conf-full"), "the third caller did not hear conf-full")
	after := s.roomMembers("petite")
	s.check(!slices.Contains(after, "2115"), "the third caller is in the room: %v", after)
	s.expectCaller(a)
	s.expectCaller(b)
}

// watch subscribes the suite's ARI application to an event source and returns a
// subscription to its events on the bus.
func (e *env) watch(ctx context.Context, s *scene, source string, keys ...string) *ari.Subscription {
	sub := e.bus.Subscribe(4096, append([]string{"type:PlaybackStarted", "type:ChannelTalkingStarted"}, keys...)...)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := e.ari.Applications.Subscribe(cctx, observerApp, source); err != nil {
		s.failf("ARI subscribe %s: %v", source, err)
	}
	return sub
}

// played drains the subscription and returns the media started.
func (e *env) played(sub *ari.Subscription) []string {
	var out []string
	for {
		select {
		case ev := <-sub.C():
			if p, ok := ev.(*ari.PlaybackStarted); ok {
				out = append(out, p.Playback.MediaURI)
			}
		case <-time.After(300 * time.Millisecond):
			return out
		}
	}
}

// talked drains the subscription and reports whether talking started on channel id.
func talked(sub *ari.Subscription, id string) bool {
	found := false
	for {
		select {
		case ev := <-sub.C():
			if t, ok := ev.(*ari.ChannelTalkingStarted); ok && t.Channel.ID == id {
				found = true
			}
		case <-time.After(300 * time.Millisecond):
			return found
		}
	}
}

// findChannel waits for an answered channel whose name starts with prefix.
func (s *scene) findChannel(ctx context.Context, prefix string) (ari.Channel, bool) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		all, err := s.e.ari.Channels.List(cctx)
		cancel()
		if err != nil {
			s.failf("ARI channels: %v", err)
			return ari.Channel{}, false
		}
		for _, ch := range all {
			if strings.HasPrefix(ch.Name, prefix) && ch.State == "Up" {
				return ch, true
			}
		}
		if time.Now().After(deadline) {
			s.failf("no answered %s channel", prefix)
			return ari.Channel{}, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// spy: a silent caller talks with 2000, whose phone echoes what it hears, so that talk
// detection on its channel notices audio reaching the phone: the supervisor's voice.
func spy(ctx context.Context, s *scene, number, keys, from string, heard bool) {
	err := os.MkdirAll(s.dir, 0o755)
	silent := ""
	if err == nil {
		silent, err = labtest.SilentCaller(s.dir, s.e.cfg.Scenarios, 40)
	}
	if err != nil {
		s.failf("%v", err)
		return
	}
	phone := s.start(sippRun{phone: "2000", scenario: "uas_spy_echo.xml", vars: map[string]string{"ring_ms": "200"},
		extra: []string{"-rtp_echo"}, timeout: 50 * time.Second})
	caller := s.start(sippRun{number: "2000", from: from, scenario: silent, timeout: 50 * time.Second})
	defer func() {
		// the spied call ends through the admin API: the caller and the phone get a BYE
		if calls, err := s.e.calls(); err == nil {
			for _, c := range calls {
				if c.Caller == from {
					_, _ = s.e.admin(http.MethodDelete, "/api/calls/"+url.PathEscape(c.Channel), "", nil)
				}
			}
		}
		s.expectCaller(caller)
		s.expectPhone("2000", phone, 1, 0)
	}()
	leg, ok := s.findChannel(ctx, "PJSIP/2000-")
	if !ok {
		return
	}
	sub := s.e.watch(ctx, s, "channel:"+leg.ID, "channel:"+leg.ID)
	defer sub.Cancel()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.e.ari.Channels.SetVar(cctx, leg.ID, "TALK_DETECT(set)", "")
	cancel()
	if err != nil {
		s.failf("TALK_DETECT on 2000's channel: %v", err)
		return
	}
	talked(sub, leg.ID) // nothing yet: the caller is silent
	// Where the phone should hear the supervisor, a supervisor the talk detection missed
	// calls once more: on a busy machine it once heard nothing of a barge whose snoop was
	// in place for its 4 s (the app's log), where the runs before and after heard it.
	got := false
	for attempt := 1; attempt <= 2; attempt++ {
		sup := s.start(sippRun{number: number, from: "1000", scenario: "uac_call.xml",
			vars: map[string]string{"digits": keys, "pre_ms": "800", "hold_ms": "4000"}})
		if snoop, ok := s.findChannel(ctx, "Snoop/"); ok {
			s.see("snoop %s", snoop.Name)
			if number == "52" {
				s.check(s.bridgedAlone(ctx, snoop.ID, leg.ID), "the snoop is not bridged with the supervisor alone")
			}
		}
		ok = sup.wait()
		s.see("supervisor: %s", sup.result())
		s.check(ok, "the supervisor's SIPp failed")
		if got = talked(sub, leg.ID); got == heard || !heard {
			break
		}
		s.see("attempt %d: 2000's phone heard nothing", attempt)
	}
	s.see("2000's phone heard the supervisor: %v", got)
	s.check(got == heard, "2000's phone heard the supervisor: %v, want %v", got, heard)
}

// bridgedAlone reports whether a bridge holds the snoop and one other channel, not leg.
func (s *scene) bridgedAlone(ctx context.Context, snoop, leg string) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		bridges, err := s.e.ari.Bridges.List(cctx)
		cancel()
		if err != nil {
			return false
		}
		for _, b := range bridges {
			if slices.Contains(b.Channels, snoop) && len(b.Channels) == 2 && !slices.Contains(b.Channels, leg) {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
