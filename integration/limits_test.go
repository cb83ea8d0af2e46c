package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/internal/labtest"
)

// With limits.max_calls: 1, a second caller while the first talks is refused at once with
// 503 (congestion), before any ring; the first call goes on to its end, and once it is over
// the app takes calls again.
func TestMaxCallsRefusesTheCallerPastTheLimitWith503(t *testing.T) {
	h := start(t, options{body: dialContextBody + "limits: {max_calls: 1}\n", now: monday(10, 0)})
	phone := h.lab.Phone(t, "1000", "uas_answer.xml")
	first := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "2000",
		Vars: map[string]string{"hold_ms": "4000"}, Timeout: 30 * time.Second})
	if !phone.WaitReceived("ACK", 1, 15*time.Second) {
		t.Fatal("phone 1000 was not connected to the first caller")
	}
	second := h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_refused.xml", Service: "1000", From: "3000",
		Timeout: 20 * time.Second}).Wait()
	second.AssertOK(t)
	if msgs := second.Messages(); !strings.Contains(msgs, "SIP/2.0 503") {
		t.Errorf("the second caller was not refused with 503:\n%s", msgs)
	}
	first.Wait().AssertOK(t)
	phone.Wait().AssertOK(t)
	if got := h.app.Refusals(); got != (app.Refusals{MaxCalls: 1}) {
		t.Errorf("refusals %+v, want the second caller's over max_calls", got)
	}
	h.waitIdle(10 * time.Second)

	again := h.lab.Phone(t, "1000", "uas_answer.xml")
	h.lab.StartSIPp(t, labtest.SIPpRun{Scenario: "uac_call.xml", Service: "1000", From: "3000",
		Vars: map[string]string{"hold_ms": "1000"}, Timeout: 30 * time.Second}).Wait().AssertOK(t)
	again.Wait().AssertOK(t)
	h.waitIdle(10 * time.Second)
	h.lab.NoLeftovers(t)
}
