// Command ariflow runs an office phone system's call logic as an Asterisk Stasis
// application, and checks and explains its routing file.
//
//	ariflow serve FILE                          run the application
//	ariflow check FILE                          validate a routing file
//	ariflow simulate FILE --from 2000 --to 1000 --at "2026-11-23 18:05"
//	ariflow calls | originate ENDPOINT EXTEN | redirect CHANNEL EXTEN | hangup CHANNEL |
//	        recordings [EXTEN] | absence [EXTEN on|off] | queue [NAME] | rooms [NAME] |
//	        create-room NAME | invite ROOM ENDPOINT | reload | restart
//	        (the admin API's CLI)
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  ariflow serve FILE [--log-format json|console] [--log-level info] [--drain 30s]
  ariflow check FILE
  ariflow simulate FILE --from CALLER --to NUMBER [--at "YYYY-MM-DD HH:MM"] [--digits KEYS] [--no-db]

Admin commands talk to a running ariflow's admin API (ARIFLOW_ADMIN_URL, default
http://127.0.0.1:5001, with the token ARIFLOW_ADMIN_TOKEN); --json prints the API's JSON:
  ariflow calls
  ariflow originate ENDPOINT EXTEN        e.g. ariflow originate PJSIP/2000 1000
  ariflow redirect CHANNEL EXTEN
  ariflow hangup CHANNEL
  ariflow recordings [EXTEN]
  ariflow absence [EXTEN on|off]
  ariflow queue [NAME]
  ariflow rooms [NAME]
  ariflow create-room NAME [MAX_MEMBERS [PIN [ADMIN_PIN]]]
  ariflow invite ROOM ENDPOINT            e.g. ariflow invite Salle_2 PJSIP/2000
  ariflow reload
  ariflow restart                         drain, then exit for the service manager
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		restartWithSysmonSetting() // sysmon.go: returns only when it does not restart
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "simulate", "explain":
		return simulate(args[1:], stdout, stderr)
	case "calls", "originate", "invite", "redirect", "hangup", "recordings", "absence", "reload", "queue", "rooms",
		"create-room", "restart":
		return adminCLI(args[0], args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ariflow: unknown command %q\n%s", args[0], usage)
	return 2
}
