package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/notify"
)

// newNotices builds the Mattermost notifier the routing file asks for, or none.
// The returned stop flushes what it can within five seconds.
func newNotices(file *config.File, log zerolog.Logger) (extension.Notices, func(), error) {
	clientCfg, notifierCfg, ok, err := app.NotifySettings(file)
	if err != nil || !ok {
		return nil, func() {}, err
	}
	client, err := notify.NewMattermost(clientCfg)
	if err != nil {
		return nil, nil, err
	}
	notifierCfg.Logger = log.With().Str("component", "notify").Logger()
	n, err := notify.NewNotifier(client, notifierCfg)
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Close(ctx)
	}
	return app.Notices{N: n}, stop, nil
}
