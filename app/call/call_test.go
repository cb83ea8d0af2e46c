package call

import (
	"strings"
	"testing"
	"time"
)

func TestLegOfReadsTheIDsOfPhonesACallDialed(t *testing.T) {
	c := &Call{id: "1796427277.50834"}
	mine := c.newID("leg")
	for _, tc := range []struct {
		id, call       string
		thisRun, isLeg bool
	}{
		{mine, "1796427277.50834", true, true},
		{"1796427277.50834-leg-zz9.12", "1796427277.50834", false, true}, // another run's
		{"a-leg-b-leg-r1.3", "a-leg-b", false, true},
		{"1796427277.50834", "", false, false},                      // a caller
		{"1796427277.50834-play-" + runID + ".2", "", false, false}, // a playback
		{"x-leg-r1.", "", false, false},
		{"x-leg-r1.2a", "", false, false},
		{"-leg-r1.2", "", false, false},
	} {
		call, thisRun, ok := LegOf(tc.id)
		if call != tc.call || thisRun != tc.thisRun || ok != tc.isLeg {
			t.Errorf("LegOf(%q) = %q, %v, %v; want %q, %v, %v", tc.id, call, thisRun, ok, tc.call, tc.thisRun, tc.isLeg)
		}
	}
}

// The dial context's extension carries what Dial rings; anything Dial or the dialplan's
// cut would split (or too long for an extension) keeps the ring in the app.
func TestDialExten(t *testing.T) {
	for _, tc := range []struct {
		exten, endpoint string
		ring            time.Duration
		want            string
		ok              bool
	}{
		{"2000", "PJSIP/2000", 15 * time.Second, "~2000~PJSIP/2000~15", true},
		{"", "PJSIP/trunk-1@office.example", 1500 * time.Millisecond, "~~PJSIP/trunk-1@office.example~2", true},
		{"2000", "PJSIP/2000,60,D(1)", 15 * time.Second, "", false},
		{"2000", "PJSIP/2000&PJSIP/2001", 15 * time.Second, "", false},
		{"2000", "PJSIP/20~00", 15 * time.Second, "", false},
		{"2000", "PJSIP/" + strings.Repeat("a", 70), 15 * time.Second, "", false},
	} {
		got, ok := DialExten(tc.exten, tc.endpoint, tc.ring)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("DialExten(%q, %q, %s) = %q, %v; want %q, %v", tc.exten, tc.endpoint, tc.ring, got, ok, tc.want, tc.ok)
		}
		if !ok {
			continue
		}
		if exten, endpoint, ok := ParseDialExten(got); !ok || exten != tc.exten || endpoint != tc.endpoint {
			t.Errorf("ParseDialExten(%q) = %q, %q, %v", got, exten, endpoint, ok)
		}
	}
}
