package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// base is the least a valid file holds; cases put it after their snippet, so a snippet's
// lines are the file's lines.
const base = `
asterisk: {url: "http://127.0.0.1:18088/ari", username: u, password: p}
`

// ruleCase is a snippet and the problems it must produce, as "line: message".
type ruleCase struct {
	name   string
	yaml   string
	want   []string
	noBase bool // the snippet has its own asterisk section
}

// runRules parses each case and compares every problem, in order.
func runRules(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.TrimPrefix(tc.yaml, "\n")
			if !tc.noBase {
				src += base
			}
			f, err := Parse("r.yaml", []byte(src))
			var got []string
			var ps Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					got = append(got, fmt.Sprintf("%d: %s", p.Line, p.Msg))
				}
			} else if err != nil {
				t.Fatalf("err = %v, want Problems", err)
			}
			if (f == nil) == (err == nil) {
				t.Errorf("Parse returned file %v and error %v", f != nil, err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDecodingRules(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "minimal file is valid", yaml: ``},
		{name: "empty file", yaml: ``, noBase: true, want: []string{`1: the file is empty`}},
		{name: "not a mapping", yaml: "- a\n", noBase: true, want: []string{`1: the file must be a mapping, not a list`}},
		{name: "yaml syntax error", yaml: "a: [1,\nb: 2\n", noBase: true,
			want: []string{`2: did not find expected ',' or ']'`}},
		{name: "second document", noBase: true, yaml: `
asterisk: {url: "http://127.0.0.1:18088/ari", username: u, password: p}
---
x: 1
`, want: []string{`2: only one YAML document is allowed`}},
		{name: "asterisk required", yaml: "timezone: UTC\n", noBase: true,
			want: []string{`1: asterisk is required (url, username, password or password_env)`}},
		{name: "unknown top-level key", yaml: `
colour: blue
`, want: []string{`1: unknown key "colour"`}},
		{name: "unknown nested key", yaml: `
voicemail:
  format: wav
  colour: blue
`, want: []string{`3: voicemail: unknown key "colour"`}},
		{name: "repeated key", yaml: `
extensions:
  "10": {endpoint: PJSIP/10}
  "10": {endpoint: PJSIP/11}
`, want: []string{`3: key "10" is repeated (first at line 2)`}},
		{name: "alias refused", yaml: `
extensions:
  "10": &e {endpoint: PJSIP/10}
  "11": *e
`, want: []string{`3: 11: aliases (*e) are not supported; write the value out`}},
		{name: "mapping where a string goes", yaml: `
timezone: {zone: UTC}
`, want: []string{`1: timezone must be a time zone name, not a mapping`}},
		{name: "list where a mapping goes", yaml: `
voicemail: [wav]
`, want: []string{`1: voicemail must be a mapping, not a list`}},
		{name: "empty value", yaml: `
database:
`, want: []string{`1: database needs a value`}},
		{name: "bool spelled yes", yaml: `
extension_defaults: {record: yes}
`, want: []string{`1: extension_defaults: record must be true or false, not "yes"`}},
		{name: "int not a number", yaml: `
voicemail: {max_messages: lots}
`, want: []string{`1: voicemail: max_messages must be a whole number, not "lots"`}},
		{name: "duration without unit", yaml: `
extension_defaults: {ring_time: 15}
`, want: []string{`1: extension_defaults: ring_time 15 needs a unit, e.g. "15s"`}},
		{name: "bad duration", yaml: `
extension_defaults: {ring_time: soon}
`, want: []string{`1: extension_defaults: ring_time "soon" is not a duration (e.g. "15s", "500ms")`}},
		{name: "zero where > 0", yaml: `
queues:
  sales: {members: [PJSIP/1], member_timeout: 0s}
`, want: []string{`2: queue "sales": member_timeout must be > 0`}},
		{name: "negative where >= 0", yaml: `
queues:
  sales: {members: [PJSIP/1], max_wait: -1s}
`, want: []string{`2: queue "sales": max_wait must not be negative`}},
		{name: "out of range int", yaml: `
voicemail:
  silence_threshold: 40000
  max_logins: 0
`, want: []string{`2: voicemail: silence_threshold must be <= 32767`, `3: voicemail: max_logins must be > 0`}},
		{name: "min_duration not below max_duration", yaml: `
voicemail:
  max_duration: 2s
`, want: []string{`2: voicemail: min_duration (3s) must be shorter than max_duration (2s)`}},
		{name: "invalid name", yaml: `
rooms:
  "salle 1": {}
`, want: []string{`2: room "salle 1": invalid name (use letters, digits, '_', '-' and '.')`}},
	})
}

func TestSectionRules(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "asterisk fields", noBase: true, yaml: `
asterisk:
  url: "ws://x"
  password: p
  password_env: P
  app: "my app"
  dial_context: "ariflow dial,1"
  max_connections: 1
`, want: []string{
			`1: asterisk: username is required`,
			`1: asterisk: set password or password_env, not both`,
			`2: asterisk: url "ws://x" is not an http(s) URL`,
			`5: asterisk: app "my app": use letters, digits, '_', '-' and '.'`,
			`6: asterisk: dial_context "ariflow dial,1": use letters, digits, '_', '-' and '.'`,
			`7: asterisk: max_connections must be >= 2`,
		}},
		{name: "limits", yaml: `
limits:
  max_calls: -1
  calls_per_second: 1.5
  max_call: 3
`, want: []string{
			`2: limits: max_calls must be >= 0`,
			`3: limits: calls_per_second must be a whole number, not "1.5"`,
			`4: limits: unknown key "max_call"`,
		}},
		{name: "password required", noBase: true, yaml: `
asterisk: {url: "https://pbx/ari", username: u}
`, want: []string{`1: asterisk: password or password_env is required`}},
		{name: "bad env name", noBase: true, yaml: `
asterisk: {url: "https://pbx/ari", username: u, password_env: "MY-VAR"}
`, want: []string{`1: asterisk: password_env "MY-VAR" is not an environment variable name`}},
		{name: "unknown timezone", yaml: `
timezone: Mars/Olympus
`, want: []string{`1: timezone "Mars/Olympus" is not a known time zone (e.g. Europe/Paris)`}},
		{name: "language", yaml: `
sounds: {language: French}
`, want: []string{`1: sounds: language "French" is not a language code (e.g. fr, en_GB)`}},
		{name: "absence codes", yaml: `
absence:
  on_code: "*7a"
  off_code: "*77"
  on_sound: goodbye
`, want: []string{
			`1: absence: on_code and off_code are both "*77"`,
			`2: absence: on_code "*7a" must be a dial string of 0-9, * and #`,
			`4: absence: on_sound "goodbye" is not a media URI (sound:, recording:, digits:, number:, characters:, tone:)`,
		}},
		{name: "mattermost api needs channel and token", yaml: `
notify:
  mattermost: {url: "http://mm"}
`, want: []string{`2: notify.mattermost: channel_id is required`, `2: notify.mattermost: token or token_env is required`}},
		{name: "mattermost api and webhook", yaml: `
notify:
  mattermost: {url: "http://mm", webhook_url: "http://mm/hooks/x", channel_id: ABC}
`, want: []string{
			`2: notify.mattermost: channel_id "ABC" is not a Mattermost id (26 lowercase letters and digits)`,
			`2: notify.mattermost: use webhook_url, or url with token and channel_id, not both`,
		}},
		{name: "mattermost webhook alone is valid", yaml: `
notify:
  mattermost: {webhook_url: "https://mm/hooks/x"}
`},
		{name: "a mistyped webhook_url is not quoted: it holds the key", yaml: `
notify:
  mattermost: {webhook_url: "htps://mm/hooks/s3cr3tkey"}
`, want: []string{`2: notify.mattermost: webhook_url is not an http(s) URL (not shown: it holds the hook's key)`}},
		{name: "notify without mattermost", yaml: `
extension_defaults: {notify: true}
extensions:
  "10": {endpoint: PJSIP/10, notify: true}
`, want: []string{
			`1: extension_defaults: notify is true but notify.mattermost is not configured`,
			`3: extension "10": notify is true but notify.mattermost is not configured`,
		}},
		{name: "template placeholders", yaml: `
notify:
  call_template: "{caller} -> {who}"
  missed_template: "{caller"
`, want: []string{
			`2: notify: call_template "{caller} -> {who}": unknown placeholder {who} (known: {caller}, {caller_name}, {exten}, {time})`,
			`3: notify: missed_template "{caller" has a '{' without '}'`,
		}},
		{name: "template placeholders per kind", yaml: `
notify:
  call_template: "{caller} ({duration})"
  missed_template: "{caller} {mailbox} {state} {mailbox}"
  absence_template: "{caller}: {state}"
  voicemail_template: "{state}"
`, want: []string{
			`2: notify: call_template "{caller} ({duration})": {duration} is not filled in call notices (call_template may use {caller}, {caller_name}, {exten}, {time})`,
			`3: notify: missed_template "{caller} {mailbox} {state} {mailbox}": {mailbox}, {state} are not filled in missed notices (missed_template may use {caller}, {caller_name}, {exten}, {time})`,
			`4: notify: absence_template "{caller}: {state}": {caller} is not filled in absence notices (absence_template may use {exten}, {state}, {by}, {time})`,
			`5: notify: voicemail_template "{state}": {state} is not filled in voicemail notices (voicemail_template may use {caller}, {caller_name}, {exten}, {box}, {mailbox}, {duration}, {link}, {time})`,
		}},
		{name: "every placeholder its kind fills", yaml: `
notify:
  call_template: "{time} {caller} {caller_name} {exten}"
  missed_template: "{time} {caller} {caller_name} {exten}"
  absence_template: "{time} {exten} {state} {by}"
  voicemail_template: "{time} {caller} {caller_name} {exten} {box} {mailbox} ({duration}) {link}"
`},
		{name: "recordings", yaml: `
recordings:
  prefix: /etc/
  name: "{exten}/{date}"
  format: mp3
  retention: -1h
`, want: []string{
			`2: recordings: prefix "/etc/" must stay inside the directory (relative, no ..)`,
			`3: recordings: name "{exten}/{date}": unknown placeholder {date} (known: {exten}, {caller}, {time})`,
			`3: recordings: name "{exten}/{date}" must not contain '/' (use prefix)`,
			`4: recordings: format must be one of wav, wav49, gsm, ulaw, alaw, sln, g722, not "mp3"`,
			`5: recordings: retention must not be negative`,
		}},
		{name: "recordings prefix is a folder", yaml: `
recordings: {prefix: monitor}
`, want: []string{`1: recordings: prefix "monitor" is a folder under directory: end it with / ("monitor/")`}},
		{name: "recordings retention too short", yaml: `
recordings:
  retention: 30m
`, want: []string{
			`2: recordings: retention 30m is shorter than an hour: it would remove recordings of calls still going on`,
		}},
		{name: "recordings retention in part days", yaml: `
recordings:
  retention: 1.5d
`, want: []string{
			`2: recordings: retention "1.5d": days must be a whole number from 0 to 36500, e.g. "90d"`,
		}},
		{name: "admin listen and token", yaml: `
admin:
  listen: "127.0.0.1:99999"
`, want: []string{
			`1: admin: token or token_env is required`,
			`2: admin: listen "127.0.0.1:99999": port must be 1..65535`,
		}},
		{name: "admin token too short", yaml: `
admin: {token: demo}
`, want: []string{`1: admin: token has 4 characters; use at least 16 (random ones)`}},
		{name: "admin listen not host:port", yaml: `
admin: {listen: localhost, token_env: T}
`, want: []string{`1: admin: listen "localhost" is not host:port`}},
		{name: "extension fields", yaml: `
extensions:
  "10": {endpoint: "10", mailbox: "10", schedule: day}
  "1a": {endpoint: PJSIP/1}
  "*77": {endpoint: PJSIP/77}
  "11":
`, want: []string{
			`2: extension "10": endpoint "10" must look like TECH/resource, e.g. PJSIP/1000`,
			`2: extension "10": mailbox "10" is not defined under voicemail.boxes`,
			`2: extension "10": schedule "day" is not defined under schedules`,
			`3: extension "1a": the number must be a dial string of 0-9, * and #`,
			`4: extension "*77": the number is also an absence code`,
			`5: extension "11": endpoint is required`,
		}},
		{name: "boxes", yaml: `
voicemail:
  boxes:
    "10": {pin: "12a", email: "not an address"}
    "11": {name: Bob}
    "a1": {pin: "1"}
`, want: []string{
			`3: voicemail box "10": pin must be digits only`,
			`3: voicemail box "10": email "not an address" is not an email address`,
			`4: voicemail box "11": pin is required`,
			`5: voicemail box "a1": the box number must be digits`,
		}},
		{name: "spy rules and mode", yaml: `
spy:
  mode: shout
  allow:
    - {who: ["1000"], whom: [everyone]}
    - {who: ["*"]}
`, want: []string{
			`2: spy: mode must be one of listen, whisper, barge, not "shout"`,
			`4: spy: allow[0]: whom: "everyone" must be a number or *`,
			`5: spy: allow[1]: who and whom must both list numbers (or *)`,
		}},
		{name: "queue checks", yaml: `
queues:
  q:
    strategy: roundrobin
    members: [PJSIP/1, PJSIP/1, "1"]
    music_class: jazz
    after_max_wait: {queue: q}
  empty: {}
  quiet: {members: [PJSIP/2], announce_every: 30s}
`, want: []string{
			`3: queue "q": strategy must be one of ringall, linear, rrmemory, leastrecent, fewestcalls, random, not "roundrobin"`,
			`4: queue "q": member "PJSIP/1" is listed twice`,
			`4: queue "q": member "1" must look like TECH/resource, e.g. PJSIP/4001`,
			`5: queue "q": music_class "jazz" is not defined under music_classes`,
			`6: queue "q": after_max_wait is never used: it needs max_wait > 0, max_length > 0, join_empty: false or leave_empty: true`,
			`6: queue "q": after_max_wait leads back to the same queue`,
			`7: queue "empty": members is required (at least one endpoint)`,
			`8: queue "quiet": announce_every repeats the position: it needs announce_position: true`,
		}},
		{name: "after_max_wait with anything that turns callers away", yaml: `
queues:
  timeout: {members: [PJSIP/1], max_wait: 1m, after_max_wait: {hangup: true}}
  full: {members: [PJSIP/1], max_length: 3, after_max_wait: {hangup: true}}
  closed: {members: [PJSIP/1], join_empty: false, after_max_wait: {hangup: true}}
  emptied: {members: [PJSIP/1], leave_empty: true, after_max_wait: {hangup: true}}
`},
		{name: "music classes classic and default always exist", yaml: `
music_classes:
  musique: {directory: moh/attente}
queues:
  a: {members: [PJSIP/1], music_class: classic}
  b: {members: [PJSIP/1], music_class: default}
  c: {members: [PJSIP/1], music_class: musique}
`},
		{name: "room checks", yaml: `
rooms:
  r: {max_members: 0, pin: "12", admin_pin: "12", join_sound: beep}
`, want: []string{
			`2: room "r": max_members must be > 0`,
			`2: room "r": join_sound "beep" is not a media URI (sound:, recording:, digits:, number:, characters:, tone:)`,
			`2: room "r": admin_pin must differ from pin`,
		}},
	})
}
