package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The compose lab runs the chroot lab's routing file with container addresses from the
// environment; unset variables leave the file's values, and none turns on a section the
// file does not have.
func TestEnvironmentReplacesRoutingValues(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routing.yaml")
	body := `asterisk: {url: http://127.0.0.1:18088/ari, username: u, password: p}
database: state.db
recordings: {directory: /srv/rec}
notify:
  mattermost: {url: http://127.0.0.1:18065, token: t, channel_id: y6qktfy6ht8e9gf6i3rxmst7no}
admin: {listen: 127.0.0.1:5001, token: secret-admin-token}
numbers: {"7001": {play: sound:hello}}
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"ARIFLOW_ARI_URL":        "http://asterisk:8088/ari",
		"ARIFLOW_ADMIN_LISTEN":   "0.0.0.0:5001",
		"ARIFLOW_RECORDINGS_DIR": "/var/spool/asterisk/recording",
		"ARIFLOW_DATABASE":       "/var/lib/ariflow/ariflow.db",
		"ARIFLOW_MATTERMOST_URL": "http://mmstandin:8065",
	}
	file, applied, err := loadFile(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got := []string{file.Asterisk.URL, file.Admin.Listen, file.Recordings.Directory, file.DatabasePath(), file.Notify.Mattermost.URL}
	want := []string{"http://asterisk:8088/ari", "0.0.0.0:5001", "/var/spool/asterisk/recording", "/var/lib/ariflow/ariflow.db", "http://mmstandin:8065"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with the variables set: %q, want %q", got, want)
	}
	if len(applied) != len(env) {
		t.Errorf("applied %q, want all %d variables", applied, len(env))
	}

	file, applied, err = loadFile(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got = []string{file.Asterisk.URL, file.Admin.Listen, file.Recordings.Directory, file.DatabasePath(), file.Notify.Mattermost.URL}
	want = []string{"http://127.0.0.1:18088/ari", "127.0.0.1:5001", "/srv/rec", filepath.Join(dir, "state.db"), "http://127.0.0.1:18065"}
	if !reflect.DeepEqual(got, want) || len(applied) != 0 {
		t.Errorf("without variables: %q (applied %q), want the file's %q", got, applied, want)
	}

	bare := filepath.Join(dir, "bare.yaml")
	if err := os.WriteFile(bare, []byte("asterisk: {url: http://127.0.0.1:18088/ari, username: u, password: p}\nnumbers: {\"7001\": {play: sound:hello}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file, _, err = loadFile(bare, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if file.Admin.Line != 0 || file.Admin.Listen != "" && file.Admin.Listen != "127.0.0.1:5001" {
		t.Errorf("ARIFLOW_ADMIN_LISTEN changed an absent admin section: %+v", file.Admin)
	}
	if file.Notify.Mattermost.URL != "" {
		t.Errorf("ARIFLOW_MATTERMOST_URL configured notices the file does not have: %q", file.Notify.Mattermost.URL)
	}
}
