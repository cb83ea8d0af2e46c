package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/conference"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/recordings"
	"github.com/ariflow/ariflow/store"
)

// serve runs the Stasis application until SIGTERM or SIGINT; SIGHUP reloads the routing file.
func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logFormat := fs.String("log-format", "", "json or console (default: console on a terminal, json otherwise)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	drain := fs.Duration("drain", 30*time.Second, "on SIGTERM, how long calls may go on before they are hung up")
	path, err := parseWithFile(fs, args)
	if err != nil {
		return 2
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "ariflow:", err)
		return 2
	}
	procs := appProcs(os.Getenv, runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(procs)
	log.Info().Int("gomaxprocs", procs).Str("godebug", os.Getenv("GODEBUG")).
		Msg("the Go runtime's settings: cores the app's Go code runs on at once, GODEBUG (sysmon.go)")
	err = runServer(path, log, *drain)
	switch {
	case errors.Is(err, errRestart):
		log.Info().Int("exit", exitRestart).Msg("ariflow stopped for a restart: the service manager starts it again")
		return exitRestart
	case err != nil:
		log.Error().Err(err).Msg("ariflow stopped")
		return 1
	}
	return 0
}

// exitRestart is serve's exit status after a restart asked through the admin API (75,
// EX_TEMPFAIL): not 0, so that a service manager that restarts only failures (systemd
// Restart=on-failure, compose restart: on-failure) starts ariflow again too.
const exitRestart = 75

// errRestart ends runServer when the admin API asked for a restart.
var errRestart = errors.New("restart asked through the admin API")

// appProcs is how many cores the app's Go code runs on at once: GOMAXPROCS from the
// environment when set, otherwise a quarter of the cores Go would use (cpus), at least one.
// The app only steers calls; Asterisk, as a rule on the same machine, needs the cores for
// media and ARI. Fewer Ps also wake fewer threads to look for work: on the lab's two cores
// one P cut the app's CPU per call by a quarter (bench/README.md, the run of 2026-12-04).
func appProcs(getenv func(string) string, cpus int) int {
	if getenv("GOMAXPROCS") != "" {
		return cpus // Go has applied it already
	}
	return max(1, cpus/4)
}

// parseWithFile parses flags placed before or after the one FILE argument.
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	var file string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if file != "" {
			fmt.Fprintf(fs.Output(), "ariflow %s: one routing file only, got %q too\n", fs.Name(), args[0])
			return "", errors.New("too many arguments")
		}
		file, args = args[0], args[1:]
	}
	if file == "" {
		fmt.Fprintf(fs.Output(), "ariflow %s: which routing file?\n", fs.Name())
		return "", errors.New("no file")
	}
	return file, nil
}

func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		return zerolog.Logger{}, fmt.Errorf("log level %q: %w", level, err)
	}
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "console"
			}
		}
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	default:
		return zerolog.Logger{}, fmt.Errorf("log format %q: want json or console", format)
	}
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// server is the running process: its services, outliving reloads, and the app.
type server struct {
	path     string
	started  *config.File // the file read at start: what startOnlyChanges compares with
	log      zerolog.Logger
	db       *store.DB
	services app.Services
	app      *app.App
	// reloading makes reloads (SIGHUP, the admin API) take turns.
	reloading sync.Mutex
}

func runServer(path string, log zerolog.Logger, drain time.Duration) error {
	// At once: a SIGHUP while starting (logrotate, a reload) waits its turn rather than
	// killing the process, and a SIGTERM stops it once started.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	file, overrides, err := loadFile(path, os.Getenv)
	if err != nil {
		return fmt.Errorf("routing file refused:\n%w", err)
	}
	if len(overrides) > 0 {
		log.Info().Strs("from_environment", overrides).Msg("routing file values replaced by the environment")
	}
	db, err := store.Open(file.DatabasePath())
	if err != nil {
		return err
	}
	defer db.Close()
	s := &server{path: path, started: file, log: log, db: db}
	notices, stopNotices, err := newNotices(file, log)
	if err != nil {
		return err
	}
	defer stopNotices()
	absences := absence.New(db, absenceNotices(notices))
	s.services = app.Services{DB: db, Absence: absences, Notices: notices, Logger: log}
	s.services.Queues = queue.NewManager(db, log)
	s.services.Rooms = conference.NewManager(log)
	vm, err := app.NewVoicemail(context.Background(), file, s.services)
	if err != nil {
		return err
	}
	s.services.Voicemail = vm
	routing, err := app.NewRouting(file, s.services)
	if err != nil {
		return err
	}

	password, err := file.Asterisk.ResolvePassword()
	if err != nil {
		return err
	}
	var a *app.App
	client, err := ari.New(ari.Options{
		BaseURL: file.Asterisk.URL, Username: file.Asterisk.Username, Password: password,
		Application: file.Asterisk.App, MaxConns: file.Asterisk.MaxConnections,
		Logger:  log.With().Str("component", "ari").Logger(),
		OnState: func(st ari.ConnState) { a.ConnState(st) },
	})
	if err != nil {
		return err
	}
	a, err = app.New(app.Options{Client: client, AppName: file.Asterisk.App, Logger: log, Routing: routing})
	if err != nil {
		return err
	}
	s.app = a
	restart := make(chan struct{}, 1)
	stopAdmin, err := s.startAdmin(file, client, func() {
		select {
		case restart <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer stopAdmin()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	expired := make(chan struct{})
	go func() {
		defer close(expired)
		recordings.ExpireEvery(ctx, expireInterval, s.retention, time.Now, log.With().Str("component", "recordings").Logger())
	}()
	absencesEnded := make(chan struct{})
	go func() {
		defer close(absencesEnded)
		endAbsences(ctx, absences, log.With().Str("component", "absence").Logger())
	}()
	log.Info().Str("routing", path).Str("ari", file.Asterisk.URL).Str("app", file.Asterisk.App).Msg("ariflow serving")

	stopErr := s.waitForStop(signals, restart, runErr)
	if stopErr != nil && !errors.Is(stopErr, errRestart) {
		return stopErr
	}
	log.Info().Dur("drain", drain).Msg("stopping: no new calls; waiting for calls in progress")
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	err = a.Drain(dctx)
	cancel()
	stop()
	<-runErr
	<-expired
	<-absencesEnded
	if err == nil {
		err = stopErr // errRestart: serve exits for the service manager
	}
	return err
}

// expireInterval is how often recordings older than the retention are looked for.
const expireInterval = time.Hour

// retention is the current routing file's: reloads apply from the next sweep.
func (s *server) retention() recordings.Retention {
	r := s.app.Routing().File.Recordings
	return recordings.Retention{Dir: r.Directory, Prefix: r.Prefix, Keep: r.Retention}
}

// waitForStop reloads the routing file on SIGHUP until SIGTERM or SIGINT (nil), a restart
// asked through the admin API (errRestart), or the app's end (whose error it returns).
func (s *server) waitForStop(signals <-chan os.Signal, restart <-chan struct{}, runErr <-chan error) error {
	for {
		select {
		case err := <-runErr:
			if err == nil {
				err = errors.New("the ARI connection loop ended")
			}
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				_ = s.reloadFile()
				continue
			}
			s.log.Info().Str("signal", sig.String()).Msg("stop asked")
			return nil
		case <-restart:
			s.log.Info().Msg("restart asked through the admin API")
			return errRestart
		}
	}
}
