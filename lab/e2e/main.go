// Command e2e is the SIPp scenario suite of the lab: one scenario (or a small set) per
// feature, played with SIPp callers and phones through the real Asterisk into a running
// ariflow serving lab/e2e/routing.yaml, checked from what a user would notice: which phone
// rang and what it answered or was told (CANCEL, BYE), the caller's SIPp result, the admin
// API (calls, queue log, voicemail, recordings, absence), the Mattermost stand-in's posts
// (read back through its API), and ARI (no channel or bridge left after each scenario).
//
//	go run ./lab/e2e [-run REGEXP] [flags]      (make e2e starts the lab, the app, the stand-in)
//
// It prints a table (scenario | expected | seen | PASS/FAIL) and exits 1 when a scenario
// failed; SIPp's logs of failed scenarios are kept under -logs, those of passing ones
// deleted. It never starts the app: every address is a flag (or its environment variable),
// so the same program runs against the chroot lab and inside a compose network.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ariflow/ariflow/notify/mmtest"
)

// config is where everything is; every field has a flag and an environment variable.
type config struct {
	SIPAddr     string // Asterisk's PJSIP UDP transport
	LocalIP     string // where SIPp binds, and where Asterisk sends the phones' calls
	ARIURL      string
	ARIUser     string
	ARIPassword string
	AdminURL    string
	AdminToken  string
	MMURL       string
	MMToken     string
	MMChannel   string
	Scenarios   string // lab/sipp
	Logs        string
	Run         string
	SIPp        string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.SIPAddr, "sip", envOr("E2E_SIP", "127.0.0.1:15060"), "Asterisk's SIP address (UDP) [E2E_SIP]")
	fs.StringVar(&c.LocalIP, "local-ip", envOr("E2E_LOCAL_IP", "127.0.0.1"), "the IP SIPp binds, where Asterisk sends the phones' calls [E2E_LOCAL_IP]")
	fs.StringVar(&c.ARIURL, "ari-url", envOr("E2E_ARI_URL", "http://127.0.0.1:18088/ari"), "ARI, to check leftovers [E2E_ARI_URL]")
	fs.StringVar(&c.ARIUser, "ari-user", envOr("E2E_ARI_USER", "ariflow"), "ARI user [E2E_ARI_USER]")
	fs.StringVar(&c.ARIPassword, "ari-password", envOr("E2E_ARI_PASSWORD", "ariflow-lab"), "ARI password [E2E_ARI_PASSWORD]")
	fs.StringVar(&c.AdminURL, "admin-url", envOr("E2E_ADMIN_URL", envOr("ARIFLOW_ADMIN_URL", "http://127.0.0.1:15001")), "ariflow's admin API [E2E_ADMIN_URL, ARIFLOW_ADMIN_URL]")
	fs.StringVar(&c.AdminToken, "admin-token", "", "its bearer token [E2E_ADMIN_TOKEN, ARIFLOW_ADMIN_TOKEN]")
	fs.StringVar(&c.MMURL, "mm-url", envOr("E2E_MM_URL", "http://127.0.0.1:18065"), "the Mattermost stand-in (or a Mattermost) [E2E_MM_URL]")
	fs.StringVar(&c.MMToken, "mm-token", "", "a token that may read the channel [E2E_MM_TOKEN, MMSTANDIN_TOKEN; default mmtest's]")
	fs.StringVar(&c.MMChannel, "mm-channel", envOr("E2E_MM_CHANNEL", mmtest.DefaultChannelID), "the channel notices go to [E2E_MM_CHANNEL]")
	fs.StringVar(&c.Scenarios, "scenarios", envOr("E2E_SCENARIOS", "lab/sipp"), "the SIPp scenario directory [E2E_SCENARIOS]")
	fs.StringVar(&c.Logs, "logs", envOr("E2E_LOGS", "lab/e2e/logs"), "where SIPp logs of failed scenarios are kept [E2E_LOGS]")
	fs.StringVar(&c.Run, "run", envOr("E2E_RUN", ""), "play only the scenarios matching this regular expression [E2E_RUN]")
	fs.StringVar(&c.SIPp, "sipp", envOr("E2E_SIPP", "sipp"), "the sipp binary [E2E_SIPP]")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Secrets come from the environment unless given: never a default that works by accident.
	if c.AdminToken == "" {
		c.AdminToken = envOr("E2E_ADMIN_TOKEN", os.Getenv("ARIFLOW_ADMIN_TOKEN"))
	}
	if c.MMToken == "" {
		c.MMToken = envOr("E2E_MM_TOKEN", envOr("MMSTANDIN_TOKEN", mmtest.DefaultToken))
	}
	if c.AdminToken == "" {
		return nil, fmt.Errorf("no admin token: set E2E_ADMIN_TOKEN or ARIFLOW_ADMIN_TOKEN (or -admin-token)")
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// outcome is one row of the table.
type outcome struct {
	name, expected, seen string
	ok                   bool
	took                 time.Duration
	logs                 string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "e2e: %v\n", err)
		return 2
	}
	var pick *regexp.Regexp
	if cfg.Run != "" {
		if pick, err = regexp.Compile(cfg.Run); err != nil {
			fmt.Fprintf(stderr, "e2e: -run: %v\n", err)
			return 2
		}
	}
	if cfg.SIPp, err = exec.LookPath(cfg.SIPp); err != nil {
		fmt.Fprintf(stderr, "e2e: sipp: %v\n", err)
		return 2
	}
	if cfg.Logs, err = filepath.Abs(cfg.Logs); err != nil {
		fmt.Fprintf(stderr, "e2e: %v\n", err)
		return 2
	}
	if cfg.Scenarios, err = filepath.Abs(cfg.Scenarios); err != nil {
		fmt.Fprintf(stderr, "e2e: %v\n", err)
		return 2
	}
	env, err := newEnv(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "e2e: %v\n", err)
		return 2
	}
	defer env.close()

	var rows []outcome
	for _, sc := range scenarios() {
		if pick != nil && !pick.MatchString(sc.name) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stderr, "e2e: %s ...\n", sc.name)
		o := env.play(ctx, sc)
		verdict := "PASS"
		if !o.ok {
			verdict = "FAIL"
		}
		fmt.Fprintf(stderr, "e2e: %s %s (%s): %s\n", sc.name, verdict, o.took.Round(100*time.Millisecond), o.seen)
		rows = append(rows, o)
	}
	if len(rows) == 0 {
		fmt.Fprintf(stderr, "e2e: no scenario matches -run %q\n", cfg.Run)
		return 2
	}
	failed := printTable(stdout, rows)
	if failed > 0 {
		fmt.Fprintf(stdout, "\n%d of %d scenarios failed; SIPp logs kept in %s\n", failed, len(rows), cfg.Logs)
		return 1
	}
	fmt.Fprintf(stdout, "\nall %d scenarios passed\n", len(rows))
	return 0
}

// printTable writes the table and returns how many failed.
func printTable(w io.Writer, rows []outcome) int {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "scenario\t| expected\t| seen\t| result")
	fmt.Fprintln(tw, "--------\t| --------\t| ----\t| ------")
	failed := 0
	for _, r := range rows {
		verdict := "PASS"
		if !r.ok {
			verdict = "FAIL (logs: " + r.logs + ")"
			failed++
		}
		fmt.Fprintf(tw, "%s\t| %s\t| %s\t| %s\n", r.name, oneLine(r.expected), oneLine(r.seen), verdict)
	}
	_ = tw.Flush()
	return failed
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
