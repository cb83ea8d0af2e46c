package config

import "time"

// Voicemail holds voicemail.conf's [general] settings and the boxes of context default.
type Voicemail struct {
	Line             int
	Format           string         // default "wav"
	MaxMessages      int            // default 100
	MaxDuration      time.Duration  // default 60s
	MinDuration      time.Duration  // default 3s; shorter messages are discarded
	MaxSilence       time.Duration  // default 10s; 0 = never stop on silence
	SilenceThreshold int            // default 128 (1..32767)
	Skip             time.Duration  // default 3000ms: how far * and # move a message played (skipms)
	MaxLogins        int            // default 3
	Boxes            map[string]Box // by box number (digits)
}

// Box is one voicemail box.
type Box struct {
	Number string
	Line   int
	PIN    string // digits
	Name   string // the owner's name, listed with the box's messages (admin API)
	Email  string // optional
}

// Menu is an IVR menu. Digits are collected until a choice matches and no longer choice
// starts with them, or DigitTimeout passes after the last digit.
type Menu struct {
	Name         string
	Line         int
	Prompts      []string          // media played in order, interrupted by a digit
	Timeout      time.Duration     // wait for the first digit after the prompts, default 10s
	DigitTimeout time.Duration     // wait between digits, default 3s; 0 = single digits only
	Choices      map[string]Action // by digits ([0-9*#]+)
	Invalid      Invalid           // digits matching no choice
	OnTimeout    OnTimeout         // no digit within Timeout
	MaxRetries   int               // invalid inputs and timeouts before AfterRetries; 0 = forever
	AfterRetries *Action           // default: hang up (only used when MaxRetries > 0)
	DirectDial   bool              // digits naming an extension dial it
	Answer       bool              // answer before the prompts, default true
}

// Invalid says what a menu does with digits matching no choice: play Prompt (sound:invalid
// when empty: a wrong key is never met with silence), then run Action, or else start the
// menu over (Restart).
type Invalid struct {
	Line    int
	Prompt  string
	Restart bool // true whenever Action is nil
	Action  *Action
}

// OnTimeout says what a menu does when no digit comes: run Action, or else replay the
// prompts from the ReplayFrom-th one (1-based; 1 when the file is silent).
type OnTimeout struct {
	Line       int
	ReplayFrom int // 0 when Action is set
	Action     *Action
}

// Queue is a call queue.
type Queue struct {
	Name             string
	Line             int
	Strategy         string        // ringall (default), linear, rrmemory, leastrecent, fewestcalls, random
	MemberTimeout    time.Duration // ring a member this long, default 20s
	Retry            time.Duration // pause before ringing again, default 5s
	MusicClass       string        // default "default"
	Answer           bool          // answer the caller before waiting, default true
	Members          []string      // endpoints, TECH/resource
	MaxWait          time.Duration // 0 = wait forever
	AfterMaxWait     *Action       // where a caller turned away goes (see TurnsAway); default: hang up
	MaxLength        int           // callers waiting at most; 0 = no limit
	JoinEmpty        bool          // join when no member is reachable, default true
	LeaveEmpty       bool          // leave when no member is reachable, default false
	WrapUp           time.Duration // rest for a member after a call
	AnnouncePosition bool          // announce the caller's position
	AnnounceEvery    time.Duration // repeat the position announcement; 0 = only on joining
	RingInUse        bool          // ring members already on a call
	Record           bool          // record each answered call (as the seed's queue: no)
}

// TurnsAway reports whether the queue can send a caller on to AfterMaxWait: when
// MaxWait passes, when it is full (MaxLength), when nobody can take calls on joining
// (JoinEmpty false) or while waiting (LeaveEmpty).
func (q Queue) TurnsAway() bool {
	return q.MaxWait > 0 || q.MaxLength > 0 || !q.JoinEmpty || q.LeaveEmpty
}

// QueueStrategies are the valid Queue.Strategy values.
var QueueStrategies = []string{"ringall", "linear", "rrmemory", "leastrecent", "fewestcalls", "random"}

// Room is a conference room.
type Room struct {
	Name           string
	Line           int
	MaxMembers     int    // default 5
	AnnounceCount  bool   // announce the member count to whoever joins; default true
	MusicWhenAlone bool   // hold music for a member alone in the room; default true
	MusicClass     string // default "default"
	JoinSound      string // media, "" = none
	LeaveSound     string // media, "" = none
	PIN            string // digits, "" = none
	AdminPIN       string // digits, "" = no admins by PIN
	Record         bool
}

// Spy says who may listen to whom, and the mode used when a spy action names none.
type Spy struct {
	Line  int
	Allow []SpyRule
	Mode  string // listen (default), whisper or barge
}

// SpyRule lets the callers in Who spy on the extensions in Whom; "*" matches anyone.
type SpyRule struct {
	Line int
	Who  []string
	Whom []string
}

// SpyModes are the valid spy modes.
var SpyModes = []string{"listen", "whisper", "barge"}
