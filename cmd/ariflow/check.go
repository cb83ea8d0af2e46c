package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/schedule"
	"github.com/ariflow/ariflow/store"
)

// check validates a routing file: every problem is printed as file:line: what is wrong.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path, err := parseWithFile(fs, args)
	if err != nil {
		return 2
	}
	if !config.Check(path, stdout) {
		return 1
	}
	return 0
}

// simulate explains what a call would do, without placing it.
func simulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the caller's number, e.g. 2000")
	to := fs.String("to", "", "the dialed number, e.g. 1000")
	at := fs.String("at", "", "when, in the routing file's time zone: "+schedule.WhenFormats+" (default: now)")
	noDB := fs.Bool("no-db", false, "ignore the database (absence modes)")
	digits := fs.String("digits", "", `keys pressed in menus, in order: 0-9 * #, and t for no key until the timeout (e.g. "5t1")`)
	path, err := parseWithFile(fs, args)
	if err != nil {
		return 2
	}
	if *to == "" {
		fmt.Fprintln(stderr, "ariflow simulate: --to is required")
		return 2
	}
	file, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	when := time.Now().In(file.Location())
	if *at != "" {
		when, err = schedule.ParseWhen(*at, when)
		if err != nil {
			fmt.Fprintf(stderr, "ariflow simulate: --at %v\n", err)
			return 2
		}
	}
	services := app.Services{Now: func() time.Time { return when }}
	if !*noDB {
		if db := openForSimulate(file.DatabasePath(), stdout); db != nil {
			defer db.Close()
			services.Absence = absence.New(db, nil)
		}
	}
	routing, err := app.NewRouting(file, services)
	if err != nil {
		fmt.Fprintln(stderr, "ariflow simulate:", err)
		return 1
	}
	steps, err := routing.ExplainKeys(*from, *to, *digits, when)
	fmt.Fprintf(stdout, "%s calls %s on %s\n", *from, *to, when.In(file.Location()).Format("Monday 2006-01-02 15:04 MST"))
	for i, s := range steps {
		fmt.Fprintf(stdout, "  %d. %s\n", i+1, s)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ariflow simulate:", err)
		return 1
	}
	return 0
}

// openForSimulate opens the database to read absence modes, or says on out why it cannot
// and returns nil: simulate then goes on as if nobody were absent. It never creates the
// file, and does not wait for a running ariflow serve to let go of it.
func openForSimulate(path string, out io.Writer) *store.DB {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "(no database yet at %s: nobody is absent)\n", path)
		return nil
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		fmt.Fprintf(out, "(absence modes not read: %v; ariflow serve holds the database while it runs, and the admin API's simulate reads them)\n", err)
		return nil
	}
	return db
}
