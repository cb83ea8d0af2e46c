package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ariflow/ariflow/admin"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/notify"
)

// startAdmin serves the admin API when the routing file has an admin section (loopback
// 127.0.0.1:5001 unless it says otherwise; a token is required). restart asks the process
// for a graceful restart. The returned stop shuts the API down.
func (s *server) startAdmin(file *config.File, client *ari.Client, restart func()) (stop func(), err error) {
	if file.Admin.Line == 0 {
		s.log.Info().Msg("no admin section in the routing file: admin API off")
		return func() {}, nil
	}
	token, err := file.Admin.ResolveToken()
	if err != nil {
		return nil, err
	}
	deps := admin.Deps{
		App: s.app, Absence: s.services.Absence.(admin.Absences),
		ReloadModule:  client.Asterisk.ReloadModule,
		Reload:        s.reloadFile,
		RestartNeeded: s.restartNeeded,
		Restart:       restart,
	}
	if s.services.Queues != nil {
		deps.Queues = s.services.Queues
	}
	if s.services.Rooms != nil {
		deps.Rooms = s.services.Rooms
	}
	if v, ok := s.services.Voicemail.(app.Voicemail); ok {
		deps.Voicemail = v.S
	}
	if n, ok := s.services.Notices.(app.Notices); ok {
		deps.NotifyStats = func() notify.Stats { return n.N.Stats() }
	}
	api, err := admin.New(admin.Config{Listen: file.Admin.Listen, Token: token, Logger: s.log.With().Str("component", "admin").Logger()}, deps)
	if err != nil {
		return nil, err
	}
	srv := api.NewHTTPServer()
	ln, err := net.Listen("tcp", api.Listen())
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error().Err(err).Msg("admin API stopped")
		}
	}()
	s.log.Info().Str("listen", ln.Addr().String()).Msg("admin API serving")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// restartNeeded names the settings of the current routing file that differ from the file
// the server started with and that only a restart applies (startOnlyChanges).
func (s *server) restartNeeded() []string {
	if s.started == nil {
		return nil
	}
	return startOnlyChanges(s.started, s.app.Routing().File)
}

// reloadFile reads the routing file again. A bad file is refused with its problems (and
// logged) and the app keeps the last good one; calls in progress keep the routing they
// started with.
func (s *server) reloadFile() error {
	s.reloading.Lock() // a SIGHUP and the API at once: one after the other, the last read wins
	defer s.reloading.Unlock()
	file, _, err := loadFile(s.path, os.Getenv)
	if err == nil {
		var r *app.Routing
		if r, err = app.NewRouting(file, s.services); err == nil {
			s.app.SetRouting(r)
			s.log.Info().Str("routing", s.path).Msg("routing file reloaded")
			if keys := s.restartNeeded(); len(keys) > 0 {
				s.log.Warn().Str("routing", s.path).Strs("settings", keys).
					Msg("these settings changed since the start and apply at the next restart (POST /api/restart, or the service manager)")
			}
			return nil
		}
	}
	s.log.Error().Str("routing", s.path).Msg("reload refused, keeping the last good routing file:\n" + err.Error())
	return err
}
