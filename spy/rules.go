// Package spy lets a supervisor listen to an extension's live call (the seed's ChanSpy on
// 52): the supervisor types the extension and #, and hears the call through a snoop
// channel, quietly (listen), talking to the extension's user only (whisper), or heard by
// both (barge). 4, 5 and 6 switch between the three during the call. Who may spy on whom
// is the routing file's allow-list; every session is logged in the database.
package spy

import (
	"slices"
	"strings"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// The spy modes.
const (
	Listen  = "listen"  // nobody hears the supervisor
	Whisper = "whisper" // only the extension's user hears the supervisor
	Barge   = "barge"   // both parties hear the supervisor
)

// Directions are the snoop's spy and whisper directions for a mode: the supervisor always
// hears both parties; whisper speaks toward the spied channel's phone ("out"), barge into
// both directions of it.
func Directions(mode string) (spy, whisper string) {
	switch mode {
	case Whisper:
		return ari.DirectionBoth, ari.DirectionOut
	case Barge:
		return ari.DirectionBoth, ari.DirectionBoth
	default:
		return ari.DirectionBoth, "none"
	}
}

// ModeOfKey is the mode a key switches to during a session (4 listen, 5 whisper, 6
// barge), or "".
func ModeOfKey(key string) string {
	switch key {
	case "4":
		return Listen
	case "5":
		return Whisper
	case "6":
		return Barge
	}
	return ""
}

// Allowed reports whether a rule lets caller who spy on extension whom; "*" matches anyone.
func Allowed(rules []config.SpyRule, who, whom string) bool {
	for _, r := range rules {
		if matches(r.Who, who) && matches(r.Whom, whom) {
			return true
		}
	}
	return false
}

// MaySpy reports whether some rule lets who spy on anyone at all.
func MaySpy(rules []config.SpyRule, who string) bool {
	for _, r := range rules {
		if matches(r.Who, who) {
			return true
		}
	}
	return false
}

func matches(list []string, n string) bool {
	return n != "" && (slices.Contains(list, "*") || slices.Contains(list, n))
}

// FindTarget picks, among Asterisk's channels, the live call of extension exten: a channel
// of its endpoint ("PJSIP/1000-0000002a") that is up, or else an answered channel whose
// caller is exten, preferring the caller's own channel to the phones the app rang for it
// (which carry the caller's number too). The app's own helper channels (snoops, music,
// recorders) are never targets.
func FindTarget(channels []ari.Channel, exten, endpoint string) (ari.Channel, bool) {
	var byCaller, byLeg *ari.Channel
	for i := range channels {
		ch := &channels[i]
		if ch.State != "Up" || helper(ch.Name) {
			continue
		}
		if endpoint != "" && strings.HasPrefix(ch.Name, endpoint+"-") {
			return *ch, true
		}
		if ch.Caller.Number != exten {
			continue
		}
		if strings.Contains(ch.Dialplan.AppData, call.ArgLeg) {
			if byLeg == nil {
				byLeg = ch
			}
		} else if byCaller == nil {
			byCaller = ch
		}
	}
	if byCaller == nil {
		byCaller = byLeg
	}
	if byCaller != nil {
		return *byCaller, true
	}
	return ari.Channel{}, false
}

func helper(name string) bool {
	for _, p := range []string{"Snoop/", "Announcer/", "Recorder/", "UnicastRTP/", "Message/"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
