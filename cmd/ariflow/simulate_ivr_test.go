package main

import (
	"strings"
	"testing"
)

// simulate --digits walks the seed's menu on 900: 5 starts over, a timeout replays the
// prompts, 2 rings phone z.
func TestSimulateMenuDigits(t *testing.T) {
	code, out, errs := runCmd("simulate", "../../examples/office.yaml", "--no-db", "--from", "2000", "--to", "900",
		"--at", "2026-11-23 10:00", "--digits", "5t2")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"2000 dials 900: menu", "play sound:service1: key 5 stops it", "start over",
		"no key within 10s: replay from prompt 1", "entry 2: extension 2002", "ring PJSIP/2002 for 15s"} {
		if !strings.Contains(out, want) {
			t.Errorf("simulate output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errs := runCmd("simulate", "../../examples/office.yaml", "--no-db", "--from", "2000", "--to", "900", "--digits", "9x"); code == 0 || !strings.Contains(errs, "not a key") {
		t.Errorf("--digits 9x: exit %d, stderr %q; want a refusal naming the bad key", code, errs)
	}
}
