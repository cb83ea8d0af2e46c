package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones on hosts without a zoneinfo database

	"gopkg.in/yaml.v3"

	"github.com/ariflow/ariflow/notify"
)

// The seed's values, used where the file is silent.
const (
	defaultRingTime      = 15 * time.Second
	defaultMenuTimeout   = 10 * time.Second
	defaultDigitTimeout  = 3 * time.Second
	defaultMemberTimeout = 20 * time.Second
	defaultRetry         = 5 * time.Second
	defaultMaxMembers    = 5
	defaultQueueMusic    = "classic" // queues.conf [file-attente] musicclass=classic
	defaultRoomMusic     = "default" // confbridge.conf's [user] profile names no class
)

// newFile returns a File holding every default.
func newFile(name string) *File {
	return &File{
		Name:     name,
		Asterisk: Asterisk{App: "ariflow"},
		Timezone: "Local",
		Database: "ariflow.db",
		Absence: Absence{OnCode: "*77", OffCode: "*88", OnSound: "sound:goodbye", OffSound: "sound:hello",
			ClosedSound: "sound:closed"},
		Notify: Notify{
			CallTemplate:      notify.DefaultCallTemplate,
			MissedTemplate:    notify.DefaultMissedTemplate,
			AbsenceTemplate:   notify.DefaultAbsenceTemplate,
			VoicemailTemplate: notify.DefaultVoicemailTemplate,
		},
		Recordings: Recordings{Directory: "/var/spool/asterisk/recording", Prefix: "monitor/",
			Name: "{exten}-{time}", Format: "wav"},
		ExtensionDefaults: ExtensionDefaults{RingTime: defaultRingTime},
		Voicemail: Voicemail{Format: "wav", MaxMessages: 100, MaxDuration: 60 * time.Second,
			MinDuration: 3 * time.Second, MaxSilence: 10 * time.Second, SilenceThreshold: 128,
			Skip: 3000 * time.Millisecond, MaxLogins: 3, Boxes: map[string]Box{}},
		Spy:          Spy{Mode: "listen"},
		Admin:        Admin{Listen: "127.0.0.1:5001"},
		Schedules:    map[string]Schedule{},
		MusicClasses: map[string]MusicClass{},
		Extensions:   map[string]Extension{},
		Menus:        map[string]Menu{},
		Queues:       map[string]Queue{},
		Rooms:        map[string]Room{},
		Numbers:      map[string]Action{},
		loc:          time.Local,
	}
}

// Load reads and validates the routing file at path. Problems name the file as path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a routing file; name is used in problems and to resolve the
// database path. The error, if any, is Problems: every problem found, sorted by line.
func Parse(name string, data []byte) (*File, error) {
	d := &decoder{file: name, f: newFile(name), shaky: map[string]bool{}}
	if root := d.parse(data); root != nil {
		d.document(root)
	}
	if len(d.probs) > 0 {
		d.probs.sortByLine()
		return nil, d.probs
	}
	return d.f, nil
}

// parse returns the root node of the file's only YAML document, or nil after a problem.
func (d *decoder) parse(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(1, "", "the file is empty")
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.add(extra.Line, "", "only one YAML document is allowed")
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
	}
	if len(doc.Content) == 0 {
		d.add(1, "", "the file is empty")
		return nil
	}
	return doc.Content[0]
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a problem at its line.
func (d *decoder) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.add(line, "", "%s", m[2])
		return
	}
	d.add(1, "", "%s", strings.TrimPrefix(msg, "yaml: "))
}

// document decodes the top-level mapping, then checks references across sections.
func (d *decoder) document(root *yaml.Node) {
	found := map[string]pair{}
	for _, p := range d.fields(root, "", "the file") {
		known := false
		for _, s := range sections {
			known = known || s.key == p.key
		}
		if !known {
			d.unknown("", p)
		}
		found[p.key] = p
	}
	for _, s := range sections {
		if p, ok := found[s.key]; ok {
			s.fn(d, p)
		}
	}
	if _, ok := found["asterisk"]; !ok && root.Kind == yaml.MappingNode {
		d.add(root.Line, "", "asterisk is required (url, username, password or password_env)")
	}
	d.resolve()
	d.checkMenuExits()
}

// Check validates the routing file at path for the check command. It prints
// "path: OK (summary)" and returns true, or prints every problem, one per line.
func Check(path string, w io.Writer) bool {
	f, err := Load(path)
	if err != nil {
		var ps Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(w, p)
			}
		} else {
			fmt.Fprintln(w, err)
		}
		return false
	}
	fmt.Fprintf(w, "%s: OK (%s)\n", path, f.Summary())
	return true
}

// Summary counts what the file defines: "5 extensions, 3 mailboxes, 1 menu, ...".
func (f *File) Summary() string {
	counts := []struct {
		n    int
		what string
	}{
		{len(f.Extensions), "extension"}, {len(f.Voicemail.Boxes), "mailbox"}, {len(f.Menus), "menu"},
		{len(f.Queues), "queue"}, {len(f.Rooms), "room"}, {len(f.Schedules), "schedule"},
		{len(f.Numbers), "number"},
	}
	parts := make([]string, len(counts))
	for i, c := range counts {
		s := c.what + "s"
		if c.what == "mailbox" {
			s = "mailboxes"
		}
		if c.n == 1 {
			s = c.what
		}
		parts[i] = fmt.Sprintf("%d %s", c.n, s)
	}
	return strings.Join(parts, ", ")
}
