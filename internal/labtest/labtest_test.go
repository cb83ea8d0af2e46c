package labtest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --- without the lab ----------------------------------------------------------------------

func TestReceivedStartLines(t *testing.T) {
	log := `----------------------------------------------- 2026-11-25 19:34:42.435911
UDP message sent (454 bytes):

INFO sip:asterisk@127.0.0.1:15060 SIP/2.0
CSeq: 10602 INFO

----------------------------------------------- 2026-11-25 19:34:42.435911
UDP message received [359] bytes :

SIP/2.0 200 OK
CSeq: 10602 INFO

----------------------------------------------- 2026-11-25 19:34:42.587161
UDP message received [870] bytes :

INVITE sip:1000@127.0.0.1:15101 SIP/2.0
CSeq: 16939 INVITE
`
	got := receivedStartLines(log)
	want := []string{"SIP/2.0 200 OK", "INVITE sip:1000@127.0.0.1:15101 SIP/2.0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("receivedStartLines = %q, want %q", got, want)
	}
}

func TestLastStats(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stat.csv")
	csv := "StartTime;TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);\n" +
		"2026-11-25\t19:36:25.03;1;0;0;0;0;\n" +
		"2026-11-25\t19:36:26.03;3;1;2;1;1;\n"
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := lastStats(p)
	if err != nil {
		t.Fatal(err)
	}
	if st["TotalCallCreated"] != 3 || st["SuccessfulCall(C)"] != 2 || st["FailedCall(C)"] != 1 {
		t.Fatalf("lastStats = %v", st)
	}
}

func TestPhoneMediaPorts(t *testing.T) {
	seen := map[int]string{}
	for name := range Phones {
		mp := PhoneMediaPort(name)
		for _, p := range []int{mp, mp + 2} {
			if other, dup := seen[p]; dup {
				t.Errorf("media port %d of %s collides with %s", p, name, other)
			}
			seen[p] = name
		}
	}
	if PhoneMediaPort("1000") != 20010 || PhoneMediaPort("nope") != 0 {
		t.Errorf("PhoneMediaPort: 1000 -> %d, nope -> %d", PhoneMediaPort("1000"), PhoneMediaPort("nope"))
	}
}

// --- against the lab (ARIFLOW_LAB=1) --------------------------------------------------------

// appConnected reports whether some client has the Stasis app registered (then calls go to
// it, not to the dialplan's fallback).
func appConnected(l *Lab) bool {
	_, err := l.ari(http.MethodGet, "/applications/"+l.App, nil)
	return err == nil
}

// With the app down, Stasis() fails and the dialplan answers, plays ss-noservice (4.9 s)
// and hangs up: uac_hangup_by_peer must see that as a clean call.
func TestLabFallbackWhenAppDown(t *testing.T) {
	l := Require(t)
	if appConnected(l) {
		t.Skipf("the Stasis app %q is connected; this test needs it down", l.App)
	}
	start := time.Now()
	res := l.SIPp(t, SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "1000", From: "2000",
		Vars: map[string]string{"digits": "1#"}, Timeout: 20 * time.Second})
	res.AssertOK(t)
	if d := time.Since(start); d < 4*time.Second {
		t.Errorf("the call lasted %v; ss-noservice alone is 4.9 s", d)
	}
	if res.Successful != 1 {
		t.Errorf("successful calls = %d, want 1", res.Successful)
	}
	// And a caller that hangs up first.
	res = l.SIPp(t, SIPpRun{Scenario: "uac_call.xml", Service: "*77", From: "1000",
		Vars: map[string]string{"hold_ms": "500"}, Timeout: 20 * time.Second})
	res.AssertOK(t)
	l.NoLeftovers(t)
}

// The phone scenarios, driven by Asterisk without the app: CLI originate to the phone.
// Phone 2002 (the IVR's "z") is the least likely to be rung by anything else.
func TestLabPhones(t *testing.T) {
	l := Require(t)
	const phone = "2002"

	t.Run("answer", func(t *testing.T) {
		p := l.Phone(t, phone, "uas_answer.xml")
		l.AsteriskCLI(t, "channel originate PJSIP/"+phone+" application Playback hello")
		res := p.Wait()
		res.AssertOK(t)
		if p.Received("INVITE") != 1 || p.Received("BYE") != 1 {
			t.Errorf("phone received INVITE %d, BYE %d; want 1, 1", p.Received("INVITE"), p.Received("BYE"))
		}
	})
	t.Run("answer_dtmf", func(t *testing.T) {
		p := l.StartSIPp(t, SIPpRun{Phone: phone, Scenario: "uas_answer.xml",
			Vars: map[string]string{"ring_ms": "200", "digits": "42", "pre_ms": "300"}})
		// Read() takes two digits then returns; the dialplan then hangs up.
		l.AsteriskCLI(t, "channel originate PJSIP/"+phone+" application Read x,,2,,1,5")
		p.Wait().AssertOK(t)
		if p.Received("SIP/2.0 200") < 2 {
			t.Errorf("the phone's two INFOs were not answered 200:\n%s", p.Messages())
		}
	})
	t.Run("answer_hangup", func(t *testing.T) {
		p := l.StartSIPp(t, SIPpRun{Phone: phone, Scenario: "uas_answer_hangup.xml",
			Vars: map[string]string{"hold_ms": "800"}})
		l.AsteriskCLI(t, "channel originate PJSIP/"+phone+" application Wait 20")
		p.Wait().AssertOK(t)
	})
	t.Run("noanswer", func(t *testing.T) {
		p := l.StartSIPp(t, SIPpRun{Phone: phone, Scenario: "uas_noanswer.xml", Timeout: 15 * time.Second})
		// lab-selftest rings the phone 3 s, then cancels.
		l.AsteriskCLI(t, "channel originate Local/dial"+phone+"@lab-selftest application Wait 1")
		if !p.WaitReceived("INVITE", 1, 5*time.Second) {
			t.Fatalf("the phone saw no INVITE")
		}
		p.Wait().AssertOK(t)
		if p.Received("CANCEL") != 1 {
			t.Errorf("phone received CANCEL %d times, want 1", p.Received("CANCEL"))
		}
	})
	t.Run("busy", func(t *testing.T) {
		p := l.Phone(t, phone, "uas_busy.xml")
		l.AsteriskCLI(t, "channel originate PJSIP/"+phone+" application Wait 1")
		p.Wait().AssertOK(t)
	})
	l.NoLeftovers(t)
}
