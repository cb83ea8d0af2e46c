package app

import (
	"context"
	"errors"
	"strings"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
)

// buildQueueMember serves a member's feature code (`queue_member: {queue, op}`): the
// calling phone logs in or out of the queue, or pauses, on the app's long-lived queue
// state; the caller hears agent-loginok, agent-loggedoff or a beep.
func buildQueueMember(f *config.File, s Services) (Feature, error) {
	return func(ctx context.Context, c *call.Call, a config.Action, _ Runner) error {
		if err := c.Answer(ctx); err != nil {
			return err
		}
		number, _ := c.Caller()
		qa := a.QueueMember
		member := memberFor(f.Queues[qa.Queue].Members, number)
		log := c.Logger().With().Str("queue", qa.Queue).Str("op", qa.Op).Logger()
		if s.Queues == nil || member == "" {
			log.Warn().Msg("queue member code from a phone that is not a member of the queue")
			_, err := c.Play(ctx, false, "sound:invalid")
			return err
		}
		sound, err := memberOp(s.Queues, qa.Queue, member, qa.Op)
		if err != nil {
			log.Error().Err(err).Str("member", member).Msg("queue member code failed")
			_, perr := c.Play(ctx, false, call.Sorry...)
			return errors.Join(err, perr)
		}
		log.Info().Str("member", member).Msg("queue member changed by its phone")
		_, err = c.Play(ctx, false, sound)
		return err
	}, nil
}

// memberFor is the member endpoint of a queue whose resource is the caller's number
// (PJSIP/4001 for a call from 4001), or "".
func memberFor(members []string, number string) string {
	for _, ep := range members {
		if _, res, ok := strings.Cut(ep, "/"); ok && res == number && number != "" {
			return ep
		}
	}
	return ""
}

// memberOp applies op for member and returns the confirmation sound.
func memberOp(m *queue.Manager, q, member, op string) (string, error) {
	if op == "toggle" {
		op = "logout"
		members, err := m.Members(q)
		if err != nil {
			return "", err
		}
		for _, st := range members {
			if st.Endpoint == member && st.Status == queue.StatusLoggedOut {
				op = "login"
			}
		}
	}
	switch op {
	case "login":
		return "sound:agent-loginok", m.Login(q, member)
	case "logout":
		return "sound:agent-loggedoff", m.Logout(q, member)
	default: // pause, unpause
		return "sound:beep", m.Pause(q, member, op == "pause", "feature code")
	}
}
