package ari

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		nominal time.Duration
	}{
		{"first", 1, 250 * time.Millisecond},
		{"second", 2, 500 * time.Millisecond},
		{"fifth", 5, 4 * time.Second},
		{"capped", 7, 10 * time.Second},
		{"far", 1000, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := time.Duration(float64(tc.nominal)*0.8), time.Duration(float64(tc.nominal)*1.2)
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(tc.attempt)
				if d < lo || d > hi {
					t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.attempt, d, lo, hi)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("backoff(%d) has no jitter", tc.attempt)
			}
		})
	}
}

func TestEventsURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://127.0.0.1:18088/ari", "ws://127.0.0.1:18088/ari/events?app=ariflow&subscribeAll=false"},
		{"https://pbx.example/ari/", "wss://pbx.example/ari/events?app=ariflow&subscribeAll=false"},
	}
	for _, tc := range tests {
		c, err := New(Options{BaseURL: tc.base, Application: "ariflow"})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.eventsURL(); got != tc.want {
			t.Errorf("eventsURL(%s) = %s, want %s", tc.base, got, tc.want)
		}
	}
}
