package labtest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Result is what one SIPp run did.
type Result struct {
	Name     string   // a short label: scenario and service or phone
	Args     []string // sipp's arguments
	ExitCode int      // sipp's: 0 every call succeeded, 1 at least one failed, 97 stopped
	// by command, 99 ended without a call, 255 fatal error or -timeout reached; -1 killed
	Killed     bool // labtest killed it (Kill, or still running 5 s past Timeout)
	Created    int  // calls created (UAC) or received (UAS), from the statistics file; -1 unknown
	Successful int  // calls that went through the scenario to its end; -1 unknown
	Failed     int  // calls that failed; -1 unknown
	Duration   time.Duration
	Stdout     string // the last 16 KiB
	Stderr     string // the last 16 KiB
	LogDir     string // messages.log, errors.log, stat.csv, screen.log, stdout.log, stderr.log
}

// OK reports whether SIPp exited 0 by itself with no failed call.
func (r *Result) OK() bool { return r.ExitCode == 0 && !r.Killed && r.Failed <= 0 }

// AssertOK fails the test (without stopping it) unless the run was OK.
func (r *Result) AssertOK(t testing.TB) {
	t.Helper()
	if !r.OK() {
		t.Errorf("labtest: SIPp %s failed: %s\n%s", r.Name, r.Summary(), r.Tails(30))
	}
}

// Summary is one line: exit code and call counts.
func (r *Result) Summary() string {
	return fmt.Sprintf("exit %d killed=%v created=%d successful=%d failed=%d in %v (logs %s)",
		r.ExitCode, r.Killed, r.Created, r.Successful, r.Failed, r.Duration.Round(time.Millisecond), r.LogDir)
}

// Messages is the SIP message log (empty with NoMessageLog).
func (r *Result) Messages() string { return readFile(filepath.Join(r.LogDir, "messages.log")) }

// Errors is SIPp's error log: unexpected messages, aborted calls.
func (r *Result) Errors() string { return readFile(filepath.Join(r.LogDir, "errors.log")) }

// Tails is the command line and the last n lines of the error log, stderr and message log.
func (r *Result) Tails(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  $ sipp %s\n", strings.Join(r.Args, " "))
	for _, part := range []struct{ name, text string }{
		{"errors.log", r.Errors()}, {"stderr", r.Stderr}, {"messages.log", r.Messages()},
	} {
		if s := strings.TrimSpace(part.text); s != "" {
			fmt.Fprintf(&b, "  --- %s (last %d lines)\n%s\n", part.name, n, indent(lastLines(s, n)))
		}
	}
	return b.String()
}

// result is what the finished run did: its exit, its output's tails and SIPp's own
// counts of calls.
func (p *Proc) result(waitErr error, killed bool) *Result {
	res := &Result{
		Name: p.name, Args: p.args, LogDir: p.dir, Killed: killed,
		Duration: time.Since(p.start), Created: -1, Successful: -1, Failed: -1,
	}
	var ee *exec.ExitError
	switch {
	case waitErr == nil:
		res.ExitCode = 0
	case errors.As(waitErr, &ee):
		res.ExitCode = ee.ExitCode() // -1 when killed by a signal
	default:
		res.ExitCode = -1
	}
	res.Stdout = tail(readFile(filepath.Join(p.dir, "stdout.log")), 16<<10)
	res.Stderr = tail(readFile(filepath.Join(p.dir, "stderr.log")), 16<<10)
	if st, err := lastStats(filepath.Join(p.dir, "stat.csv")); err == nil {
		res.Created = st["TotalCallCreated"]
		res.Successful = st["SuccessfulCall(C)"]
		res.Failed = st["FailedCall(C)"]
	}
	return res
}

// lastStats reads the last line of SIPp's -trace_stat file into name -> value for the
// cumulative counters.
func lastStats(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no statistics yet", path)
	}
	head, last := recs[0], recs[len(recs)-1]
	out := map[string]int{}
	for i, h := range head {
		if i < len(last) {
			if v, err := strconv.Atoi(strings.TrimSpace(last[i])); err == nil {
				out[strings.TrimSpace(h)] = v
			}
		}
	}
	return out, nil
}
