package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari/aritest"
)

// A request Asterisk carried out but whose answer was lost (a time-out, a reset at
// overload) leaves nothing behind: what it was to make, under an id of the app's, is
// removed as if it had been made.

func TestPhoneDialedWithoutAnAnswerIsHungUp(t *testing.T) {
	f := newFixture(t, extBody)
	f.srv.Handle(http.MethodPost, "/channels", func(*http.Request) (int, any) { return http.StatusOK, aritest.NoAnswer })
	f.call("c1", "1000")
	orig := f.wantPath(http.MethodPost, "/channels")
	leg := orig.Query.Get("channelId")
	if leg == "" {
		t.Fatal("the phone's channel was originated without an id of the app's")
	}
	f.wantPath(http.MethodDelete, "/channels/"+leg) // it may ring: stopped at once
	f.reachesVoicemail("c1")
}

func TestBridgeMadeWithoutAnAnswerIsDestroyed(t *testing.T) {
	f := newFixture(t, extBody)
	f.srv.Handle(http.MethodPost, "/bridges", func(*http.Request) (int, any) { return http.StatusOK, aritest.NoAnswer })
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	bridge := f.wantPath(http.MethodPost, "/bridges").Query.Get("bridgeId")
	f.wantPath(http.MethodDelete, "/bridges/"+bridge)
	f.wantPath(http.MethodDelete, "/channels/"+leg)
	f.waitIdle()
}

func TestPhoneRungByTheAdminWithoutAnAnswerIsHungUp(t *testing.T) {
	f := newFixture(t, extBody)
	f.srv.Handle(http.MethodPost, "/channels", func(*http.Request) (int, any) { return http.StatusOK, aritest.NoAnswer })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := f.app.Originate(ctx, "PJSIP/1000", "1000", "", 0); err == nil {
		t.Fatal("Call reported success for a request Asterisk never answered")
	}
	id := f.wantPath(http.MethodPost, "/channels").Query.Get("channelId")
	if id == "" {
		t.Fatal("the phone was rung without an id of the app's: nothing to hang up")
	}
	f.wantPath(http.MethodDelete, "/channels/"+id)
}
