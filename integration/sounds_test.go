package integration

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ariflow/ariflow/internal/labtest"
)

// soundURI is a prompt as the code names it: "sound:conf-full". Names built at run time
// ("sound:vm-" + folder) end in "-" and are listed in builtSounds instead.
var soundURI = regexp.MustCompile(`"sound:([A-Za-z0-9_-]*[A-Za-z0-9_])"`)

// builtSounds are the prompts whose names the code builds: the voicemail folders.
var builtSounds = []string{"vm-INBOX", "vm-Old"}

// Every prompt the app plays, and every prompt of the sample routing file, is one the
// lab's Asterisk has (asterisk-core-sounds-en and lab/prompts.sh: nothing from the extra
// sounds package). A missing one is silence where the caller should hear why.
func TestEverySoundTheAppPlaysIsInstalled(t *testing.T) {
	l := labtest.Require(t)
	var installed []struct {
		ID string `json:"id"`
	}
	l.ARIGet(t, "/sounds", &installed)
	have := map[string]bool{}
	for _, s := range installed {
		have[s.ID] = true
	}
	used := map[string]string{} // sound: where it is named
	for _, s := range builtSounds {
		used[s] = "voicemail folders"
	}
	err := filepath.WalkDir(l.RepoDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.RepoDir, path)
		if d.IsDir() {
			if slices.Contains([]string{".git", "integration", "lab", "bench", "docs"}, rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !(strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")) && rel != filepath.Join("examples", "office.yaml") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		if strings.HasSuffix(path, ".yaml") {
			text = regexp.MustCompile(`sound:([A-Za-z0-9_-]+)`).ReplaceAllString(text, `"sound:$1"`)
		}
		for _, m := range soundURI.FindAllStringSubmatch(text, -1) {
			used[m[1]] = rel
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 40 {
		t.Fatalf("found only %d prompts in the code: the scan is broken", len(used))
	}
	for s, where := range used {
		if !have[s] {
			t.Errorf("sound:%s (%s) is not installed in the lab's Asterisk", s, where)
		}
	}
}
