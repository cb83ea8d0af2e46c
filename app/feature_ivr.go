package app

import (
	"context"

	"github.com/ariflow/ariflow/app/call"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/ivr"
)

// buildIVR builds the menus of a routing file (menu actions). A menu's choice that leads
// out of the menus (an extension, a queue...) runs on the same call through run: an
// extension rings with the extension flow's ring-and-fallback.
func buildIVR(f *config.File, _ Services) (Feature, error) {
	h, err := ivr.New(f)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, c *call.Call, a config.Action, run Runner) error {
		return h.Serve(ctx, c, a.Menu, ivr.Runner(run))
	}, nil
}

// explainMenu adds to steps what a caller pressing keys in menu meets, and where the
// menus lead: `ariflow simulate --digits`.
func (r *Routing) explainMenu(steps []string, x explained, menu string) ([]string, error) {
	h, err := ivr.New(r.File)
	if err != nil {
		return steps, err
	}
	walk, end, err := h.Walk(menu, x.keys)
	steps = append(steps, walk...)
	if err != nil || end == nil {
		return steps, err
	}
	x.keys = ""
	return r.explainAction(steps, x, *end)
}
