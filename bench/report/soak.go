package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// sample is one reading of the soak: Asterisk's channels and bridges, the app's process.
type sample struct {
	Elapsed  float64 // seconds since the calls started (negative before)
	Phase    string  // start (idle, before the calls), load, end (idle, after them)
	Channels float64
	Bridges  float64
	Gor      float64 // goroutines
	FDs      float64
	RSS      float64 // bytes
	Heap     float64 // Go heap in use, bytes
	Total    float64 // calls taken since the app started
	Active   float64
	Time     string
}

// readSamples reads samples.tsv (a header line, then one tab-separated line per sample).
func readSamples(path string) ([]sample, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.Comma = '\t'
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var out []sample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		n := func(name string) float64 {
			v, err := strconv.ParseFloat(get(name), 64)
			if err != nil {
				return math.NaN()
			}
			return v
		}
		out = append(out, sample{Elapsed: n("elapsed_s"), Phase: get("phase"), Channels: n("channels"), Bridges: n("bridges"),
			Gor: n("goroutines"), FDs: n("fds"), RSS: n("rss_bytes"), Heap: n("heap_inuse_bytes"), Total: n("calls_total"),
			Active: n("calls_active"), Time: get("time")})
	}
}

// The soak's definition of flat.
const (
	flatGoroutines = 10  // idle goroutines at the end within +10 of the start
	flatFDs        = 5   // open files within +5
	flatRSS        = 1.2 // RSS at the end of the load within +20 % of the RSS once warmed up
)

// check is one line of the verdict.
type check struct {
	What string
	OK   bool
	Seen string
}

// flat judges the samples. Before and after the calls the app is idle: channels and
// bridges must be back to 0, goroutines and descriptors back near the start. Under load
// the app's RSS must not climb: the last sample under load within +20 % of the first one
// taken once warmed up (a third of the run, at most 2 minutes in).
func flat(samples []sample) []check {
	var start, end, warm, last *sample
	var loadEnd float64
	for i := range samples {
		if samples[i].Phase == "load" {
			loadEnd = math.Max(loadEnd, samples[i].Elapsed)
		}
	}
	warmAt := math.Min(120, loadEnd/3)
	for i := range samples {
		s := &samples[i]
		switch s.Phase {
		case "start":
			if start == nil {
				start = s
			}
		case "end":
			end = s
		case "load":
			if warm == nil && s.Elapsed >= warmAt {
				warm = s
			}
			last = s
		}
	}
	if start == nil || end == nil || warm == nil || last == nil {
		return []check{{What: "samples at the start, under load and at the end", OK: false, Seen: "missing: the soak did not finish"}}
	}
	return []check{
		{"Asterisk channels back to 0", end.Channels == 0, fmt.Sprintf("%s → %s", f(start.Channels, 0), f(end.Channels, 0))},
		{"Asterisk bridges back to 0", end.Bridges == 0, fmt.Sprintf("%s → %s", f(start.Bridges, 0), f(end.Bridges, 0))},
		{fmt.Sprintf("app goroutines within +%d of the start", flatGoroutines), end.Gor <= start.Gor+flatGoroutines, fmt.Sprintf("%s → %s", f(start.Gor, 0), f(end.Gor, 0))},
		{fmt.Sprintf("app open files within +%d of the start", flatFDs), end.FDs <= start.FDs+flatFDs, fmt.Sprintf("%s → %s", f(start.FDs, 0), f(end.FDs, 0))},
		{"app RSS under load within +20 % of the warmed-up RSS", last.RSS <= warm.RSS*flatRSS,
			fmt.Sprintf("%s MB at %s s → %s MB at %s s", mb(warm.RSS, true), f(warm.Elapsed, 0), mb(last.RSS, true), f(last.Elapsed, 0))},
	}
}

// feature is one kind of call of the soak, as its SIPp caller counted them.
type feature struct {
	Name, Number, Limit, OK, Failed, Detail string
}

func writeSoak(run, out string) (string, error) {
	info, err := readMeta(filepath.Join(run, "run"))
	if err != nil {
		return "", err
	}
	samples, err := readSamples(filepath.Join(run, "samples.tsv"))
	if err != nil {
		return "", err
	}
	started, err := time.Parse(time.RFC3339, info["started"])
	if err != nil {
		return "", fmt.Errorf("%s: start time: %w", filepath.Join(run, "run"), err)
	}
	stamp := started.UTC().Format(stampLayout)
	checks := flat(samples)
	isFlat := true
	for _, c := range checks {
		isFlat = isFlat && c.OK
	}
	var features []feature
	dirs, _ := filepath.Glob(filepath.Join(run, "callers", "*"))
	okCalls, failedCalls := 0.0, 0.0
	for _, d := range dirs {
		m, err := readMeta(filepath.Join(d, "meta"))
		if err != nil {
			continue
		}
		features = append(features, feature{m["name"], m["number"], m["limit"], m["ok"], m["failed"], m["what"]})
		okCalls += m.num("ok")
		failedCalls += m.num("failed")
	}

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# make soak, %s\n\n", info["started"])
	w("Made with `%s` (from the repository root; raw data in `%s`), at commit %s. ", info["command"], run, info["commit"])
	w("%s concurrent calls for %s across the features (below), ariflow serving bench/routing.yaml on the lab's Asterisk. Machine: %s, %s cores. Run %s to %s.\n\n",
		info["concurrent"], info["duration"], info["cpu"], info["cores"], info["started"], info["ended"])
	if note := dialContextNote(info) + limitsNote(info); note != "" {
		w("%s\n", note)
	}
	verdictText := "**flat**"
	if !isFlat {
		verdictText = "**not flat**"
	}
	w("## Verdict: %s\n\n", verdictText)
	w("Flat means: once the calls have ended, Asterisk has no channel and no bridge left, the app's goroutines are within +%d and its open files within +%d of the start, and under load the app's RSS at the end is within +20 %% of its RSS once warmed up.\n\n", flatGoroutines, flatFDs)
	w("| check | seen | |\n|---|---|---|\n")
	for _, c := range checks {
		mark := "ok"
		if !c.OK {
			mark = "**no**"
		}
		w("| %s | %s | %s |\n", c.What, c.Seen, mark)
	}
	failedShare := 100 * failedCalls / math.Max(1, okCalls+failedCalls)
	w("\nCalls: %s completed, %s failed (%s %%).\n\n", f(okCalls, 0), f(failedCalls, 0), f(failedShare, 2))
	w("## Calls by feature\n\n| feature | number | at once | completed | failed | what the caller and phones do |\n|---|---|---|---|---|---|\n")
	for _, ft := range features {
		w("| %s | %s | %s | %s | %s | %s |\n", ft.Name, ft.Number, ft.Limit, ft.OK, ft.Failed, ft.Detail)
	}
	w("\n## Readings\n\n| time (UTC) | s | phase | channels | bridges | goroutines | open files | RSS (MB) | Go heap in use (MB) | calls taken | calls active |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range samples {
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Time, f(s.Elapsed, 0), s.Phase, f(s.Channels, 0), f(s.Bridges, 0), f(s.Gor, 0),
			f(s.FDs, 0), mb(s.RSS, true), mb(s.Heap, true), f(s.Total, 0), f(s.Active, 0))
	}
	if extra, err := os.ReadFile(filepath.Join(run, "notes")); err == nil && len(extra) > 0 {
		w("\n## Notes\n\n%s", extra)
	}
	path := filepath.Join(out, "soak-"+stamp+".md")
	return path, os.WriteFile(path, b.Bytes(), 0o644)
}
