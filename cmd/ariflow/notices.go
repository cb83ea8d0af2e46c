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
	mm := file.Notify.Mattermost
	if !mm.Configured() {
		return nil, func() {}, nil
	}
	token, err := mm.ResolveToken()
	if err != nil {
		return nil, nil, err
	}
	client, err := notify.NewMattermost(notify.MattermostConfig{
		URL: mm.URL, Token: token, ChannelID: mm.ChannelID, WebhookURL: mm.WebhookURL,
	})
	if err != nil {
		return nil, nil, err
	}
	n, err := notify.NewNotifier(client, notify.NotifierConfig{
		ChannelID: mm.ChannelID,
		Templates: notify.Templates{
			Call: file.Notify.CallTemplate, Missed: file.Notify.MissedTemplate,
			Absence: file.Notify.AbsenceTemplate, Voicemail: file.Notify.VoicemailTemplate,
		},
		Logger: log.With().Str("component", "notify").Logger(),
	})
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
