package call

import "testing"

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
