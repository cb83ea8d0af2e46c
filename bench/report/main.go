// Command report turns the raw data of make bench and make soak into the Markdown reports
// (and the bench's SVG plot) of bench/results. It has no dependencies beyond the standard
// library, so it runs anywhere the repository builds.
//
//	go run ./bench/report bench -run RUN_DIR -out bench/results
//	go run ./bench/report soak  -run RUN_DIR -out bench/results
//
// RUN_DIR is what bench/bench.sh or bench/soak.sh wrote (bench/README.md describes both).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "bench" && args[0] != "soak") {
		fmt.Fprintln(stderr, "usage: report bench|soak -run RUN_DIR -out DIR")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	runDir := fs.String("run", "", "the raw data of the run")
	out := fs.String("out", "bench/results", "where the reports go")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *runDir == "" {
		fmt.Fprintln(stderr, "report: -run is required")
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	write := writeBench
	if args[0] == "soak" {
		write = writeSoak
	}
	path, err := write(*runDir, *out)
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	fmt.Fprintln(stdout, "report: wrote", path)
	return 0
}
