package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// A reload takes what it can and names, in a warning, the settings that changed but wait
// for a restart; moving lines about, or changing what a reload applies, names none.
func TestReloadNamesWhatWaitsForARestart(t *testing.T) {
	started := `asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}
notify:
  mattermost: {webhook_url: http://127.0.0.1:2/hooks/x}
  call_template: "call from {caller}"
numbers: {"7001": {play: sound:hello}}
`
	s, path, logs := startedServer(t, started)
	reload := func(content string) (warned []string) {
		t.Helper()
		logs.Reset()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.reloadFile(); err != nil {
			t.Fatalf("reload refused: %v", err)
		}
		for line := range strings.Lines(logs.String()) {
			var entry struct {
				Level    string
				Settings []string
			}
			if err := json.Unmarshal([]byte(line), &entry); err == nil && entry.Level == "warn" {
				warned = append(warned, entry.Settings...)
			}
		}
		return warned
	}

	changed := strings.NewReplacer(
		"password: p}", "password: p, max_connections: 400}",
		"call from {caller}", "appel de {caller}",
		"7001", "7002",
	).Replace(started)
	want := []string{"asterisk.max_connections", "notify.call_template"}
	if got := reload(changed); !slices.Equal(got, want) {
		t.Errorf("reload with max_connections and a template changed: warned of %q, want %q\n%s", got, want, logs)
	}
	if _, ok := s.app.Routing().File.Lookup("7002"); !ok {
		t.Error("the number changed in the same reload was not taken")
	}
	if got := s.restartNeeded(); !slices.Equal(got, want) {
		t.Errorf("restartNeeded after the reload = %q, want %q", got, want)
	}

	if got := reload("# moved down a line\n" + strings.Replace(started, "7001", "7003", 1)); len(got) != 0 {
		t.Errorf("reload with lines moved and a number changed: warned of %q, want nothing\n%s", got, logs)
	}
	if got := reload(strings.Replace(started, "password: p}", "password: secret-2}", 1)); !slices.Equal(got, []string{"asterisk.password"}) ||
		strings.Contains(logs.String(), "secret-2") {
		t.Errorf("reload with a new password: warned of %q, want only its name, never its value\n%s", got, logs)
	}
}

// The hourly sweep of old recordings reads the retention of the routing file in force: a
// reload that changes it applies from the next sweep, with no restart.
func TestRetentionFollowsReloads(t *testing.T) {
	started := "asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\nrecordings: {directory: /rec, retention: 90d}\n"
	s, path, _ := startedServer(t, started)
	if r := s.retention(); r.Dir != "/rec" || r.Prefix != "monitor/" || r.Keep != 90*24*time.Hour {
		t.Errorf("retention at start = %+v, want /rec, monitor/, 90 days", r)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(started, "90d", "30d", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.reloadFile(); err != nil {
		t.Fatal(err)
	}
	if r := s.retention(); r.Keep != 30*24*time.Hour {
		t.Errorf("retention after the reload = %v, want 30 days", r.Keep)
	}
	if keys := s.restartNeeded(); len(keys) != 0 {
		t.Errorf("a new retention waits for a restart: %q", keys)
	}
}
