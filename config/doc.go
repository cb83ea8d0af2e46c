// Package config loads the routing file: the one YAML file in which an admin describes
// extensions, mailboxes, schedules, menus, queues, rooms, spy rights and notices.
// examples/office.yaml is the reference sample (the seed's dialplan, translated).
//
// Load and Parse decode the file strictly from a yaml.v3 node tree, so every value keeps its
// line, and check everything in one pass. A bad file is refused with Problems, every problem
// at once, sorted by line, each formatted `file:line: what is wrong`:
//
//	routing.yaml:12: queue "sales": member_timeout must be > 0
//
// Nothing is clamped: an out-of-range value is a problem. Where the file is silent, the
// seed's values apply (ring_time 15s, voicemail wav/100/60s/3s/10s/128/3000ms/3, menu
// timeout 10s and digit_timeout 3s, queue ringall 20s retry 5s music classic, room max_members 5,
// recordings "monitor/{exten}-{time}" wav, absence *77/*88, app "ariflow", admin on
// 127.0.0.1:5001). The File returned has every default applied.
//
// # Values
//
// Strings take any scalar and keep its text (pin: 0123 is "0123"). Booleans are true or
// false only (yes/on are refused). Durations are Go durations with a unit ("15s", "500ms");
// a bare number is refused; recordings.retention also takes whole days ("90d"). Sounds
// are Asterisk media URIs (sound:, recording:, digits:, number:, characters:, tone:).
// Endpoints are TECH/resource. Dial strings (extension numbers, numbers keys, absence
// codes, menu digits) use 0-9, * and #; PINs and box numbers are digits. Names of schedules, menus, queues, rooms and music classes use
// letters, digits, '_', '-' and '.'. YAML anchors may be written but aliases are refused
// (the merge key << is an unknown key), and the file holds one YAML document.
//
// # Actions
//
// An Action is a mapping with exactly one key: extension, dial ({endpoint, ring_time} or
// just the endpoint), menu, back (menus only), queue, voicemail, voicemail_main ({} or
// {mailbox}), room, spy ({} or {mode}), absence (on|off), play (one media URI or a list;
// hangs up after) or hangup (true). Numbers map dialed strings to actions; extensions are
// dialable as themselves and the absence codes act on the caller's own extension, so a
// numbers key may be neither. File.Lookup resolves a dialed string.
//
// # Schedules
//
// A schedule has a default state (open|closed, required) and lists of open and closed
// periods; closed periods beat open ones (default closed, open mon-fri 09:00-18:00, closed
// mon-fri 12:00-13:00: a lunch break). Periods that cannot change anything (open ones
// under default open, closed ones under default closed with no open one) are refused as a
// likely mistake. Optional holidays: {calendars: [FR], dates: [YYYY-MM-DD], state: closed}.
// A period is "<days> HH:MM-HH:MM" or "<days> [HH:MM,HH:MM)", both meaning the half-open
// interval; an end at HH:59, as the dialplan's GotoIfTime(17:00-23:59) writes its last
// minute, is refused with the end to write instead (24:00).
// Days are "*" or a comma list of mon..sun and ranges (mon-fri; fri-mon wraps over the
// weekend). 24:00 may only end a range; an end before the start is an overnight range; an
// empty range (start = end) is refused. Package schedule owns the syntax (config checks
// each period with schedule.ParsePeriod, so it reports the period's own line); holiday
// calendars are those schedule.Calendars lists. absence.until_schedule_change: true makes
// absence set by code end when the extension's schedule next closes after open hours.
//
// # Menus
//
// Digits are collected until they match a choice that no longer choice starts with, or
// digit_timeout passes. A choice that is a prefix of another ("1" and "12") therefore needs
// digit_timeout > 0, as does direct_dial (typing an extension number). Invalid digits play
// invalid.prompt, then run invalid.action or else start the menu over; no digit within
// timeout runs on_timeout.action or else replays from prompt on_timeout.replay_from (1).
// Invalid inputs and timeouts count as retries: after max_retries of them (0 = never give
// up) after_retries runs (default: hang up). back returns to the menu that led here; in a
// menu entered directly, it hangs up. A menu is refused when a caller could never leave it:
// no choice, invalid or timeout action leads anywhere but menus that cannot be left either,
// max_retries is 0 and direct_dial is off.
//
// # Other decisions
//
//   - asterisk is required: url, username, and exactly one of password / password_env.
//     Secrets in *_env keys are read at run time (ResolvePassword, ResolveToken), not here.
//     asterisk.dial_context (off by default) names the dialplan context that rings a phone
//     with Asterisk's own Dial (the README's "Running it against an existing Asterisk").
//     asterisk.max_connections (64 when absent, at least 2) bounds the app's HTTP
//     connections to Asterisk, to stay under http.conf's sessionlimit (100 by default).
//   - limits (max_calls, calls_per_second) are off (0) by default. Past one, a new caller is
//     refused with congestion at once; callers already in a call are never refused.
//   - timezone defaults to "Local", the host's zone; tzdata is embedded.
//   - The music classes "default" and "classic" always exist; others must be listed. A
//     listed class is one Asterisk's musiconhold.conf defines (ARI cannot make one): its
//     directory says where that class's files are, for the reader; the app checks names.
//     music_class beside a queue or menu action (an entry point, a menu's choice) is the
//     call's hold music from there on, before any queue's own class, as the seed's
//     Set(CHANNEL(musicclass)=musique) before Queue(): {queue: file-attente, music_class: musique}.
//   - sounds.language (the channel's own when absent) is the language of every prompt the
//     app plays to a caller; Asterisk plays a sound it lacks in that language in English.
//   - recordings.retention (absent: forever; at least an hour) is how long call recordings
//     are kept; voicemail has its own limits.
//   - A queue answers the caller first (answer: true) and join_empty is true by default;
//     after_max_wait is where a caller turned away goes (max_wait passed, max_length
//     reached, join_empty: false or leave_empty: true with no member taking calls): it
//     needs one of those and defaults to hanging up. ring_in_use is false by default: a
//     member already on a call is skipped (Asterisk's ringinuse defaults to yes, so the
//     seed's queue rang them: the sample sets ring_in_use: true).
//   - notify.mattermost is the REST API (url, token or token_env, channel_id) or a
//     webhook_url, not both; notify: true on an extension needs one of them. Each template
//     may use only what its notice fills: {time} ("14:05") in all; call_template and
//     missed_template {caller}, {caller_name}, {exten}; absence_template {exten}, {state}
//     ("activé"/"désactivé"), {by}; voicemail_template {caller}, {caller_name}, {exten},
//     {box} or {mailbox}, {duration}, {link}.
//   - The admin section, when present, needs token or token_env, a token of MinAdminToken
//     characters at least. Without it the admin API has no token (Admin.ResolveToken
//     fails) and must not be served.
//   - spy who/whom are numbers or "*", not checked against extensions: as in the seed,
//     the spied phone is named by its number.
//   - Every extension needs an endpoint; a mailbox is optional; every box needs a PIN.
package config
