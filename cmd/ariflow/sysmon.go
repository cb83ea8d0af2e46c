package main

import (
	"os"
	"strings"
	"syscall"
)

// The Go runtime's monitor thread (sysmon) sleeps deeply while none of the app's Go code
// runs, and the next system call wakes it; it then looks for work every 20 µs for a
// millisecond before it backs off (golang/go#18236, "runtime: sysmon tick is hardcoded").
// The app is just such a program: mostly idle, woken by each ARI event and answer, so at
// 120 menu calls/s sysmon hardly ever backs off, and costs the app about a third of its
// CPU (bench/README.md, "What the short runs of 2026-12-07 (late evening) found"). With a
// scheduler trace period set (GODEBUG's schedtrace) sysmon never sleeps deeply, so it backs
// off to 10 ms and stays there; with the longest period, 24.8 days, the trace's one line
// (SCHED ...) comes on stderr at most once per period. Go reads GODEBUG's schedtrace only
// as a program starts, so serve starts itself again with it, once, unless GODEBUG names
// schedtrace already (GODEBUG=schedtrace=0 keeps Go's default).

// sysmonSetting is what serve adds to GODEBUG.
const sysmonSetting = "schedtrace=2147483647"

// withSysmonSetting returns env (as os.Environ) with sysmonSetting added to GODEBUG, and
// false, env unchanged, when GODEBUG sets schedtrace already.
func withSysmonSetting(env []string) ([]string, bool) {
	out := make([]string, 0, len(env)+1)
	godebug := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			godebug = v
			continue
		}
		out = append(out, kv)
	}
	for setting := range strings.SplitSeq(godebug, ",") {
		if strings.HasPrefix(strings.TrimSpace(setting), "schedtrace=") {
			return env, false
		}
	}
	if godebug != "" {
		godebug += ","
	}
	return append(out, "GODEBUG="+godebug+sysmonSetting), true
}

// restartWithSysmonSetting replaces the process with the same program and arguments, its
// environment given sysmonSetting (withSysmonSetting). It returns only when it does not:
// GODEBUG sets schedtrace already, or the program cannot be run again (then serve goes on
// with Go's default, which costs CPU, not calls).
func restartWithSysmonSetting() {
	env, add := withSysmonSetting(os.Environ())
	if !add {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
