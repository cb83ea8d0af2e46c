package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/internal/labtest"
	"github.com/ariflow/ariflow/voicemail"
)

// storageFault is what goes wrong with the recording folder.
type storageFault string

const (
	readOnly storageFault = "read-only" // Asterisk cannot create a file (EROFS)
	diskFull storageFault = "full"      // files can be created, no byte can be written (ENOSPC)
)

// breakRecordings mounts a tmpfs on the test's own recording folder (the harness's prefix
// under the lab's spool), with the folders dirs made in it, then makes it read-only or
// fills it to the last byte; it is unmounted when the test ends. Asterisk runs as root in
// the lab's chroot, which shares the host's mount namespace: it sees the mount, and chmod
// would not stop it.
func (h *harness) breakRecordings(fault storageFault, dirs ...string) string {
	t := h.t
	t.Helper()
	dir := filepath.Join(h.lab.SpoolDir, "itest", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "ariflow-fault", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs on %s: %v: %s", dir, err, out)
	}
	t.Cleanup(func() {
		h.stop() // its calls ended, Asterisk has closed their files (stop runs once)
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// a file still open (a test that failed mid-call): detach it now, freed when closed
			if out2, err2 := exec.Command("umount", "-l", dir).CombinedOutput(); err2 != nil {
				t.Errorf("umount %s: %v: %s; %s", dir, err, out, out2)
			}
		}
	})
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	switch fault {
	case readOnly:
		if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
			t.Fatalf("remount %s read-only: %v: %s", dir, err, out)
		}
		if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
			t.Fatalf("writing into the read-only folder: %v, want EROFS", err)
		}
	case diskFull:
		fill(t, filepath.Join(dir, "filler"))
	}
	return dir
}

// fill writes to path until the file system says it is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", path, err)
			}
			return
		}
	}
}

// The recording folder is read-only or full: the recorded extension call still connects
// and lasts until the caller hangs up as scripted (caller and phone both complete), the
// failure is logged, and no sidecar claims a recording that was not stored.
func TestRecordingFolderFaultKeepsTheCallUp(t *testing.T) {
	for _, fault := range []storageFault{readOnly, diskFull} {
		t.Run(string(fault), func(t *testing.T) {
			h := start(t, options{body: officeBody, now: monday(10, 0)})
			dir := h.breakRecordings(fault)
			phone := h.lab.Phone(t, "1000", "uas_answer.xml")
			callExtension(h, "2000", "3000").AssertOK(t)
			phone.Wait().AssertOK(t)
			h.waitIdle(10 * time.Second)

			if !strings.Contains(h.logs.String(), "recording not stored; no sidecar written") {
				t.Errorf("the unstored recording was not logged; logs:\n%s", h.logs.String())
			}
			if !strings.Contains(h.logs.String(), "recording stopped during the call") {
				t.Errorf("the recording stopping early was not logged; logs:\n%s", h.logs.String())
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("%s left in the broken folder: a sidecar without its recording", e.Name())
				}
			}
		})
	}
}

// Voicemail with the recording folder read-only or full: the caller hears the apology (then
// the app hangs up) instead of a silent line, the failure is logged, and no message is
// claimed in the box.
func TestVoicemailApologisesWhenTheFolderFails(t *testing.T) {
	for _, fault := range []storageFault{readOnly, diskFull} {
		t.Run(string(fault), func(t *testing.T) {
			h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
			h.breakRecordings(fault, "voicemail/1000") // the box's folder exists: Asterisk is the one that fails
			h.lab.SIPp(t, labtest.SIPpRun{Scenario: "uac_hangup_by_peer.xml", Service: "8000", From: "2000",
				Vars: map[string]string{"digits": "#", "pre_ms": "500"}, Timeout: 40 * time.Second}).AssertOK(t)
			h.waitIdle(10 * time.Second)
			var heard []string
			for _, ev := range h.drainObserved() {
				if e, ok := ev.(*ari.PlaybackStarted); ok {
					heard = append(heard, e.Playback.MediaURI)
				}
			}
			if !containsInOrder(heard, voicemail.Apology) {
				t.Errorf("the caller heard %v, want the apology %v", heard, voicemail.Apology)
			}
			if !strings.Contains(h.logs.String(), "voicemail: the message cannot be stored") {
				t.Errorf("the failure was not logged; logs:\n%s", h.logs.String())
			}
			if msgs := h.inbox("1000"); len(msgs) != 0 {
				t.Errorf("INBOX = %+v, want no message claimed", msgs)
			}
		})
	}
}

// containsInOrder reports whether want appears in got in that order, one after the other.
func containsInOrder(got, want []string) bool {
	for i := 0; i+len(want) <= len(got); i++ {
		if slices.Equal(got[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// Recording a greeting from the mailbox menu with the folder read-only: the caller hears
// voicemail.Sorry and the menu goes on (the caller leaves with # as usual); no greeting is
// kept and the failure is logged.
func TestVoicemailGreetingWhenTheFolderFails(t *testing.T) {
	h := start(t, options{body: vmBody("100"), now: monday(10, 0)})
	dir := h.breakRecordings(readOnly, "voicemail/1000")
	// login; 0 options; 1 unavailable greeting (fails); * back to the main menu; # goodbye
	callMenu(h, "3000", "1000#1234#,,0,1,~,,,,*,#")
	var heard []string
	for _, ev := range h.drainObserved() {
		if e, ok := ev.(*ari.PlaybackStarted); ok {
			heard = append(heard, e.Playback.MediaURI)
		}
	}
	if !containsInOrder(heard, voicemail.Sorry) || !slices.Contains(heard, "sound:vm-goodbye") {
		t.Errorf("the caller heard %v, want %v, then the menu until goodbye", heard, voicemail.Sorry)
	}
	if !strings.Contains(h.logs.String(), "voicemail: the greeting cannot be stored") {
		t.Errorf("the failure was not logged; logs:\n%s", h.logs.String())
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "voicemail", "1000", "greet-*")); len(files) != 0 {
		t.Errorf("greeting files in the read-only folder: %v", files)
	}
}
