package main

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// stampLayout names the result files: 2026-11-25T2217Z.md.
const stampLayout = "2006-01-02T1504Z"

// The targets.
const (
	targetRateRatio = 0.9 // the app sustains at least 90 % of the dialplan's call rate
	targetAddedP99  = 5.0 // and adds under 5 ms at p99
	targetRSS500MB  = 100 // and holds 500 concurrent calls in under 100 MB
)

// sustained is the highest rate of a mode and flow with under 0.1 % failed calls, among
// the steps below its lowest failing rate (with BENCH_REFINE, the steps tried between its
// last good rate and its first failing one count too); capped says no step failed (the
// true limit is higher than what was tried).
type sustained struct {
	Rate   float64
	Capped bool
	Tried  bool
}

func highest(steps []step, mode, flow string) sustained {
	var s sustained
	var mine []step
	for _, st := range steps {
		if st.Mode == mode && st.Flow == flow {
			mine = append(mine, st)
		}
	}
	slices.SortStableFunc(mine, func(a, b step) int { return cmp.Compare(a.Rate, b.Rate) })
	for _, st := range mine {
		s.Tried = true
		if !st.Passed() {
			return s
		}
		s.Rate = st.Rate
	}
	s.Capped = s.Tried
	return s
}

func (s sustained) String() string {
	switch {
	case !s.Tried:
		return "-"
	case s.Rate == 0:
		return "none"
	case s.Capped:
		return "≥ " + f(s.Rate, 0)
	}
	return f(s.Rate, 0)
}

// rateRatio compares the app's sustained rate with the dialplan's, with what the steps
// tried allow to say: a capped rate is a lower bound, so two capped rates say nothing of
// their ratio (the dialplan may sustain twice the highest rate tried).
func rateRatio(app, dp sustained) (text string, met bool, known bool) {
	if app.Rate == 0 || dp.Rate == 0 {
		return "-", false, false
	}
	r := app.Rate / dp.Rate
	switch {
	case app.Capped && dp.Capped:
		return "? (both sustained every rate tried: BENCH_RATES must go higher)", false, false
	case app.Capped:
		return "≥ " + f(r, 2), r >= targetRateRatio, r >= targetRateRatio
	case dp.Capped:
		return "≤ " + f(r, 2), false, r < targetRateRatio
	}
	return f(r, 2), r >= targetRateRatio, true
}

func find(steps []step, mode, flow string, rate float64) (step, bool) {
	for _, s := range steps {
		if s.Mode == mode && s.Flow == flow && s.Rate == rate {
			return s, true
		}
	}
	return step{}, false
}

// commonRate is the highest rate both modes sustained for a flow, the load at which their
// latency and CPU are compared; else the lowest rate the app was offered.
func commonRate(steps []step, flow string) float64 {
	best := math.NaN()
	for _, a := range steps {
		if a.Mode != "app" || a.Flow != flow || !a.Passed() {
			continue
		}
		if d, ok := find(steps, "dialplan", flow, a.Rate); ok && d.Passed() && (math.IsNaN(best) || a.Rate > best) {
			best = a.Rate
		}
	}
	if math.IsNaN(best) {
		for _, a := range steps {
			if a.Flow == flow && (math.IsNaN(best) || a.Rate < best) {
				best = a.Rate
			}
		}
	}
	return best
}

// addedP99 is the app's p99 over the dialplan's at one rate both modes sustained, with its
// 95 % bootstrap interval and what that interval decides.
type addedP99 struct {
	Rate, App, Dialplan, Added, Lo, Hi float64
	Verdict                            p99Verdict
}

// addedP99ByRate compares the two modes' p99 at every rate both sustained, from the lowest.
func addedP99ByRate(steps []step, flow string) []addedP99 {
	var out []addedP99
	for _, a := range steps {
		if a.Mode != "app" || a.Flow != flow || !a.Passed() {
			continue
		}
		d, ok := find(steps, "dialplan", flow, a.Rate)
		if !ok || !d.Passed() {
			continue
		}
		out = append(out, compareP99(a, d))
	}
	return out
}

// compareP99 is the app's step against the dialplan's at the same rate.
func compareP99(app, dialplan step) addedP99 {
	r := addedP99{Rate: app.Rate, App: percentile(app.Setup, 99), Dialplan: percentile(dialplan.Setup, 99)}
	r.Added = r.App - r.Dialplan
	r.Lo, r.Hi = addedP99Interval(app.Setup, dialplan.Setup)
	r.Verdict = judgeAddedP99(r.Lo, r.Hi)
	return r
}

// rowAt is the comparison at rate from rows, and true; else, at a rate one of the modes
// did not sustain (no rate both did), it is made from the two steps, and false.
func rowAt(rows []addedP99, rate float64, app, dialplan step) (addedP99, bool) {
	for _, r := range rows {
		if r.Rate == rate {
			return r, true
		}
	}
	return compareP99(app, dialplan), false
}

// ratesText says at which rates the comparison came out as v: "20, 40 calls/s", or "none".
func ratesText(rows []addedP99, v p99Verdict) string {
	var rates []string
	for _, r := range rows {
		if r.Verdict == v {
			rates = append(rates, f(r.Rate, 0))
		}
	}
	if len(rates) == 0 {
		return "none"
	}
	return strings.Join(rates, ", ") + " calls/s"
}

// intervalText is a bootstrap interval in ms, "95 % interval +1.2 to +8.0 ms".
func intervalText(lo, hi float64, prec int) string {
	return fmt.Sprintf("95 %% interval %s to %s ms", signed(lo, prec), signed(hi, prec))
}

func verdict(met, known bool) string {
	switch {
	case !known:
		return "not measured"
	case met:
		return "**met**"
	}
	return "**missed**"
}

// overallAddedP99 judges the target over every rate both modes sustained: missed when the
// app added 5 ms or more at any of them (its interval all over), met when it added under 5 ms
// at every one (each interval all under), else not decided by this run.
func overallAddedP99(rows []addedP99) p99Verdict {
	under := len(rows) > 0
	for _, r := range rows {
		if r.Verdict == p99Over {
			return p99Over
		}
		under = under && r.Verdict == p99Under
	}
	if under {
		return p99Under
	}
	return p99Undecided
}

// p99TargetText is the target's verdict for the added p99: met or missed when the
// intervals decide it, else not shown either way.
func p99TargetText(v p99Verdict) string {
	switch v {
	case p99Under:
		return verdict(true, true)
	case p99Over:
		return verdict(false, true)
	}
	return "**not shown**"
}

// writeAddedP99 writes the table of the app's added p99 at every rate both modes sustained.
func writeAddedP99(w func(string, ...any), byFlow map[string][]addedP99, lat int) {
	if len(byFlow["extension"])+len(byFlow["ivr"]) == 0 {
		return
	}
	w("\n## p99 added by the app, rate by rate\n\n")
	w("At every rate both modes sustained: the app's p99 minus the dialplan's, and its 95 %% bootstrap interval (%d rounds, each drawing every call of both steps again with replacement). ", bootstrapRounds)
	w("The interval says what one run can tell: when it holds 5 ms, this run cannot say on which side of the target the app is. A step's p99 rests on its slowest 1 %% of calls, so a step of 150 calls has it at its second worst.\n\n")
	w("| flow | calls/s | app p99 (ms) | dialplan p99 (ms) | added (ms) | 95 %% interval (ms) | added < 5 ms |\n|---|---|---|---|---|---|---|\n")
	for _, flow := range []string{"extension", "ivr"} {
		for _, r := range byFlow[flow] {
			w("| %s | %s | %s | %s | %s | %s to %s | %s |\n", flow, f(r.Rate, 0), f(r.App, lat), f(r.Dialplan, lat), signed(r.Added, lat), signed(r.Lo, lat), signed(r.Hi, lat), r.Verdict)
		}
	}
}

func ratio(a, b float64) string { return f(a/b, 2) }

// signed formats a difference in ms with its sign and prec decimals.
func signed(v float64, prec int) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%+.*f", prec, v)
}

// latencyPrecision is how many decimals the run's latencies deserve: 1 when every step's
// are to the microsecond, 0 when some are SIPp's whole milliseconds.
func latencyPrecision(steps []step) int {
	for _, s := range steps {
		if !s.Micro {
			return 0
		}
	}
	return 1
}

// warmUpNote says, when the run had a warm-up (BENCH_WARMUP_SECONDS), that each flow's first
// step was not its first calls.
func warmUpNote(info meta) string {
	secs := info["warmup_seconds"]
	if secs == "" || secs == "0" {
		return ""
	}
	return fmt.Sprintf(" Before each flow's first step, each mode took %s s of calls at 10 calls/s that are not measured (warm-up: the first calls of a run also pay for loading prompts and starting up).", secs)
}

// turnsNote says, for runs since 2026-12-07 (night), that the mode going first changed
// from one rate to the next and from one flow to the next; the runs before had the app first
// at every rate.
func turnsNote(info meta) string {
	if info["turns"] != "alternate" {
		return ""
	}
	return " (the one going first changing from one rate to the next, and from one flow to the next, so that neither always meets an Asterisk just out of the other's step)"
}

// refineNote says, when the run had BENCH_REFINE, that steps between a mode's last good
// rate and its first failing one narrowed its highest rate.
func refineNote(info meta) string {
	n := info["refine"]
	if n == "" || n == "0" {
		return ""
	}
	return fmt.Sprintf(" After its first failing step, a mode took up to %s more steps, each halfway between its highest good rate and its lowest failing one so far (BENCH_REFINE), so that its highest rate is known to within the last gap rather than the rate grid's.", n)
}

// minCallsNote says, when the run had BENCH_MIN_CALLS, that the low rates were offered for
// longer than the step time.
func minCallsNote(info meta) string {
	n := info["min_calls"]
	if n == "" || n == "0" {
		return ""
	}
	return fmt.Sprintf(", or for as long as %s calls took when that was longer (BENCH_MIN_CALLS: a p99 that rests on at least 10 calls)", n)
}

// limitsNote says, when the run's app had limits (BENCH_LIMITS), that it refused callers
// past them; "" otherwise.
func limitsNote(info meta) string {
	l := info["limits"]
	if l == "" {
		return ""
	}
	return fmt.Sprintf("**The app ran with `limits: %s`**: past them it refuses new callers with congestion (503), and they count as failed calls.\n", l)
}

// dialContextNote says, when the run's app had asterisk.dial_context (BENCH_DIAL_CONTEXT),
// how it rang phones; "" otherwise.
func dialContextNote(info meta) string {
	dc := info["dial_context"]
	if dc == "" {
		return ""
	}
	return fmt.Sprintf("**The app ran with `asterisk.dial_context: %s`**: it hands its rings (unrecorded) to Asterisk's own `Dial` in that context and takes the caller back unless answered; the call's routing stays in the app.\n", dc)
}

// sessionNote says, for runs since 2026-12-08, that the app ran in a session of its own,
// as a service does; "" otherwise.
func sessionNote(info meta) string {
	if info["app_session"] != "own" {
		return ""
	}
	return "**The app ran in a session of its own** (`setsid`), as a service manager starts it and as Asterisk runs here: the kernel's scheduler shares the CPU between the app, Asterisk and the SIPps as between three services, rather than counting the app among the SIPps' threads.\n"
}

// writeBench writes <stamp>.md, <stamp>.svg, <stamp>.tsv and latest.md into out.
func writeBench(run, out string) (string, error) {
	info, err := readMeta(filepath.Join(run, "run"))
	if err != nil {
		return "", err
	}
	steps, err := readSteps(run)
	if err != nil {
		return "", err
	}
	holds, err := readHolds(run)
	if err != nil {
		return "", err
	}
	gobench, _ := os.ReadFile(filepath.Join(run, "gobench.txt"))
	started, err := time.Parse(time.RFC3339, info["started"])
	if err != nil {
		return "", fmt.Errorf("%s: start time: %w", filepath.Join(run, "run"), err)
	}
	stamp := started.UTC().Format(stampLayout)

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# make bench: the app against the same flows in dialplan, %s\n\n", info["started"])
	w("Made with `%s` (from the repository root; %s, raw data in `%s`), at commit %s.\n", info["command"], "bench/README.md says what is measured", run, info["commit"])
	w("Machine: %s, %s cores, %s MB; kernel %s; %s; %s; %s. Run %s to %s.\n",
		info["cpu"], info["cores"], info["memory_mb"], info["kernel"], info["asterisk"], info["sipp"], info["go"], info["started"], info["ended"])
	w("%s", dialContextNote(info))
	w("%s", sessionNote(info))
	w("%s", limitsNote(info))
	w("The machine is shared (other engineers' builds and tests may run beside the bench, outside the lab): load average %s when the measures started; each step's machine busy %% is in the table below.\n\n", info["load_before"])
	w("Flows: **extension** = dial, phone 2000 rings and answers at once, talk, caller hangs up (app: number 2000; dialplan: 8801 `Dial(PJSIP/2000,15)`). ")
	w("**ivr** = answer, prompt `service1`, key 1 half a second in, phone 2001 answers, talk, caller hangs up (app: menu at 900; dialplan: 8802 `Answer(,i)`, `Background`, `WaitExten`). ")
	lat := latencyPrecision(steps)
	if lat > 0 {
		w("SIPp callers and phones send no RTP. Latency is the time from the caller's INVITE to its 200 for every answered call, to the microsecond (the caller's SIPp logs both with the time of day; its own response times tick by 4 ms). CPU is utime+stime from /proc per successful call.\n\n")
	} else {
		w("SIPp callers and phones send no RTP. Latency is SIPp's INVITE-to-200 of every call (SIPp's clock, whole milliseconds, -timer_resol 1). CPU is utime+stime from /proc per successful call.\n\n")
	}

	w("## Summary\n\n")
	w("| flow | measure | app | dialplan | app/dialplan | target |\n|---|---|---|---|---|---|\n")
	var verdicts []string
	addedRows := map[string][]addedP99{}
	for _, flow := range []string{"extension", "ivr"} {
		app, dp := highest(steps, "app", flow), highest(steps, "dialplan", flow)
		if !app.Tried && !dp.Tried {
			continue
		}
		text, met, known := rateRatio(app, dp)
		w("| %s | highest rate with < 0.1 %% failed calls (calls/s) | %s | %s | %s | ≥ 0.90: %s |\n", flow, app, dp, text, verdict(met, known))
		verdicts = append(verdicts, fmt.Sprintf("%s: the app sustains at least 90 %% of the dialplan's call rate: %s (app %s, dialplan %s calls/s)", flow, verdict(met, known), app, dp))
		rate := commonRate(steps, flow)
		as, aok := find(steps, "app", flow, rate)
		ds, dok := find(steps, "dialplan", flow, rate)
		if !aok || !dok {
			continue
		}
		ap50, dp50 := percentile(as.Setup, 50), percentile(ds.Setup, 50)
		rows := addedP99ByRate(steps, flow)
		at, both := rowAt(rows, rate, as, ds)
		atWhat := "the highest rate both sustained"
		if !both {
			atWhat = "the lowest rate tried (no rate both sustained)"
		}
		p99Text := p99TargetText(overallAddedP99(rows))
		w("| %s | INVITE→200 p50 at %s calls/s (ms) | %s | %s | %s | |\n", flow, f(rate, 0), f(ap50, lat), f(dp50, lat), ratio(ap50, dp50))
		w("| %s | INVITE→200 p99 at %s calls/s (ms) | %s | %s | %s (%s ms; %s) | |\n", flow, f(rate, 0), f(at.App, lat), f(at.Dialplan, lat), ratio(at.App, at.Dialplan), signed(at.Added, lat),
			intervalText(at.Lo, at.Hi, lat))
		w("| %s | p99 added, at every rate both sustained (95 %% interval) | under 5 ms at %s; 5 ms or more at %s; not decided at %s | | | < 5 ms added: %s |\n",
			flow, ratesText(rows, p99Under), ratesText(rows, p99Over), ratesText(rows, p99Undecided), p99Text)
		verdicts = append(verdicts, fmt.Sprintf("%s: the app adds under 5 ms at p99: %s (5 ms or more, interval and all, at %s; under 5 ms at %s; not decided at %s; at %s calls/s, %s: %s ms, %s)",
			flow, p99Text, ratesText(rows, p99Over), ratesText(rows, p99Under), ratesText(rows, p99Undecided), f(rate, 0), atWhat, signed(at.Added, lat), intervalText(at.Lo, at.Hi, lat)))
		addedRows[flow] = rows
		w("| %s | app CPU per call at %s calls/s (ms) | %s | - | | |\n", flow, f(rate, 0), f(as.AppCPU, 2))
		w("| %s | Asterisk CPU per call at %s calls/s (ms) | %s | %s | %s | |\n", flow, f(rate, 0), f(as.AsteriskCPU, 2), f(ds.AsteriskCPU, 2), ratio(as.AsteriskCPU, ds.AsteriskCPU))
		w("| %s | app + Asterisk CPU per call (ms) | %s | %s | %s | |\n", flow, f(as.AppCPU+as.AsteriskCPU, 2), f(ds.AsteriskCPU, 2), ratio(as.AppCPU+as.AsteriskCPU, ds.AsteriskCPU))
	}
	for _, h := range holds {
		if h.Mode != "app" {
			continue
		}
		var dph hold
		for _, d := range holds {
			if d.Mode == "dialplan" && d.N == h.N {
				dph = d
			}
		}
		rss := h.m.num("app_rss_kb") / 1024
		target := ""
		if h.N == 500 {
			target = fmt.Sprintf("< 100 MB: %s", verdict(rss < targetRSS500MB, !math.IsNaN(rss)))
			verdicts = append(verdicts, fmt.Sprintf("the app holds 500 concurrent calls in under 100 MB: %s (RSS %s MB, Go heap in use %s MB)",
				verdict(rss < targetRSS500MB, !math.IsNaN(rss)), f(rss, 1), mb(h.m.num("app_heap_bytes"), true)))
		}
		w("| %s concurrent calls | app memory: RSS (Go heap in use) (MB) | %s (%s) | - | | %s |\n", f(h.N, 0), f(rss, 1), mb(h.m.num("app_heap_bytes"), true), target)
		w("| %s concurrent calls | app CPU per call (ms) | %s | - | | |\n", f(h.N, 0), f(h.AppCPU, 2))
		if dph.m != nil {
			w("| %s concurrent calls | Asterisk RSS (MB) | %s | %s | %s | |\n", f(h.N, 0), mb(h.m.num("asterisk_rss_kb"), false), mb(dph.m.num("asterisk_rss_kb"), false),
				ratio(h.m.num("asterisk_rss_kb"), dph.m.num("asterisk_rss_kb")))
			w("| %s concurrent calls | Asterisk CPU per call (ms) | %s | %s | %s | |\n", f(h.N, 0), f(h.AsteriskCPU, 2), f(dph.AsteriskCPU, 2), ratio(h.AsteriskCPU, dph.AsteriskCPU))
		}
	}
	w("\nTargets of issue 10:\n\n")
	for _, v := range verdicts {
		w("- %s\n", v)
	}

	writeAddedP99(w, addedRows, lat)

	w("\n![latency and CPU per call by call rate](%s.svg)\n\n", stamp)

	w("## Every rate step\n\n")
	w("Each rate was offered for the run's step time%s; modes take turns at each rate%s, and a mode stops climbing at its first step with 0.1 %% failed calls or more. A call counts as good when the caller's SIPp completed it and the phone's SIPp answered it and saw it end normally.%s%s\n\n", minCallsNote(info), turnsNote(info), refineNote(info), warmUpNote(info))
	w("Machine busy: the CPU of the whole machine during the step, in %% of both cores; others: the CPU of everything but Asterisk and the app (the SIPps, and whatever else ran on the machine), per call (the machine's counters are sampled, the processes' exact: near 0 it may come out slightly negative).\n\n")
	w("| mode | flow | calls/s | calls | failed %% | INVITE→200 p50 / p99 / max (ms) | app CPU/call (ms) | Asterisk CPU/call (ms) | others CPU/call (ms) | machine busy %% |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var tsv bytes.Buffer
	fmt.Fprintf(&tsv, "mode\tflow\trate\tcalls\tok\tfailed_pct\tp50_ms\tp99_ms\tmax_ms\tapp_cpu_ms\tasterisk_cpu_ms\n")
	for _, s := range steps {
		p50, p99, pmax := percentile(s.Setup, 50), percentile(s.Setup, 99), percentile(s.Setup, 100)
		w("| %s | %s | %s | %s | %s | %s / %s / %s | %s | %s | %s | %s |\n", s.Mode, s.Flow, f(s.Rate, 0), f(s.Calls, 0), f(s.Failed(), 3),
			f(p50, lat), f(p99, lat), f(pmax, lat), f(s.AppCPU, 2), f(s.AsteriskCPU, 2), f(s.Others, 2), f(s.Busy, 0))
		fmt.Fprintf(&tsv, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Mode, s.Flow, f(s.Rate, 0), f(s.Calls, 0), f(s.OK, 0), f(s.Failed(), 3),
			f(p50, 2*lat), f(p99, 2*lat), f(pmax, 2*lat), f(s.AppCPU, 3), f(s.AsteriskCPU, 3))
	}

	w("\n## Concurrent calls held (extension flow)\n\n")
	w("| mode | calls | channels seen | app RSS idle → held (MB) | app Go heap in use (MB) | app goroutines | app fds | Asterisk RSS idle → held (MB) | app CPU/call (ms) | Asterisk CPU/call (ms) | calls OK |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, h := range holds {
		m := h.m
		appRSS, heap, gor, fds := "-", "-", "-", "-"
		if h.Mode == "app" {
			fds = f(m.num("app_fds"), 0)
			appRSS = mb(m.num("idle_app_rss_kb"), false) + " → " + mb(m.num("app_rss_kb"), false)
			heap = mb(m.num("idle_app_heap_bytes"), true) + " → " + mb(m.num("app_heap_bytes"), true)
			gor = f(m.num("idle_app_goroutines"), 0) + " → " + f(m.num("app_goroutines"), 0)
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s |\n", h.Mode, f(h.N, 0), m["channels"], appRSS, heap, gor, fds,
			mb(m.num("idle_asterisk_rss_kb"), false)+" → "+mb(m.num("asterisk_rss_kb"), false), f(h.AppCPU, 2), f(h.AsteriskCPU, 2), m["ok"], f(h.N, 0))
	}

	if len(gobench) > 0 {
		w("\n## Go benchmarks of the hot paths\n\n")
		w("Event decode (`ari` BenchmarkDecodeEvent), dispatch to the call that owns the channel with 500 calls live (`app` BenchmarkDispatch), routing decision (`config` BenchmarkLookup, `extension` BenchmarkDecide), schedule check (`schedule` BenchmarkAt, BenchmarkOpen):\n\n")
		w("```text\n%s```\n", strings.TrimRight(string(gobench), "\n")+"\n")
	}

	if err := os.WriteFile(filepath.Join(out, stamp+".svg"), plot(steps), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(out, stamp+".tsv"), tsv.Bytes(), 0o644); err != nil {
		return "", err
	}
	md := filepath.Join(out, stamp+".md")
	if err := os.WriteFile(md, b.Bytes(), 0o644); err != nil {
		return "", err
	}
	latest := append([]byte(fmt.Sprintf("<!-- a copy of %s.md, the latest make bench -->\n", stamp)), b.Bytes()...)
	return md, os.WriteFile(filepath.Join(out, "latest.md"), latest, 0o644)
}
