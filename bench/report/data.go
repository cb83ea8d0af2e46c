package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// meta is a key=value file written by bench.sh or soak.sh.
type meta map[string]string

func readMeta(path string) (meta, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := meta{}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

// num is a field as a number; missing, "?" or garbage is NaN (shown as "-").
func (m meta) num(key string) float64 {
	v, err := strconv.ParseFloat(m[key], 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// step is one offered call rate of one flow in one mode.
type step struct {
	Mode, Flow   string
	Rate         float64 // offered calls per second
	Calls, OK    float64
	Setup        []float64 // INVITE to 200 of every answered call, ms, sorted
	Micro        bool      // Setup is to the microsecond (else whole ms on SIPp's 4 ms tick)
	AppCPU       float64   // the app's CPU time per call, ms (NaN in dialplan mode)
	AsteriskCPU  float64   // Asterisk's CPU time per call, ms
	ChannelsLeft float64
	Busy         float64 // the whole machine's CPU busy during the step, % of all cores
	Others       float64 // CPU of everything else (SIPp, other work on the machine), ms per call
}

// Failed is the share of calls that failed, in percent.
func (s step) Failed() float64 {
	if s.Calls == 0 {
		return 100
	}
	return 100 * (s.Calls - s.OK) / s.Calls
}

// Passed reports whether fewer than 0.1 % of the calls failed.
func (s step) Passed() bool { return s.Calls > 0 && (s.Calls-s.OK)*1000 < s.Calls }

// percentile is the nearest-rank percentile p (0..100) of sorted values; NaN when empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// readSetup returns the INVITE-to-200 times of a step's calls in ms, sorted, and whether
// they are to the microsecond: from the caller's -trace_logs lines when it wrote them
// (bench_uac.xml logs each call's INVITE and 200 with the time), else from -trace_rtt,
// which SIPp counts in whole milliseconds on a 4 ms tick (runs before 2026-12-05).
func readSetup(dir string) ([]float64, bool, error) {
	logs, err := filepath.Glob(filepath.Join(dir, "*_logs.log"))
	if err != nil {
		return nil, false, err
	}
	var out []float64
	for _, f := range logs {
		times, err := readCallLog(f)
		if err != nil {
			return nil, false, err
		}
		out = append(out, times...)
	}
	if len(out) > 0 {
		sort.Float64s(out)
		return out, true, nil
	}
	out, err = readRTT(dir, "setup")
	return out, false, err
}

// readCallLog reads the lines bench_uac.xml logs, "invite|answered CALL-ID DATE TIME
// EPOCH.MICROSECONDS", and returns, for every call with both, the time from its INVITE
// to its 200 in ms.
func readCallLog(path string) ([]float64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	invited := map[string]int64{} // call-ID -> µs
	var out []float64
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		us, ok := epochMicros(fields[len(fields)-1])
		if !ok {
			continue
		}
		switch fields[0] {
		case "invite":
			invited[fields[1]] = us
		case "answered":
			if t0, ok := invited[fields[1]]; ok {
				out = append(out, float64(us-t0)/1000)
				delete(invited, fields[1])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// epochMicros parses SIPp's "1796426328.806160" (seconds.microseconds) into microseconds.
func epochMicros(s string) (int64, bool) {
	sec, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 6 {
		return 0, false
	}
	a, err1 := strconv.ParseInt(sec, 10, 64)
	b, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || b < 0 {
		return 0, false
	}
	return a*1_000_000 + b, true
}

// readRTT reads SIPp's -trace_rtt files in dir (Date_ms;response_time_ms;rtd_no) and
// returns the response times named rtd, sorted.
func readRTT(dir, rtd string) ([]float64, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_rtt.csv"))
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Split(sc.Text(), ";")
			if len(fields) < 3 || strings.TrimSpace(fields[2]) != rtd {
				continue
			}
			if v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64); err == nil {
				out = append(out, v)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	sort.Float64s(out)
	return out, nil
}

// perCall turns a CPU tick count into milliseconds per call.
func perCall(m meta, ticksKey string, calls float64) float64 {
	hz := m.num("ticks_per_second")
	if math.IsNaN(hz) || hz == 0 {
		hz = 100
	}
	if calls <= 0 {
		return math.NaN()
	}
	return m.num(ticksKey) * 1000 / hz / calls
}

func readSteps(run string) ([]step, error) {
	dirs, err := filepath.Glob(filepath.Join(run, "steps", "*"))
	if err != nil {
		return nil, err
	}
	var steps []step
	for _, d := range dirs {
		m, err := readMeta(filepath.Join(d, "meta"))
		if err != nil {
			continue // a step cut short (interrupted run) has no meta
		}
		setup, micro, err := readSetup(d)
		if err != nil {
			return nil, err
		}
		s := step{Mode: m["mode"], Flow: m["flow"], Rate: m.num("rate"), Calls: m.num("calls"), OK: m.num("ok"),
			Setup: setup, Micro: micro, ChannelsLeft: m.num("channels_left")}
		s.AsteriskCPU = perCall(m, "asterisk_ticks", s.OK)
		s.AppCPU = math.NaN()
		if s.Mode == "app" {
			s.AppCPU = perCall(m, "app_ticks", s.OK)
		}
		s.Busy = 100 * m.num("machine_busy_ticks") / m.num("machine_ticks")
		s.Others = perCall(m, "machine_busy_ticks", s.OK) - s.AsteriskCPU
		if s.Mode == "app" {
			s.Others -= s.AppCPU
		}
		steps = append(steps, s)
	}
	sort.Slice(steps, func(i, j int) bool {
		a, b := steps[i], steps[j]
		if a.Mode != b.Mode {
			return a.Mode < b.Mode
		}
		if a.Flow != b.Flow {
			return a.Flow < b.Flow
		}
		return a.Rate < b.Rate
	})
	return steps, nil
}

// hold is the reading at N concurrent calls held in one mode.
type hold struct {
	Mode        string
	N           float64
	m           meta
	AppCPU      float64 // ms per call over the whole hold run
	AsteriskCPU float64
}

func readHolds(run string) ([]hold, error) {
	dirs, err := filepath.Glob(filepath.Join(run, "holds", "*"))
	if err != nil {
		return nil, err
	}
	var hs []hold
	for _, d := range dirs {
		m, err := readMeta(filepath.Join(d, "meta"))
		if err != nil {
			continue
		}
		h := hold{Mode: m["mode"], N: m.num("concurrent"), m: m}
		h.AsteriskCPU = perCall(m, "asterisk_ticks", m.num("ok"))
		h.AppCPU = math.NaN()
		if h.Mode == "app" {
			h.AppCPU = perCall(m, "app_ticks", m.num("ok"))
		}
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].Mode != hs[j].Mode {
			return hs[i].Mode < hs[j].Mode
		}
		return hs[i].N < hs[j].N
	})
	return hs, nil
}

// f formats a number with prec decimals, "-" for NaN.
func f(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// mb formats kilobytes (or bytes when bytes is set) as megabytes.
func mb(v float64, bytes bool) string {
	if bytes {
		v /= 1024
	}
	return f(v/1024, 1)
}
