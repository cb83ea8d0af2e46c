package main

import (
	"math"
	"math/rand/v2"
	"sort"
)

// bootstrapRounds is how many resamples addedP99Interval draws: enough for the 2.5th and
// 97.5th percentiles of the difference to move by less than the latencies' own precision.
const bootstrapRounds = 2000

// addedP99Interval is the 95 % bootstrap interval of p99(app) − p99(dialplan), both sorted:
// each round draws as many calls as each step had, with replacement, from that step's
// calls. It says how far the added p99 of one run can be trusted. With 150 calls a step's
// p99 is its second worst call, and one hiccup of the machine moves it by tens of ms; the
// interval is then wide, and decides nothing. The seed is fixed, so the same data always
// give the same interval. NaN when either side has no call.
func addedP99Interval(app, dialplan []float64) (lo, hi float64) {
	if len(app) == 0 || len(dialplan) == 0 {
		return math.NaN(), math.NaN()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	diffs := make([]float64, bootstrapRounds)
	countsA, countsD := make([]int, len(app)), make([]int, len(dialplan))
	for i := range diffs {
		diffs[i] = resampledPercentile(rng, app, countsA, 99) - resampledPercentile(rng, dialplan, countsD, 99)
	}
	sort.Float64s(diffs)
	return percentile(diffs, 2.5), percentile(diffs, 97.5)
}

// resampledPercentile is the nearest-rank percentile p of len(sorted) values drawn from
// sorted with replacement. It counts how often each index is drawn (counts is scratch
// space of len(sorted)) and walks the counts from the top, instead of sorting the draw.
func resampledPercentile(rng *rand.Rand, sorted []float64, counts []int, p float64) float64 {
	n := len(sorted)
	clear(counts)
	for range n {
		counts[rng.IntN(n)]++
	}
	rank := max(1, min(n, int(math.Ceil(p/100*float64(n))))) // 1-based, as percentile
	above := n - rank                                        // draws that rank higher
	for i := n - 1; i >= 0; i-- {
		if above < counts[i] {
			return sorted[i]
		}
		above -= counts[i]
	}
	return sorted[0]
}

// p99Verdict says whether a step's added p99 is shown under the target, shown at or over it,
// or not decided by the run (its interval holds the target).
type p99Verdict int

const (
	p99Undecided p99Verdict = iota
	p99Under
	p99Over
)

func judgeAddedP99(lo, hi float64) p99Verdict {
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		return p99Undecided
	case hi < targetAddedP99:
		return p99Under
	case lo >= targetAddedP99:
		return p99Over
	}
	return p99Undecided
}

func (v p99Verdict) String() string {
	switch v {
	case p99Under:
		return "under 5 ms"
	case p99Over:
		return "**5 ms or more**"
	}
	return "not decided (the interval holds 5 ms)"
}
