package app

import (
	"context"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/spy"
)

// buildSpy builds the spy actions of a routing file; sessions are logged in the database.
func buildSpy(f *config.File, s Services) (Feature, error) {
	h := spy.New(f, spy.Deps{DB: s.DB, Now: s.Now})
	return func(ctx context.Context, c *call.Call, a config.Action, _ Runner) error {
		mode := f.Spy.Mode
		if a.Spy != nil && a.Spy.Mode != "" {
			mode = a.Spy.Mode
		}
		return h.Serve(ctx, c, mode)
	}, nil
}
