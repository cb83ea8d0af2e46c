package conference

import (
	"fmt"

	"github.com/ariflow/ariflow/config"
)

// Explain says what a caller to room name meets, for `ariflow simulate`.
func Explain(f *config.File, name string) []string {
	cfg, ok := f.Rooms[name]
	if !ok {
		return []string{fmt.Sprintf("room %s is not in the routing file", name)}
	}
	steps := []string{fmt.Sprintf("answer; room %s: at most %d members (admins always enter; full: conf-full, locked: conf-locked)", name, cfg.MaxMembers)}
	switch {
	case cfg.PIN != "" && cfg.AdminPIN != "":
		steps = append(steps, fmt.Sprintf("ask the PIN then # (conf-getpin), %d tries; the admin PIN enters as an admin", PINAttempts))
	case cfg.PIN != "":
		steps = append(steps, fmt.Sprintf("ask the PIN then # (conf-getpin), %d tries", PINAttempts))
	case cfg.AdminPIN != "":
		steps = append(steps, "ask for the admin PIN (conf-getpin); # alone enters as a user")
	}
	if cfg.AnnounceCount {
		steps = append(steps, "announce the others: conf-onlyperson, conf-onlyone, or conf-thereare N conf-otherinparty")
	}
	if cfg.MusicWhenAlone {
		steps = append(steps, "hold music "+cfg.MusicClass+" while alone")
	}
	if cfg.Record {
		steps = append(steps, "the room is recorded while it has members")
	}
	return append(steps, "keys: 1 mute/unmute, 2 count, 3 leave; admins: 4 lock/unlock, 5 mute/unmute all, 6 kick the last joined")
}
