package app

import (
	"context"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
)

// buildRoom builds the conference rooms of a routing file on the app's long-lived room
// state (Services.Rooms); without one, the rooms get a state of their own. Each call
// hands the manager the ARI connection it runs on.
func buildRoom(f *config.File, s Services) (Feature, error) {
	m := s.Rooms
	if m == nil {
		m = conference.NewManager(s.Logger)
	}
	h, err := conference.New(f, conference.Deps{Manager: m, Now: s.Now})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *call.Call, a config.Action, _ Runner) error {
		m.Attach(c.ARI())
		endpoint, _ := ctx.Value(invitedAt{}).(string) // "": not a phone the admin invited
		if bridge, ok := ctx.Value(rejoinBridge{}).(string); ok {
			return h.Rejoin(ctx, c, a.Room, bridge, endpoint)
		}
		if endpoint != "" {
			return h.ServeInvited(ctx, c, a.Room, endpoint)
		}
		return h.Serve(ctx, c, a.Room)
	}, nil
}
