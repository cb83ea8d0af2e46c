package queue

import (
	"fmt"
	"strings"
	"time"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/recordings"
)

// Explain says, for `ariflow simulate`, what a call from caller dialing exten at t does
// in queue name of file; music is the call's own hold music class ("" for the queue's).
func Explain(file *config.File, name, music, exten, caller string, t time.Time) []string {
	q, ok := file.Queues[name]
	if !ok {
		return []string{fmt.Sprintf("queue %s is not in the routing file", name)}
	}
	var steps []string
	after := "hang up" // where a caller turned away goes
	if q.AfterMaxWait != nil {
		after = describe(*q.AfterMaxWait)
	}
	if q.MaxLength > 0 {
		steps = append(steps, fmt.Sprintf("queue %s takes at most %d waiting callers; one more: %s", name, q.MaxLength, after))
	}
	if !q.JoinEmpty {
		steps = append(steps, "while no member is logged in and unpaused, no caller joins: "+after)
	}
	if q.Answer {
		steps = append(steps, "answer")
	}
	if q.AnnouncePosition {
		s := "announce the caller's position (and the estimated wait left, from one minute up), unless it is next and a member is free"
		if q.AnnounceEvery > 0 {
			s += ", again every " + q.AnnounceEvery.String()
		}
		steps = append(steps, s)
	}
	if music == "" {
		music = q.MusicClass
	}
	steps = append(steps, "wait with hold music "+music)
	members := strings.Join(q.Members, ", ")
	if q.Strategy == "ringall" {
		steps = append(steps, fmt.Sprintf("ring every free member at once (%s) for %s; the first to answer takes the call", members, q.MemberTimeout),
			fmt.Sprintf("nobody answers: ring again after %s", q.Retry))
	} else {
		steps = append(steps, fmt.Sprintf("ring one free member at a time (%s, %s) for %s each; after one busy or unreachable, the next at once", members, q.Strategy, q.MemberTimeout),
			fmt.Sprintf("nobody answers once each was tried: ring again after %s", q.Retry))
	}
	if loc, err := time.LoadLocation(file.Timezone); err == nil && q.Record && file.Recordings.Directory != "" {
		namer := recordings.Namer{Pattern: file.Recordings.Name, Prefix: file.Recordings.Prefix, Location: loc}
		steps = append(steps, "record the connected call as "+namer.Name(exten, caller, "", t)+"."+recordings.Ext(file.Recordings.Format))
	}
	if q.WrapUp > 0 {
		steps = append(steps, fmt.Sprintf("the member rests %s after the call", q.WrapUp))
	}
	if q.LeaveEmpty {
		steps = append(steps, "once no member is logged in and unpaused, the caller leaves: "+after)
	}
	if q.MaxWait > 0 {
		steps = append(steps, fmt.Sprintf("after %s of waiting: %s", q.MaxWait, after))
	}
	return steps
}

// describe names an action in one line.
func describe(a config.Action) string {
	switch {
	case a.Extension != "":
		return "extension " + a.Extension
	case a.Voicemail != "":
		return "voicemail of " + a.Voicemail
	case a.Queue != "":
		return "queue " + a.Queue
	case a.Menu != "":
		return "menu " + a.Menu
	case len(a.Play) > 0:
		return "play " + strings.Join(a.Play, ", ") + ", hang up"
	case a.Dial != nil:
		return "dial " + a.Dial.Endpoint
	}
	return string(a.Kind)
}
