package queue

import (
	"slices"
	"time"
)

// Candidate is a member free to take a call now, as a strategy sees it.
type Candidate struct {
	Endpoint string
	Index    int       // its place in the queue's member list
	LastCall time.Time // when its last queue call ended (zero: never)
	Calls    int       // calls it took from this queue
}

// Pick chooses whom to ring on one attempt for one caller. ringall rings every candidate;
// the other strategies ring one member, skipping those already tried for this caller
// (tried) until every candidate has been tried:
//
//   - linear: in the order of the member list;
//   - rrmemory: the member after the one the queue rang last (last, an index; -1 none);
//   - leastrecent: the member whose last call ended longest ago (never first);
//   - fewestcalls: the member who took the fewest calls;
//   - random: any, by rnd(n) in [0, n).
//
// Ties go to the member list's order. Pick returns nil when there is no candidate.
func Pick(strategy string, cands []Candidate, tried map[string]bool, last int, rnd func(int) int) []string {
	if len(cands) == 0 {
		return nil
	}
	cands = slices.Clone(cands)
	slices.SortStableFunc(cands, func(a, b Candidate) int { return a.Index - b.Index })
	if strategy == "ringall" {
		out := make([]string, len(cands))
		for i, c := range cands {
			out[i] = c.Endpoint
		}
		return out
	}
	fresh := slices.DeleteFunc(slices.Clone(cands), func(c Candidate) bool { return tried[c.Endpoint] })
	if len(fresh) == 0 {
		fresh = cands // everyone was tried: a new round
	}
	var best Candidate
	switch strategy {
	case "rrmemory":
		best = fresh[0]
		for _, c := range fresh {
			if c.Index > last {
				best = c
				break
			}
		}
	case "leastrecent":
		best = slices.MinFunc(fresh, func(a, b Candidate) int { return a.LastCall.Compare(b.LastCall) })
	case "fewestcalls":
		best = slices.MinFunc(fresh, func(a, b Candidate) int { return a.Calls - b.Calls })
	case "random":
		best = fresh[rnd(len(fresh))]
	default: // linear
		best = fresh[0]
	}
	return []string{best.Endpoint}
}
