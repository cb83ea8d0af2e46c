package queue

import (
	"slices"
	"testing"
	"time"
)

func TestPick(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	three := []Candidate{
		{Endpoint: "PJSIP/4001", Index: 0, LastCall: t0.Add(2 * time.Minute), Calls: 5},
		{Endpoint: "PJSIP/4002", Index: 1, LastCall: t0, Calls: 2},
		{Endpoint: "PJSIP/4003", Index: 2, LastCall: t0.Add(time.Minute), Calls: 2},
	}
	never := slices.Clone(three)
	never[2].LastCall = time.Time{}
	reversed := slices.Clone(three)
	slices.Reverse(reversed)
	last := func(int) int { return 2 }
	for _, tc := range []struct {
		name     string
		strategy string
		cands    []Candidate
		tried    []string
		last     int
		rnd      func(int) int
		want     []string
	}{
		{"ringall rings every free member in list order", "ringall", reversed, nil, -1, nil, []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
		{"ringall ignores what was tried", "ringall", three, []string{"PJSIP/4001"}, -1, nil, []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}},
		{"linear starts at the top", "linear", three, nil, -1, nil, []string{"PJSIP/4001"}},
		{"linear moves down after a miss", "linear", three, []string{"PJSIP/4001"}, -1, nil, []string{"PJSIP/4002"}},
		{"linear starts over when all were tried", "linear", three, []string{"PJSIP/4001", "PJSIP/4002", "PJSIP/4003"}, -1, nil, []string{"PJSIP/4001"}},
		{"linear skips a busy member", "linear", three[1:], nil, -1, nil, []string{"PJSIP/4002"}},
		{"rrmemory follows the last rung", "rrmemory", three, nil, 0, nil, []string{"PJSIP/4002"}},
		{"rrmemory wraps around", "rrmemory", three, nil, 2, nil, []string{"PJSIP/4001"}},
		{"rrmemory with no memory starts at the top", "rrmemory", three, nil, -1, nil, []string{"PJSIP/4001"}},
		{"rrmemory skips the tried", "rrmemory", three, []string{"PJSIP/4002"}, 0, nil, []string{"PJSIP/4003"}},
		{"leastrecent takes the longest idle", "leastrecent", three, nil, -1, nil, []string{"PJSIP/4002"}},
		{"leastrecent takes who never had a call", "leastrecent", never, nil, -1, nil, []string{"PJSIP/4003"}},
		{"fewestcalls takes the least busy, first on a tie", "fewestcalls", three, nil, -1, nil, []string{"PJSIP/4002"}},
		{"fewestcalls skips the tried", "fewestcalls", three, []string{"PJSIP/4002"}, -1, nil, []string{"PJSIP/4003"}},
		{"random takes what rnd says", "random", three, nil, -1, last, []string{"PJSIP/4003"}},
		{"random among the untried", "random", three, []string{"PJSIP/4003"}, -1, func(n int) int { return n - 1 }, []string{"PJSIP/4002"}},
		{"nobody free", "ringall", nil, nil, -1, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tried := map[string]bool{}
			for _, ep := range tc.tried {
				tried[ep] = true
			}
			got := Pick(tc.strategy, tc.cands, tried, tc.last, tc.rnd)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Pick = %v, want %v", got, tc.want)
			}
		})
	}
}
