package app

import (
	"context"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
)

// buildQueue builds the queues of a routing file on the app's long-lived queue state
// (Services.Queues); without one, the queues get a state of their own.
func buildQueue(f *config.File, s Services) (Feature, error) {
	m := s.Queues
	if m == nil {
		m = queue.NewManager(s.DB, s.Logger)
	}
	h, err := queue.New(f, queue.Deps{Manager: m, Now: s.Now})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *call.Call, a config.Action, run Runner) error {
		return h.Serve(ctx, c, a.Queue, queue.Runner(run))
	}, nil
}
