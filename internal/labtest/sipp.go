package labtest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SIPpRun describes one SIPp run. The scenarios and their variables are described in
// lab/README.md and at the top of each lab/sipp/*.xml.
type SIPpRun struct {
	// Scenario is a file name in lab/sipp ("uac_call.xml") or a path.
	Scenario string
	// Service is the number dialed (-s, the request URI user) for a caller. For a phone it
	// defaults to the phone's name.
	Service string
	// From is the caller number (-set from): Asterisk's caller ID for the call.
	From string
	// Vars are more scenario variables (-set name value), e.g. digits, hold_ms, ring_ms.
	Vars map[string]string
	// Phone, when set, runs SIPp as that phone (a UAS at its fixed port, see Phones)
	// instead of a caller sending to Asterisk.
	Phone string
	// LocalPort is SIPp's SIP port (-p); 0 picks a free UDP port on 127.0.0.1.
	// Ignored for a phone.
	LocalPort int
	// MediaPort is SIPp's RTP port (-mp); 0 picks a free one (a phone's is fixed).
	MediaPort int
	// Calls is the number of calls to make or answer (-m); default 1.
	Calls int
	// Rate is the call rate in calls per second (-r); 0 leaves SIPp's default (10).
	Rate float64
	// Limit caps simultaneous calls (-l); 0 leaves SIPp's default.
	Limit int
	// Timeout bounds the whole run; default 60 s. SIPp gets it as -timeout with
	// -timeout_error; the process is killed 5 s later if it is still running (SIPp waits
	// for calls in progress on its own timeout).
	Timeout time.Duration
	// NoMessageLog turns off the SIP message log (-trace_msg), for load runs.
	NoMessageLog bool
	// ExtraArgs are appended to SIPp's arguments as they are.
	ExtraArgs []string
}

// Proc is a SIPp running in the background (StartSIPp, Phone).
type Proc struct {
	name   string
	args   []string
	dir    string
	cmd    *exec.Cmd
	start  time.Time
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	killed bool
	res    *Result
	port   int
}

// Port is SIPp's SIP port.
func (p *Proc) Port() int { return p.port }

// LogDir is where the run's logs go.
func (p *Proc) LogDir() string { return p.dir }

// Wait waits for SIPp to exit (it is killed 5 s past the run's Timeout) and returns what it did.
func (p *Proc) Wait() *Result {
	<-p.done
	return p.res
}

// Kill stops SIPp now (SIGTERM, then SIGKILL after 2 s) and returns what it did.
// Killing a finished run is harmless.
func (p *Proc) Kill() *Result {
	p.stop()
	return p.Wait()
}

// Done is closed when SIPp has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

func (p *Proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// Received counts the SIP messages SIPp received whose first line starts with prefix:
// "INVITE", "CANCEL", "BYE", "INFO", "SIP/2.0 200". It reads the message log, so it
// needs the message log on (the default).
func (p *Proc) Received(prefix string) int {
	n := 0
	for _, line := range receivedStartLines(readFile(filepath.Join(p.dir, "messages.log"))) {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// WaitReceived waits until SIPp received at least n messages starting with prefix (see
// Received), for at most timeout. It reports whether they came.
func (p *Proc) WaitReceived(prefix string, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if p.Received(prefix) >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-p.done:
			return p.Received(prefix) >= n
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Messages is the SIP message log so far.
func (p *Proc) Messages() string { return readFile(filepath.Join(p.dir, "messages.log")) }

// SIPp runs SIPp to the end and returns what it did. It does not fail the test by itself:
// check the Result (AssertOK). Logs are printed if the test fails.
func (l *Lab) SIPp(t testing.TB, r SIPpRun) *Result {
	t.Helper()
	return l.StartSIPp(t, r).Wait()
}

// Phone starts SIPp as a phone of the lab (a UAS at the phone's port, see Phones) with a
// scenario from lab/sipp (uas_answer.xml, uas_noanswer.xml, uas_busy.xml,
// uas_answer_hangup.xml), for one call, in the background. The test's cleanup kills it if
// it still runs. Use StartSIPp with SIPpRun{Phone: ...} for variables or more calls.
func (l *Lab) Phone(t testing.TB, name, scenario string) *Proc {
	t.Helper()
	return l.StartSIPp(t, SIPpRun{Phone: name, Scenario: scenario})
}

// StartSIPp starts SIPp in the background. The test's cleanup kills it if it still runs.
func (l *Lab) StartSIPp(t testing.TB, r SIPpRun) *Proc {
	t.Helper()
	scen := r.Scenario
	if scen == "" {
		t.Fatalf("labtest: SIPpRun.Scenario is empty")
	}
	if !strings.ContainsRune(scen, os.PathSeparator) {
		scen = filepath.Join(l.ScenarioDir, scen)
	}
	if !fileExists(scen) {
		t.Fatalf("labtest: no scenario %s", scen)
	}
	if r.Calls <= 0 {
		r.Calls = 1
	}
	if r.Timeout <= 0 {
		r.Timeout = 60 * time.Second
	}
	name := strings.TrimSuffix(filepath.Base(scen), ".xml")
	var sipPort, mediaPort int
	if r.Phone != "" {
		p, ok := Phones[r.Phone]
		if !ok {
			t.Fatalf("labtest: %q is not a phone of the lab (%v)", r.Phone, phoneNames())
		}
		sipPort, mediaPort = p, PhoneMediaPort(r.Phone)
		if !udpFree(sipPort) {
			t.Fatalf("labtest: phone %s: UDP port %d is taken: another SIPp plays this phone (pgrep -a sipp; a killed test run leaves its SIPps until their -timeout)", r.Phone, sipPort)
		}
		if r.MediaPort != 0 {
			mediaPort = r.MediaPort
		}
		if r.Service == "" {
			r.Service = r.Phone
		}
		name += "-phone" + r.Phone
	} else {
		sipPort, mediaPort = r.LocalPort, r.MediaPort
		if sipPort == 0 {
			sipPort = freePort(t, false)
		}
		if mediaPort == 0 {
			mediaPort = freePort(t, true)
		}
		if r.Service != "" {
			name += "-" + r.Service
		}
	}
	dir := artifactDir(t, name)

	vars := map[string]string{}
	for k, v := range r.Vars {
		vars[k] = v
	}
	if r.From != "" {
		vars["from"] = r.From
	}
	inv := Invocation{Scenario: scen, IP: "127.0.0.1", SIPPort: sipPort, MediaPort: mediaPort, Calls: r.Calls,
		Timeout: r.Timeout, LogDir: dir, MessageLog: !r.NoMessageLog, Service: r.Service, Vars: vars,
		Rate: r.Rate, Limit: r.Limit, Extra: r.ExtraArgs}
	if r.Phone == "" {
		inv.Target = l.SIPAddr
	}
	p, err := inv.Start(l.SIPpPath, name)
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	t.Cleanup(func() {
		p.stop()
		res := p.Wait()
		if t.Failed() {
			t.Logf("labtest: SIPp %s: %s\n%s", res.Name, res.Summary(), res.Tails(40))
		}
	})
	return p
}

// Start runs SIPp (the binary sippPath) with inv's arguments in the background, its
// stdout and stderr in LogDir; name labels it. It is killed 5 s past inv.Timeout. A phone
// (no Target) must be listening before Asterisk calls it: Start waits until SIPp has bound
// its port (or died). Stop it with Kill.
func (inv Invocation) Start(sippPath, name string) (*Proc, error) {
	dir := inv.LogDir
	args := inv.Args()
	stdout, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, err
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		stdout.Close()
		return nil, err
	}
	cmd := exec.Command(sippPath, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	p := &Proc{name: name, args: args, dir: dir, cmd: cmd, done: make(chan struct{}), port: inv.SIPPort}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		stdout.Close()
		stderr.Close()
		return nil, fmt.Errorf("starting sipp: %w", err)
	}
	go func() {
		timer := time.AfterFunc(inv.Timeout+5*time.Second, p.stop)
		err := cmd.Wait()
		timer.Stop()
		stdout.Close()
		stderr.Close()
		p.mu.Lock()
		killed := p.killed
		p.mu.Unlock()
		p.res = p.result(err, killed)
		close(p.done)
	}()
	if inv.Target == "" {
		waitBound(p, inv.IP, inv.SIPPort)
	}
	return p, nil
}

// Invocation is one SIPp command line: what StartSIPp runs, for programs that run SIPp
// themselves (lab/e2e).
type Invocation struct {
	Scenario   string // the scenario file's path
	IP         string // -i and -mi
	SIPPort    int    // -p
	MediaPort  int    // -mp
	Calls      int    // -m; 0 means 1
	Timeout    time.Duration
	LogDir     string // stat.csv, errors.log, screen.log and messages.log go there
	MessageLog bool   // -trace_msg
	Service    string // -s, when set
	Vars       map[string]string
	Rate       float64 // -r, when > 0
	Limit      int     // -l, when > 0
	Extra      []string
	Target     string // the remote host:port, for a caller; "" for a phone (UAS)
}

// Args returns SIPp's arguments: -timeout with -timeout_error, statistics, errors and
// screen logged in LogDir, variables in name order.
func (inv Invocation) Args() []string {
	calls := max(inv.Calls, 1)
	dir := inv.LogDir
	args := []string{
		"-sf", inv.Scenario,
		"-i", inv.IP, "-p", strconv.Itoa(inv.SIPPort),
		"-mi", inv.IP, "-mp", strconv.Itoa(inv.MediaPort),
		"-m", strconv.Itoa(calls),
		"-timeout", fmt.Sprintf("%ds", int((inv.Timeout+time.Second-1)/time.Second)), "-timeout_error",
		"-nostdin",
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-fd", "1",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_screen", "-screen_file", filepath.Join(dir, "screen.log"),
	}
	if inv.Service != "" {
		args = append(args, "-s", inv.Service)
	}
	if inv.MessageLog {
		args = append(args, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	}
	if inv.Rate > 0 {
		args = append(args, "-r", strconv.FormatFloat(inv.Rate, 'f', -1, 64))
	}
	if inv.Limit > 0 {
		args = append(args, "-l", strconv.Itoa(inv.Limit))
	}
	keys := make([]string, 0, len(inv.Vars))
	for k := range inv.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-set", k, inv.Vars[k])
	}
	args = append(args, inv.Extra...)
	if inv.Target != "" {
		args = append(args, inv.Target)
	}
	return args
}

// waitBound waits up to 3 s for SIPp to have bound ip:port (UDP), reading /proc/net/udp
// so as not to race SIPp for the port.
func waitBound(p *Proc, ip string, port int) {
	want := fmt.Sprintf(":%04X ", port)
	if a := net.ParseIP(ip).To4(); a != nil {
		want = fmt.Sprintf("%02X%02X%02X%02X:%04X ", a[3], a[2], a[1], a[0], port)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return
		default:
		}
		if strings.Contains(readFile("/proc/net/udp"), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	portMu   sync.Mutex
	portUsed = map[int]bool{}
)

// freePort picks a UDP port on 127.0.0.1 in 21000-29999 that is free now and was not
// handed out before in this process (outside Asterisk's RTP range 30000-39999 and the
// phones' ports). For media, an even port whose +2 is free too (SIPp binds both).
func freePort(t testing.TB, media bool) int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for range 2000 {
		p := 21000 + rand.IntN(9000)
		if media {
			p &^= 1
		}
		if portUsed[p] || (media && portUsed[p+2]) {
			continue
		}
		if !udpFree(p) || (media && !udpFree(p+2)) {
			continue
		}
		portUsed[p] = true
		if media {
			portUsed[p+2] = true
		}
		return p
	}
	t.Fatalf("labtest: no free UDP port in 21000-29999")
	return 0
}

func udpFree(port int) bool {
	c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

var (
	artMu  sync.Mutex
	artSeq = map[string]int{}
	unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

// artifactDir makes a directory for one run's logs: under $ARIFLOW_LAB_ARTIFACTS/<test>/
// (kept) when set, else under t.TempDir().
func artifactDir(t testing.TB, name string) string {
	t.Helper()
	base := os.Getenv("ARIFLOW_LAB_ARTIFACTS")
	if base == "" {
		base = t.TempDir()
	} else {
		base = filepath.Join(base, unsafe.ReplaceAllString(t.Name(), "_"))
	}
	artMu.Lock()
	artSeq[base]++
	n := artSeq[base]
	artMu.Unlock()
	dir := filepath.Join(base, fmt.Sprintf("%02d-%s", n, unsafe.ReplaceAllString(name, "_")))
	_ = os.RemoveAll(dir) // a previous run of the same test
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("labtest: %v", err)
	}
	return dir
}

// receivedStartLines returns the first line of every message in a SIPp message log that
// SIPp received.
func receivedStartLines(log string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	want := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.Contains(line, "message received"):
			want = true
		case want && strings.TrimSpace(line) != "":
			out = append(out, line)
			want = false
		}
	}
	return out
}

func phoneNames() []string {
	var names []string
	for n := range Phones {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func readFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
