package app

import (
	"testing"
	"time"

	"github.com/ariflow/ariflow/config"
)

// calls_per_second lets a second's worth through at once, then one more every 1/rate s.
func TestCallsPerSecondRefillsOverTime(t *testing.T) {
	ad := newAdmission(config.Limits{CallsPerSecond: 4})
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for i := range 4 {
		if limit := ad.over(0, t0); limit != "" {
			t.Fatalf("call %d of the first burst refused (%s)", i+1, limit)
		}
	}
	if limit := ad.over(0, t0); limit != limitCallsPerSecond {
		t.Fatalf("fifth call at once: %q, want refused over calls_per_second", limit)
	}
	if limit := ad.over(0, t0.Add(250*time.Millisecond)); limit != "" {
		t.Errorf("a call a quarter second later refused (%s)", limit)
	}
	if limit := ad.over(0, t0.Add(300*time.Millisecond)); limit != limitCallsPerSecond {
		t.Errorf("a second call within that quarter second: %q, want refused", limit)
	}
}

func TestMaxCallsCountsTheLiveCalls(t *testing.T) {
	ad := newAdmission(config.Limits{MaxCalls: 3})
	now := time.Now()
	if limit := ad.over(2, now); limit != "" {
		t.Errorf("third call refused (%s)", limit)
	}
	if limit := ad.over(3, now); limit != limitMaxCalls {
		t.Errorf("fourth call: %q, want refused over max_calls", limit)
	}
	if limit := newAdmission(config.Limits{}).over(100000, now); limit != "" {
		t.Errorf("no limits set, yet refused (%s)", limit)
	}
}
