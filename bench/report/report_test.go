package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPercentileIsNearestRank(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct{ p, want float64 }{{50, 5}, {99, 10}, {10, 1}, {100, 10}, {0, 1}} {
		if got := percentile(v, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Error("p50 of nothing should be NaN")
	}
}

func TestStepPassesUnderOneFailurePerThousand(t *testing.T) {
	if !(step{Calls: 1500, OK: 1499}).Passed() {
		t.Error("1 failed of 1500 (0.067 %) should pass")
	}
	if (step{Calls: 1000, OK: 999}).Passed() {
		t.Error("1 failed of 1000 (0.1 %) should fail")
	}
}

func TestHighestStopsAtTheFirstFailingStep(t *testing.T) {
	steps := []step{
		{Mode: "app", Flow: "ivr", Rate: 10, Calls: 100, OK: 100},
		{Mode: "app", Flow: "ivr", Rate: 20, Calls: 200, OK: 150},
		{Mode: "app", Flow: "ivr", Rate: 40, Calls: 400, OK: 400},
		{Mode: "dialplan", Flow: "ivr", Rate: 10, Calls: 100, OK: 100},
		{Mode: "dialplan", Flow: "ivr", Rate: 20, Calls: 200, OK: 200},
	}
	app, dp := highest(steps, "app", "ivr"), highest(steps, "dialplan", "ivr")
	if app.Rate != 10 || app.Capped {
		t.Errorf("app: %+v, want 10 not capped", app)
	}
	if dp.Rate != 20 || !dp.Capped {
		t.Errorf("dialplan: %+v, want 20 capped", dp)
	}
	text, met, known := rateRatio(app, dp)
	if met || !known || text != "≤ 0.50" {
		t.Errorf("ratio %q met=%v known=%v, want ≤ 0.50, missed, known", text, met, known)
	}
	if r := commonRate(steps, "ivr"); r != 10 {
		t.Errorf("common rate %v, want 10", r)
	}
}

func TestTwoCappedRatesDecideNothing(t *testing.T) {
	var steps []step
	for _, mode := range []string{"app", "dialplan"} {
		for _, rate := range []float64{60, 120} {
			steps = append(steps, step{Mode: mode, Flow: "extension", Rate: rate, Calls: 100 * rate, OK: 100 * rate})
		}
	}
	app, dp := highest(steps, "app", "extension"), highest(steps, "dialplan", "extension")
	if !app.Capped || !dp.Capped {
		t.Fatalf("app %+v, dialplan %+v: both should be capped at 120", app, dp)
	}
	// The dialplan may well sustain 240: both at the top rate tried is no ratio at all.
	if text, met, known := rateRatio(app, dp); met || known || !strings.HasPrefix(text, "?") {
		t.Errorf("ratio %q met=%v known=%v, want undetermined (?), not met, not known", text, met, known)
	}
	// Once the dialplan fails higher up, the app's cap is a lower bound on the ratio.
	steps = append(steps, step{Mode: "dialplan", Flow: "extension", Rate: 240, Calls: 1000, OK: 900})
	dp = highest(steps, "dialplan", "extension")
	if text, met, known := rateRatio(app, dp); !met || !known || text != "≥ 1.00" {
		t.Errorf("app ≥ 120 against dialplan 120: ratio %q met=%v known=%v, want ≥ 1.00 met known", text, met, known)
	}
}

func TestFlatVerdict(t *testing.T) {
	base := []sample{
		{Elapsed: -5, Phase: "start", Gor: 15, FDs: 12, RSS: 20e6},
		{Elapsed: 30, Phase: "load", Gor: 80, FDs: 30, RSS: 30e6, Channels: 40, Bridges: 20},
		{Elapsed: 60, Phase: "load", Gor: 80, FDs: 30, RSS: 31e6, Channels: 40, Bridges: 20},
		{Elapsed: 90, Phase: "load", Gor: 80, FDs: 30, RSS: 32e6, Channels: 40, Bridges: 20},
		{Elapsed: 100, Phase: "end", Gor: 17, FDs: 13, RSS: 33e6},
	}
	for _, c := range flat(base) {
		if !c.OK {
			t.Errorf("flat run: %s failed (%s)", c.What, c.Seen)
		}
	}
	leaky := append([]sample(nil), base...)
	leaky[3].RSS = 40e6
	leaky[4].Gor = 40
	leaky[4].Bridges = 1
	failed := map[string]bool{}
	for _, c := range flat(leaky) {
		if !c.OK {
			failed[strings.Fields(c.What)[1]] = true
		}
	}
	for _, want := range []string{"bridges", "goroutines", "RSS"} {
		if !failed[want] {
			t.Errorf("leaky run: %s not reported (failed: %v)", want, failed)
		}
	}
	if c := flat(base[:2]); len(c) != 1 || c[0].OK {
		t.Errorf("a run without end sample: %+v, want one failed check", c)
	}
}

func TestWriteBenchReportsAMissedTarget(t *testing.T) {
	run, out := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(run, "run"), "started=2026-11-25T22:17:00Z\ncommand=make bench\n")
	rtt := func(ms ...string) string {
		s := "Date_ms;response_time_ms;rtd_no\n"
		for _, m := range ms {
			s += "1;" + m + ";setup\n"
		}
		return s
	}
	for _, st := range []struct{ dir, meta, rtt string }{
		{"app-extension-0010", "mode=app\nflow=extension\nrate=10\ncalls=100\nok=100\napp_ticks=50\nasterisk_ticks=100\n", rtt("8", "12", "30")},
		{"app-extension-0020", "mode=app\nflow=extension\nrate=20\ncalls=200\nok=190\n", rtt("8")},
		{"dialplan-extension-0010", "mode=dialplan\nflow=extension\nrate=10\ncalls=100\nok=100\nasterisk_ticks=80\n", rtt("8", "8", "12")},
		{"dialplan-extension-0020", "mode=dialplan\nflow=extension\nrate=20\ncalls=200\nok=200\n", rtt("8")},
		{"app-ivr-0010", "mode=app\nflow=ivr\nrate=10\ncalls=100\nok=100\n", rtt("4", "4", "8")},
		{"app-ivr-0020", "mode=app\nflow=ivr\nrate=20\ncalls=200\nok=200\n", rtt("4", "8", "30")},
		{"dialplan-ivr-0010", "mode=dialplan\nflow=ivr\nrate=10\ncalls=100\nok=100\n", rtt("4", "4", "4")},
		{"dialplan-ivr-0020", "mode=dialplan\nflow=ivr\nrate=20\ncalls=200\nok=200\n", rtt("4", "4", "4")},
	} {
		writeFile(t, filepath.Join(run, "steps", st.dir, "meta"), st.meta)
		writeFile(t, filepath.Join(run, "steps", st.dir, "bench_uac_1_rtt.csv"), st.rtt)
	}
	writeFile(t, filepath.Join(run, "holds", "app-0500", "meta"), "mode=app\nconcurrent=500\napp_rss_kb=150000\nok=500\n")
	text := benchReport(t, run, out)
	for _, want := range []string{
		"extension: the app sustains at least 90 % of the dialplan's call rate: **missed** (app 10, dialplan ≥ 20 calls/s)",
		"extension: the app adds under 5 ms at p99: **missed** (+18 ms at 10 calls/s; under 5 ms at no rate tried)",
		"ivr: the app adds under 5 ms at p99: **missed** (+26 ms at 20 calls/s; under 5 ms at every rate up to 10 calls/s)",
		"| ivr | highest rate up to which the app adds < 5 ms at p99 (calls/s) | 10 |",
		"the app holds 500 concurrent calls in under 100 MB: **missed** (RSS 146.5 MB",
		"| app | extension | 20 | 200 | 5.00 |",
		"Made with `make bench`",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	for _, name := range []string{"latest.md", "2026-11-25T2217Z.svg", "2026-11-25T2217Z.tsv"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}

// The caller's log gives each call's INVITE-to-200 to the microsecond; SIPp's response
// times (-trace_rtt) round it to its 4 ms tick, too coarse for a 5 ms target.
func TestLatencyComesFromTheCallersLogToTheMicrosecond(t *testing.T) {
	dir := t.TempDir()
	log := "invite 1-42@127.0.0.1 2026-12-04\t23:18:48.806160\t1796426328.806160\n" +
		"answered 1-42@127.0.0.1 2026-12-04\t23:18:48.814032\t1796426328.814032\n" +
		"invite 2-42@127.0.0.1 2026-12-04\t23:18:48.857022\t1796426328.857022\n" + // never answered
		"invite 3-42@127.0.0.1 2026-12-04\t23:18:48.999990\t1796426328.999990\n" +
		"answered 3-42@127.0.0.1 2026-12-04\t23:18:49.001230\t1796426329.001230\n" + // across a second
		"answered 9-42@127.0.0.1 2026-12-04\t23:18:49.001230\t1796426329.001230\n" // no INVITE seen
	writeFile(t, filepath.Join(dir, "bench_uac_42_logs.log"), log)
	writeFile(t, filepath.Join(dir, "bench_uac_42_rtt.csv"), "Date_ms;response_time_ms;rtd_no\n1;4;setup\n1;0;setup\n")
	got, micro, err := readSetup(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !micro || len(got) != 2 || math.Abs(got[0]-1.240) > 1e-9 || math.Abs(got[1]-7.872) > 1e-9 {
		t.Errorf("setup times %v (to the µs: %v), want [1.24 7.872] to the µs", got, micro)
	}

	if err := os.Remove(filepath.Join(dir, "bench_uac_42_logs.log")); err != nil {
		t.Fatal(err)
	}
	got, micro, err = readSetup(dir)
	if err != nil || micro || len(got) != 2 || got[0] != 0 || got[1] != 4 {
		t.Errorf("without the log: %v (to the µs: %v, err %v), want SIPp's [0 4] in whole ms", got, micro, err)
	}
}

func TestReportShowsMicrosecondLatenciesToATenthOfAMillisecond(t *testing.T) {
	run, out := t.TempDir(), t.TempDir()
	calls := func(ms ...int) string { // one answered call per duration, in µs
		s := ""
		for i, us := range ms {
			s += fmt.Sprintf("invite %d-1@h d\tt\t1796426328.000000\nanswered %d-1@h d\tt\t%d.%06d\n", i, i, 1796426328+us/1_000_000, us%1_000_000)
		}
		return s
	}
	writeFile(t, filepath.Join(run, "run"), "started=2026-12-05T00:00:00Z\ncommand=make bench\n")
	writeFile(t, filepath.Join(run, "steps", "app-extension-0010", "meta"), "mode=app\nflow=extension\nrate=10\ncalls=2\nok=2\n")
	writeFile(t, filepath.Join(run, "steps", "app-extension-0010", "bench_uac_1_logs.log"), calls(8650, 12340))
	writeFile(t, filepath.Join(run, "steps", "dialplan-extension-0010", "meta"), "mode=dialplan\nflow=extension\nrate=10\ncalls=2\nok=2\n")
	writeFile(t, filepath.Join(run, "steps", "dialplan-extension-0010", "bench_uac_1_logs.log"), calls(6810, 8230))
	data := benchReport(t, run, out)
	for _, want := range []string{
		"to the microsecond",
		"| extension | INVITE→200 p99 at 10 calls/s (ms) | 12.3 | 8.2 | 1.50 (+4.1 ms) | < 5 ms added: **met** |",
		"extension: the app adds under 5 ms at p99: **met** (+4.1 ms at 10 calls/s; under 5 ms at every rate up to 10 calls/s)",
		"| app | extension | 10 | 2 | 0.00 | 8.7 / 12.3 / 12.3 |",
	} {
		if !strings.Contains(data, want) {
			t.Errorf("report lacks %q:\n%s", want, data)
		}
	}
}

// The warm-up's calls (warmup/, BENCH_WARMUP_SECONDS) are not measured: the report says
// there was one, and a warm-up that lost calls decides nothing.
func TestWarmUpIsSaidAndNotMeasured(t *testing.T) {
	run, out := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(run, "run"), "started=2026-12-06T00:00:00Z\ncommand=make bench\nwarmup_seconds=5\n")
	writeFile(t, filepath.Join(run, "warmup", "app-extension-0010", "meta"), "mode=app\nflow=extension\nrate=10\ncalls=50\nok=10\n")
	for _, mode := range []string{"app", "dialplan"} {
		for _, rate := range []string{"0010", "0020"} {
			writeFile(t, filepath.Join(run, "steps", mode+"-extension-"+rate, "meta"),
				"mode="+mode+"\nflow=extension\nrate="+strings.TrimLeft(rate, "0")+"\ncalls=100\nok=100\n")
		}
	}
	text := benchReport(t, run, out)
	for _, want := range []string{
		"each mode took 5 s of calls at 10 calls/s that are not measured",
		"| extension | highest rate with < 0.1 % failed calls (calls/s) | ≥ 20 | ≥ 20 |",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "| app | extension | 10 | 50 |") {
		t.Errorf("report shows the warm-up as a step:\n%s", text)
	}
}

// writeFile writes text to path, making its directory first.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// benchReport writes the bench report of run into out and returns its text.
func benchReport(t *testing.T, run, out string) string {
	t.Helper()
	md, err := writeBench(run, out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
