package config

import (
	"github.com/ariflow/ariflow/schedule"

	"time"
)

// File is a validated routing file, with the seed's defaults filled in wherever the file is
// silent. Map keys are the names or numbers written in the file; each value repeats its key
// (Name or Number) and keeps the line it was defined on, for later error messages.
type File struct {
	Name              string                // the path or name given to Load or Parse
	Asterisk          Asterisk              // how to reach ARI
	Timezone          string                // IANA zone name; "Local" (the host's zone) when absent
	Database          string                // as written; see DatabasePath
	Sounds            Sounds                // prompt language
	Schedules         map[string]Schedule   // office hours by name
	Absence           Absence               // *77 / *88
	Notify            Notify                // Mattermost notices
	Recordings        Recordings            // call recordings
	MusicClasses      map[string]MusicClass // hold music classes by name
	ExtensionDefaults ExtensionDefaults     // defaults already applied to Extensions
	Extensions        map[string]Extension  // by extension number
	Voicemail         Voicemail             // voicemail settings and boxes
	Menus             map[string]Menu       // IVR menus by name
	Queues            map[string]Queue      // call queues by name
	Rooms             map[string]Room       // conference rooms by name
	Spy               Spy                   // who may listen to whom
	Numbers           map[string]Action     // dialed number -> what happens
	Admin             Admin                 // the admin API
	Limits            Limits                // how many new calls the app takes

	loc *time.Location
}

// Asterisk says how the app reaches Asterisk's REST interface.
type Asterisk struct {
	Line        int
	URL         string // e.g. http://127.0.0.1:18088/ari
	Username    string
	Password    string // discouraged: prefer PasswordEnv
	PasswordEnv string // environment variable holding the password
	App         string // Stasis application name, default "ariflow"
	// DialContext, when set, is the dialplan context (shipped in lab/asterisk/extensions.conf)
	// that rings a phone with Asterisk's own Dial: unrecorded rings go there, at a
	// dialplan's cost, and come back to the app unless answered.
	DialContext string
	// MaxConnections bounds the HTTP connections the app opens to Asterisk, the events
	// websocket included (0: ari.DefaultMaxConns, under Asterisk's default http.conf
	// sessionlimit of 100). Raise sessionlimit with it.
	MaxConnections int
}

// Limits bound the new calls the app takes, as Asterisk's maxcalls does for the whole
// system: past a limit a new caller is refused at once with congestion (SIP 503), and the
// calls in progress keep the machine. Callers already in a call (back from Asterisk's Dial,
// transferred, taken back after a reconnect) are never refused. Zero is no limit, the
// default.
type Limits struct {
	Line           int
	MaxCalls       int // calls the app runs at once
	CallsPerSecond int // new calls per second, in bursts of up to one second's worth
}

// Sounds holds prompt settings.
type Sounds struct {
	Line     int
	Language string // e.g. "fr" or "en_GB"; "" keeps the channel's language
}

// Schedule is a set of office hours. Periods are kept as written ("mon-fri 09:00-17:00" or
// "mon-fri [09:00,17:00)") for package schedule to parse; config only checks their syntax.
type Schedule struct {
	Name     string
	Line     int
	Default  string    // "open" or "closed": the state outside the listed periods
	Open     []string  // periods when the office is open
	Closed   []string  // periods when the office is closed
	Holidays *Holidays // nil when the schedule has none
}

// Holidays are whole days with a fixed state: public holidays of calendars, and dates.
type Holidays struct {
	Line      int
	Calendars []string // see HolidayCalendars
	Dates     []string // YYYY-MM-DD
	State     string   // "closed" (default) or "open"
}

// HolidayCalendars are the public-holiday calendars a schedule may name: those package
// schedule knows.
var HolidayCalendars = schedule.Calendars()

// Absence configures the absence feature: a code turns it on or off for the caller's own
// extension; while on, calls to that extension play ClosedSound then go to voicemail.
type Absence struct {
	Line        int
	OnCode      string // default "*77"
	OffCode     string // default "*88"
	OnSound     string // default "sound:goodbye"
	OffSound    string // default "sound:hello"
	ClosedSound string // default "sound:closed"; also played outside office hours
	// UntilScheduleChange makes absence turned on by code temporary: it ends by itself
	// when the extension's schedule next closes after open hours (set in office hours: at
	// closing; set after hours: at the end of the next open stretch). Extensions without a
	// schedule stay absent until the off code. Default false.
	UntilScheduleChange bool
}

// Notify configures chat notices. Each template may use only the placeholders its notice
// fills (notify.Placeholders; others are refused): {time} in all, the local time the notice
// was made ("14:05", in the file's timezone), and per template the ones listed below.
type Notify struct {
	Line       int
	Mattermost Mattermost
	// CallTemplate: each call to an extension with notify: true; {caller}, {caller_name}, {exten}.
	CallTemplate string
	// MissedTemplate: a call nobody answered; {caller}, {caller_name}, {exten}.
	MissedTemplate string
	// AbsenceTemplate: absence turned on or off; {exten}, {state} ("activé" or "désactivé"),
	// {by} (who changed it: an extension, or admin@<address> through the admin API).
	AbsenceTemplate string
	// VoicemailTemplate: a new voicemail message; {caller}, {caller_name}, {exten} and {box}
	// or {mailbox} (the box), {duration} ("1 min 05 s"), {link}.
	VoicemailTemplate string
}

// Mattermost is either the REST API (URL, Token or TokenEnv, ChannelID) or an incoming
// webhook (WebhookURL). Configured reports whether either is set.
type Mattermost struct {
	Line       int
	URL        string // server base URL; posts go to URL/api/v4/posts
	Token      string // discouraged: prefer TokenEnv
	TokenEnv   string // environment variable holding the token
	ChannelID  string // 26-character channel id
	WebhookURL string // incoming webhook, instead of URL/token/channel
}

// Recordings configures call recording.
type Recordings struct {
	Line      int
	Directory string        // Asterisk's recording directory, as the app sees it
	Prefix    string        // relative sub-directory for names, default "monitor/"
	Name      string        // default "{exten}-{time}"; placeholders {exten}, {caller}, {time}
	Format    string        // default "wav"
	Retention time.Duration // 0 keeps recordings forever
}

// MusicClass is a hold-music class. "default" and "classic" always exist in Asterisk and
// need no entry.
type MusicClass struct {
	Name      string
	Line      int
	Directory string // files mode directory; "" = a class Asterisk already has
}

// ExtensionDefaults apply to every extension that does not set the value itself.
type ExtensionDefaults struct {
	Line     int
	RingTime time.Duration // default 15s
	Record   bool
	Notify   bool
	Schedule string // "" = always open
}

// Extension is a phone: dialing its number runs the extension flow (notice, schedule and
// absence check, recording, ring, then voicemail if it has a mailbox).
type Extension struct {
	Number   string
	Line     int
	Endpoint string        // TECH/resource, e.g. PJSIP/1000
	RingTime time.Duration // > 0
	Mailbox  string        // voicemail box, "" = hang up when unanswered
	Schedule string        // schedule name, "" = always open
	Record   bool
	Notify   bool
}

// MinAdminToken is the fewest characters an admin token may have: a shorter one is guessed
// too easily, lock-out or not. `head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'` makes one.
const MinAdminToken = 16

// Admin configures the admin HTTP API.
type Admin struct {
	Line     int
	Listen   string // host:port, default 127.0.0.1:5001
	Token    string // discouraged: prefer TokenEnv
	TokenEnv string // environment variable holding the bearer token
}
