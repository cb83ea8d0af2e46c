# make fuzz: every fuzz target of the module, found with `go test -list '^Fuzz'`, run one
# after the other for FUZZTIME each (30s) with FUZZPARALLEL workers (2: the machine has 2
# cores). The first crash stops the run and fails it; Go keeps the failing input in the
# package's testdata/fuzz/<Target>/, where it stays, committed with the fix, as a
# regression test (plain `go test` runs every file there). Needs no lab.
#
#   make fuzz                 all targets, 30 s each
#   make fuzz FUZZTIME=5m     longer
#   make fuzz-list            package and targets, one package per line
FUZZTIME ?= 30s
FUZZPARALLEL ?= 2

.PHONY: fuzz fuzz-list

fuzz-list:
	@set -o pipefail; $(GO) test -list '^Fuzz' ./... | \
	  awk '/^Fuzz/ { names = names " " $$1 } /^ok/ { if (names != "") print $$2 names; names = "" }'

fuzz:
	@set -eo pipefail; \
	list="$$($(MAKE) -s --no-print-directory fuzz-list)"; \
	[ -n "$$list" ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }; \
	n=0; \
	while read -r pkg targets; do \
	  for target in $$targets; do \
	    n=$$((n + 1)); \
	    echo "== fuzz $$pkg $$target for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) "$$pkg" || \
	      { echo "fuzz: $$target in $$pkg failed; the input is in its testdata/fuzz/$$target/" >&2; exit 1; }; \
	  done; \
	done <<< "$$list"; \
	echo "fuzz: $$n targets, $(FUZZTIME) each, no crash"
