package config

import "testing"

// phones defines what action cases refer to; cases put it in their snippet's tail.
const phones = `
extensions:
  "10": {endpoint: PJSIP/10, mailbox: "10"}
voicemail:
  boxes:
    "10": {pin: "1234"}
`

func TestActionRules(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "every kind is valid", yaml: `
numbers:
  "1": {extension: "10"}
  "2": {dial: {endpoint: PJSIP/2, ring_time: 20s}}
  "3": {dial: PJSIP/3}
  "4": {voicemail: "10"}
  "5": {voicemail_main: {}}
  "6": {voicemail_main: {mailbox: "10"}}
  "7": {spy: {mode: barge}}
  "8": {spy: {}}
  "9": {absence: "on"}
  "11": {play: [sound:a, digits:12]}
  "12": {play: sound:a}
  "13": {hangup: true}
  "14": {menu: m}
  "15": {queue: q}
  "16": {room: r}
menus:
  m: {prompts: [sound:a], choices: {"1": {back: true}}}
queues:
  q: {members: [PJSIP/1]}
rooms:
  r: {}
` + phones},
		{name: "no key", yaml: `
numbers:
  "1": {}
  "2":
`, want: []string{
			`2: number "1": needs an action: one of extension, dial, menu, back, queue, voicemail, voicemail_main, room, spy, absence, play, hangup, queue_member`,
			`3: number "2": needs an action: one of extension, dial, menu, back, queue, voicemail, voicemail_main, room, spy, absence, play, hangup, queue_member`,
		}},
		{name: "two keys", yaml: `
numbers:
  "1": {hangup: true, play: [sound:a]}
`, want: []string{`2: number "1": has 2 actions (hangup, play); want exactly one`}},
		{name: "unknown kind", yaml: `
numbers:
  "1": {transfer: "10"}
`, want: []string{`2: number "1": unknown action "transfer" (want one of extension, dial, menu, back, queue, voicemail, voicemail_main, room, spy, absence, play, hangup, queue_member, and music_class beside a queue or menu)`}},
		{name: "music_class beside a queue or menu only", yaml: `
numbers:
  "1": {queue: q, music_class: musique}
  "2": {menu: m, music_class: classic}
  "3": {hangup: true, music_class: classic}
  "4": {queue: q, music_class: nope}
  "5": {music_class: classic}
menus:
  m: {prompts: [sound:a], choices: {"1": {queue: q, music_class: default}, "2": {play: sound:a, music_class: musique}}}
queues:
  q: {members: [PJSIP/1]}
music_classes:
  musique: {directory: moh/attente}
`, want: []string{
			`4: number "3": music_class goes beside a queue or menu action, not hangup: no hold music plays there`,
			`5: number "4": music_class "nope" is not defined under music_classes`,
			`6: number "5": needs an action: one of extension, dial, menu, back, queue, voicemail, voicemail_main, room, spy, absence, play, hangup, queue_member`,
			`8: menu "m": choice "2": music_class goes beside a queue or menu action, not play: no hold music plays there`,
		}},
		{name: "scalar action", yaml: `
numbers:
  "1": hangup
`, want: []string{`2: number "1": an action must be a mapping, not "hangup"`}},
		{name: "unknown references", yaml: `
numbers:
  "1": {extension: "99"}
  "2": {menu: nope}
  "3": {queue: nope}
  "4": {room: nope}
  "5": {voicemail: "99"}
  "6": {voicemail_main: {mailbox: "98"}}
`, want: []string{
			`2: number "1": extension "99" is not defined under extensions`,
			`3: number "2": menu "nope" is not defined under menus`,
			`4: number "3": queue "nope" is not defined under queues`,
			`5: number "4": room "nope" is not defined under rooms`,
			`6: number "5": mailbox "99" is not defined under voicemail.boxes`,
			`7: number "6": mailbox "98" is not defined under voicemail.boxes`,
		}},
		{name: "bad values", yaml: `
numbers:
  "1": {dial: {ring_time: 0s}}
  "2": {dial: "2000"}
  "3": {spy: {mode: loud}}
  "4": {absence: maybe}
  "5": {play: []}
  "6": {play: [closed]}
  "7": {hangup: false}
  "8": {voicemail_main: {box: "1"}}
`, want: []string{
			`2: number "1": dial: ring_time must be > 0`,
			`3: number "2": dial "2000" must look like TECH/resource, e.g. PJSIP/1000`,
			`4: number "3": spy: mode must be one of listen, whisper, barge, not "loud"`,
			`5: number "4": absence must be one of on, off, not "maybe"`,
			`6: number "5": play needs at least one media URI`,
			`7: number "6": play: "closed" is not a media URI (sound:, recording:, digits:, number:, characters:, tone:)`,
			`8: number "7": hangup must be true (remove the action instead)`,
			`9: number "8": voicemail_main: unknown key "box"`,
		}},
		{name: "dial needs endpoint", yaml: `
numbers:
  "1": {dial: {ring_time: 5s}}
  "2": {dial: }
`, want: []string{`2: number "1": dial: endpoint is required`, `3: number "2": dial: endpoint is required`}},
		{name: "scalar where a mapping goes", yaml: `
numbers:
  "1": {voicemail_main: "10"}
  "2": {spy: listen}
  "3": {menu: [a]}
`, want: []string{
			`2: number "1": voicemail_main must be a mapping, not "10"`,
			`3: number "2": spy must be a mapping, not "listen"`,
			`4: number "3": menu must be a string, not a list`,
		}},
		{name: "back outside a menu", yaml: `
numbers:
  "1": {back: true}
queues:
  q: {members: [PJSIP/1], max_wait: 1m, after_max_wait: {back: true}}
`, want: []string{
			`2: number "1": back is only valid inside a menu`,
			`4: queue "q": after_max_wait: back is only valid inside a menu`,
		}},
		{name: "number keys", yaml: `
numbers:
  "9x": {hangup: true}
  "10": {hangup: true}
  "*77": {hangup: true}
` + phones, want: []string{
			`2: number "9x" must be a dial string of 0-9, * and #`,
			`3: number "10" is already an extension (extensions are dialable as themselves)`,
			`4: number "*77" is already an absence code`,
		}},
		{name: "spy mode default comes from spy.mode", yaml: `
spy: {mode: whisper}
numbers:
  "1": {spy: {}}
`},
	})
}

func TestMenuRules(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "no prompts", yaml: `
menus:
  m: {choices: {"1": {hangup: true}}}
`, want: []string{`2: menu "m": prompts is required (at least one media URI)`}},
		{name: "bad digits", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices: {"1a": {hangup: true}, "2": {hangup: true}}
`, want: []string{`4: menu "m": choice "1a": digits must be of 0-9, * and #`}},
		{name: "repeated choice", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices:
      "1": {hangup: true}
      "1": {extension: "10"}
`, want: []string{`6: menu "m": key "1" is repeated (first at line 5)`}},
		{name: "prefix choices need digit_timeout", yaml: `
menus:
  m:
    prompts: [sound:a]
    digit_timeout: 0s
    direct_dial: true
    choices:
      "1": {hangup: true}
      "12": {hangup: true}
`, want: []string{
			`5: menu "m": direct_dial needs digit_timeout > 0`,
			`8: menu "m": choice "12" starts with choice "1": that needs digit_timeout > 0`,
		}},
		{name: "prefix choices with digit_timeout are valid", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices: {"1": {hangup: true}, "12": {hangup: true}, "#": {back: true}}
`},
		{name: "only leads to itself", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices: {"1": {menu: m}}
    invalid: {restart: true}
    on_timeout: {replay_from: 1}
`, want: []string{`2: menu "m": no way out: every choice, invalid and timeout leads back to a menu, and max_retries is 0`}},
		{name: "cycle of menus without exit", yaml: `
menus:
  a: {prompts: [sound:a], choices: {"1": {menu: b}}}
  b: {prompts: [sound:b], choices: {"1": {menu: a}}, invalid: {action: {menu: a}}}
`, want: []string{
			`2: menu "a": no way out: every choice, invalid and timeout leads back to a menu, and max_retries is 0`,
			`3: menu "b": no way out: every choice, invalid and timeout leads back to a menu, and max_retries is 0`,
		}},
		{name: "max_retries is a way out", yaml: `
menus:
  m: {prompts: [sound:a], max_retries: 3, after_retries: {voicemail: "10"}}
` + phones},
		{name: "a timeout action is a way out", yaml: `
menus:
  m: {prompts: [sound:a], on_timeout: {action: {extension: "10"}}}
` + phones},
		{name: "retries and fallbacks", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices: {"1": {hangup: true}}
    max_retries: -1
    after_retries: {hangup: true}
    invalid: {restart: false, prompt: oops}
    on_timeout: {replay_from: 3, action: {hangup: true}}
`, want: []string{
			`5: menu "m": max_retries must be >= 0`,
			`6: menu "m": after_retries needs max_retries > 0`,
			`7: menu "m": invalid: prompt "oops" is not a media URI (sound:, recording:, digits:, number:, characters:, tone:)`,
			`7: menu "m": invalid: restart is false but there is no action`,
			`8: menu "m": on_timeout: set replay_from or action, not both`,
		}},
		{name: "replay_from past the prompts", yaml: `
menus:
  m:
    prompts: [sound:a, sound:b]
    choices: {"1": {hangup: true}}
    on_timeout: {replay_from: 3}
`, want: []string{`5: menu "m": on_timeout: replay_from is 3 but the menu has 2 prompts`}},
		{name: "invalid restart and action", yaml: `
menus:
  m:
    prompts: [sound:a]
    choices: {"1": {hangup: true}}
    invalid: {restart: true, action: {hangup: true}}
`, want: []string{`5: menu "m": invalid: set restart or action, not both`}},
	})
}

func TestScheduleRules(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "valid forms", yaml: `
schedules:
  a:
    default: closed
    open:
      - mon-fri 09:00-17:00
      - "sat,sun [10:00,12:00)"
      - "mon-wed,fri 22:00-06:00"
      - "* 00:00-24:00"
      - "sun [08:00, 09:30)"
    holidays: {calendars: [FR], dates: [2026-12-24], state: open}
`},
		{name: "default required", yaml: `
schedules:
  a: {closed: [mon 09:00-10:00]}
`, want: []string{`2: schedule "a": default (open or closed) is required`}},
		{name: "periods that change nothing", yaml: `
schedules:
  a: {default: open, open: [mon 09:00-10:00]}
  b: {default: closed, closed: [mon 12:00-13:00]}
`, want: []string{
			`2: schedule "a": default is open, so its open periods change nothing`,
			`3: schedule "b": default is closed and no period opens, so its closed periods change nothing`,
		}},
		{name: "a lunch break in open hours", yaml: `
schedules:
  a: {default: closed, open: [mon-fri 09:00-18:00], closed: [mon-fri 12:00-13:00]}
`},
		{name: "the dialplan's last minute", yaml: `
schedules:
  a:
    default: open
    closed: [mon-fri 17:00-23:59, "mon-fri 00:00-08:59"]
`, want: []string{
			`4: schedule "a": closed: "mon-fri 17:00-23:59" leaves out the minute from 23:59 (a period ends where it says); write 24:00 to include it`,
			`4: schedule "a": closed: "mon-fri 00:00-08:59" leaves out the minute from 08:59 (a period ends where it says); write 09:00 to include it`,
		}},
		{name: "bad periods", yaml: `
schedules:
  a:
    default: open
    closed:
      - mon-fri 25:00-09:00
      - mon-fri 09:00-09:00
      - fri-mon 09:00-10:00
      - monday 09:00-10:00
      - mon 24:00-01:00
      - mon 9:00-10:00
      - mon [09:00,10:00]
      - mon 09:60-10:00
      - mon
`, want: []string{
			`5: schedule "a": closed: period "mon-fri 25:00-09:00": hour 25 out of range`,
			`6: schedule "a": closed: period "mon-fri 09:00-09:00": start and end are both 09:00: the period would be empty (a whole day is 00:00-24:00)`,
			// line 7, "fri-mon", wraps over the weekend: valid. Line 10, "9:00", is how Asterisk writes it: valid.
			`8: schedule "a": closed: period "monday 09:00-10:00": unknown day "monday" (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, a list like sat,sun, or *)`,
			`9: schedule "a": closed: period "mon 24:00-01:00": start 24:00 is the end of the day: use 00:00 on the next day`,
			`11: schedule "a": closed: period "mon [09:00,10:00]": "]" includes the end: only half-open [start,end) is supported (start included, end excluded); write the next minute instead`,
			`12: schedule "a": closed: period "mon 09:60-10:00": minute 60 out of range`,
			`13: schedule "a": closed: period "mon": missing time range; want "<days> <start>-<end>", e.g. "mon-fri 09:00-17:00"`,
		}},
		{name: "holidays", yaml: `
schedules:
  a:
    default: open
    holidays:
      calendars: [FR, XX]
      dates: [2026-02-30]
      state: shut
`, want: []string{
			`5: schedule "a": holidays: unknown calendar "XX" (known: FR)`,
			`6: schedule "a": holidays: "2026-02-30" is not a date YYYY-MM-DD (optionally followed by a name)`,
			`7: schedule "a": holidays: state must be one of closed, open, not "shut"`,
		}},
	})
}

func TestQueueMemberAction(t *testing.T) {
	runRules(t, []ruleCase{
		{name: "valid", yaml: `
queues:
  sales: {members: [PJSIP/4001]}
numbers:
  "*61": {queue_member: {queue: sales, op: toggle}}
`},
		{name: "unknown queue, bad op, missing op", yaml: `
queues:
  sales: {members: [PJSIP/4001]}
numbers:
  "*61": {queue_member: {queue: nope, op: toggle}}
  "*62": {queue_member: {queue: sales, op: dance}}
  "*63": {queue_member: {queue: sales}}
`, want: []string{
			`4: number "*61": queue "nope" is not defined under queues`,
			`5: number "*62": queue_member: op must be one of login, logout, toggle, pause, unpause, not "dance"`,
			`6: number "*63": queue_member: queue and op are both required`,
		}},
	})
}
