#!/usr/bin/env bash
# mk/fuzz-one.sh PACKAGE TARGET: one fuzz target for make fuzz (mk/fuzz.mk), which sets GO,
# FUZZTIME, FUZZMINIMIZE and FUZZPARALLEL. Prints the target's whole output at once.
#
# Go 1.26's fuzzing coordinator can fail a target with a bare "context deadline exceeded"
# as -fuzztime runs out, having found nothing (golang/go#75804, fixed for Go 1.27; seen here
# on a busy machine). A target that fails that way, writing no failing input, runs once
# more; a crash (Go says "Failing input written to ...") fails at once, as does a second
# failure.
set -u
pkg=$1 target=$2
run() {
	"$GO" test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZE" \
		-parallel "$FUZZPARALLEL" "$pkg" 2>&1
}
out=$(run)
rc=$?
printf '== fuzz %s %s for %s\n%s\n' "$pkg" "$target" "$FUZZTIME" "$out"
if [ $rc != 0 ] && [[ $out != *"Failing input written to"* && $out == *"context deadline exceeded"* ]]; then
	echo "fuzz: $target in $pkg stopped with Go's \"context deadline exceeded\" and no failing input (golang/go#75804): once more" >&2
	out=$(run)
	rc=$?
	printf '== fuzz %s %s for %s, again\n%s\n' "$pkg" "$target" "$FUZZTIME" "$out"
fi
[ $rc = 0 ] || echo "fuzz: $target in $pkg failed; a failing input, if any, is in its testdata/fuzz/$target/" >&2
exit $rc
