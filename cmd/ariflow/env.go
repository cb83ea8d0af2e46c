package main

import (
	"github.com/ariflow/ariflow/config"
)

// envOverrides are the routing-file values an environment variable may replace, so one file
// serves both the chroot lab (127.0.0.1 everywhere) and a container (the compose lab's
// http://asterisk:8088/ari, an admin API on 0.0.0.0, the database on a volume). Each entry
// names the variable and where it lands; a variable unset or empty changes nothing.
var envOverrides = []struct {
	name string
	set  func(f *config.File, v string)
}{
	{"ARIFLOW_ARI_URL", func(f *config.File, v string) { f.Asterisk.URL = v }},
	{"ARIFLOW_ADMIN_LISTEN", func(f *config.File, v string) {
		if f.Admin.Line != 0 { // never turns on an admin API the file leaves off
			f.Admin.Listen = v
		}
	}},
	{"ARIFLOW_RECORDINGS_DIR", func(f *config.File, v string) { f.Recordings.Directory = v }},
	{"ARIFLOW_DATABASE", func(f *config.File, v string) { f.Database = v }},
	{"ARIFLOW_MATTERMOST_URL", func(f *config.File, v string) {
		if f.Notify.Mattermost.URL != "" { // REST API mode only; a webhook stays as written
			f.Notify.Mattermost.URL = v
		}
	}},
}

// loadFile loads and checks the routing file, then applies the environment overrides
// (envOverrides) that getenv reports; it returns the names of those applied.
func loadFile(path string, getenv func(string) string) (*config.File, []string, error) {
	file, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	var applied []string
	for _, o := range envOverrides {
		if v := getenv(o.name); v != "" {
			o.set(file, v)
			applied = append(applied, o.name)
		}
	}
	return file, applied, nil
}
