// Package labtest runs integration tests against the lab: a real Asterisk 22 with ARI
// (lab/asterisk.sh) and SIPp for real SIP calls (lab/sipp/*.xml). See lab/README.md.
//
// Tests that use it skip unless ARIFLOW_LAB=1:
//
//	func TestCallReachesApp(t *testing.T) {
//		lab := labtest.Require(t) // skips, or fails with a hint when Asterisk is down
//		phone := lab.Phone(t, "1000", "uas_answer.xml")
//		res := lab.SIPp(t, labtest.SIPpRun{
//			Scenario: "uac_call.xml", Service: "1000", From: "2000",
//			Vars: map[string]string{"hold_ms": "3000"},
//		})
//		res.AssertOK(t)
//		phone.Wait().AssertOK(t)
//		lab.NoLeftovers(t)
//	}
//
// SIPp runs from an argument list (never a shell). Its logs (messages, errors, statistics,
// stdout, stderr) go to a directory per run under $ARIFLOW_LAB_ARTIFACTS when set (kept), else
// under t.TempDir(); when the test fails, every run's summary and log tails are printed.
package labtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The lab's fixed settings (docs/DESIGN.md "The lab", lab/asterisk/*.conf).
const (
	ARIURL      = "http://127.0.0.1:18088/ari"
	ARIUser     = "ariflow"
	ARIPassword = "ariflow-lab"
	App         = "ariflow"
	SIPAddr     = "127.0.0.1:15060"
	DefaultRoot = "/var/cache/ariflow/sid-root"
)

// Phones maps each phone of the lab (a PJSIP endpoint with a static contact) to the UDP
// port where Asterisk sends its calls, so where its SIPp UAS must listen.
var Phones = map[string]int{
	"1000": 15101, "2000": 15102, "3000": 15103,
	"2001": 15104, "2002": 15105, // the IVR's "y" and "z"
	"4001": 15111, "4002": 15112, "4003": 15113, // queue members
}

// PhoneMediaPort is the RTP port a phone's SIPp uses: 20000 + 10*(SIP port - 15100),
// e.g. 20010 for 1000. SIPp binds it and the port two above it.
func PhoneMediaPort(name string) int {
	p, ok := Phones[name]
	if !ok {
		return 0
	}
	return 20000 + 10*(p-15100)
}

// Lab describes the running lab. Require fills it in.
type Lab struct {
	ARIURL      string // http://127.0.0.1:18088/ari
	ARIUser     string
	ARIPassword string
	App         string // the Stasis application, "ariflow"
	SIPAddr     string // Asterisk's PJSIP UDP transport, 127.0.0.1:15060
	Root        string // the Debian sid root Asterisk runs in ($ARIFLOW_ROOT)
	SpoolDir    string // Asterisk's recording directory as seen from the host
	RepoDir     string // the repository (lab/ lives there)
	ScenarioDir string // lab/sipp
	SIPpPath    string // the sipp binary

	http *http.Client
}

// Enabled reports whether lab tests are asked for (ARIFLOW_LAB=1).
func Enabled() bool { return os.Getenv("ARIFLOW_LAB") == "1" }

// Require returns the lab, skipping the test unless ARIFLOW_LAB=1. When lab tests are
// asked for but ARI does not answer, the test fails with a hint to start the lab.
func Require(t testing.TB) *Lab {
	t.Helper()
	if !Enabled() {
		t.Skip("lab test: set ARIFLOW_LAB=1 (and run `make lab-up`) to run it")
	}
	root := os.Getenv("ARIFLOW_ROOT")
	if root == "" {
		root = DefaultRoot
	}
	repo, err := repoDir()
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	l := &Lab{
		ARIURL: ARIURL, ARIUser: ARIUser, ARIPassword: ARIPassword, App: App, SIPAddr: SIPAddr,
		Root:        root,
		SpoolDir:    filepath.Join(root, "var/spool/asterisk/recording"),
		RepoDir:     repo,
		ScenarioDir: filepath.Join(repo, "lab", "sipp"),
		http:        &http.Client{Timeout: 5 * time.Second},
	}
	if l.SIPpPath, err = exec.LookPath("sipp"); err != nil {
		t.Fatalf("labtest: sipp not found (%v): run lab/root.sh (installs sip-tester)", err)
	}
	lockLab(t)
	if _, err := l.ari(http.MethodGet, "/asterisk/info", nil); err != nil {
		t.Fatalf("labtest: the lab's Asterisk does not answer ARI at %s: %v\n"+
			"start it with `make lab-up` (or lab/root.sh && lab/asterisk.sh start); log: lab/asterisk.sh log", l.ARIURL, err)
	}
	return l
}

// labLock is held by a test process from its first lab test to its exit, so that test
// runs started at the same time (by several people, or go test on several packages) take
// turns on the one lab: its phones have fixed ports and the app its one name.
var labLock struct {
	sync.Mutex
	file *os.File
}

// LockPath is the file lab test processes lock to take turns.
const LockPath = "/var/cache/ariflow/lab/tests.lock"

func lockLab(t testing.TB) {
	labLock.Lock()
	defer labLock.Unlock()
	if labLock.file != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(LockPath), 0o755); err != nil {
		t.Fatalf("labtest: %v", err)
	}
	f, err := os.OpenFile(LockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Logf("labtest: another test process is using the lab; waiting for it (%s)", LockPath)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatalf("labtest: lock %s: %v", LockPath, err)
		}
	}
	labLock.file = f // released when the process exits
}

// repoDir finds the repository: from this source file, else from the working directory up.
func repoDir() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "..", "..")
		if fileExists(filepath.Join(dir, "lab", "asterisk.sh")) {
			return filepath.Abs(dir)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "lab", "asterisk.sh")) && fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("cannot find the repository (lab/asterisk.sh) from %s", dir)
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ari does one ARI request and returns the body; non-2xx statuses are errors.
func (l *Lab) ari(method, path string, body io.Reader) ([]byte, error) {
	b, _, err := l.ariStatus(method, path, body)
	return b, err
}

// ariStatus is ari that also returns the HTTP status (0 when there was no answer).
func (l *Lab) ariStatus(method, path string, body io.Reader) ([]byte, int, error) {
	req, err := http.NewRequest(method, l.ARIURL+path, body)
	if err != nil {
		return nil, 0, err
	}
	req.SetBasicAuth(l.ARIUser, l.ARIPassword)
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return b, resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, resp.StatusCode, nil
}

// ChannelVar is the value of variable name on channel, through ARI; "" when it is not set.
func (l *Lab) ChannelVar(t testing.TB, channel, name string) string {
	t.Helper()
	b, status, err := l.ariStatus(http.MethodGet, "/channels/"+url.PathEscape(channel)+"/variable?variable="+url.QueryEscape(name), nil)
	if status == http.StatusNotFound {
		return ""
	}
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	var v struct{ Value string }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("labtest: variable %s of %s: %v", name, channel, err)
	}
	return v.Value
}

// ARIGet GETs an ARI path ("/channels") and decodes the JSON answer into v (when not nil).
func (l *Lab) ARIGet(t testing.TB, path string, v any) {
	t.Helper()
	b, err := l.ari(http.MethodGet, path, nil)
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("labtest: GET %s: %v", path, err)
		}
	}
}

// AsteriskCLI runs one Asterisk CLI command (asterisk -rx) and returns its output.
func (l *Lab) AsteriskCLI(t testing.TB, cmd string) string {
	t.Helper()
	out, err := l.script(30*time.Second, "cli", cmd)
	if err != nil {
		t.Fatalf("labtest: lab/asterisk.sh cli %q: %v\n%s", cmd, err, out)
	}
	return out
}

// RestartAsterisk restarts the lab's Asterisk (lab/asterisk.sh restart) and waits for ARI.
// Every connected ARI client sees its websocket drop.
func (l *Lab) RestartAsterisk(t testing.TB) {
	t.Helper()
	out, err := l.script(120*time.Second, "restart")
	if err != nil {
		t.Fatalf("labtest: lab/asterisk.sh restart: %v\n%s", err, out)
	}
	lockLab(t)
	if _, err := l.ari(http.MethodGet, "/asterisk/info", nil); err != nil {
		t.Fatalf("labtest: ARI after restart: %v", err)
	}
}

// HangupAll hangs up every channel ("channel request hangup all").
func (l *Lab) HangupAll(t testing.TB) {
	t.Helper()
	l.AsteriskCLI(t, "channel request hangup all")
}

func (l *Lab) script(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(l.RepoDir, "lab", "asterisk.sh"), args...)
	cmd.Env = append(os.Environ(), "ARIFLOW_ROOT="+l.Root)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

// NoLeftovers fails the test when ARI still lists channels or bridges once Asterisk had a
// few seconds to clean up. Call it at the end of a test, after the calls ended.
func (l *Lab) NoLeftovers(t testing.TB) {
	t.Helper()
	type obj struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var chans, bridges []obj
	deadline := time.Now().Add(5 * time.Second)
	for {
		chans, bridges = nil, nil
		l.ARIGet(t, "/channels", &chans)
		l.ARIGet(t, "/bridges", &bridges)
		if len(chans) == 0 && len(bridges) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var b strings.Builder
	for _, c := range chans {
		fmt.Fprintf(&b, "\n  channel %s %s", c.ID, c.Name)
	}
	for _, br := range bridges {
		fmt.Fprintf(&b, "\n  bridge %s %s", br.ID, br.Name)
	}
	t.Errorf("labtest: leftovers after 5 s (lab/asterisk.sh hangup-all cleans channels):%s", b.String())
}
