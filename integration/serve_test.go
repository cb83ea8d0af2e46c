package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ariflow/ariflow/internal/labtest"
)

// The real binary, `ariflow serve`, run as a subprocess: built, started, killed, stopped.

// serve starts itself again with sysmon's setting in GODEBUG (cmd/ariflow/sysmon.go), in
// the same process, and says so in its log.
func TestServeRunsWithSysmonSetting(t *testing.T) {
	lab := labtest.Require(t)
	dir := t.TempDir()
	bin := buildAriflow(t, dir)
	p := startServe(t, bin, writeRouting(t, lab, dir, "", ""), filepath.Join(dir, "serve.log"))
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Split(string(environ), "\x00")
	if !slices.ContainsFunc(env, func(kv string) bool {
		v, ok := strings.CutPrefix(kv, "GODEBUG=")
		return ok && slices.Contains(strings.Split(v, ","), "schedtrace=2147483647")
	}) {
		t.Errorf("ariflow serve runs without sysmon's setting; its environment:\n%s", strings.Join(env, "\n"))
	}
	p.waitLog(t, `schedtrace=2147483647"`) // the end of its log's "godebug" field
	p.stop(t)
}

// buildAriflow builds the real binary into dir.
func buildAriflow(t *testing.T, dir string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "ariflow")
	cmd := exec.Command(goCmd, "build", "-o", bin, "github.com/ariflow/ariflow/cmd/ariflow")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is `ariflow serve` running as a subprocess.
type serveProc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startServe runs `ariflow serve routing` with its log in logPath and waits until it is
// connected to ARI. The process dies with the test process (Pdeathsig) and is killed by
// the test's cleanup if still running.
func startServe(t *testing.T, bin, routing, logPath string) *serveProc {
	t.Helper()
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "-log-format", "json", "-drain", "5s", routing)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); out.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			t.Logf("ariflow serve log %s:\n%s", logPath, p.logs())
		}
	})
	p.waitLog(t, `"message":"ARI connected"`)
	return p
}

// waitLog waits for the process to log a line containing every one of parts, and
// returns it.
func (p *serveProc) waitLog(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, l := range strings.Split(p.logs(), "\n") {
			if containsAll(l, parts) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ariflow serve did not log a line with %q:\n%s", parts, p.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func containsAll(s string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(s, part) {
			return false
		}
	}
	return true
}

func (p *serveProc) logs() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill ariflow: %v", err)
	}
	<-p.done
}

// stop asks the process to stop (SIGTERM: drain) and waits for it.
func (p *serveProc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Errorf("ariflow serve did not stop on SIGTERM")
		p.kill(t)
	}
}
