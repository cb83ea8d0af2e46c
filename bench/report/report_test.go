package main

import (
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
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(run, "run"), "started=2026-11-25T22:17:00Z\ncommand=make bench\n")
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
		write(filepath.Join(run, "steps", st.dir, "meta"), st.meta)
		write(filepath.Join(run, "steps", st.dir, "bench_uac_1_rtt.csv"), st.rtt)
	}
	write(filepath.Join(run, "holds", "app-0500", "meta"), "mode=app\nconcurrent=500\napp_rss_kb=150000\nok=500\n")
	md, err := writeBench(run, out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
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
