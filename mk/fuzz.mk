# make fuzz: every fuzz target of the module, found with `go test -list '^Fuzz'`, each run
# for FUZZTIME (30s) with FUZZPARALLEL workers (1), FUZZJOBS targets at a time (3: on the
# machine's 2 cores the six targets take about a minute and a half instead of three). Each
# new input that finds new code is shrunk for at most FUZZMINIMIZE (1s): with Go's default
# of 60 s, a target whose seeds are large (the routing file) spent its whole 30 s
# shrinking its first find and tried about 10 inputs; with 1 s it tries tens of thousands. A
# crash fails the run, once every target has had its turn (mk/fuzz-one.sh runs a target again
# once when Go's coordinator fails it with no crash, golang/go#75804); Go keeps the failing input in
# the package's testdata/fuzz/<Target>/, where it stays, committed with the fix, as a
# regression test (plain `go test` runs every file there). Needs no lab.
#
#   make fuzz                 all targets, 30 s each
#   make fuzz FUZZTIME=5m     longer
#   make fuzz-list            package and targets, one package per line
FUZZTIME ?= 30s
FUZZPARALLEL ?= 1
FUZZJOBS ?= 3
FUZZMINIMIZE ?= 1s

.PHONY: fuzz fuzz-list

fuzz-list:
	@set -o pipefail; $(GO) test -list '^Fuzz' ./... | \
	  awk '/^Fuzz/ { names = names " " $$1 } /^ok/ { if (names != "") print $$2 names; names = "" }'

# One line "package target" per target, then xargs runs FUZZJOBS of them at once; each
# target's output is printed whole when it ends, so that the outputs do not interleave.
fuzz:
	@set -eo pipefail; \
	list="$$($(MAKE) -s --no-print-directory fuzz-list)"; \
	[ -n "$$list" ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }; \
	jobs=$$(while read -r pkg targets; do for t in $$targets; do echo "$$pkg $$t"; done; done <<< "$$list"); \
	n=$$(wc -l <<< "$$jobs"); \
	echo "fuzz: $$n targets, $(FUZZTIME) each, $(FUZZJOBS) at a time"; \
	GO="$(GO)" FUZZTIME=$(FUZZTIME) FUZZMINIMIZE=$(FUZZMINIMIZE) FUZZPARALLEL=$(FUZZPARALLEL) \
	  xargs -P $(FUZZJOBS) -L 1 bash mk/fuzz-one.sh <<< "$$jobs" || \
	  { echo "fuzz: a target failed (above)" >&2; exit 1; }; \
	echo "fuzz: $$n targets, $(FUZZTIME) each, no crash"
