package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
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

// absencePoster posts absence changes (app.Notices does); it must never block.
type absencePoster interface {
	AbsenceChanged(exten string, on bool, by string)
}

// absenceNotices is the absence store's change hook: every change of an extension's
// absence mode is posted, whether a phone's *77/*88, the admin API, the CLI or the page
// made it. nil when n posts no absence notices.
func absenceNotices(n extension.Notices) func(absence.State) {
	an, ok := n.(absencePoster)
	if !ok || an == nil {
		return nil
	}
	return func(st absence.State) { an.AbsenceChanged(st.Exten, st.On, st.By) }
}

// absenceEndInterval is how often temporary absences past their end are turned off.
const absenceEndInterval = time.Minute

// endAbsences turns off the temporary absences past their end (absence.EndExpired: the
// change hook posts each end), now and every absenceEndInterval until ctx ends.
func endAbsences(ctx context.Context, svc *absence.Service, log zerolog.Logger) {
	t := time.NewTicker(absenceEndInterval)
	defer t.Stop()
	for {
		ended, err := svc.EndExpired(time.Now())
		for _, st := range ended {
			log.Info().Str("exten", st.Exten).Time("at", st.At).Msg("temporary absence ended")
		}
		if err != nil {
			log.Error().Err(err).Msg("temporary absences not ended")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
